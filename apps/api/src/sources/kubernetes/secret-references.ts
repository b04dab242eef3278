import { ANNOTATIONS, ClassSelector, parseObjectRef, SETTING_KEYS, type CompileOptions } from '@portico/compiler';
import type { ConfigMapObject, IngressClassObject, IngressObject, SecretObject } from '@portico/model';
import { TLS_SECRET_TYPE } from '../file-store/manifest-writer.js';

/**
 * Every Secret (`namespace/name`) the compiler may read: for each owned Ingress its `spec.tls[].secretName`, its
 * `upstream-ssl-secret` and `tls-trusted-ca-secret` annotations; and the default certificate, from the flag and from
 * the settings ConfigMap. Ownership is the compiler's own `ClassSelector`, so the two cannot disagree.
 */
export function referencedSecrets(
  ingresses: readonly IngressObject[],
  ingressClasses: readonly IngressClassObject[],
  options: CompileOptions,
  settingsConfigMap: ConfigMapObject | undefined,
): Set<string> {
  const selector = new ClassSelector([...ingressClasses], options);
  const keys = new Set<string>();
  const add = (raw: unknown, namespace: string) => {
    if (typeof raw !== 'string') return;
    const ref = parseObjectRef(raw, namespace);
    if (ref) keys.add(`${ref.namespace}/${ref.name}`);
  };
  for (const ingress of ingresses) {
    if (!selector.owns(ingress)) continue;
    const namespace = ingress.metadata?.namespace ?? 'default';
    const tls = Array.isArray(ingress.spec?.tls) ? ingress.spec.tls : [];
    for (const entry of tls) add(entry?.secretName, namespace);
    const annotations = ingress.metadata?.annotations ?? {};
    add(annotations[ANNOTATIONS.upstreamSslSecret], namespace);
    add(annotations[ANNOTATIONS.tlsTrustedCaSecret], namespace);
  }
  if (options.tls.defaultCertificate) add(options.tls.defaultCertificate, 'default');
  add(settingsConfigMap?.data?.[SETTING_KEYS.defaultCertificate], settingsConfigMap?.metadata?.namespace ?? 'default');
  return keys;
}

/** Certificates are public: a TLS Secret nobody references keeps them, so the certificates API lists it like the file store. */
const PUBLIC_KEYS = ['tls.crt', 'ca.crt'] as const;

/**
 * What is kept of a Secret nobody references: enough to know it exists (and at which version), nothing of its data
 * except, for a `kubernetes.io/tls` Secret, its certificates, and that it has a key (as an empty value: the key
 * itself never enters the cache). Annotations go too: `kubectl.kubernetes.io/last-applied-configuration` holds a copy
 * of the whole Secret, keys included.
 */
export function secretStub(secret: SecretObject): SecretObject {
  const { name, namespace, uid, resourceVersion } = secret.metadata ?? {};
  const stub: SecretObject = { metadata: { name, namespace, uid, resourceVersion }, ...(secret.type ? { type: secret.type } : {}) };
  if (secret.type !== TLS_SECRET_TYPE || !secret.data) return stub;
  const data: Record<string, string> = {};
  for (const key of PUBLIC_KEYS) if (typeof secret.data[key] === 'string') data[key] = secret.data[key];
  if (typeof secret.data['tls.key'] === 'string') data['tls.key'] = '';
  return { ...stub, data };
}

/** What is kept of a referenced Secret: its data and type, without annotations or managed fields. */
export function secretForCompiler(secret: SecretObject): SecretObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = secret.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    ...(secret.type ? { type: secret.type } : {}),
    ...(secret.data ? { data: secret.data } : {}),
  };
}
