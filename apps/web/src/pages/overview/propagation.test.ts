import { describe, expect, it } from 'vitest';
import { propagationSummary } from './propagation.js';

describe('propagationSummary', () => {
  it('counts connected proxies that applied the current generation', () => {
    expect(
      propagationSummary({
        ready: true,
        generation: 4,
        proxies: [
          { id: 'a', appliedGeneration: 4, connected: true },
          { id: 'b', appliedGeneration: 3, connected: true },
          { id: 'c', appliedGeneration: 4, connected: false },
        ],
      }),
    ).toBe('applied to 1/2 proxies');
    expect(propagationSummary({ ready: true, generation: 1, proxies: [{ id: 'a', appliedGeneration: 1, connected: true }] })).toBe('applied to 1/1 proxy');
    expect(propagationSummary({ ready: false, generation: 1, proxies: [] })).toBe('no proxy connected');
  });
});
