import { certificateAuthority } from '@portico/testing';
import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { NO_CLIENT_AUTH, clientPolicy, clientPolicyKeyOf } from './client-auth-policy.js';
import { issuerDepth } from './client-chain.js';
import { rfc4514Subject } from './client-subject.js';

describe('rfc4514Subject', () => {
  it('reverses Node\'s RDN lines (certificate order) into RFC 4514 order and keeps its escaping', () => {
    expect(rfc4514Subject('O=Example\nCN=alice')).toBe('CN=alice,O=Example');
    expect(rfc4514Subject('CN=a\\, b')).toBe('CN=a\\, b');
    expect(rfc4514Subject('')).toBe('');
  });

  it('never lets a control or non-ASCII character into the header, from a real certificate', async () => {
    const ca = await certificateAuthority();
    const { certPem } = await ca.issueClient([
      { O: ['Zoë, Inc.'] },
      { CN: ['evil\r\nX-Injected: 1'], '0.9.2342.19200300.100.1.1': ['uid1'] },
      { OU: [' #lead+trail '] },
      { '1.2.3.4': ['odd\u0000null\u007fdel'] },
      { CN: ['日本'] },
    ]);
    const subject = rfc4514Subject(new X509Certificate(certPem).subject);
    expect(subject).toBe(
      'CN=\\E6\\97\\A5\\E6\\9C\\AC,1.2.3.4=odd\\00null\\7Fdel,OU=\\ #lead\\+trail\\ ,CN=evil\\0D\\0AX-Injected: 1+UID=uid1,O=Zo\\C3\\AB\\, Inc.',
    );
    expect(subject).toMatch(/^[\x20-\x7e]*$/);
  });

  it('escapes raw control characters even if Node ever stopped doing so', () => {
    expect(rfc4514Subject('CN=a\rb\u0085c')).toBe('CN=a\\0Db\\C2\\85c');
  });
});

describe('clientPolicy', () => {
  it('compares by value: the same CAs in other whitespace or order are one policy; another depth or CA is another', async () => {
    const [a, b] = [await certificateAuthority('A'), await certificateAuthority('B')];
    const key = (caPem: string, verifyDepth = 1) => clientPolicy({ caPem, verifyDepth }).key;
    expect(key(a.certPem + b.certPem)).toBe(key(`\n\n${b.certPem.trim()}\n${a.certPem}`));
    expect(key(a.certPem)).not.toBe(key(a.certPem, 2));
    expect(key(a.certPem)).not.toBe(key(b.certPem));
    expect(clientPolicy({ caPem: a.certPem, verifyDepth: 1 }).valid).toBe(true);
    expect(clientPolicy({ caPem: 'not a certificate', verifyDepth: 1 }).valid).toBe(false);
  });

  it('is NO_CLIENT_AUTH for hosts without clientAuth, passthrough hosts and missing hosts', () => {
    expect(clientPolicyKeyOf(undefined)).toBe(NO_CLIENT_AUTH);
    expect(clientPolicyKeyOf({ host: 'a', match: 'exact', routes: [], tls: { mode: 'terminate', certificateId: null, httpPolicy: 'redirect' } })).toBe(NO_CLIENT_AUTH);
    expect(clientPolicyKeyOf({ host: 'a', match: 'exact', routes: [], tls: { mode: 'passthrough', clusterId: 'c', httpPolicy: 'redirect' } })).toBe(NO_CLIENT_AUTH);
  });
});

describe('issuerDepth', () => {
  // Shaped like getPeerCertificate(true): each certificate links its issuer, a self-signed root links itself.
  const cert = (fingerprint256: string, issuer?: object) => ({ fingerprint256, issuerCertificate: issuer }) as unknown as tls.DetailedPeerCertificate;
  const root = cert('ROOT');
  (root as { issuerCertificate: unknown }).issuerCertificate = root;
  const intermediate = cert('INT', root);

  it('counts the issuers up to the first trusted certificate', () => {
    expect(issuerDepth(cert('LEAF', root), new Set(['ROOT']))).toBe(1);
    expect(issuerDepth(cert('LEAF', intermediate), new Set(['ROOT']))).toBe(2);
    // A trusted intermediate ends the walk there.
    expect(issuerDepth(cert('LEAF', intermediate), new Set(['INT', 'ROOT']))).toBe(1);
    expect(issuerDepth(root, new Set(['ROOT']))).toBe(0);
  });

  it('is undefined when the chain stops before a trusted certificate (refused, never guessed)', () => {
    expect(issuerDepth(cert('LEAF'), new Set(['ROOT']))).toBeUndefined();
    expect(issuerDepth(cert('LEAF', intermediate), new Set(['OTHER']))).toBeUndefined();
  });
});
