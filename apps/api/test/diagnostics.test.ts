import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { certificateDiagnostics } from '../src/diagnostics/computed-diagnostics.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';

const ADMIN = 'admin';
const backend = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
`;
const tlsIngress = (name: string, host: string, secret: string, namespace = 'default') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  ingressClassName: portico
  tls:
    - hosts: [${host}]
      secretName: ${secret}
  rules:
    - host: ${host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
`;

describe('GET /api/v1/diagnostics: certificate expiry and filters', () => {
  let api: ApiHandle;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    await writeFile(path.join(temp.dir, 'backend.yaml'), backend);
    await writeFile(path.join(temp.dir, 'soon.yaml'), `${tlsIngress('soon', 'soon.example', 'soon-tls')}---\n${JSON.stringify(tlsSecret('soon-tls', await selfSigned(['soon.example'], 5)))}\n`);
    await writeFile(path.join(temp.dir, 'later.yaml'), `${tlsIngress('later', 'later.example', 'later-tls')}---\n${JSON.stringify(tlsSecret('later-tls', await selfSigned(['later.example'], 90)))}\n`);
    // An Ingress naming a Service that does not exist: a compiler diagnostic in another namespace.
    await writeFile(
      path.join(temp.dir, 'broken.yaml'),
      tlsIngress('broken', 'broken.example', 'missing-tls', 'other').replace('name: web, port', 'name: nowhere, port'),
    );
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, proxyToken: 'p', webDir: null, logger: silentLogger(), debounceMs: 10 });
  });
  afterAll(async () => {
    await api?.close();
    await remove?.();
  });

  const get = async (query = '') => {
    const response = await fetch(`${api.url}/api/v1/diagnostics${query}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: response.status, body: await json(response) };
  };

  it('warns about a certificate expiring within 21 days, not about one valid for 90', async () => {
    const { status, body } = await waitFor(async () => {
      const answer = await get();
      return answer.body.diagnostics?.some((d: any) => d.code === 'CertificateExpiring') && answer;
    }, 'a CertificateExpiring diagnostic');
    expect(status).toBe(200);
    const expiring = body.diagnostics.filter((d: any) => d.code === 'CertificateExpiring');
    expect(expiring).toEqual([
      expect.objectContaining({ severity: 'warning', object: { kind: 'Secret', namespace: 'default', name: 'soon-tls' }, message: expect.stringMatching(/expires in [45] days/) }),
    ]);
  });

  it('filters by severity, code, kind and namespace', async () => {
    const all = (await get()).body.diagnostics as any[];
    expect(all.length).toBeGreaterThan(1);
    const byCode = (await get('?code=CertificateExpiring')).body.diagnostics as any[];
    expect(byCode.map((d) => d.object.name)).toEqual(['soon-tls']);
    const warnings = (await get('?severity=warning')).body.diagnostics as any[];
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((d) => d.severity === 'warning')).toBe(true);
    const secrets = (await get('?kind=secret')).body.diagnostics as any[];
    expect(secrets.every((d) => d.object.kind === 'Secret')).toBe(true);
    expect(secrets.length).toBeGreaterThan(0);
    const other = (await get('?namespace=other')).body.diagnostics as any[];
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((d) => d.object.namespace === 'other')).toBe(true);
    expect((await get('?namespace=other&code=CertificateExpiring')).body.diagnostics).toEqual([]);
    const both = (await get('?severity=error,warning')).body.diagnostics as any[];
    expect(both.length).toBe(all.filter((d) => d.severity !== 'info').length);
  });

  it('refuses an unknown severity with 400 naming the field', async () => {
    const { status, body } = await get('?severity=fatal');
    expect(status).toBe(400);
    expect(body.errors[0].field).toMatch(/^query\.severity/);
  });
});

describe('certificateDiagnostics', () => {
  const table = (notAfter: string) =>
    ({ certificates: [{ id: 'ns/cert', certPem: '', keyPem: '', dnsNames: ['a.example'], notAfter }] }) as any;
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('raises CertificateExpired for a certificate past notAfter and nothing beyond the window', () => {
    expect(certificateDiagnostics(table('2025-12-31T00:00:00Z'), now, 21)).toEqual([
      expect.objectContaining({ severity: 'error', code: 'CertificateExpired', object: { kind: 'Secret', namespace: 'ns', name: 'cert' } }),
    ]);
    expect(certificateDiagnostics(table('2026-01-21T00:00:00Z'), now, 21)[0]?.code).toBe('CertificateExpiring');
    expect(certificateDiagnostics(table('2026-01-23T00:00:00Z'), now, 21)).toEqual([]);
    expect(certificateDiagnostics(table('2026-01-23T00:00:00Z'), now, 30)[0]?.code).toBe('CertificateExpiring');
  });
});
