import { describe, expect, it } from 'vitest';
import { defaultWorkerCount, MAX_WORKERS } from './worker-count.js';

describe('defaultWorkerCount', () => {
  it('is one per available CPU', () => {
    expect(defaultWorkerCount(1)).toBe(1);
    expect(defaultWorkerCount(2)).toBe(2);
    expect(defaultWorkerCount(16)).toBe(16);
  });

  it('stays within what --workers accepts on a node with more CPUs than that', () => {
    expect(defaultWorkerCount(96)).toBe(MAX_WORKERS);
    expect(defaultWorkerCount(0)).toBe(1);
  });
});
