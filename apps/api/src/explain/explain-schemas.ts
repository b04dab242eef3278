import { z } from 'zod';
import { HostMatchSchema, RouteSourceSchema } from '@portico/model';
import { CertificateChoiceSchema, ClientVerificationSchema, ClusterSummarySchema, HOST_SUMMARY_EXAMPLE } from '../hosts/hosts-schemas.js';
import type { Explanation } from './explainer.js';

/** The answer of `POST /api/v1/explain`, published in the OpenAPI document (see openapi/api-schemas.ts). */
export const ExplanationSchema = z.object({
  generation: z.number().int().describe('the routing table generation the decision was computed on'),
  request: z.object({
    method: z.string(),
    scheme: z.enum(['http', 'https']),
    host: z.string().describe('the normalised host routing uses (a Host header overrides the URL host)'),
    port: z.number().int(),
    rawPath: z.string().describe('the path as the client sends it on the wire'),
    query: z.string(),
    clientIp: z.string().nullable(),
  }),
  listener: z.enum(['http', 'tls']),
  tls: z
    .object({
      serverName: z.string().nullable(),
      serverNameFrom: z.enum(['sni', 'url-host', 'none']),
      governingHost: z.string().nullable().describe('the virtual host whose TLS settings govern the SNI'),
      mode: z.enum(['terminate', 'passthrough', 'global-passthrough', 'closed']),
      detail: z.string(),
      certificate: CertificateChoiceSchema.nullable(),
      clientCertificate: ClientVerificationSchema,
      misdirected: z.object({ status: z.literal(421), detail: z.string() }).nullable().describe('the SNI and the Host header name different TLS policies: 421'),
    })
    .nullable()
    .describe('null on the plain HTTP listener'),
  httpPolicy: z
    .object({
      host: z.string(),
      policy: z.string(),
      outcome: z.enum(['redirect', 'reject', 'served']),
      status: z.number().int().nullable(),
      location: z.string().nullable(),
    })
    .nullable()
    .describe('what plain HTTP for a TLS host gets'),
  path: z.object({ raw: z.string(), ok: z.boolean(), normalized: z.string().nullable(), reason: z.string().nullable().describe('why the path is refused (400)') }),
  match: z.object({
    kind: z.enum(['route', 'default-backend', 'none']),
    routeId: z.string().nullable(),
    virtualHost: z.string().nullable(),
    hostMatch: HostMatchSchema.nullable(),
    path: z.string().nullable(),
    pathType: z.string().nullable(),
    declaredPathType: z.string().nullable(),
    source: RouteSourceSchema.nullable(),
    hostChain: z.array(z.string()).describe('the virtual hosts consulted, in order'),
    fellThrough: z.array(z.string()).describe('virtual hosts that matched the name but had no route for the path'),
  }),
  candidates: z
    .array(
      z.object({
        routeId: z.string(),
        virtualHost: z.string(),
        path: z.string(),
        pathType: z.string(),
        matched: z.boolean(),
        reason: z.string(),
        verdict: z.enum(['chosen', 'beaten', 'not-matched', 'not-consulted']),
        why: z.string(),
      }),
    )
    .describe('every route of the consulted hosts, and why it won or lost'),
  rewrite: z.object({ from: z.string(), to: z.string(), input: z.string(), result: z.string() }).nullable(),
  upstreamPath: z.string().nullable().describe('the path sent to the upstream'),
  cluster: ClusterSummarySchema.extend({ endpointChoice: z.string().describe('how the balancer picks the endpoint') }).nullable(),
  outcome: z.object({
    action: z.enum(['proxied', 'redirect', 'reject', 'misdirected', 'bad-request', 'not-found', 'no-endpoints', 'relayed', 'refused']),
    status: z.number().int().nullable().describe('the HTTP status the client gets; null for a relayed or refused connection'),
    detail: z.string(),
  }),
  notes: z.array(z.string()),
}) satisfies z.ZodType<Explanation>;

export const EXPLAIN_REQUEST_EXAMPLES = {
  https: { summary: 'an HTTPS request', value: { url: 'https://shop.example.com/api/orders?id=7', method: 'GET' } },
  full: {
    summary: 'with another SNI, headers and a client IP',
    value: { url: 'https://shop.example.com/old/page', sni: 'www.shop.example.com', method: 'POST', headers: { host: 'shop.example.com', cookie: 'session=1' }, clientIp: '203.0.113.7' },
  },
  noSni: { summary: 'a client that sends no SNI', value: { url: 'https://10.0.0.5/', sni: null } },
};

export const EXPLANATION_EXAMPLE = {
  generation: 7,
  request: { method: 'GET', scheme: 'https', host: 'shop.example.com', port: 443, rawPath: '/api/orders', query: '?id=7', clientIp: null },
  listener: 'tls',
  tls: {
    serverName: 'shop.example.com',
    serverNameFrom: 'url-host',
    governingHost: 'shop.example.com',
    mode: 'terminate',
    detail: 'shop.example.com terminates TLS',
    certificate: HOST_SUMMARY_EXAMPLE.certificate,
    clientCertificate: HOST_SUMMARY_EXAMPLE.clientVerification,
    misdirected: null,
  },
  httpPolicy: null,
  path: { raw: '/api/orders', ok: true, normalized: '/api/orders', reason: null },
  match: {
    kind: 'route',
    routeId: 'shop/web:r0p1',
    virtualHost: 'shop.example.com',
    hostMatch: 'exact',
    path: '/api',
    pathType: 'Prefix',
    declaredPathType: 'Prefix',
    source: { ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[1]' },
    hostChain: ['shop.example.com'],
    fellThrough: [],
  },
  candidates: [
    { routeId: 'shop/web:r0p1', virtualHost: 'shop.example.com', path: '/api', pathType: 'Prefix', matched: true, reason: 'prefix /api matches', verdict: 'chosen', why: 'the longest matching path' },
    { routeId: 'shop/web:r0p0', virtualHost: 'shop.example.com', path: '/', pathType: 'Prefix', matched: true, reason: 'prefix / matches', verdict: 'beaten', why: 'a longer path matched' },
  ],
  rewrite: null,
  upstreamPath: '/api/orders',
  cluster: {
    id: 'shop/api:80',
    service: { namespace: 'shop', name: 'api', port: 80 },
    lb: 'round-robin',
    sessionSticky: false,
    protocol: 'http1',
    upstreamTls: null,
    endpoints: { total: 1, ready: 1, addresses: [{ address: '10.0.1.1', port: 8080, ready: true, targetRef: 'Pod/shop/api-7d4f' }] },
    endpointChoice: 'round-robin over the 1 ready endpoint',
  },
  outcome: { action: 'proxied', status: null, detail: 'proxied to 10.0.1.1:8080' },
  notes: [],
};
