import { describe, expect, it } from 'vitest';
import { changedPaths } from './audit-diff.js';

describe('changed paths of an audited change', () => {
  const before = { metadata: { name: 'web', resourceVersion: '1', annotations: { a: '1' } }, spec: { rules: [{ host: 'a.example', paths: ['/'] }] } };

  it('names each changed leaf, inside lists too, and ignores bookkeeping', () => {
    const after = { metadata: { name: 'web', resourceVersion: '2', annotations: { a: '2', b: 'new' } }, spec: { rules: [{ host: 'b.example', paths: ['/', '/x'] }] } };
    expect(changedPaths(before, after)).toEqual(['metadata.annotations.a', 'metadata.annotations.b', 'spec.rules[0].host', 'spec.rules[0].paths[1]']);
  });

  it('is empty for equal objects, and the whole object for a create or delete', () => {
    expect(changedPaths(before, structuredClone(before))).toEqual([]);
    expect(changedPaths(null, before)).toEqual(['(whole object)']);
    expect(changedPaths(before, null)).toEqual(['(whole object)']);
  });
});
