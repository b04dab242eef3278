import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The access log writes a line per request: written one by one, each line is a write on libuv's thread pool, which
 * the profile of the small-response benchmark showed costing more than formatting it. Lines are batched up to
 * this size instead, flushed at least every FLUSH_INTERVAL_MS (so a quiet proxy's warnings are not held back) and at
 * exit (pino registers that for asynchronous destinations).
 */
const BATCH_BYTES = 4096;
const FLUSH_INTERVAL_MS = 250;

/**
 * A write of at most this many bytes to a pipe is atomic (POSIX PIPE_BUF on Linux): with --workers, every process
 * writes to the same stdout, so each write is whole lines of at most this size and no line is cut by another's.
 */
const PIPE_BUF = 4096;

/**
 * JSON lines on stdout, the format log collectors in a cluster expect. `sharedStdout`: other processes write to the
 * same stdout (--workers), so writes are kept whole-line and atomic.
 */
export function createLogger(level: string = process.env.PORTICO_LOG_LEVEL ?? 'info', { sharedStdout = false }: { sharedStdout?: boolean } = {}): Logger {
  const batching = sharedStdout ? { minLength: PIPE_BUF / 2, maxWrite: PIPE_BUF } : { minLength: BATCH_BYTES };
  const destination = pino.destination({ dest: 1, sync: false, ...batching, periodicFlush: FLUSH_INTERVAL_MS });
  return pino({ level, base: { component: 'portico-proxy' }, timestamp: isoTimeOncePerMs }, destination);
}

let stampedAt = -1;
let stamp = '';

/** pino's isoTime, formatted once per millisecond rather than once per line (many lines share one under load). */
export function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}
