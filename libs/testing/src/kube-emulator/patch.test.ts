import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';

describe('patches', () => {
  it('merge patch (RFC 7386): objects merge, null deletes, arrays replace', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3], f: 'x' })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3], f: 'x' });
  });

  it('JSON patch (RFC 6902): add, remove, replace, move, copy, test, escaping and "-"', () => {
    const doc = { metadata: { labels: { 'app.kubernetes.io/name': 'x' } }, list: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'remove', path: '/list/1' },
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'y' },
      { op: 'copy', from: '/list', path: '/copy' },
      { op: 'move', from: '/copy', path: '/moved' },
      { op: 'test', path: '/moved/2', value: 3 },
    ]);
    expect(out).toEqual({ metadata: { labels: { 'app.kubernetes.io/name': 'y' } }, list: [0, 2, 3], moved: [0, 2, 3] });
    expect(doc.list).toEqual([1, 2]);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }])).toThrow(/test operation/);
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/nope', value: 9 }])).toThrow(/does not exist/);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/list/5' }])).toThrow(/out of range/);
  });

  it('strategic merge patch: kubectl directives and merge keys', () => {
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', finalizers: ['a', 'b'], annotations: { x: '1', y: '2' } },
      spec: { ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }], selector: { app: 'web', tier: 'x' } },
    };
    const out = strategicMergePatch(
      service,
      {
        metadata: { annotations: { x: null }, finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: {
          '$setElementOrder/ports': [{ port: 8080 }, { port: 80 }],
          ports: [{ port: 80, targetPort: 9090 }, { port: 8080, name: 'alt' }, { port: 443, $patch: 'delete' }],
          selector: { $patch: 'replace', app: 'api' },
        },
      },
      'Service',
    );
    expect(out.metadata).toEqual({ name: 's', finalizers: ['b', 'c'], annotations: { y: '2' } });
    expect(out.spec.ports).toEqual([{ port: 8080, name: 'alt' }, { name: 'http', port: 80, targetPort: 9090 }]);
    expect(out.spec.selector).toEqual({ app: 'api' });
  });

  it('strategic merge patch: lists without a merge key are replaced; $retainKeys drops the other keys', () => {
    const ing = { spec: { rules: [{ host: 'a' }, { host: 'b' }], strategy: { type: 'A', a: { x: 1 } } } };
    const out = strategicMergePatch(ing, { spec: { rules: [{ host: 'c' }], strategy: { $retainKeys: ['type', 'b'], type: 'B', b: { y: 2 } } } }, 'Ingress');
    expect(out.spec).toEqual({ rules: [{ host: 'c' }], strategy: { type: 'B', b: { y: 2 } } });
  });
});

describe('selectors', () => {
  const obj = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', namespace: 'ns', labels } });

  it('label selectors: =, ==, !=, exists, !exists, in, notin', () => {
    const match = (sel: string, labels: Record<string, string>) => parseLabelSelector(sel)(obj(labels));
    expect(match('a=b', { a: 'b' })).toBe(true);
    expect(match('a==b,c!=d', { a: 'b', c: 'e' })).toBe(true);
    expect(match('a=b,c!=d', { a: 'b', c: 'd' })).toBe(false);
    expect(match('c!=d', {})).toBe(true);
    expect(match('a', { a: '' })).toBe(true);
    expect(match('!a', { a: 'x' })).toBe(false);
    expect(match('env in (prod, staging),tier notin (db)', { env: 'staging', tier: 'web' })).toBe(true);
    expect(match('env in (prod)', {})).toBe(false);
    expect(() => parseLabelSelector('a=(b')).toThrow(/unable to parse/);
  });

  it('field selectors on any dotted path', () => {
    expect(parseFieldSelector('metadata.name=n,metadata.namespace!=other')(obj({}))).toBe(true);
    expect(parseFieldSelector('metadata.namespace==other')(obj({}))).toBe(false);
  });
});
