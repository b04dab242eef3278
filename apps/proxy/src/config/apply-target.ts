import type { ApplyResult } from './config-store.js';

/**
 * Where the config subscription applies the tables it receives and what it acknowledges: the in-process ConfigStore
 * (one process), or the cluster primary's fan-out to every worker (`--workers N`), which answers once all of them
 * have applied the table.
 */
export interface ApplyTarget {
  /** Generation served (every worker, in a cluster), or null before the first table; sent when (re)subscribing. */
  readonly generation: number | null;
  apply(candidate: unknown): ApplyResult | Promise<ApplyResult>;
}
