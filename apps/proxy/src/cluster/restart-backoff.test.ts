import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('restarts at once a few times a minute, then waits twice as long each time up to 30 s, and forgets after a minute', () => {
    let now = 0;
    const backoff = new RestartBackoff(() => now);
    const delays = Array.from({ length: 12 }, () => backoff.next());
    expect(delays).toEqual([0, 0, 0, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    now += 60_001;
    expect(backoff.next()).toBe(0);
  });
});
