import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';

const ADMIN = 'admin';
const VIEWER = 'viewer';

describe('GET/PATCH /api/v1/settings (file store, real compiler)', () => {
  let api: ApiHandle;
  let dir: string;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeFile(path.join(dir, 'empty.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n');
    api = await startApi({
      manifests: dir,
      port: 0,
      bind: '127.0.0.1',
      adminToken: ADMIN,
      viewerToken: VIEWER,
      proxyToken: 'p',
      webDir: null,
      logger: silentLogger(),
      debounceMs: 10,
      tls: { enabled: true, mtls: false, sslPassthrough: { enabled: false, upstreamPort: 8443, allowedNames: [] }, defaultCertificate: null, httpPolicy: 'redirect' },
    });
  });
  afterAll(async () => {
    await api?.close();
    await remove();
  });

  const request = async (method: string, route: string, token: string, body?: unknown) => {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await json(response) };
  };
  const setting = (body: any, key: string) => body.settings.find((s: any) => s.key === key);
  const table = async () => (await request('GET', '/api/v1/routes', ADMIN)).body;

  it('shows the effective switches with their origin', async () => {
    const { status, body } = await request('GET', '/api/v1/settings', VIEWER);
    expect(status).toBe(200);
    expect(body).toMatchObject({ configMap: 'default/portico-settings', configMapExists: false, resourceVersion: null });
    expect(setting(body, 'tls.enabled')).toMatchObject({ value: true, origin: 'flag', writable: true });
    expect(setting(body, 'tls.sslPassthrough.upstreamPort')).toMatchObject({ value: 8443, origin: 'flag' });
    expect(setting(body, 'tls.httpPolicy')).toMatchObject({ value: 'redirect', origin: 'flag', writable: true });
  });

  it('writes the settings ConfigMap into the manifests directory, and the compiled table follows', async () => {
    const { status, body } = await request('PATCH', '/api/v1/settings', ADMIN, {
      settings: { 'tls.sslPassthrough.enabled': true, 'tls.sslPassthrough.allowedNames': ['*.pass.example', 'Db.Example'], 'tls.enabled': true },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.applied).toBe(true);
    expect(body.configMapExists).toBe(true);
    expect(setting(body, 'tls.sslPassthrough.enabled')).toMatchObject({ value: true, origin: 'configMap', configMapValue: 'true' });
    expect(setting(body, 'tls.sslPassthrough.allowedNames')).toMatchObject({ value: ['*.pass.example', 'db.example'], origin: 'configMap' });
    const written = await findFileWith(dir, 'portico-settings');
    expect(written).toMatch(/tls\.sslPassthrough\.enabled/);
    await waitFor(async () => (await table()).tlsSettings.globalPassthrough !== null, 'the table to enable global passthrough');
    expect((await table()).tlsSettings.globalPassthrough).toEqual({ upstreamPort: 8443, allowedNames: ['*.pass.example', 'db.example'] });

    const off = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.enabled': false, 'tls.sslPassthrough.enabled': null } });
    expect(off.status).toBe(200);
    expect(setting(off.body, 'tls.enabled')).toMatchObject({ value: false, origin: 'configMap' });
    expect(setting(off.body, 'tls.sslPassthrough.enabled')).toMatchObject({ value: false, origin: 'flag', configMapValue: null });
    await waitFor(async () => (await table()).tlsSettings.enabled === false, 'the table to turn TLS off');

    const policy = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.httpPolicy': 'reject', 'tls.enabled': null } });
    expect(policy.status).toBe(200);
    expect(setting(policy.body, 'tls.httpPolicy')).toMatchObject({ value: 'reject', origin: 'configMap' });
  });

  it('refuses invalid values with 400 naming the field, and a viewer with 403', async () => {
    const bad = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.sslPassthrough.upstreamPort': 70000 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('settings.tls.sslPassthrough.upstreamPort');
    const names = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.sslPassthrough.allowedNames': ['not a name!'] } });
    expect(names.status).toBe(400);
    expect(names.body.errors[0].field).toMatch(/^settings\.tls\.sslPassthrough\.allowedNames/);
    const unknown = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.bogus': true } });
    expect(unknown.status).toBe(400);
    const policy = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.httpPolicy': 'sometimes' } });
    expect(policy.status).toBe(400);
    expect(policy.body.errors[0].field).toBe('settings.tls.httpPolicy');
    expect((await request('PATCH', '/api/v1/settings', VIEWER, { settings: { 'tls.enabled': true } })).status).toBe(403);
    expect((await request('GET', '/api/v1/settings', 'wrong')).status).toBe(401);
  });

  it('refuses a stale resourceVersion with 409', async () => {
    const stale = await request('PATCH', '/api/v1/settings', ADMIN, { settings: { 'tls.mTLS': true }, resourceVersion: 'stale-version' });
    expect(stale.status).toBe(409);
  });
});

async function findFileWith(dir: string, text: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const content = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
    if (content.includes(text)) return content;
  }
  return undefined;
}
