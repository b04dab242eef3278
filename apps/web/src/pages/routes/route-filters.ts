import { TLS_MODES, type TlsMode } from '../../components/tls-mode.js';
import { hostModes, hostNamespaces, type HostSummary } from '../../components/host-modes.js';

/** What the route map shows, kept in the URL query so any view can be linked to and survives a reload. */
export interface RouteFilters {
  /** Free text matched against host names, paths and services. */
  q: string;
  namespace: string | null;
  host: string | null;
  mode: TlsMode | null;
  view: 'graph' | 'table';
}

const isMode = (value: string | null): value is TlsMode => value !== null && Object.hasOwn(TLS_MODES, value);

export function readFilters(params: URLSearchParams): RouteFilters {
  const mode = params.get('mode');
  return {
    q: params.get('q') ?? '',
    namespace: params.get('namespace') || null,
    host: params.get('host') || null,
    // An unknown mode in a hand-edited link is ignored rather than showing nothing.
    mode: isMode(mode) ? mode : null,
    view: params.get('view') === 'table' ? 'table' : 'graph',
  };
}

/** Only what differs from the defaults goes into the URL, so a plain /routes link stays plain. */
export function writeFilters(filters: RouteFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q);
  if (filters.namespace) params.set('namespace', filters.namespace);
  if (filters.host) params.set('host', filters.host);
  if (filters.mode) params.set('mode', filters.mode);
  if (filters.view === 'table') params.set('view', 'table');
  return params;
}

/** The text a host is searched by: its name, its routes' paths and the services behind them. */
export interface Searchable {
  summary: HostSummary;
  paths: string[];
  services: string[];
}

export function matchesFilters(entry: Searchable, filters: RouteFilters): boolean {
  const { summary } = entry;
  if (filters.host && summary.host !== filters.host) return false;
  if (filters.namespace && !hostNamespaces(summary).includes(filters.namespace)) return false;
  if (filters.mode && !hostModes(summary).includes(filters.mode)) return false;
  const needle = filters.q.trim().toLowerCase();
  if (!needle) return true;
  return [summary.host, ...entry.paths, ...entry.services].some((text) => text.toLowerCase().includes(needle));
}

export const hasFilters = (filters: RouteFilters) => Boolean(filters.q.trim() || filters.namespace || filters.host || filters.mode);
