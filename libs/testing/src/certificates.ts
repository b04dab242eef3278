import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

/** A self-signed certificate for `names` (first one as CN), made fresh for a test. */
export async function selfSigned(names: string[], days = 30): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${names[0]}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKey(keys.privateKey) };
}

/** A certificate authority that can issue leaf certificates, for chains verified against its PEM. */
export async function certificateAuthority(name = 'Portico Test CA'): Promise<TestCertificate & { issue(names: string[], commonName?: string): Promise<TestCertificate> }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return {
    certPem: ca.toString('pem'),
    keyPem: await exportKey(keys.privateKey),
    /** A leaf covering `names` (SANs), with `commonName` as its subject CN (default: the first name). */
    async issue(names: string[], commonName = names[0]) {
      const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${commonName}`,
        issuer: ca.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 30 * 86_400_000),
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
        extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))],
      });
      return { certPem: leaf.toString('pem'), keyPem: await exportKey(leafKeys.privateKey) };
    },
  };
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');

/** A `kubernetes.io/tls` Secret object holding `cert`, and a CA bundle as `ca.crt` when given. */
export function tlsSecret(name: string, cert: TestCertificate, options: { namespace?: string; caPem?: string } = {}) {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: options.namespace ?? 'default' },
    data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem), ...(options.caPem ? { 'ca.crt': b64(options.caPem) } : {}) } as Record<string, string>,
  };
}

/** An Opaque Secret holding only a CA bundle (`ca.crt`): trust for client or upstream verification. */
export function caSecret(name: string, caPem: string, namespace = 'default') {
  return { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace }, data: { 'ca.crt': Buffer.from(caPem).toString('base64') } as Record<string, string> };
}
