import { z } from 'zod';
import { ObjectRefSchema } from './diagnostic.js';
import { CertificateSchema, defaultTlsSettings, HostTlsSchema, TlsSettingsSchema, UpstreamTlsSchema } from './tls.js';

export const LB_POLICIES = ['round-robin', 'hashing', 'least-work'] as const;
export const LbPolicySchema = z.enum(LB_POLICIES);
export type LbPolicy = z.infer<typeof LbPolicySchema>;

export const EndpointSchema = z.object({
  address: z.string(),
  port: z.number().int().min(1).max(65535),
  ready: z.boolean(),
  /** The Pod (or other object) behind the address, when the EndpointSlice names it. */
  targetRef: z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() }).optional(),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

/**
 * An upstream cluster: one Service port plus the traffic policy an Ingress asked for.
 * Two Ingresses pointing at the same Service with different policies get two clusters.
 */
export const ClusterSchema = z.object({
  id: z.string(),
  service: z.object({ namespace: z.string(), name: z.string(), port: z.union([z.number().int(), z.string()]) }),
  endpoints: z.array(EndpointSchema),
  lb: LbPolicySchema,
  sessionSticky: z.boolean(),
  /** `h2`: HTTP/2 to the upstream (cleartext h2c, or h2 over TLS with `upstreamTls`), for gRPC. */
  protocol: z.enum(['http1', 'h2']).default('http1'),
  upstreamTls: UpstreamTlsSchema.optional(),
});
export type Cluster = z.infer<typeof ClusterSchema>;

export const RouteSourceSchema = z.object({
  ingress: ObjectRefSchema,
  /** Where in the Ingress the route was declared, e.g. `spec.rules[0].http.paths[1]` or `spec.defaultBackend`. */
  field: z.string(),
});
export type RouteSource = z.infer<typeof RouteSourceSchema>;

export const RewriteSchema = z.object({
  /** Regular expression source; the first match in the path is replaced. */
  from: z.string().max(1024),
  to: z.string().max(1024),
});
export type Rewrite = z.infer<typeof RewriteSchema>;

export const PathTypeSchema = z.enum(['Exact', 'Prefix']);
export type PathType = z.infer<typeof PathTypeSchema>;

export const RouteSchema = z.object({
  id: z.string(),
  /** The path in Portico's normal form (see @portico/matcher normalizePath); Prefix paths have no trailing `/`, except `/`. */
  path: z.string(),
  /** How the path is matched. `ImplementationSpecific` compiles to `Prefix`. */
  pathType: PathTypeSchema,
  /** The type the Ingress declared, kept for explanations. */
  declaredPathType: z.enum(['Exact', 'Prefix', 'ImplementationSpecific']),
  clusterId: z.string(),
  rewrite: RewriteSchema.optional(),
  source: RouteSourceSchema,
});
export type Route = z.infer<typeof RouteSchema>;

export const HostMatchSchema = z.enum(['exact', 'wildcard', 'any']);
export type HostMatch = z.infer<typeof HostMatchSchema>;

export const VirtualHostSchema = z.object({
  /** Lower-case host name, `*.example.com` for a wildcard, `*` for rules without a host. */
  host: z.string(),
  match: HostMatchSchema,
  /** Sorted by precedence: longest path first, Exact before Prefix on equal length. */
  routes: z.array(RouteSchema),
  /** Present when the host is named in an Ingress's `spec.tls` or passed through. */
  tls: HostTlsSchema.optional(),
});
export type VirtualHost = z.infer<typeof VirtualHostSchema>;

export const DefaultBackendSchema = z.object({
  clusterId: z.string(),
  source: RouteSourceSchema,
});
export type DefaultBackend = z.infer<typeof DefaultBackendSchema>;

/** What the compiler produces: pure data, deterministic for a given input. */
export const CompiledConfigSchema = z.object({
  /** Exact hosts (sorted), then wildcards (sorted), then the host-less `*` entry if any. */
  virtualHosts: z.array(VirtualHostSchema),
  /** Sorted by id. */
  clusters: z.array(ClusterSchema),
  defaultBackend: DefaultBackendSchema.nullable(),
  /** Serving certificates referenced by hosts, sorted by id. Defaults to none for tables from older APIs. */
  certificates: z.array(CertificateSchema).default([]),
  tlsSettings: TlsSettingsSchema.default(defaultTlsSettings),
});
export type CompiledConfig = z.infer<typeof CompiledConfigSchema>;

/** The routing table a proxy enforces: a compiled configuration stamped with the generation the API gave it. */
export const RoutingTableSchema = CompiledConfigSchema.extend({
  generation: z.number().int().nonnegative(),
});
export type RoutingTable = z.infer<typeof RoutingTableSchema>;

export const emptyConfig = (): CompiledConfig => ({ virtualHosts: [], clusters: [], defaultBackend: null, certificates: [], tlsSettings: defaultTlsSettings() });
