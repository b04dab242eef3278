import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Certificate } from '@portico/model';
import type { Logger } from '../observability/logger.js';
import { FALLBACK_CERT_NAME, generateFallbackCertificate } from './default-certificate.js';
import { buildSecureContexts } from './secure-contexts.js';

function recordingLogger(lines: unknown[]): Logger {
  const log = (...args: unknown[]) => void lines.push(args);
  return { error: log, warn: log, info: log, debug: log } as unknown as Logger;
}

const entry = (id: string, pem: { certPem: string; keyPem: string }): Certificate => ({ id, ...pem, dnsNames: [], notAfter: '' });

describe('generated fallback certificate', () => {
  it('is a self-signed P-256 certificate for portico.invalid, and its key matches', async () => {
    const pem = await generateFallbackCertificate();
    const cert = new X509Certificate(pem.certPem);
    expect(cert.subject).toContain(`CN=${FALLBACK_CERT_NAME}`);
    expect(cert.subjectAltName).toBe(`DNS:${FALLBACK_CERT_NAME}`);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed (checkIssued would want keyCertSign: not a CA)
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(pem.keyPem))).toBe(true);
  });
});

describe('buildSecureContexts', () => {
  it('reuses an unchanged certificate\'s context, rebuilds a rotated one, and skips (logs) one that does not load', async () => {
    const [one, two] = await Promise.all([generateFallbackCertificate(), generateFallbackCertificate()]);
    const lines: unknown[] = [];
    const logger = recordingLogger(lines);
    const first = buildSecureContexts([entry('ns/a', one), entry('ns/b', one)], undefined, logger);
    const second = buildSecureContexts([entry('ns/a', one), entry('ns/b', two), entry('ns/bad', { certPem: 'x', keyPem: 'SECRET-KEY-MATERIAL' })], first, logger);
    expect(second.get('ns/a')).toBe(first.get('ns/a'));
    expect(second.get('ns/b')?.context).not.toBe(first.get('ns/b')?.context);
    expect(second.has('ns/bad')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('SECRET-KEY-MATERIAL');
  });
});
