import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON lines on stdout, the format log collectors in a cluster expect. */
export function createLogger(level: string = process.env.PORTICO_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component: 'portico-proxy' }, timestamp: pino.stdTimeFunctions.isoTime });
}
