/** Restarts within this window count towards the backoff. */
const WINDOW_MS = 60_000;
/** Restarts in the window that go ahead at once; later ones wait, twice as long each time. */
const FREE_RESTARTS = 3;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/**
 * Bounds how fast crashed workers are restarted: a worker that dies now and then is replaced at once, one that keeps
 * dying (a bad table, a bug) waits longer each time, up to 30 s, instead of spinning the CPU.
 */
export class RestartBackoff {
  private readonly restarts: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a restart and says how long to wait before it. */
  next(): number {
    const now = this.now();
    while (this.restarts.length > 0 && this.restarts[0]! <= now - WINDOW_MS) this.restarts.shift();
    this.restarts.push(now);
    const excess = this.restarts.length - FREE_RESTARTS;
    return excess <= 0 ? 0 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (excess - 1));
  }
}
