import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateAuthority, selfSigned, tlsSecret } from './index.js';

describe('test certificates', () => {
  it('selfSigned covers the names it was given, and its key matches', async () => {
    const cert = await selfSigned(['a.example.com', '*.b.example.com']);
    const parsed = new X509Certificate(cert.certPem);
    expect(parsed.subjectAltName).toBe('DNS:a.example.com, DNS:*.b.example.com');
    expect(parsed.checkPrivateKey((await import('node:crypto')).createPrivateKey(cert.keyPem))).toBe(true);
  });

  it('a CA issues leaves that verify against it and not against another CA', async () => {
    const ca = await certificateAuthority();
    const other = await certificateAuthority('Other CA');
    const leaf = new X509Certificate((await ca.issue(['svc.example.com'])).certPem);
    expect(leaf.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(leaf.verify(new X509Certificate(other.certPem).publicKey)).toBe(false);
  });

  it('an intermediate issues client certificates that carry it, chaining up to the root', async () => {
    const root = await certificateAuthority('Root');
    const intermediate = await root.issueIntermediate('Intermediate');
    const client = await intermediate.issueClient('CN=bob, O=Example');
    const [leaf, inter] = client.certPem.split(/(?<=-----END CERTIFICATE-----)\n*/).filter((p) => p.includes('BEGIN')).map((p) => new X509Certificate(p));
    expect(leaf.subject).toBe('CN=bob\nO=Example');
    expect(leaf.verify(inter.publicKey)).toBe(true);
    expect(inter.verify(new X509Certificate(root.certPem).publicKey)).toBe(true);
  });

  it('tlsSecret base64-encodes the PEM into a kubernetes.io/tls Secret', async () => {
    const cert = await selfSigned(['a.com']);
    const secret = tlsSecret('site', cert);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(secret.data['tls.crt'], 'base64').toString()).toBe(cert.certPem);
  });
});
