import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Tokens are never logged on purpose; the redaction list is a second line of defence against
 * a request or an options object being logged whole.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'portico-api' },
    redact: ['req.headers.authorization', 'headers.authorization', 'adminToken', 'proxyToken', '*.adminToken', '*.proxyToken'],
  };
  return destination ? pino(options, destination) : pino(options);
}
