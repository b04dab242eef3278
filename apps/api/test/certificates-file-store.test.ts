import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from '@portico/testing';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { makeTempDir, waitFor } from './helpers.js';
import { capturingLogger, keyForms, service, writeManifests } from './tls-fixtures.js';

/** The file store holds every Secret, so an uploaded certificate is listed even before anything uses it. */
describe('certificate upload (file store)', () => {
  let api: ApiHandle;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  const captured = capturingLogger();

  beforeAll(async () => {
    temp = await makeTempDir();
    await writeManifests(temp.dir, 'base.yaml', [service('web')]);
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: 'admin', proxyToken: 'p', webDir: null, logger: captured.logger, debounceMs: 10 });
  });
  afterAll(async () => {
    await api?.close();
    await temp?.remove();
  });

  it('stores an uploaded certificate and lists it', async () => {
    const cert = await selfSigned(['files.example']);
    const response = await fetch(`${api.url}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'default', name: 'files-tls', certificatePem: cert.certPem, privateKeyPem: cert.keyPem }),
    });
    const created = await response.text();
    expect(response.status, created).toBe(201);
    const listed = await waitFor(async () => {
      const list = await (await fetch(`${api.url}/api/v1/certificates`, { headers: { authorization: 'Bearer admin' } })).text();
      return list.includes('default/files-tls') ? list : undefined;
    }, 'the upload in the list');
    const entry = JSON.parse(listed).certificates.find((c: any) => c.id === 'default/files-tls');
    expect(entry).toMatchObject({ kind: 'tls', loaded: true, certificate: { dnsNames: ['files.example'] }, usedBy: { hosts: [] } });
    for (const form of keyForms(cert.keyPem)) expect(created + listed + captured.lines.join('\n')).not.toContain(form);
  });
});
