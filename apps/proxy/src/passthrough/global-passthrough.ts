import type { GlobalPassthrough } from '@portico/model';
import type { RouteIndex } from '@portico/matcher';
import type { PassthroughRefusedReason } from '../observability/metrics.js';

/** What global passthrough does with a connection that no host of the table claims. */
export type GlobalPassthroughVerdict =
  | { action: 'relay'; name: string; port: number; /** The allow-list entry that matched: a bounded metric label. */ pattern: string }
  | { action: 'refuse'; reason: PassthroughRefusedReason };

interface AllowList {
  exact: ReadonlySet<string>;
  /** `*.example.com` stored as `.example.com`. */
  suffixes: ReadonlySet<string>;
}

// Built once per table's settings object, not per connection; the WeakMap lets it go with the table.
const compiled = new WeakMap<GlobalPassthrough, AllowList>();

function allowListOf(settings: GlobalPassthrough): AllowList {
  let list = compiled.get(settings);
  if (!list) {
    const exact = new Set<string>();
    const suffixes = new Set<string>();
    for (const raw of settings.allowedNames) {
      const name = raw.trim().toLowerCase();
      if (name.startsWith('*.')) suffixes.add(name.slice(1));
      else if (name !== '') exact.add(name);
    }
    list = { exact, suffixes };
    compiled.set(settings, list);
  }
  return list;
}

/**
 * The allow-list entry `name` matches, or null. An exact entry matches that name; `*.example.com` matches exactly
 * one more label (`a.example.com`, not `example.com` nor `a.b.example.com`), as Ingress host wildcards do, so an
 * entry never opens more of a domain than it appears to.
 */
export function allowedPattern(settings: GlobalPassthrough, name: string): string | null {
  const list = allowListOf(settings);
  if (list.exact.has(name)) return name;
  const dot = name.indexOf('.');
  if (dot <= 0) return null;
  const suffix = name.slice(dot);
  return list.suffixes.has(suffix) ? '*' + suffix : null;
}

/**
 * Whether a host of the table claims `serverName` on the TLS port: an exact or wildcard virtual host for that name,
 * with or without TLS settings (one without is served the default certificate and routed as usual). The host-less
 * `*` rules and the default backend do not claim names: otherwise any table with a catch-all would turn global
 * passthrough off.
 */
export function claimedByHost(index: RouteIndex, serverName: string): boolean {
  if (index.tlsHost(serverName)) return true;
  // hostChain allocates; it runs only for names no TLS host claims, and only when global passthrough is on.
  for (const vhost of index.hostChain(serverName)) if (vhost.match !== 'any') return true;
  return false;
}

/**
 * FSM's global passthrough (`sslPassthrough.enabled` + `upstreamPort`), for a connection whose SNI no host claims:
 * relayed as raw TCP to `<SNI>:<upstreamPort>` when the name is on the allow-list, refused otherwise, and refused
 * without SNI (there is no name to relay to). The allow-list is what keeps this from being an open relay.
 */
export function globalPassthroughVerdict(settings: GlobalPassthrough, serverName: string | null): GlobalPassthroughVerdict {
  if (!serverName) return { action: 'refuse', reason: 'no_sni' };
  const pattern = allowedPattern(settings, serverName);
  if (pattern === null) return { action: 'refuse', reason: 'not_allowed' };
  return { action: 'relay', name: serverName, port: settings.upstreamPort, pattern };
}
