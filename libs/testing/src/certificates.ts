import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

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

/**
 * A certificate authority for tests: server leaves (`issue`), client certificates (`issueClient`) and intermediate
 * CAs (`issueIntermediate`), so tests can build `leaf ← intermediate ← root` chains. A leaf's `certPem` holds the leaf
 * followed by any intermediates, as a TLS peer sends them; trust the root's `certPem`.
 */
export interface TestAuthority extends TestCertificate {
  /** A server certificate covering `names` (SANs), with `commonName` as its subject CN (default: the first name). */
  issue(names: string[], commonName?: string): Promise<TestCertificate>;
  /** A client certificate with `subject` as its distinguished name (`CN=alice, O=Example`, or JSON for odd values). */
  issueClient(subject: string | x509.JsonName): Promise<TestCertificate>;
  /** A CA signed by this one; what it issues carries it as an intermediate. */
  issueIntermediate(name: string): Promise<TestAuthority>;
}

export async function certificateAuthority(name = 'Portico Test CA'): Promise<TestAuthority> {
  const keys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: caExtensions(),
  });
  return authority(ca, keys, '');
}

async function authority(cert: x509.X509Certificate, keys: webcrypto.CryptoKeyPair, chainPem: string): Promise<TestAuthority> {
  const sign = async (subject: string | x509.JsonName, extensions: x509.Extension[]) => {
    const leafKeys = await generateKeys();
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 30 * DAY),
      publicKey: leafKeys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: ALG,
      extensions,
    });
    return { leaf, leafKeys };
  };
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: await exportKey(keys.privateKey),
    async issue(names, commonName = names[0]) {
      const { leaf, leafKeys } = await sign(`CN=${commonName}`, [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))]);
      return { certPem: leaf.toString('pem') + '\n' + chainPem, keyPem: await exportKey(leafKeys.privateKey) };
    },
    async issueClient(subject) {
      const { leaf, leafKeys } = await sign(subject, [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ]);
      return { certPem: leaf.toString('pem') + '\n' + chainPem, keyPem: await exportKey(leafKeys.privateKey) };
    },
    async issueIntermediate(subName) {
      const { leaf, leafKeys } = await sign(`CN=${subName}`, caExtensions());
      return authority(leaf, leafKeys, leaf.toString('pem') + '\n' + chainPem);
    },
  };
}

function caExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
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
