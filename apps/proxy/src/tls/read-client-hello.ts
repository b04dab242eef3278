import type { Socket } from 'node:net';
import { ClientHelloParser, type ClientHello } from './client-hello.js';

export interface ReadClientHelloOptions {
  /** Give up after this long without a complete ClientHello (callers use 10 s). Positive and finite. */
  timeoutMs: number;
  /** Bound on the wire size of the ClientHello records (see DEFAULT_MAX_CLIENT_HELLO_BYTES). */
  maxBytes: number;
}

export type ReadClientHelloResult = { hello: ClientHello; buffered: Buffer } | { error: string };

interface Waiter {
  /** performance.now() at which the read gives up. */
  readonly deadline: number;
  readonly expire: () => void;
}

/**
 * The pending reads of one timeout value, oldest first, behind one timer: a read costs a Set insertion and deletion
 * instead of a timer of its own (a Timeout object, and Node's list for that duration created and torn down whenever
 * it empties, which it does between most connections). Reads with the same timeout expire in arrival order, so the
 * timer only ever needs to be armed for the oldest.
 */
class DeadlineQueue {
  private readonly waiting = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly timeoutMs: number) {}

  add(expire: () => void): Waiter {
    const waiter: Waiter = { deadline: performance.now() + this.timeoutMs, expire };
    this.waiting.add(waiter);
    if (this.timer === null) this.arm(this.timeoutMs);
    return waiter;
  }

  /** A read that settled otherwise; the timer is left running (it re-arms for the next read, or stops). */
  delete(waiter: Waiter): void {
    this.waiting.delete(waiter);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.fire, delayMs);
    // Like a socket timeout it does not hold the process open: the sockets it watches do.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = performance.now();
    const expired: Waiter[] = [];
    for (const waiter of this.waiting) {
      if (waiter.deadline > now) {
        this.arm(Math.max(1, Math.ceil(waiter.deadline - now)));
        break;
      }
      this.waiting.delete(waiter);
      expired.push(waiter);
    }
    // Re-armed before any expiry runs, so nothing an expiry does can leave later reads without a timer.
    for (const waiter of expired) waiter.expire();
  };
}

const queues = new Map<number, DeadlineQueue>();
function deadlineQueue(timeoutMs: number): DeadlineQueue {
  let queue = queues.get(timeoutMs);
  if (!queue) queues.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
  return queue;
}

/**
 * Reads a connection's first bytes until they hold a complete ClientHello, without consuming them for good: the
 * result carries every byte read (`buffered`, which may include bytes sent after the ClientHello, such as TLS 1.3
 * early data), so the caller either `socket.unshift(buffered)` and hands the socket to node:tls (a TLSSocket reads a
 * wrapped socket's buffered data first), or writes `buffered` to a passthrough backend before splicing the sockets.
 *
 * On resolution every listener and the timer added here are gone and the socket is paused, so no byte is lost
 * between now and the caller's next step. The socket is never destroyed here: the caller decides (close, log, count).
 * The caller must keep its own 'error' listener on the socket, before and after: ours is removed on resolution.
 */
export function readClientHello(socket: Socket, options: ReadClientHelloOptions): Promise<ReadClientHelloResult> {
  const { timeoutMs, maxBytes } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive and finite, got ${timeoutMs}`);
  const parser = new ClientHelloParser(maxBytes);

  if (socket.destroyed || socket.readableEnded) {
    return Promise.resolve({ error: 'connection closed before the ClientHello' });
  }

  const queue = deadlineQueue(timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: ReadClientHelloResult): void => {
      if (settled) return;
      settled = true;
      queue.delete(waiter);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onError);
      // Removing the 'data' listener does not stop a flowing stream; pausing does, leaving later bytes buffered.
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      const result = parser.push(chunk);
      if (result.state === 'done') settle({ hello: result.hello, buffered: parser.buffered });
      else if (result.state === 'error') settle({ error: `invalid ClientHello: ${result.reason}` });
    };
    const onEnd = (): void => settle({ error: 'connection ended before the ClientHello was complete' });
    const onClose = (): void => settle({ error: 'connection closed before the ClientHello was complete' });
    const onError = (err: Error): void => settle({ error: `socket error before the ClientHello was complete: ${err.message}` });
    const waiter = queue.add(() => settle({ error: 'ClientHello timeout' }));

    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.resume();
  });
}
