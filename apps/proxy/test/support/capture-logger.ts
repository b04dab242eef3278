import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A logger that keeps every line it writes (JSON text), for tests that check what is, and is not, logged. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
