import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Certificate, Diagnostic, ObjectRef, SecretObject } from '@portico/model';

const TLS_TYPES = new Set(['kubernetes.io/tls', 'Opaque', undefined]);

/** Secrets indexed once per compile; certificates parsed once per Secret, whatever the number of hosts using them. */
export class SecretCatalog {
  private readonly secrets = new Map<string, SecretObject>();
  private readonly parsed = new Map<string, ParsedSecret>();

  constructor(secrets: SecretObject[]) {
    for (const s of secrets) this.secrets.set(`${s.metadata?.namespace ?? 'default'}/${s.metadata?.name ?? ''}`, s);
  }

  /**
   * The serving certificate in Secret `namespace/name` (keys `tls.crt` and `tls.key`), or a diagnostic saying why
   * there is none. Messages never include key material.
   */
  certificate(namespace: string, name: string, object: ObjectRef, field: string): { certificate?: Certificate; diagnostics: Diagnostic[] } {
    const id = `${namespace}/${name}`;
    let entry = this.parsed.get(id);
    if (!entry) {
      entry = this.parse(id);
      this.parsed.set(id, entry);
    }
    if (entry.certificate) return { certificate: entry.certificate, diagnostics: [] };
    return {
      diagnostics: [{ severity: 'error', code: entry.code ?? 'InvalidCertificate', message: `${entry.problem}; the default certificate is served instead`, object, field }],
    };
  }

  /** A CA bundle (`ca.crt` by default) from a Secret: the trust anchors for client or upstream verification. */
  caBundle(namespace: string, name: string): { caPem?: string; problem?: string } {
    const id = `${namespace}/${name}`;
    const secret = this.secrets.get(id);
    if (!secret) return { problem: `Secret ${id} does not exist` };
    const caPem = secretValue(secret, 'ca.crt');
    if (!caPem) return { problem: `Secret ${id} has no ca.crt` };
    return parsesAsCertificate(caPem) ? { caPem } : { problem: `Secret ${id}: ca.crt is not a PEM certificate` };
  }

  /**
   * What `upstream-ssl-secret` provides: `ca.crt` to verify the upstream, and `tls.crt` + `tls.key` as the client
   * certificate the proxy presents. A Secret with neither is a problem.
   */
  upstreamMaterial(namespace: string, name: string): { caPem?: string; clientCertificate?: Certificate; problem?: string } {
    const id = `${namespace}/${name}`;
    const secret = this.secrets.get(id);
    if (!secret) return { problem: `Secret ${id} does not exist` };
    const caPem = secretValue(secret, 'ca.crt');
    if (caPem && !parsesAsCertificate(caPem)) return { problem: `Secret ${id}: ca.crt is not a PEM certificate` };
    let clientCertificate: Certificate | undefined;
    if (secretValue(secret, 'tls.crt') || secretValue(secret, 'tls.key')) {
      const pair = readKeyPair(secret, id);
      if (pair.problem) return { problem: pair.problem };
      clientCertificate = pair.certificate;
    }
    if (!caPem && !clientCertificate) return { problem: `Secret ${id} has neither ca.crt nor tls.crt and tls.key` };
    return { ...(caPem ? { caPem } : {}), ...(clientCertificate ? { clientCertificate } : {}) };
  }

  private parse(id: string): ParsedSecret {
    const secret = this.secrets.get(id);
    if (!secret) return { code: 'SecretNotFound', problem: `Secret ${id} does not exist` };
    if (!TLS_TYPES.has(secret.type)) return { problem: `Secret ${id} has type ${secret.type}, not kubernetes.io/tls` };
    return readKeyPair(secret, id);
  }
}

/** `tls.crt` + `tls.key`, parsed and checked to belong together. Messages never include key material. */
function readKeyPair(secret: SecretObject, id: string): ParsedSecret {
  const certPem = secretValue(secret, 'tls.crt');
  const keyPem = secretValue(secret, 'tls.key');
  if (!certPem || !keyPem) return { problem: `Secret ${id} needs both tls.crt and tls.key` };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    return { problem: `Secret ${id}: tls.crt is not a PEM certificate` };
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return { problem: `Secret ${id}: tls.key does not match the certificate in tls.crt` };
  } catch {
    return { problem: `Secret ${id}: tls.key is not a PEM private key` };
  }
  return { certificate: { id, certPem, keyPem, dnsNames: dnsNames(leaf), notAfter: new Date(leaf.validTo).toISOString() } };
}

function parsesAsCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

interface ParsedSecret {
  certificate?: Certificate;
  code?: 'SecretNotFound' | 'InvalidCertificate';
  problem?: string;
}

/** `data` is base64 (as the API server stores it); `stringData` is plain text and wins, as on the API server. */
export function secretValue(secret: SecretObject, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (typeof plain === 'string') return plain;
  const encoded = secret.data?.[key];
  if (typeof encoded !== 'string') return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** DNS names a certificate covers: its DNS SANs, else its CN (lower-case). */
export function dnsNames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (sans.length > 0) return [...new Set(sans)].sort();
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** Whether a certificate name (`a.com` or `*.a.com`) covers a host (`a.com`, `x.a.com`, or a wildcard host). */
export function certificateCovers(names: string[], host: string): boolean {
  return names.some((name) => {
    if (name === host) return true;
    if (!name.startsWith('*.')) return false;
    const dot = host.indexOf('.');
    return dot > 0 && host.slice(dot) === name.slice(1);
  });
}
