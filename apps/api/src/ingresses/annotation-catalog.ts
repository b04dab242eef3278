import { ANNOTATIONS } from '@portico/compiler';
import { HTTP_POLICIES, LB_POLICIES } from '@portico/model';
import { z } from 'zod';

/**
 * The annotations the compiler reads, with the values it accepts, for forms that offer them (the dashboard's
 * Ingress editor). Keys come from the compiler's own ANNOTATIONS and the enumerations from the model, so a value
 * offered here is one the compiler takes; a wrong one is still refused by the compiler on write (422).
 */
export const AnnotationSpecSchema = z.strictObject({
  key: z.string().describe('the full annotation name'),
  type: z.enum(['enum', 'boolean', 'string', 'integer', 'secret']).describe('secret: a Secret name or namespace/name'),
  values: z.array(z.string()).nullable().describe('the accepted values of an enum or boolean; null: free text'),
  default: z.string().nullable().describe('what applies when the annotation is absent'),
  security: z.boolean().describe('an invalid value keeps the whole Ingress from being served (fail closed)'),
  description: z.string(),
});
export type AnnotationSpec = z.infer<typeof AnnotationSpecSchema>;

export const AnnotationCatalogSchema = z.strictObject({ annotations: z.array(AnnotationSpecSchema) });
export type AnnotationCatalog = z.infer<typeof AnnotationCatalogSchema>;

const BOOLEAN = ['true', 'false'];

const SPECS: Record<keyof typeof ANNOTATIONS, Omit<AnnotationSpec, 'key'>> = {
  rewriteFrom: { type: 'string', values: null, default: null, security: false, description: 'a regular expression matched against the path; with rewrite-target-to, rewrites the path sent upstream' },
  rewriteTo: { type: 'string', values: null, default: null, security: false, description: 'the replacement for rewrite-target-from ($1 … refer to its groups)' },
  lbType: { type: 'enum', values: [...LB_POLICIES], default: 'round-robin', security: false, description: 'how an endpoint is chosen: round-robin, hashing on the client IP, or least-work' },
  sessionSticky: { type: 'boolean', values: BOOLEAN, default: 'false', security: false, description: 'keep a client IP on the same endpoint' },
  upstreamProtocol: { type: 'enum', values: ['HTTP', 'GRPC'], default: 'HTTP', security: false, description: 'GRPC: HTTP/2 to the upstream' },
  upstreamSslName: { type: 'string', values: null, default: null, security: true, description: 'SNI and verified name for TLS to the upstream (default: the Service’s name.namespace.svc)' },
  upstreamSslSecret: { type: 'secret', values: null, default: null, security: true, description: 'turns on TLS to the upstream: its ca.crt verifies the upstream, its tls.crt/tls.key are the client certificate' },
  upstreamSslVerify: { type: 'boolean', values: BOOLEAN, default: 'false', security: true, description: 'verify the upstream’s certificate' },
  tlsTrustedCaSecret: { type: 'secret', values: null, default: null, security: true, description: 'the CA bundle (ca.crt) client certificates must chain to (default: the TLS Secret’s ca.crt)' },
  tlsVerifyClient: { type: 'boolean', values: BOOLEAN, default: 'false', security: true, description: 'require a client certificate on this Ingress’s TLS hosts (mTLS)' },
  tlsVerifyDepth: { type: 'integer', values: null, default: '1', security: true, description: 'the most issuers between a client’s certificate and the trusted CA (1–10)' },
  sslPassthrough: { type: 'boolean', values: BOOLEAN, default: 'false', security: true, description: 'relay the TLS bytes of the hosts to the backend instead of terminating' },
  httpPolicy: { type: 'enum', values: [...HTTP_POLICIES], default: null, security: false, description: 'plain HTTP to a TLS host: redirect, reject or allow (default: the controller’s setting)' },
};

export const annotationCatalog = (): AnnotationCatalog => ({
  annotations: (Object.keys(ANNOTATIONS) as Array<keyof typeof ANNOTATIONS>).map((name) => ({ key: ANNOTATIONS[name], ...SPECS[name] })),
});
