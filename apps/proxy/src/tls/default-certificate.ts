import { readFile } from 'node:fs/promises';
import { randomBytes, webcrypto } from 'node:crypto';

/** A certificate and its key, PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** The name on the generated fallback certificate: `.invalid` (RFC 2606) so no client can mistake it for a real site. */
export const FALLBACK_CERT_NAME = 'portico.invalid';

/** Reads the operator's default certificate (`--default-cert` / `--default-key`). */
export async function loadPemPair(certFile: string, keyFile: string): Promise<PemPair> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certPem, keyPem };
}

/**
 * A self-signed ECDSA P-256 certificate for `portico.invalid`, generated at start when no default certificate is
 * configured. It exists so that a client without SNI, or with a name no Ingress claims, still completes a handshake
 * (and gets a 404 it can read) instead of a handshake failure; no client will trust it, which is the point.
 */
export async function generateFallbackCertificate(now = new Date()): Promise<PemPair> {
  // Loaded only when needed. @peculiar/x509 uses tsyringe, which refuses to load without a Reflect metadata
  // polyfill; it must be installed first. (reflect-metadata is hoisted from the workspace, not yet a declared
  // dependency of the proxy: see the report.)
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive INTEGER
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: `CN=${FALLBACK_CERT_NAME}, O=Portico fallback certificate`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * 24 * 3600_000),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: FALLBACK_CERT_NAME }]),
      ],
    },
    // @peculiar/x509 signs with globalThis.crypto (WebCrypto) by default, which Node provides.
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}
