import { X509Certificate } from 'node:crypto';
import { certificateCovers, certificateDnsNames } from '@portico/compiler';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificate blocks of a PEM bundle, in order (leaf first for a serving chain). Never contains key material. */
export function certificateBlocks(pem: string): string[] {
  return pem.match(PEM_BLOCK) ?? [];
}

/** Parses every certificate block; unreadable blocks are skipped. */
export function parseCertificates(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const block of certificateBlocks(pem)) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // An unreadable block: reported by the caller as an invalid chain (count mismatch).
    }
  }
  return out;
}

/** Subjects of the CAs in a bundle (`CN=…, O=…` one line each), for explanations; never the PEM itself. */
export function caSubjects(pem: string | undefined): string[] {
  if (!pem) return [];
  return parseCertificates(pem).map((cert) => oneLine(cert.subject));
}

/** Node prints distinguished names one attribute per line; the API shows them on one line. */
export const oneLine = (dn: string): string => dn.split('\n').filter(Boolean).join(', ');

/** The compiler's rules, so the API and the proxies never disagree about which names a certificate covers. */
export const dnsNamesOf = certificateDnsNames;
export const covers = certificateCovers;

export interface KeyInfo {
  type: string;
  /** Bits: the RSA modulus, or the EC curve's size. */
  size: number | null;
  curve: string | null;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521, secp256k1: 256 };

export function keyInfo(cert: X509Certificate): KeyInfo {
  const key = cert.publicKey;
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') return { type, size: details.modulusLength ?? null, curve: null };
  if (type === 'ec') return { type, size: details.namedCurve ? (CURVE_BITS[details.namedCurve] ?? null) : null, curve: details.namedCurve ?? null };
  if (type === 'ed25519') return { type, size: 256, curve: null };
  if (type === 'ed448') return { type, size: 456, curve: null };
  return { type, size: null, curve: null };
}

export interface ChainLink {
  subject: string;
  issuer: string;
  notAfter: string;
  expired: boolean;
  selfSigned: boolean;
  /** Signed by the next certificate of the chain (null for the last one). */
  signedByNext: boolean | null;
}

export interface ChainCheck {
  /** Every certificate is signed by the next one, and none has expired (or is not yet valid). */
  valid: boolean;
  /** The last certificate of the chain signed itself (a self-signed leaf or a root included in the chain). */
  selfSigned: boolean;
  expired: boolean;
  links: ChainLink[];
  problems: string[];
}

export function checkChain(certs: X509Certificate[], now = Date.now()): ChainCheck {
  const problems: string[] = [];
  const links = certs.map((cert, i): ChainLink => {
    const next = certs[i + 1];
    const expired = Date.parse(cert.validTo) < now;
    if (expired) problems.push(`certificate ${i} (${oneLine(cert.subject)}) expired on ${new Date(cert.validTo).toISOString()}`);
    if (Date.parse(cert.validFrom) > now) problems.push(`certificate ${i} (${oneLine(cert.subject)}) is not valid before ${new Date(cert.validFrom).toISOString()}`);
    let signedByNext: boolean | null = null;
    if (next) {
      signedByNext = cert.issuer === next.subject && safeVerify(cert, next);
      if (!signedByNext) problems.push(`certificate ${i} (${oneLine(cert.subject)}) is not signed by certificate ${i + 1} (${oneLine(next.subject)})`);
    }
    return {
      subject: oneLine(cert.subject),
      issuer: oneLine(cert.issuer),
      notAfter: new Date(cert.validTo).toISOString(),
      expired,
      selfSigned: cert.issuer === cert.subject && safeVerify(cert, cert),
      signedByNext,
    };
  });
  const last = links.at(-1);
  return {
    valid: certs.length > 0 && problems.length === 0,
    selfSigned: last?.selfSigned ?? false,
    expired: links.some((l) => l.expired),
    links,
    problems,
  };
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;

/** The public facts of one certificate: nothing from which a key could be recovered. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  sans: string[];
  dnsNames: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  key: KeyInfo;
  fingerprintSha256: string;
  isCa: boolean;
}

export function factsOf(cert: X509Certificate, now = Date.now()): CertificateFacts {
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serialNumber: cert.serialNumber,
    sans: (cert.subjectAltName ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    dnsNames: dnsNamesOf(cert),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    daysLeft: Math.floor((Date.parse(cert.validTo) - now) / DAY_MS),
    key: keyInfo(cert),
    fingerprintSha256: cert.fingerprint256,
    isCa: cert.ca,
  };
}
