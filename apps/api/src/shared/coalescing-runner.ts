/**
 * Runs an async task at most once at a time. Requests that arrive while it runs are merged into one more run, which
 * receives the earliest request time of the batch, so a burst of changes costs one run and its latency is still
 * measured from the first change.
 */
export class CoalescingRunner {
  private pendingSince: number | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly task: (earliestRequestAt: number) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Resolves when the run that includes this request has finished. */
  request(at: number): Promise<void> {
    this.pendingSince = Math.min(this.pendingSince ?? at, at);
    this.running ??= this.drain();
    return this.running;
  }

  /** Resolves when nothing is running or pending. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    // Yield once so that requests made in the same tick join this run.
    await null;
    try {
      while (this.pendingSince !== undefined) {
        const since = this.pendingSince;
        this.pendingSince = undefined;
        try {
          await this.task(since);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
