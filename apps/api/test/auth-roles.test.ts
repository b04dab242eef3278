import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { makeTempDir, silentLogger } from './helpers.js';

const ADMIN = 'admin-secret';
const VIEWER = 'viewer-secret';

describe('bearer tokens and roles under /api/v1', () => {
  let api: ApiHandle;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, viewerToken: VIEWER, proxyToken: 'p', webDir: null, logger: silentLogger() });
  });
  afterAll(async () => {
    await api?.close();
    await remove?.();
  });

  const get = (path: string, token?: string) => fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('the viewer and the admin token both read', async () => {
    expect((await get('/api/v1/diagnostics', VIEWER)).status).toBe(200);
    expect((await get('/api/v1/diagnostics', ADMIN)).status).toBe(200);
  });

  it('no token or an unknown one is 401 with a problem body; the proxy token is not a reader', async () => {
    for (const token of [undefined, 'nope', 'p']) {
      const res = await get('/api/v1/diagnostics', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });

  it('GET /api/v1/session tells each token its role, so a client can offer only what the token may do', async () => {
    expect(await (await get('/api/v1/session', ADMIN)).json()).toEqual({ role: 'admin' });
    expect(await (await get('/api/v1/session', VIEWER)).json()).toEqual({ role: 'viewer' });
    expect((await get('/api/v1/session', 'nope')).status).toBe(401);
  });

  it('health and readiness stay open', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });
});
