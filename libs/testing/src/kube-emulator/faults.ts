import { qualifiedResource, type ResourceDef } from './resources.js';
import type { GoneWatchMode } from './types.js';

/** Fault switches: failing every request for a while, RBAC-like refusals, how a compacted watch is refused. */
export class Faults {
  private failing?: { status: number; until: number };
  private readonly forbidden = new Set<string>();
  goneMode: GoneWatchMode;

  constructor(goneMode: GoneWatchMode) {
    this.goneMode = goneMode;
  }

  fail(status: number, durationMs: number): void {
    this.failing = { status, until: Date.now() + durationMs };
  }

  /** The status every request answers right now, if failing. */
  failure(): number | undefined {
    if (this.failing && Date.now() < this.failing.until) return this.failing.status;
    this.failing = undefined;
    return undefined;
  }

  forbid(verb: string, resource: string): void {
    this.forbidden.add(`${verb} ${resource}`);
  }

  allow(verb?: string, resource?: string): void {
    if (verb === undefined && resource === undefined) this.forbidden.clear();
    else this.forbidden.delete(`${verb} ${resource}`);
  }

  /** `resource` in forbid() may be the plural (`secrets`), `plural.group`, `plural/subresource` or '*'; `verb` may be '*'. */
  isForbidden(verb: string, def: ResourceDef, subresource: string | undefined): boolean {
    if (this.forbidden.size === 0) return false;
    const sub = subresource ? `/${subresource}` : '';
    const names = [`${def.resource}${sub}`, `${qualifiedResource(def)}${sub}`, '*'];
    return [verb, '*'].some((v) => names.some((n) => this.forbidden.has(`${v} ${n}`)));
  }
}
