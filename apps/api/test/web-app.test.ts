import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { fakeCompile } from './fakes.js';
import { makeTempDir, silentLogger } from './helpers.js';

describe('serving the web app', () => {
  let api: ApiHandle;
  let removeWeb: () => Promise<void>;
  let removeManifests: () => Promise<void>;

  beforeAll(async () => {
    const web = await makeTempDir();
    const manifests = await makeTempDir();
    removeWeb = web.remove;
    removeManifests = manifests.remove;
    await writeFile(path.join(web.dir, 'index.html'), '<!doctype html><title>Portico</title><div id="root"></div>');
    await mkdir(path.join(web.dir, 'assets'));
    await writeFile(path.join(web.dir, 'assets', 'app.js'), 'console.log("portico")');
    api = await startApi({
      manifests: manifests.dir,
      port: 0,
      bind: '127.0.0.1',
      adminToken: 'a',
      proxyToken: 'p',
      webDir: web.dir,
      logger: silentLogger(),
      compile: fakeCompile,
    });
  });
  afterAll(async () => {
    await api?.close();
    await removeWeb();
    await removeManifests();
  });

  const get = (route: string, accept = '*/*') => fetch(`${api.url}${route}`, { headers: { accept } });

  it('serves index.html at / and for client-side routes, and static assets as they are', async () => {
    // a browser navigating to a deep link (hosts contain dots, so the Accept header decides), or a bare path
    for (const [route, accept] of [['/', '*/*'], ['/routes/example.com', 'text/html,application/xhtml+xml'], ['/proxies', '*/*']]) {
      const response = await get(route, accept);
      expect(response.status, route).toBe(200);
      expect(response.headers.get('content-type'), route).toMatch(/text\/html/);
      expect(await response.text()).toContain('<title>Portico</title>');
    }
    const asset = await get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log("portico")');
  });

  it('does not answer missing assets or API paths with the app', async () => {
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/routes/example.com')).status).toBe(404); // not a navigation: no HTML fallback
    const api404 = await get('/api/v1/unknown');
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await get('/api/v1/routes')).status).toBe(401);
    expect((await get('/readyz')).headers.get('content-type')).toMatch(/application\/json/);
  });
});
