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
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
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
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { certPem: cert.toString('pem') + '\n', keyPem };
}
