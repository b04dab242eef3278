import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import { startFixtureApi, type FixtureApi } from './tls-fixtures.js';

describe('GET /api/v1/certificates', () => {
  let stack: FixtureApi;
  beforeAll(async () => {
    stack = await startFixtureApi({
      // A certificate 5 days from expiry, and a warning threshold (9 days) other than the default.
      extra: async (fixture) => {
        const soon = await selfSigned(['soon.example'], 5);
        fixture.keys.push(soon.keyPem);
        return [tlsSecret('soon-tls', soon)];
      },
      api: { certExpiryWarningDays: 9 },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const get = (path: string) => stack.call('GET', path);

  it('shows each certificate\'s facts, chain, uses and the hosts it does not cover', async () => {
    const { status, body } = await get('/api/v1/certificates');
    expect(status).toBe(200);
    // The threshold of the CertificateExpiring diagnostics, so a client colours expiry by the configured one.
    expect(body.expiryWarningDays).toBe(9);
    const byId = (id: string, kind = 'tls') => body.certificates.find((c: any) => c.id === id && c.kind === kind);
    const shop = byId('default/shop-tls');
    const leaf = new X509Certificate(stack.fixture.shop.certPem);
    expect(shop.certificate).toMatchObject({
      subject: 'CN=shop.example',
      issuer: 'CN=Portico Test CA',
      serialNumber: leaf.serialNumber,
      dnsNames: ['shop.example', 'www.shop.example'],
      sans: ['DNS:shop.example', 'DNS:www.shop.example'],
      fingerprintSha256: leaf.fingerprint256,
      key: { type: 'ec', size: 256, curve: 'prime256v1' },
      isCa: false,
    });
    expect(shop.certificate.daysLeft).toBeGreaterThanOrEqual(29);
    expect(shop.chain).toMatchObject({ valid: true, selfSigned: false, expired: false });
    expect(shop.usedBy.hosts).toEqual(['other.example', 'shop.example']);
    expect(shop.usedBy.ingresses).toEqual([{ ingress: { kind: 'Ingress', namespace: 'default', name: 'shop' }, field: 'spec.tls[0].secretName', role: 'tls', hosts: ['shop.example', 'other.example'] }]);
    expect(shop.notCovered).toEqual(['other.example']);
    expect(shop.warnings.join(' ')).toContain('does not cover other.example');
    expect(shop.hasPrivateKey).toBe(true);

    const wild = byId('default/wild-tls');
    expect(wild.chain).toMatchObject({ valid: true, selfSigned: true });
    expect(wild.notCovered).toEqual([]);

    const expiring = byId('default/soon-tls');
    expect(expiring.certificate.daysLeft).toBeLessThanOrEqual(5);
    expect(expiring.warnings.join(' ')).toMatch(/expires in [45] day/);
    expect(expiring.usedBy.ingresses).toEqual([]);

    const ca = byId('default/client-ca', 'ca-bundle');
    expect(ca.certificate).toMatchObject({ subject: 'CN=Client CA', isCa: true });
    expect(ca.usedBy).toMatchObject({ hosts: ['mtls.example'], ingresses: [{ ingress: { name: 'mtls' }, role: 'client-ca' }] });
  });

  it('shows one Secret, 404 for an unknown one, and never a key', async () => {
    const { body } = await get('/api/v1/certificates/default/mtls-tls');
    expect(body.entries).toHaveLength(1);
    expect(body.expiryWarningDays).toBe(9);
    expect(body.entries[0]).toMatchObject({ kind: 'tls', usedBy: { servedFor: ['mtls.example'] } });
    expect((await get('/api/v1/certificates/default/nothing')).status).toBe(404);
    stack.expectNoKeyAnywhere();
  });
});
