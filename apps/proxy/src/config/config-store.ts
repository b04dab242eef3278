import { performance } from 'node:perf_hooks';
import { RoutingTableSchema, type RoutingTable } from '@portico/model';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import type { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { buildActiveConfig, type ActiveConfig } from './active-config.js';
import type { ApplyTarget } from './apply-target.js';
import { LastGoodWriter } from './last-good-file.js';

export type ApplyResult =
  | { ok: true; generation: number; applyMs: number }
  | { ok: false; generation: number | null; applyMs: number; error: string };

export interface ConfigStoreDeps {
  upstreams: UpstreamRegistry;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Where last-good.json goes; null disables persistence. */
  stateDir: string | null;
}

/**
 * Owns the one reference the request path reads (`current`). Applying validates, builds the next generation and
 * swaps the reference synchronously: a request sees either the old generation or the new one, never a mix, and
 * requests already running keep the objects they started with.
 */
export class ConfigStore implements ApplyTarget {
  private active: ActiveConfig | null = null;
  private readonly lastGood: LastGoodWriter;

  constructor(private readonly deps: ConfigStoreDeps) {
    this.lastGood = new LastGoodWriter(deps.stateDir, deps.logger);
  }

  get current(): ActiveConfig | null {
    return this.active;
  }

  get generation(): number | null {
    return this.active?.generation ?? null;
  }

  /** Validates `candidate` as a RoutingTable and serves it, or leaves the current table in place. */
  apply(candidate: unknown, { persist = true }: { persist?: boolean } = {}): ApplyResult {
    const started = performance.now();
    const parsed = RoutingTableSchema.safeParse(candidate);
    if (!parsed.success) {
      return this.rejected(generationOf(candidate), started, `invalid routing table: ${summarizeIssues(parsed.error.issues)}`);
    }
    const table = parsed.data;
    let next: ActiveConfig;
    try {
      next = buildActiveConfig(table, this.deps.upstreams, this.active, this.deps.logger);
    } catch (err) {
      return this.rejected(table.generation, started, (err as Error).message);
    }
    this.active = next;
    const applyMs = performance.now() - started;
    this.deps.metrics.configGeneration.set(table.generation);
    this.deps.metrics.configApplySeconds.observe(applyMs / 1000);
    this.deps.logger.info({ generation: table.generation, applyMs, routes: countRoutes(table), clusters: table.clusters.length }, 'routing table applied');
    if (persist) this.lastGood.save(table);
    return { ok: true, generation: table.generation, applyMs };
  }

  /** Resolves once every table applied so far has been written (tests, shutdown). */
  flush(): Promise<void> {
    return this.lastGood.flush();
  }

  private rejected(generation: number | null, started: number, error: string): ApplyResult {
    this.deps.logger.warn({ generation, error, servingGeneration: this.generation }, 'routing table rejected');
    return { ok: false, generation, applyMs: performance.now() - started, error };
  }
}

/** The generation a candidate table claims, if it carries a usable one (to name it in a rejection). */
export function generationOf(candidate: unknown): number | null {
  const g = (candidate as { generation?: unknown } | null)?.generation;
  return typeof g === 'number' && Number.isInteger(g) && g >= 0 ? g : null;
}

function summarizeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const text = issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return issues.length > 5 ? `${text}; and ${issues.length - 5} more` : text;
}

function countRoutes(table: RoutingTable): number {
  let n = 0;
  for (const vhost of table.virtualHosts) n += vhost.routes.length;
  return n;
}
