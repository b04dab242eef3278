import { useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/problem.js';
import { useSession } from '../session/session.js';

/**
 * The read queries several pages share, under one key each, so a page reuses what another loaded and the live event
 * stream's invalidation refreshes them all. None polls except traffic: the numbers move without any event.
 */
export function useHostsQuery() {
  const { api } = useSession();
  return useQuery({ queryKey: ['hosts'], queryFn: () => unwrap(api.GET('/api/v1/hosts')) });
}

export function useHostQuery(host: string) {
  const { api } = useSession();
  return useQuery({ queryKey: ['hosts', host], queryFn: () => unwrap(api.GET('/api/v1/hosts/{host}', { params: { path: { host } } })) });
}

export function useRoutingTableQuery() {
  const { api } = useSession();
  return useQuery({ queryKey: ['routes'], queryFn: () => unwrap(api.GET('/api/v1/routes')) });
}

/** `refetchInterval`: poll while waiting for acknowledgements (a fallback should an event be missed). */
export function useProxiesQuery(refetchInterval: number | false = false) {
  const { api } = useSession();
  return useQuery({ queryKey: ['proxies'], queryFn: () => unwrap(api.GET('/api/v1/proxies')), refetchInterval });
}

export function useDiagnosticsQuery() {
  const { api } = useSession();
  return useQuery({ queryKey: ['diagnostics'], queryFn: () => unwrap(api.GET('/api/v1/diagnostics')) });
}

export function useCertificatesQuery() {
  const { api } = useSession();
  return useQuery({ queryKey: ['certificates'], queryFn: () => unwrap(api.GET('/api/v1/certificates')) });
}

/** Traffic over the last minute, refreshed every 5 s (proxies report on their own schedule, not as events). */
export function useTrafficQuery(windowSeconds = 60) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['traffic', windowSeconds],
    queryFn: () => unwrap(api.GET('/api/v1/traffic', { params: { query: { window: windowSeconds } } })),
    refetchInterval: 5000,
  });
}
