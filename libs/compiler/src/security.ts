import type { Certificate, ClientAuth, Diagnostic, IngressObject, ObjectRef } from '@portico/model';
import { A, type IngressPolicy } from './annotations.js';
import { annotationField } from './field-path.js';
import type { IngressSpec } from './ingress-schema.js';
import { parseObjectRef } from './references.js';
import type { SecretCatalog } from './secrets.js';

/** TLS to the upstream as an Ingress asked for it; `secretId` names where the material came from. */
export interface UpstreamSecurity {
  secretId: string;
  verify: boolean;
  serverName?: string;
  caPem?: string;
  clientCertificate?: Certificate;
}

/** The Secret-backed security material of one Ingress, resolved. */
export interface IngressSecurity {
  upstream?: UpstreamSecurity;
  /** Client verification for the hosts of `spec.tls[index]`, or undefined when not required. */
  clientAuth(index: number): ClientAuth | undefined;
}

/**
 * Resolves upstream TLS and client verification against the Secrets. Anything missing or unreadable is an error and
 * `security` is undefined: the Ingress must not be served without the protection it asked for (fail closed).
 * `mtlsPool` is the global mTLS trust pool when FSM's global switch is on, else null.
 */
export function resolveIngressSecurity(
  spec: IngressSpec,
  policy: IngressPolicy,
  ref: ObjectRef,
  secrets: SecretCatalog,
  mtlsPool: string | null,
): { security?: IngressSecurity; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const refuse = (key: string, message: string) => {
    diagnostics.push({
      severity: 'error',
      code: 'InvalidAnnotation',
      message: `${message}; the Ingress is not served until this is fixed (fail closed)`,
      object: ref,
      field: annotationField(key),
    });
    return { diagnostics };
  };
  const namespace = ref.namespace ?? 'default';

  let upstream: IngressSecurity['upstream'];
  if (policy.upstreamTls) {
    const { secret, verify, serverName } = policy.upstreamTls;
    const material = secrets.upstreamMaterial(secret.namespace, secret.name);
    if (material.problem) return refuse(A.upstreamSslSecret, material.problem);
    if (verify && !material.caPem) return refuse(A.upstreamSslVerify, `verification needs a ca.crt in Secret ${secret.namespace}/${secret.name}`);
    upstream = { secretId: `${secret.namespace}/${secret.name}`, verify, ...(serverName ? { serverName } : {}), ...(material.caPem ? { caPem: material.caPem } : {}), ...(material.clientCertificate ? { clientCertificate: material.clientCertificate } : {}) };
  }

  const { required, caSecret, depth } = policy.clientVerification;
  if (required && policy.passthrough) return refuse(A.tlsVerifyClient, 'a passthrough host cannot verify client certificates: the proxy does not terminate its TLS');
  if (required && !spec.tls?.length) return refuse(A.tlsVerifyClient, 'client verification needs TLS termination: list the hosts in spec.tls');
  if (!required && mtlsPool === null) return { security: { ...(upstream ? { upstream } : {}), clientAuth: () => undefined }, diagnostics };

  let trusted: string | undefined;
  if (caSecret) {
    const bundle = secrets.caBundle(caSecret.namespace, caSecret.name);
    if (!bundle.caPem) return refuse(A.tlsTrustedCaSecret, bundle.problem ?? 'no CA bundle');
    trusted = bundle.caPem;
  }
  const perEntry: Array<ClientAuth | undefined> = [];
  for (const [index, entry] of (spec.tls ?? []).entries()) {
    let caPem = trusted;
    if (!caPem && required && entry.secretName) caPem = secrets.caBundle(namespace, entry.secretName).caPem;
    if (!caPem && !required) caPem = mtlsPool ?? undefined;
    if (!caPem) {
      return required
        ? refuse(A.tlsVerifyClient, `no CA to verify client certificates against: set ${A.tlsTrustedCaSecret} or add ca.crt to Secret ${entry.secretName ?? '(none)'}`)
        : refuse(A.tlsVerifyClient, 'global mTLS is on but no Ingress references a CA (tls-trusted-ca-secret or ca.crt in a TLS Secret)');
    }
    perEntry[index] = { caPem, verifyDepth: depth };
  }
  return { security: { ...(upstream ? { upstream } : {}), clientAuth: (index) => perEntry[index] }, diagnostics };
}

/**
 * FSM's global mTLS trust pool: every CA the owned Ingresses reference, through `tls-trusted-ca-secret` or a
 * `ca.crt` in their TLS Secrets, de-duplicated and sorted so the table stays deterministic.
 */
export function globalTrustPool(ingresses: IngressObject[], secrets: SecretCatalog): string {
  const pems = new Set<string>();
  for (const ingress of ingresses) {
    const namespace = ingress.metadata?.namespace ?? 'default';
    const annotated = ingress.metadata?.annotations?.[A.tlsTrustedCaSecret];
    const ref = annotated ? parseObjectRef(annotated, namespace) : undefined;
    if (ref) {
      const pem = secrets.caBundle(ref.namespace, ref.name).caPem;
      if (pem) pems.add(pem.trim());
    }
    const tls = Array.isArray(ingress.spec?.tls) ? ingress.spec.tls : [];
    for (const entry of tls) {
      if (typeof entry?.secretName !== 'string') continue;
      const pem = secrets.caBundle(namespace, entry.secretName).caPem;
      if (pem) pems.add(pem.trim());
    }
  }
  return [...pems].sort().join('\n');
}
