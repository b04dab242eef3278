import { isIP } from 'node:net';
import { parseObjectRef } from '@portico/compiler';
import type { ServiceObject } from '@portico/model';

/** One `status.loadBalancer.ingress[]` entry as Portico writes it (no ports). */
export interface LoadBalancerAddress {
  ip?: string;
  hostname?: string;
}

export type PublishTarget = { kind: 'addresses'; addresses: LoadBalancerAddress[] } | { kind: 'service'; namespace: string; name: string };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `--publish-address 203.0.113.7,lb.example.com`: IPs (v4 or v6) and/or DNS names, comma-separated. */
export function parsePublishAddresses(text: string): { addresses: LoadBalancerAddress[]; invalid: string[] } {
  const addresses: LoadBalancerAddress[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    if (isIP(raw)) addresses.push({ ip: raw });
    else if (HOSTNAME.test(raw.toLowerCase())) addresses.push({ hostname: raw.toLowerCase() });
    else invalid.push(raw);
  }
  return { addresses: normalizeAddresses(addresses), invalid };
}

/** `--publish-service ns/name` (or `name`, in `default`). */
export function parsePublishService(text: string): { namespace: string; name: string } | undefined {
  return parseObjectRef(text, 'default');
}

/**
 * The addresses a publish Service stands for, in this order:
 * 1. its `status.loadBalancer.ingress` (what the cloud's load balancer got: the address clients use);
 * 2. its `spec.externalIPs` (addresses routed to the nodes by the operator);
 * 3. an ExternalName Service's `spec.externalName`, as a hostname;
 * 4. for ClusterIP and NodePort Services, its `spec.clusterIPs`/`clusterIP` (reachable in the cluster only: enough
 *    for in-cluster clients and conformance tools, and what a cluster without load balancers has).
 * A LoadBalancer Service whose load balancer is still pending has no address yet (undefined): publishing its
 * cluster IP meanwhile would hand external DNS controllers an address nobody outside can reach.
 */
export function serviceAddresses(service: ServiceObject | undefined): LoadBalancerAddress[] | undefined {
  if (!service) return undefined;
  const status = (service as { status?: { loadBalancer?: { ingress?: unknown } } }).status;
  const fromLoadBalancer = Array.isArray(status?.loadBalancer?.ingress) ? (status.loadBalancer.ingress as LoadBalancerAddress[]) : [];
  const balanced = normalizeAddresses(fromLoadBalancer.map((entry) => ({ ...(entry?.ip ? { ip: entry.ip } : {}), ...(entry?.hostname ? { hostname: entry.hostname } : {}) })));
  if (balanced.length) return balanced;
  const spec = (service.spec ?? {}) as { externalIPs?: unknown; clusterIP?: string; clusterIPs?: unknown; type?: string; externalName?: string };
  const external = Array.isArray(spec.externalIPs) ? spec.externalIPs.filter((ip): ip is string => typeof ip === 'string' && isIP(ip) > 0) : [];
  if (external.length) return normalizeAddresses(external.map((ip) => ({ ip })));
  if (spec.type === 'ExternalName') return spec.externalName ? [{ hostname: spec.externalName }] : undefined;
  if (spec.type === 'LoadBalancer') return undefined;
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const ips = clusterIPs.filter((ip): ip is string => typeof ip === 'string' && isIP(ip) > 0);
  return ips.length ? normalizeAddresses(ips.map((ip) => ({ ip }))) : undefined;
}

/** Only `ip`/`hostname`, de-duplicated and sorted, so two lists compare by value. */
export function normalizeAddresses(entries: readonly unknown[]): LoadBalancerAddress[] {
  const seen = new Map<string, LoadBalancerAddress>();
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') continue;
    const { ip, hostname, ports } = entry as { ip?: unknown; hostname?: unknown; ports?: unknown };
    const address: LoadBalancerAddress & { ports?: unknown } = {
      ...(typeof ip === 'string' && ip ? { ip } : {}),
      ...(typeof hostname === 'string' && hostname ? { hostname } : {}),
      ...(Array.isArray(ports) && ports.length ? { ports } : {}),
    };
    if (address.ip === undefined && address.hostname === undefined) continue;
    seen.set(JSON.stringify([address.ip ?? '', address.hostname ?? '', address.ports ?? []]), address);
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, address]) => address);
}

export const addressesKey = (addresses: readonly LoadBalancerAddress[]): string => JSON.stringify(normalizeAddresses(addresses));
