import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { API_SCHEMAS } from '../src/openapi/api-schemas.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';
import { ADMIN, ingress, PROXY, service } from './kube-fixtures.js';

const VIEWER = 'viewer-secret';

/**
 * `?dryRun=All` on the Ingress writes, over the file store through real HTTP: the answer is what the write would
 * do (the candidate's routes and diagnostics, and the routes it adds, removes or changes), and nothing is written —
 * no file, no audit entry, no new generation. Bad input is refused exactly as the real write refuses it.
 */
describe('Ingress writes with ?dryRun=All', () => {
  let api: ApiHandle;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let shopVersion: string;

  const call = (method: string, route: string, body?: unknown, token: string = ADMIN, type = 'application/json') =>
    fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Every file of the store with its content, and the audit log and generation: none may change on a dry run. */
  const fingerprint = async () => {
    const files = (await readdir(temp.dir, { recursive: true })).sort();
    const contents = await Promise.all(files.map(async (f) => [f, await readFile(path.join(temp.dir, f), 'utf8').catch(() => '(dir)')]));
    const audit = await json(await call('GET', '/api/v1/audit'));
    const routes = await json(await call('GET', '/api/v1/routes'));
    return JSON.stringify({ contents, audit, generation: routes.generation });
  };
  /** The answer parses to itself with the published IngressWriteResult schema (the document does not lie about it). */
  const published = (answer: unknown) => {
    const parsed = API_SCHEMAS.IngressWriteResult.safeParse(answer);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toEqual(answer);
  };

  beforeAll(async () => {
    temp = await makeTempDir();
    const objects = [service('web', 'shop'), service('api', 'shop'), ingress('shop', { namespace: 'shop', host: 'shop.example' })];
    await writeFile(path.join(temp.dir, 'objects.yaml'), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, viewerToken: VIEWER, proxyToken: PROXY, webDir: null, logger: silentLogger(), debounceMs: 10, settingsConfigMap: null });
    const view = await waitFor(async () => {
      const response = await call('GET', '/api/v1/ingresses/shop/shop');
      const body = response.status === 200 ? await json(response) : undefined;
      return body && !body.pending && body.routes.length > 0 ? body : undefined;
    }, 'the stored Ingress to be compiled');
    shopVersion = view.object.metadata.resourceVersion;
  });
  afterAll(async () => {
    await api?.close();
    await temp?.remove();
  });

  it('a create answers the routes it would add, and writes nothing', async () => {
    const before = await fingerprint();
    const candidate = ingress('new', { namespace: 'shop', host: 'new.example', service: 'api' });
    const response = await call('POST', '/api/v1/ingresses?dryRun=All', candidate);
    expect(response.status).toBe(201);
    const answer = await json(response);
    published(answer);
    expect(answer).toMatchObject({ dryRun: true, pending: true, diagnostics: [], object: { metadata: { name: 'new', namespace: 'shop' } } });
    expect(answer.object.metadata.resourceVersion).toBeUndefined();
    expect(answer.routes).toEqual([expect.objectContaining({ host: 'new.example', path: '/', pathType: 'Prefix', clusterId: expect.stringContaining('shop/api') })]);
    expect(answer.changes.added).toEqual(answer.routes);
    expect(answer.changes.removed).toEqual([]);
    expect(answer.changes.changed).toEqual([]);
    expect(await fingerprint()).toBe(before);
    expect((await call('GET', '/api/v1/ingresses/shop/new')).status).toBe(404);
  });

  it('a replace answers the routes it adds, removes and changes; a stale resourceVersion is 409', async () => {
    const before = await fingerprint();
    const candidate = ingress('shop', { namespace: 'shop', host: 'shop.example', service: 'api' }) as any;
    candidate.metadata.resourceVersion = shopVersion;
    candidate.spec.rules[0].http.paths.push({ path: '/v2', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } });
    const response = await call('PUT', '/api/v1/ingresses/shop/shop?dryRun=All', candidate);
    expect(response.status).toBe(200);
    const answer = await json(response);
    published(answer);
    expect(answer.changes.added).toEqual([expect.objectContaining({ host: 'shop.example', path: '/v2', pathType: 'Exact' })]);
    expect(answer.changes.removed).toEqual([]);
    expect(answer.changes.changed).toEqual([
      { before: expect.objectContaining({ path: '/', clusterId: expect.stringContaining('shop/web') }), after: expect.objectContaining({ path: '/', clusterId: expect.stringContaining('shop/api') }) },
    ]);

    const stale = await call('PUT', '/api/v1/ingresses/shop/shop?dryRun=All', { ...candidate, metadata: { ...candidate.metadata, resourceVersion: 'stale' } });
    expect(stale.status).toBe(409);
    expect(await fingerprint()).toBe(before);
  });

  it('a patch that moves the rule to another path answers the route it removes and the one it adds', async () => {
    const before = await fingerprint();
    const rules = [{ host: 'shop.example', http: { paths: [{ path: '/shop', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }];
    const response = await call('PATCH', '/api/v1/ingresses/shop/shop?dryRun=All', { spec: { rules } }, ADMIN, 'application/merge-patch+json');
    expect(response.status).toBe(200);
    const answer = await json(response);
    published(answer);
    expect(answer.routes).toEqual([expect.objectContaining({ host: 'shop.example', path: '/shop' })]);
    expect(answer.changes.removed).toEqual([expect.objectContaining({ host: 'shop.example', path: '/' })]);
    expect(answer.changes.added).toEqual(answer.routes);
    expect(await fingerprint()).toBe(before);
  });

  it('refuses what the write refuses (400, 403, 404, 409, 422) with the field named, and writes nothing', async () => {
    const before = await fingerprint();
    const problem = async (response: Response, status: number, field?: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const body = await json(response);
      if (field) expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await problem(await call('POST', '/api/v1/ingresses?dryRun=Yes', ingress('x', { namespace: 'shop' })), 400, 'query.dryRun');
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All&extra=1', ingress('x', { namespace: 'shop' })), 400, 'query.extra');
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All', { ...ingress('x'), bogus: 1 }), 400, 'bogus');
    const badPath = ingress('bad', { namespace: 'shop' }) as any;
    badPath.spec.rules[0].http.paths[0].path = 'no-slash';
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All', badPath), 422, 'spec.rules[0].http.paths[0].path');
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All', ingress('lb', { namespace: 'shop', annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } })), 422, 'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]');
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All', ingress('shop', { namespace: 'shop' })), 409);
    await problem(await call('PUT', '/api/v1/ingresses/shop/missing?dryRun=All', { ...ingress('missing', { namespace: 'shop' }), metadata: { name: 'missing', namespace: 'shop', resourceVersion: '1' } }), 404);
    await problem(await call('POST', '/api/v1/ingresses?dryRun=All', ingress('viewer', { namespace: 'shop' }), VIEWER), 403);
    expect(await fingerprint()).toBe(before);
  });

  it('publishes the annotations the compiler reads with their accepted values', async () => {
    const response = await call('GET', '/api/v1/ingresses/annotations', undefined, VIEWER);
    expect(response.status).toBe(200);
    const catalog = await json(response);
    expect(API_SCHEMAS.AnnotationCatalog.parse(catalog)).toEqual(catalog);
    const byKey = Object.fromEntries(catalog.annotations.map((a: { key: string }) => [a.key, a]));
    expect(byKey['pipy.ingress.kubernetes.io/lb-type']).toMatchObject({ type: 'enum', values: ['round-robin', 'hashing', 'least-work'], default: 'round-robin' });
    expect(byKey['portico.dev/ssl-passthrough']).toMatchObject({ type: 'boolean', values: ['true', 'false'], security: true });
    expect(byKey['portico.dev/http-policy'].values).toEqual(['redirect', 'reject', 'allow']);
    expect(catalog.annotations).toHaveLength(13);
  });
});
