import { describe, expect, it } from 'vitest';
import { normalizeHost, normalizePath, wildcardParent } from '../src/index.js';

describe('normalizePath', () => {
  const ok: Array<[string, string]> = [
    ['/', '/'],
    ['/foo', '/foo'],
    ['/foo?x=1', '/foo'],
    ['/foo/', '/foo/'],
    ['//foo///bar', '/foo/bar'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/../../..', '/'],
    ['/a/%2e%2e/b', '/b'],
    ['/%7Euser/%41', '/~user/A'],
    ['/a%2fb', '/a%2Fb'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a/.hidden/..x', '/a/.hidden/..x'],
  ];
  for (const [input, expected] of ok) {
    it(`${input} → ${expected}`, () => expect(normalizePath(input)).toEqual({ ok: true, path: expected }));
  }
  it('rejects a path that does not start with /', () => expect(normalizePath('foo').ok).toBe(false));
  it('rejects malformed percent-encoding', () => {
    expect(normalizePath('/a%zz')).toEqual({ ok: false, reason: 'malformed percent-encoding in path' });
    expect(normalizePath('/a%2').ok).toBe(false);
  });
});

describe('normalizeHost', () => {
  it('lower-cases, strips the port and a trailing dot', () => {
    expect(normalizeHost('Foo.Example.COM:8080')).toBe('foo.example.com');
    expect(normalizeHost('example.com.')).toBe('example.com');
    expect(normalizeHost('[::1]:8000')).toBe('[::1]');
    expect(normalizeHost(undefined)).toBe('');
  });
  it('wildcardParent replaces exactly the leftmost label', () => {
    expect(wildcardParent('bar.foo.com')).toBe('*.foo.com');
    expect(wildcardParent('localhost')).toBeNull();
  });
});
