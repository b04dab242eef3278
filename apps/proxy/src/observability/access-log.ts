import type { Logger } from './logger.js';

export interface AccessRecord {
  method: string | undefined;
  host: string | undefined;
  path: string;
  status: number;
  durationMs: number;
  bytes: number;
  routeId: string;
  clusterId: string | null;
  upstream: string | null;
  clientIp: string;
}

/** One JSON line per request (pino adds `time`). A flat record keeps serialisation cheap. */
export class AccessLog {
  constructor(private readonly logger: Logger) {}

  write(record: AccessRecord): void {
    if (!this.logger.isLevelEnabled('info')) return;
    this.logger.info(record, 'access');
  }
}
