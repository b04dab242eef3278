import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it.
import { createPrivateKey, webcrypto, type X509Certificate } from 'node:crypto';
import { UnprocessableEntityException } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import { checkChain, factsOf, parseCertificates, certificateBlocks, type CertificateFacts, type ChainCheck } from './pem.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface CheckedPair {
  leaf: X509Certificate;
  facts: CertificateFacts;
  chain: ChainCheck;
}

/**
 * Checks that a certificate chain parses and that the key belongs to its leaf. Every failure is a 422 whose message
 * names the field and the reason and NEVER includes any of the input (certificates or key).
 */
export function checkKeyPair(certificatePem: string, privateKeyPem: string): CheckedPair {
  const blocks = certificateBlocks(certificatePem);
  const certs = parseCertificates(certificatePem);
  if (!blocks.length || !certs.length) throw new UnprocessableEntityException('certificatePem holds no readable PEM certificate (-----BEGIN CERTIFICATE-----)');
  if (certs.length !== blocks.length) throw new UnprocessableEntityException(`certificatePem: ${blocks.length - certs.length} of its ${blocks.length} certificate block(s) cannot be read`);
  let matches: boolean;
  try {
    matches = certs[0]!.checkPrivateKey(createPrivateKey({ key: privateKeyPem, format: 'pem' }));
  } catch {
    throw new UnprocessableEntityException('privateKeyPem is not a readable, unencrypted PEM private key');
  }
  if (!matches) throw new UnprocessableEntityException('privateKeyPem does not belong to the first certificate of certificatePem (the leaf)');
  return { leaf: certs[0]!, facts: factsOf(certs[0]!), chain: checkChain(certs) };
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** A fresh ECDSA P-256 key and a self-signed certificate for `hosts` (the first is the CN). */
export async function generateSelfSigned(hosts: string[], days: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [hosts[0]!] }],
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

export interface Authority {
  certPem: string;
  keyPem: string;
}

/** A fresh CA (ECDSA P-256) that can sign client certificates: what an mTLS host's trusted CA Secret holds. */
export async function generateClientAuthority(commonName: string, days: number): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/** A client certificate (clientAuth) for `commonName`, signed by `authority`. */
export async function issueClientCertificate(authority: Authority, commonName: string, days: number): Promise<{ certPem: string; keyPem: string }> {
  const issuer = new x509.X509Certificate(authority.certPem);
  const issuerKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(authority.keyPem), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [commonName] }],
    issuer: issuer.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY),
    publicKey: keys.publicKey,
    signingKey: issuerKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/** 16 random bytes as a positive serial number. */
function randomSerial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}
