import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { Role } from '../auth/bearer-token.guard.js';

export interface AuditTarget {
  kind: string;
  namespace?: string;
  name: string;
}

/** What a caller records: who changed what, and the object before and after (null when it did not exist). */
export interface AuditRecord {
  actor: Role | string;
  /** `create`, `replace`, `patch`, `delete`, or a module's own verb (`settings.update` …). */
  action: string;
  target: AuditTarget;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  id: string;
  /** ISO time the change was recorded. */
  time: string;
  actor: string;
  action: string;
  target: AuditTarget;
  /** Secret data replaced by `[redacted]`, kubectl's last-applied-configuration annotation dropped. */
  before: unknown;
  after: unknown;
}

export const REDACTED = '[redacted]';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEFAULT_AUDIT_CAPACITY = 1000;

/**
 * Every change made through the admin API, newest last, in a bounded ring (the oldest entries drop out) and in the
 * log. Nothing secret is kept: Secrets' `data`/`stringData` values are replaced before the entry is stored.
 */
export class AuditLog {
  private readonly entries: AuditEntry[] = [];
  private readonly logger: Logger;

  constructor(logger: Logger, private readonly capacity = DEFAULT_AUDIT_CAPACITY) {
    this.logger = logger.child({ component: 'audit' });
  }

  record(record: AuditRecord): AuditEntry {
    const entry: AuditEntry = {
      id: randomUUID(),
      time: new Date().toISOString(),
      actor: record.actor,
      action: record.action,
      target: { ...record.target },
      before: redactObject(record.before ?? null, record.target.kind),
      after: redactObject(record.after ?? null, record.target.kind),
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.logger.info({ audit: { id: entry.id, actor: entry.actor, action: entry.action, target: entry.target } }, 'admin change');
    return entry;
  }

  /** Newest first. */
  list(limit = 100): AuditEntry[] {
    return this.entries.slice(-limit).reverse();
  }
}

/** A copy of a Kubernetes object fit for an audit entry. */
export function redactObject(object: unknown, kind?: string): unknown {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return object;
  const copy = structuredClone(object) as Record<string, unknown>;
  const metadata = copy.metadata as { annotations?: Record<string, string> } | undefined;
  if (metadata?.annotations && LAST_APPLIED in metadata.annotations) {
    const { [LAST_APPLIED]: _dropped, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  if (kind === 'Secret' || copy.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const values = copy[field];
      if (values && typeof values === 'object') copy[field] = Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED]));
    }
  }
  return copy;
}
