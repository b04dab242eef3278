import type { Diagnostic } from '@portico/model';
import type { Logger } from '../logging/logger.js';
import { stableJson } from '../shared/stable-json.js';

const LEVEL = { error: 'error', warning: 'warn', info: 'info' } as const;

/** Logs a diagnostic when it first appears and once more when it is resolved, not on every compile. */
export class DiagnosticLog {
  private seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  update(diagnostics: readonly Diagnostic[]): void {
    const current = new Map(diagnostics.map((diagnostic) => [stableJson(diagnostic), diagnostic]));
    for (const [key, diagnostic] of current) {
      if (!this.seen.has(key)) this.logger[LEVEL[diagnostic.severity]]({ diagnostic }, diagnostic.message);
    }
    const resolved = [...this.seen].filter((key) => !current.has(key)).length;
    if (resolved > 0) this.logger.info({ resolved }, 'diagnostics resolved');
    this.seen = new Set(current.keys());
  }
}
