import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { redactObject } from '../src/audit/audit-log.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';
import { ADMIN, ingress, PROXY, service, startClusterApi, startKubeEmulator, waitReady, type KubeEmulator, type KubeObject } from './kube-fixtures.js';

const VIEWER = 'viewer-secret';

interface Store {
  api: ApiHandle;
  /** The Ingress as the store holds it (the file's document, or the API server's object). */
  stored(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Everything the store holds, to show that a refused write changed nothing. */
  fingerprint(): Promise<string>;
  close(): Promise<void>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function fileStore(): Promise<Store> {
  const { dir, remove } = await makeTempDir();
  await mkdir(path.join(dir, 'base'));
  const services = [service('web', 'shop'), service('web', 'default'), service('api', 'shop')];
  await writeFile(path.join(dir, 'base', 'services.yaml'), services.map((s) => JSON.stringify(s)).join('\n---\n'));
  const api = await startApi({ manifests: dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, viewerToken: VIEWER, proxyToken: PROXY, webDir: null, logger: silentLogger(), debounceMs: 10, settingsConfigMap: null });
  const all = async () => {
    const objects: KubeObject[] = [];
    for (const file of await filesUnder(dir)) {
      if (!file.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) if (doc.contents) objects.push(doc.toJS() as KubeObject);
    }
    return objects;
  };
  return {
    api,
    stored: async (namespace, name) => (await all()).find((o) => o.kind === 'Ingress' && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace),
    fingerprint: async () => JSON.stringify(await Promise.all((await filesUnder(dir)).map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')]))),
    close: async () => {
      await api.close();
      await remove();
    },
  };
}

async function clusterStore(): Promise<Store> {
  const emulator: KubeEmulator = await startKubeEmulator();
  for (const s of [service('web', 'shop'), service('web', 'default'), service('api', 'shop')]) emulator.create(s);
  const api = await startClusterApi(emulator, { viewerToken: VIEWER });
  await waitReady(api);
  return {
    api,
    stored: async (namespace, name) => emulator.get('networking.k8s.io/v1', 'Ingress', namespace, name),
    fingerprint: async () => JSON.stringify(emulator.list('networking.k8s.io/v1', 'Ingress')),
    close: async () => {
      await api.close();
      await emulator.close();
    },
  };
}

describe.each([
  ['the file store', fileStore],
  ['the Kubernetes source', clusterStore],
])('/api/v1/ingresses over %s', (_label, startStore) => {
  let store: Store;
  let readVersion: string;

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  const call = (method: string, route: string, options: { body?: unknown; token?: string | null; type?: string } = {}) => {
    const token = options.token === undefined ? ADMIN : options.token;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return fetch(`${store.api.url}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  };
  const view = async (namespace: string, name: string) => {
    const response = await call('GET', `/api/v1/ingresses/${namespace}/${name}`);
    return response.status === 200 ? json(response) : undefined;
  };

  it('creates an Ingress (admin), and GET shows it with its compiled routes once compiled', async () => {
    const response = await call('POST', '/api/v1/ingresses', { body: ingress('web', { namespace: 'shop', host: 'shop.example' }) });
    expect(response.status).toBe(201);
    const created = await json(response);
    expect(created.object.metadata).toMatchObject({ name: 'web', namespace: 'shop', resourceVersion: expect.any(String) });
    expect(created.applied).toEqual({ generation: expect.any(Number), proxies: 0, appliedBy: 0 });
    expect((await store.stored('shop', 'web'))?.spec).toMatchObject({ rules: [{ host: 'shop.example' }] });

    const compiled = await waitFor(async () => {
      const current = await view('shop', 'web');
      return current && !current.pending && current.routes.length > 0 ? current : undefined;
    }, 'the Ingress to be compiled');
    expect(compiled.routes).toEqual([expect.objectContaining({ host: 'shop.example', path: '/', pathType: 'Prefix', source: { ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[0]' } })]);
    expect(compiled.diagnostics).toEqual([]);
    readVersion = compiled.object.metadata.resourceVersion;
    expect(readVersion).toBe(created.object.metadata.resourceVersion);

    // the same name again is a conflict
    expect((await call('POST', '/api/v1/ingresses', { body: ingress('web', { namespace: 'shop' }) })).status).toBe(409);
  });

  it('lists with filters (namespace, host, class) in a deterministic order, and paginates', async () => {
    for (const body of [ingress('api', { namespace: 'shop', host: 'api.example', service: 'api' }), ingress('other', { host: 'other.example', className: 'nginx' })]) {
      expect((await call('POST', '/api/v1/ingresses', { body })).status).toBe(201);
    }
    const names = async (query: string) => {
      const page = await json(await call('GET', `/api/v1/ingresses${query}`));
      return page.items.map((item: any) => `${item.object.metadata.namespace}/${item.object.metadata.name}`);
    };
    await waitFor(async () => (await names('')).length === 3, 'the three Ingresses to be listed');
    expect(await names('')).toEqual(['default/other', 'shop/api', 'shop/web']);
    expect(await names('?namespace=shop')).toEqual(['shop/api', 'shop/web']);
    expect(await names('?host=API.example')).toEqual(['shop/api']);
    expect(await names('?class=nginx')).toEqual(['default/other']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(await call('GET', `/api/v1/ingresses?limit=2${cursor ? `&continue=${encodeURIComponent(cursor)}` : ''}`));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item: any) => item.object.metadata.name));
      cursor = page.continue;
    } while (cursor);
    expect(seen).toEqual(['other', 'api', 'web']);
    for (const bad of ['?limit=0', '?limit=501', '?continue=garbage', '?namespace=Bad_NS', '?unknown=1']) {
      const response = await call('GET', `/api/v1/ingresses${bad}`);
      expect(response.status, bad).toBe(400);
      expect((await json(response)).errors[0].field).toMatch(/^query\./);
    }
  });

  it('replaces with the resourceVersion read; a stale one is 409 and changes nothing', async () => {
    const read = (await view('shop', 'web')).object;
    const replaced = await call('PUT', '/api/v1/ingresses/shop/web', { body: { ...read, metadata: { ...read.metadata, labels: { v: '2' } } } });
    expect(replaced.status).toBe(200);
    const after = await json(replaced);
    expect(after.object.metadata.labels).toEqual({ v: '2' });
    expect(after.object.metadata.resourceVersion).not.toBe(readVersion);
    expect((await store.stored('shop', 'web'))?.metadata?.labels).toEqual({ v: '2' });

    const before = await store.fingerprint();
    const stale = await call('PUT', '/api/v1/ingresses/shop/web', { body: { ...read, metadata: { ...read.metadata, labels: { v: 'stale' } } } });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await json(stale)).toMatchObject({ status: 409, detail: expect.any(String) });
    expect(await store.fingerprint()).toBe(before);

    // no resourceVersion at all, or another name than the path: 400
    const { resourceVersion: _rv, ...metadata } = read.metadata;
    const missing = await call('PUT', '/api/v1/ingresses/shop/web', { body: { ...read, metadata } });
    expect(missing.status).toBe(400);
    expect((await json(missing)).errors).toEqual([expect.objectContaining({ field: 'metadata.resourceVersion' })]);
    expect((await call('PUT', '/api/v1/ingresses/shop/other-name', { body: read })).status).toBe(400);
    expect((await call('PUT', '/api/v1/ingresses/shop/nope', { body: { ...read, metadata: { ...read.metadata, name: 'nope' } } })).status).toBe(404);
    expect(await store.fingerprint()).toBe(before);
    readVersion = after.object.metadata.resourceVersion;
  });

  it('merge-patches (application/merge-patch+json and application/json), with an optional resourceVersion precondition', async () => {
    const patched = await call('PATCH', '/api/v1/ingresses/shop/web', { body: { metadata: { labels: { v: null, team: 'shop' } } }, type: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    const body = await json(patched);
    expect(body.object.metadata.labels).toEqual({ team: 'shop' });
    expect(body.object.spec.rules[0].host).toBe('shop.example');
    expect((await store.stored('shop', 'web'))?.metadata?.labels).toEqual({ team: 'shop' });

    const before = await store.fingerprint();
    const stale = await call('PATCH', '/api/v1/ingresses/shop/web', { body: { metadata: { resourceVersion: readVersion, labels: { team: 'x' } } } });
    expect(stale.status).toBe(409);
    expect(await store.fingerprint()).toBe(before);
    expect((await call('PATCH', '/api/v1/ingresses/shop/web', { body: '{"metadata":{}}', type: 'text/plain' })).status).toBe(415);
    expect((await call('PATCH', '/api/v1/ingresses/shop/missing', { body: { metadata: { labels: { a: 'b' } } } })).status).toBe(404);
    expect((await call('PATCH', '/api/v1/ingresses/shop/web', { body: { metadata: { name: 'renamed' } } })).status).toBe(400);
    expect(await store.fingerprint()).toBe(before);

    const viaJson = await call('PATCH', '/api/v1/ingresses/shop/web', { body: { metadata: { annotations: { note: 'json too' } } } });
    expect(viaJson.status).toBe(200);
    await waitFor(async () => (await view('shop', 'web'))?.object.metadata.annotations?.note === 'json too', 'the patch to be read back');
  });

  it('requires a token; the viewer reads but cannot write (403); the store is unchanged', async () => {
    const before = await store.fingerprint();
    expect((await call('GET', '/api/v1/ingresses', { token: null })).status).toBe(401);
    expect((await call('POST', '/api/v1/ingresses', { token: null, body: ingress('x') })).status).toBe(401);
    expect((await call('GET', '/api/v1/ingresses/shop/web', { token: VIEWER })).status).toBe(200);
    for (const [method, route, body] of [
      ['POST', '/api/v1/ingresses', ingress('viewer-made')],
      ['PATCH', '/api/v1/ingresses/shop/web', { metadata: { labels: { by: 'viewer' } } }],
      ['DELETE', '/api/v1/ingresses/shop/web', undefined],
    ] as const) {
      const response = await call(method, route, { token: VIEWER, ...(body ? { body } : {}) });
      expect(response.status, `${method} ${route}`).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect(await store.fingerprint()).toBe(before);
  });

  it('refuses bad input with a documented 4xx problem naming the field, and writes nothing', async () => {
    const before = await store.fingerprint();
    const expectProblem = async (response: Response, status: number, field?: string | RegExp) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = await json(response);
      expect(problem.status).toBe(status);
      if (field !== undefined) expect(problem.errors.map((e: any) => e.field)).toContainEqual(typeof field === 'string' ? field : expect.stringMatching(field));
      return problem;
    };
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: '{"apiVersion": "networking.k8s.io/v1", "kind": ' }), 400);
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: { ...ingress('typed'), metadata: { name: 42 } } }), 400, 'metadata.name');
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: { ...ingress('typed'), kind: 'Service' } }), 400, 'kind');
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: { ...ingress('unknown'), bogus: true } }), 400, 'bogus');
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: { ...ingress('unknown'), metadata: { name: 'unknown', colour: 'red' } } }), 400, 'metadata.colour');
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: { ...ingress('Bad_Name') } }), 400, 'metadata.name');
    const huge = { ...ingress('huge'), metadata: { name: 'huge', annotations: { big: 'x'.repeat(1024 * 1024 + 10) } } };
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: huge }), 413);

    const lb = await expectProblem(
      await call('POST', '/api/v1/ingresses', { body: ingress('fast', { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }) }),
      422,
      'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]',
    );
    expect(lb.detail).toMatch(/fastest/);
    const noPathType = ingress('typeless') as any;
    delete noPathType.spec.rules[0].http.paths[0].pathType;
    await expectProblem(await call('POST', '/api/v1/ingresses', { body: noPathType }), 422, 'spec.rules[0].http.paths[0].pathType');
    // a patch that would make the stored Ingress invalid is refused the same way
    await expectProblem(
      await call('PATCH', '/api/v1/ingresses/shop/web', { body: { metadata: { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } } } }),
      422,
      'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]',
    );
    expect(await store.fingerprint()).toBe(before);
  });

  it('deletes (with an optional resourceVersion precondition), then GET is 404', async () => {
    const current = await view('shop', 'api');
    expect((await call('DELETE', '/api/v1/ingresses/shop/api?resourceVersion=stale-version')).status).toBe(409);
    const deleted = await call('DELETE', `/api/v1/ingresses/shop/api?resourceVersion=${encodeURIComponent(current.object.metadata.resourceVersion)}`);
    expect(deleted.status).toBe(200);
    expect((await json(deleted)).object.metadata.name).toBe('api');
    expect(await store.stored('shop', 'api')).toBeUndefined();
    await waitFor(async () => (await call('GET', '/api/v1/ingresses/shop/api')).status === 404, 'the Ingress to be gone');
    expect((await call('DELETE', '/api/v1/ingresses/shop/api')).status).toBe(404);
  });

  it('records every write in the audit log with the actor and before/after, newest first', async () => {
    const response = await call('GET', '/api/v1/audit?limit=50', { token: VIEWER });
    expect(response.status).toBe(200);
    const { entries } = await json(response);
    const summary = entries.map((e: any) => `${e.action} ${e.target.namespace}/${e.target.name}`);
    expect(summary).toEqual([
      'delete shop/api',
      'patch shop/web',
      'patch shop/web',
      'replace shop/web',
      'create default/other',
      'create shop/api',
      'create shop/web',
    ]);
    expect(entries.every((e: any) => e.actor === 'admin' && e.target.kind === 'Ingress')).toBe(true);
    const replace = entries[3];
    expect(replace.before.metadata.labels).toBeUndefined();
    expect(replace.after.metadata.labels).toEqual({ v: '2' });
    expect(entries[0].after).toBeNull();
    expect(entries[0].before.metadata.name).toBe('api');
    expect(entries.at(-1).before).toBeNull();
    expect((await call('GET', '/api/v1/audit?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/v1/audit', { token: null })).status).toBe(401);
  });

  it('reads its own writes: create, then at once patch, replace and delete, each seeing the one before', async () => {
    const created = await call('POST', '/api/v1/ingresses', { body: ingress('quick', { namespace: 'shop', host: 'quick.example' }) });
    expect(created.status).toBe(201);
    const patched = await call('PATCH', '/api/v1/ingresses/shop/quick', { body: { metadata: { labels: { step: 'patched' } } }, type: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    const afterPatch = (await json(patched)).object;
    expect((await view('shop', 'quick'))?.object.metadata.labels).toEqual({ step: 'patched' });
    const replaced = await call('PUT', '/api/v1/ingresses/shop/quick', { body: { ...afterPatch, metadata: { ...afterPatch.metadata, labels: { step: 'replaced' } } } });
    expect(replaced.status).toBe(200);
    expect((await call('DELETE', '/api/v1/ingresses/shop/quick')).status).toBe(200);
    expect((await call('GET', '/api/v1/ingresses/shop/quick')).status).toBe(404);
    // The audit log's before of each step is the object the step before wrote, never empty.
    const audit = (await json(await call('GET', '/api/v1/audit?limit=4'))).entries.filter((e: any) => e.target.name === 'quick');
    expect(audit.map((e: any) => [e.action, e.before?.metadata?.labels?.step ?? null])).toEqual([
      ['delete', 'replaced'],
      ['replace', 'patched'],
      ['patch', null],
      ['create', null],
    ]);
    expect(audit.find((e: any) => e.action === 'patch').before).not.toBeNull();
  });
});

describe('file store specifics through the API', () => {
  let api: ApiHandle;
  let dir: string;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    api = await startApi({ manifests: dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, proxyToken: PROXY, webDir: null, logger: silentLogger(), debounceMs: 10, settingsConfigMap: null });
  });
  afterAll(async () => {
    await api?.close();
    await remove?.();
  });
  const call = (method: string, route: string, body?: unknown) =>
    fetch(`${api.url}${route}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/merge-patch+json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it('a created Ingress lands in a new file <namespace>/ingress-<name>.yaml', async () => {
    expect((await call('POST', '/api/v1/ingresses', ingress('fresh', { namespace: 'team-a' }))).status).toBe(201);
    expect(await filesUnder(dir)).toEqual(['team-a/ingress-fresh.yaml']);
  });

  it('a patch of an object in a multi-document file keeps the other documents byte-identical', async () => {
    const head = '# shared file\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: mixed}   # flow style kept\nspec:\n  ports: [{port: 80}]\n---\n';
    const target = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: multi\n  namespace: mixed\nspec:\n  ingressClassName: portico\n  rules:\n    - host: multi.example\n      http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n';
    const tail = '---\n# trailing\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  namespace: mixed\ndata:\n  a: "1"\n';
    await writeFile(path.join(dir, 'mixed.yaml'), head + target + tail);
    await waitFor(async () => (await call('GET', '/api/v1/ingresses/mixed/multi')).status === 200, 'the Ingress to load');
    const patched = await call('PATCH', '/api/v1/ingresses/mixed/multi', { metadata: { labels: { edited: 'yes' } } });
    expect(patched.status).toBe(200);
    const text = await readFile(path.join(dir, 'mixed.yaml'), 'utf8');
    expect(text.startsWith(head)).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
    expect(text.slice(head.length, text.length - tail.length)).toMatch(/edited: yes/);
  });
});

describe('audit redaction', () => {
  it('replaces Secret data with [redacted] and drops last-applied-configuration', () => {
    const secret = {
      kind: 'Secret',
      metadata: { name: 'tls', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"c2VjcmV0"}}', keep: 'me' } },
      data: { 'tls.crt': 'Y3J0', 'tls.key': 'c2VjcmV0' },
      stringData: { extra: 'plain secret' },
    };
    expect(redactObject(secret, 'Secret')).toEqual({
      kind: 'Secret',
      metadata: { name: 'tls', annotations: { keep: 'me' } },
      data: { 'tls.crt': '[redacted]', 'tls.key': '[redacted]' },
      stringData: { extra: '[redacted]' },
    });
    expect(secret.data['tls.key']).toBe('c2VjcmV0'); // the original is untouched
  });
});
