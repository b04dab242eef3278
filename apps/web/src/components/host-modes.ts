import type { components } from '../api/schema.gen.js';
import type { TlsMode } from './tls-mode.js';

export type HostSummary = components['schemas']['HostList']['hosts'][number];

/** The parts of a host summary its TLS modes are read from (a host detail has them too). */
type ModeFacts = Pick<HostSummary, 'mode' | 'clientVerification' | 'upstreams'>;

/**
 * A host's TLS modes for badges and filters: its main mode (plain, terminated or passthrough), then `https-upstream`
 * when any of its routes' backends is reached over TLS, and `mtls` when clients must present a certificate.
 * A passthrough host never has either: Portico does not see inside its connections.
 */
export function hostModes(host: ModeFacts): TlsMode[] {
  const modes: TlsMode[] = [host.mode];
  if (host.mode === 'passthrough') return modes;
  if (host.upstreams.some((u) => u.upstreamTls !== null)) modes.push('https-upstream');
  if (host.clientVerification.required) modes.push('mtls');
  return modes;
}

/** The namespaces of the Ingresses behind a host. */
export function hostNamespaces(host: Pick<HostSummary, 'ingresses'>): string[] {
  return [...new Set(host.ingresses.map((i) => i.namespace ?? 'default'))].sort();
}

/** The path of a host's page; `*` (rules without a host) is a valid segment once encoded. */
export const hostPath = (host: string) => `/hosts/${encodeURIComponent(host)}`;
