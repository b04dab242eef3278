import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ACK_PATH, CONFIG_STREAM_PATH, RoutingTableSchema, type ProxyAck } from '@portico/model';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { fakeCompile } from './fakes.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';
import { NdjsonClient } from './ndjson-client.js';

const ADMIN = 'admin-secret';
const PROXY = 'proxy-secret';
const ingressYaml = (host: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n    - host: ${host}\n`;

describe('admin API over HTTP', () => {
  let api: ApiHandle;
  let dir: string;
  let remove: () => Promise<void>;
  const clients: NdjsonClient[] = [];

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('one.example'));
    await writeFile(path.join(dir, 'broken.yaml'), 'kind: Service\nmetadata:\n  name: [oops\n');
    api = await startApi({
      manifests: dir,
      port: 0,
      bind: '127.0.0.1',
      adminToken: ADMIN,
      proxyToken: PROXY,
      webDir: null,
      logger: silentLogger(),
      compile: fakeCompile,
      debounceMs: 10,
      pingIntervalMs: 100,
    });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await api?.close();
    await remove();
  });

  const get = (route: string, token?: string) =>
    fetch(`${api.url}${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const ack = (body: unknown, token = PROXY) =>
    fetch(`${api.url}${CONFIG_ACK_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const openStream = async (proxyId: string) => {
    const client = await NdjsonClient.open(`${api.url}${CONFIG_STREAM_PATH}?proxyId=${proxyId}`, PROXY);
    clients.push(client);
    return client;
  };
  const readyz = async () => {
    const response = await get('/readyz');
    return { status: response.status, body: await json(response) };
  };

  it('answers /healthz, and /readyz is ready once loaded with no proxy connected', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, generation: 1, proxies: [] } });
  });

  it('refuses admin endpoints without the admin token, with problem+json', async () => {
    for (const route of ['/api/v1/routes', '/api/v1/diagnostics', '/api/v1/proxies']) {
      for (const token of [undefined, PROXY, 'wrong']) {
        const response = await get(route, token);
        expect(response.status, `${route} with ${token}`).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(await json(response)).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: expect.any(String) });
      }
    }
  });

  it('serves the routing table and diagnostics with file and line to the admin', async () => {
    const routes = await get('/api/v1/routes', ADMIN);
    expect(routes.status).toBe(200);
    const table = RoutingTableSchema.parse(await json(routes));
    expect(table.generation).toBe(api.generation());
    expect(table.virtualHosts.map((host) => host.host)).toContain('one.example');

    const diagnostics = await json(await get('/api/v1/diagnostics', ADMIN));
    expect(diagnostics.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'ManifestParseError', file: 'broken.yaml', line: expect.any(Number) }),
    ]);
  });

  it('refuses the config stream and the ack without the proxy token', async () => {
    const stream = await get(`${CONFIG_STREAM_PATH}?proxyId=p`, ADMIN);
    expect(stream.status).toBe(401);
    expect(stream.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const refused = await ack({ proxyId: 'p', generation: 1, ok: true, applyMs: 1 }, 'nope');
    expect(refused.status).toBe(401);
  });

  it('rejects a stream without proxyId and a malformed ack with problem+json naming the field', async () => {
    const stream = await get(CONFIG_STREAM_PATH, PROXY);
    expect(stream.status).toBe(400);
    expect((await json(stream)).errors).toEqual([expect.objectContaining({ field: 'proxyId' })]);

    const response = await ack({ proxyId: 'p', generation: 'seven', ok: true, applyMs: 1 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await json(response);
    expect(problem).toMatchObject({ status: 400, title: 'Invalid request', errors: [{ field: 'generation', message: expect.any(String) }] });
    expect(problem.detail).toContain('generation');

    const notJson = await ack('{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('streams tables to a proxy, pushes edits, records acks and gates readiness on them', async () => {
    const proxy = await openStream('proxy-a');
    expect(proxy.response.status).toBe(200);
    expect(proxy.response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const first = await proxy.next((m) => m.type === 'config', 'the current table');
    const startGeneration = api.generation();
    expect(first).toMatchObject({ type: 'config', table: { generation: startGeneration } });
    await proxy.next((m) => m.type === 'ping', 'a ping');

    // connected but not acked: not ready
    await waitFor(async () => (await readyz()).status === 503, 'readyz to report the lagging proxy');
    expect((await readyz()).body).toEqual({
      ready: false,
      generation: startGeneration,
      proxies: [{ id: 'proxy-a', appliedGeneration: null, connected: true }],
    });

    const acked = await ack({ proxyId: 'proxy-a', generation: startGeneration, ok: true, applyMs: 0.4 } satisfies ProxyAck);
    expect(acked.status).toBe(200);
    expect(await json(acked)).toMatchObject({ recorded: true });
    expect(await readyz()).toMatchObject({ status: 200, body: { ready: true } });

    // an edit on disk reaches the proxy as a new generation
    const seen = proxy.messages.length;
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('two.example'));
    const pushed = await proxy.next((m) => m.type === 'config' && m.table.generation > startGeneration, 'the pushed table', seen);
    if (pushed.type !== 'config') throw new Error('unreachable');
    expect(pushed.table.generation).toBe(startGeneration + 1);
    expect(pushed.table.virtualHosts.map((host) => host.host)).toEqual(['two.example']);
    expect(await readyz()).toMatchObject({ status: 503, body: { ready: false, generation: startGeneration + 1 } });

    const second = await ack({ proxyId: 'proxy-a', generation: startGeneration + 1, ok: true, applyMs: 0.2 });
    const { propagationMs } = await json(second);
    expect(propagationMs).toBeGreaterThan(0);
    expect(propagationMs).toBeLessThan(5000);
    expect(await readyz()).toMatchObject({ status: 200, body: { ready: true, generation: startGeneration + 1 } });

    const proxies = await json(await get('/api/v1/proxies', ADMIN));
    expect(proxies).toMatchObject({
      generation: startGeneration + 1,
      proxies: [{ id: 'proxy-a', connected: true, appliedGeneration: startGeneration + 1, propagationMs, applyMs: 0.2, lastError: null }],
    });
    expect(Date.parse(proxies.proxies[0].appliedAt)).not.toBeNaN();

    // a failed apply is recorded, without moving the applied generation
    await ack({ proxyId: 'proxy-a', generation: startGeneration + 1, ok: false, applyMs: 0, error: 'bad cert' });
    const afterFailure = await json(await get('/api/v1/proxies', ADMIN));
    expect(afterFailure.proxies[0]).toMatchObject({ appliedGeneration: startGeneration + 1, lastError: { message: 'bad cert' } });

    // disconnecting removes the proxy from the registry
    proxy.close();
    await waitFor(async () => (await json(await get('/api/v1/proxies', ADMIN))).proxies.length === 0, 'the proxy to leave the registry');
  });

  it('publishes an OpenAPI 3 document listing the endpoints, and Swagger UI', async () => {
    const response = await get('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = await json(response);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBeTruthy();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/routes', '/api/v1/diagnostics', '/api/v1/proxies', '/readyz', '/healthz', CONFIG_STREAM_PATH, CONFIG_ACK_PATH]),
    );
    expect(document.paths['/api/v1/routes'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RoutingTable' });
    expect(Object.keys(document.paths['/api/v1/routes'].get.responses['401'].content)).toEqual(['application/problem+json']);
    expect(document.components.schemas.RoutingTable.properties.generation).toMatchObject({ type: 'integer' });
    expect(document.components.securitySchemes).toHaveProperty('admin-token');
    // every $ref resolves inside the document
    const refs = [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs).toContain('ProxyAck');
    for (const name of refs) expect(document.components.schemas).toHaveProperty(name);

    const ui = await get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('answers unknown API paths with a problem+json 404', async () => {
    const response = await get('/api/v1/nothing-here', ADMIN);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
