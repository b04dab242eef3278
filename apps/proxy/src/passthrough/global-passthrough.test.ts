import { describe, expect, it } from 'vitest';
import { RouteIndex } from '@portico/matcher';
import { emptyConfig, type VirtualHost } from '@portico/model';
import { allowedPattern, claimedByHost, globalPassthroughVerdict } from './global-passthrough.js';

const settings = (allowedNames: string[]) => ({ upstreamPort: 443, allowedNames });

describe('allowedPattern', () => {
  it('matches exact names, and *.suffix for exactly one more label', () => {
    const s = settings(['api.example.com', '*.svc.example.org']);
    expect(allowedPattern(s, 'api.example.com')).toBe('api.example.com');
    expect(allowedPattern(s, 'x.api.example.com')).toBeNull();
    expect(allowedPattern(s, 'a.svc.example.org')).toBe('*.svc.example.org');
    expect(allowedPattern(s, 'svc.example.org')).toBeNull();
    expect(allowedPattern(s, 'a.b.svc.example.org')).toBeNull();
    expect(allowedPattern(s, 'evilsvc.example.org')).toBeNull();
  });

  it('allows nothing with an empty list, and reads entries case-insensitively', () => {
    expect(allowedPattern(settings([]), 'localhost')).toBeNull();
    expect(allowedPattern(settings(['API.Example.com ']), 'api.example.com')).toBe('api.example.com');
  });
});

describe('globalPassthroughVerdict', () => {
  it('relays allowed names to <SNI>:<upstreamPort> and refuses the rest, and connections without SNI', () => {
    const s = settings(['localhost']);
    expect(globalPassthroughVerdict(s, 'localhost')).toEqual({ action: 'relay', name: 'localhost', port: 443, pattern: 'localhost' });
    expect(globalPassthroughVerdict(s, 'other.example')).toEqual({ action: 'refuse', reason: 'not_allowed' });
    expect(globalPassthroughVerdict(s, null)).toEqual({ action: 'refuse', reason: 'no_sni' });
  });
});

describe('claimedByHost', () => {
  const host = (name: string, tls?: VirtualHost['tls']): VirtualHost => ({
    host: name,
    match: name === '*' ? 'any' : name.startsWith('*.') ? 'wildcard' : 'exact',
    routes: [],
    ...(tls ? { tls } : {}),
  });
  const index = new RouteIndex({
    ...emptyConfig(),
    virtualHosts: [
      host('plain.example.com'),
      host('tls.example.com', { mode: 'terminate', certificateId: null, httpPolicy: 'redirect' }),
      host('*.wild.example.com'),
      host('*'),
    ],
  });

  it('is claimed by exact and wildcard hosts with or without TLS, not by the host-less * rules', () => {
    expect(claimedByHost(index, 'plain.example.com')).toBe(true);
    expect(claimedByHost(index, 'tls.example.com')).toBe(true);
    expect(claimedByHost(index, 'a.wild.example.com')).toBe(true);
    expect(claimedByHost(index, 'elsewhere.example.com')).toBe(false);
  });
});
