import type { Worker } from 'node:cluster';
import type { FromWorker, Replies, ToWorker, WorkerRequest } from './messages.js';

/** What a request resolves to when the worker exits (or is killed for not answering) before it replies. */
export const GONE: unique symbol = Symbol('worker gone');

type Pending = { resolve: (value: unknown) => void; timer: NodeJS.Timeout };
/** A request as the caller writes it: the link adds the `seq`. */
export type RequestBody = WorkerRequest extends infer T ? (T extends WorkerRequest ? Omit<T, 'seq'> : never) : never;

/** The primary's handle on one worker process: requests with replies, its state, and its end. */
export class WorkerLink {
  /** Generation the worker serves (null: none yet, or not started). */
  serving: number | null = null;
  /** Whether the worker listens for messages (before that, a message to it would be lost). */
  isBooted = false;
  /** Whether the worker has applied its first table and listens. */
  started = false;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly onBooted: Promise<void>;

  constructor(readonly worker: Worker) {
    this.onBooted = new Promise((resolve) => {
      worker.on('message', (message: FromWorker) => {
        if (message?.type === 'booted') {
          this.isBooted = true;
          resolve();
        }
        else if (message?.type === 'reply') this.settle(message.seq, message.value);
      });
    });
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code, signal) => {
        for (const seq of [...this.pending.keys()]) this.settle(seq, GONE);
        resolve({ code, signal });
      });
    });
  }

  get id(): number {
    return this.worker.id;
  }

  get pid(): number | undefined {
    return this.worker.process.pid;
  }

  /** Resolves once the worker listens for messages, or GONE if it exits first. */
  booted(): Promise<void | typeof GONE> {
    return Promise.race([this.onBooted, this.exited.then((): typeof GONE => GONE)]);
  }

  /**
   * Sends a request and resolves with the reply, or GONE if the worker exits first. After `timeoutMs` without a
   * reply, `onTimeout` 'kill' ends the worker (it cannot be trusted to serve) and 'skip' just gives up waiting.
   */
  request<K extends RequestBody['type']>(
    message: Extract<RequestBody, { type: K }>,
    timeoutMs: number,
    onTimeout: 'kill' | 'skip',
  ): Promise<Replies[K] | typeof GONE> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (onTimeout === 'kill') this.kill();
        this.settle(seq, GONE);
      }, timeoutMs);
      this.pending.set(seq, { resolve: resolve as (value: unknown) => void, timer });
      if (!this.send({ ...message, seq } as ToWorker)) this.settle(seq, GONE);
    });
  }

  /** Sends without waiting for anything; false when the worker is no longer connected. */
  send(message: ToWorker): boolean {
    if (!this.worker.isConnected()) return false;
    try {
      this.worker.send(message);
      return true;
    } catch {
      return false;
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.worker.isDead()) this.worker.process.kill(signal);
  }

  private settle(seq: number, value: unknown): void {
    const pending = this.pending.get(seq);
    if (!pending) return;
    this.pending.delete(seq);
    clearTimeout(pending.timer);
    pending.resolve(value);
  }
}
