import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient } from '@portico/testing';
import { createApp, type CreatedApp } from '../src/app.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { startApi } from '../src/index.js';
import { API_SCHEMAS, type ApiSchemaName } from '../src/openapi/api-schemas.js';
import { fakeCompile } from './fakes.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';
import { keyForms, tlsFixture, writeManifests, type Fixture } from './tls-fixtures.js';

/**
 * The OpenAPI document must describe every `/api/v1` route the app registers, and be a valid OpenAPI document. A new
 * endpoint without decorators fails here, so the document cannot fall behind the code.
 */
describe('OpenAPI document', () => {
  let created: CreatedApp;
  let url: string;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    created = await createApp({
      manifests: temp.dir,
      port: 0,
      bind: '127.0.0.1',
      adminToken: 'admin',
      proxyToken: 'proxy',
      webDir: null,
      logger: silentLogger(),
      compile: fakeCompile,
    });
    await created.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(created.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await created?.app.close();
    await remove?.();
  });

  const fetchDocument = async (): Promise<any> => {
    const response = await fetch(`${url}/api/openapi.json`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    return json(response);
  };

  it('is a valid OpenAPI document', async () => {
    const document = await fetchDocument();
    // validate() dereferences in place; give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
  });

  it('documents every /api/v1 route the app registers, and nothing it does not', async () => {
    const document = await fetchDocument();
    const registered = registeredRoutes(created.app.getHttpAdapter().getInstance());
    expect(registered.length).toBeGreaterThan(3);
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, unknown>>(document.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(item)) if (HTTP_METHODS.has(method)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const missing = registered.filter((route) => !documented.has(route));
    expect(missing, 'routes without an OpenAPI operation').toEqual([]);
    const extra = [...documented].filter((route) => !registered.includes(route));
    expect(extra, 'documented operations without a route').toEqual([]);
  });

  // The probes (/healthz, /readyz) take no input and no token, so they have no client error to document.
  it('documents a 4xx answer for every /api/v1 operation', async () => {
    const document = await fetchDocument();
    const without: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries<any>(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        const clientErrors = Object.keys(operation.responses ?? {}).filter((status) => /^4\d\d$/.test(status));
        if (clientErrors.length === 0) without.push(`${method.toUpperCase()} ${path}`);
        for (const status of clientErrors) {
          expect(Object.keys(operation.responses[status].content ?? {}), `${method} ${path} ${status}`).toContain('application/problem+json');
        }
      }
    }
    expect(without, 'operations without a documented 4xx response').toEqual([]);
  });

  // An untyped object is `Record<string, never>` in the dashboard's generated client: nothing can be read from it.
  it('types every 2xx JSON answer of /api/v1: no bare {type: object} without properties, $ref or additionalProperties', async () => {
    const document = await fetchDocument();
    const untyped: string[] = [];
    for (const { operation, status, mediaType, schema } of successResponses(document)) {
      if (mediaType !== 'application/json') continue;
      if (!schema) untyped.push(`${operation} ${status}: no schema`);
      else for (const where of bareObjects(document, schema, '')) untyped.push(`${operation} ${status}${where}`);
    }
    expect(untyped, 'untyped objects in 2xx answers').toEqual([]);
    // Query parameters have a type too (else `unknown` in the client).
    const untypedParameters: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries<any>(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        for (const parameter of operation.parameters ?? []) if (!parameter.schema?.type) untypedParameters.push(`${method.toUpperCase()} ${path} ${parameter.in} ${parameter.name}`);
      }
    }
    expect(untypedParameters, 'parameters without a schema type').toEqual([]);
  });

  it('has no private key field in any answer (a key-named field may only be the constant "[redacted]")', async () => {
    const document = await fetchDocument();
    const keyFields: string[] = [];
    const answers = successResponses(document).filter((r) => r.mediaType !== 'application/x-ndjson'); // the proxies' config stream carries keys, by design
    for (const { operation, status, schema } of answers) if (schema) for (const where of keyProperties(document, schema, '')) keyFields.push(`${operation} ${status}${where}`);
    for (const where of keyProperties(document, { $ref: '#/components/schemas/LiveEvent' }, '')) keyFields.push(`LiveEvent${where}`);
    expect(keyFields).toEqual([]);
    // The check can see one: the routes' redacted keyPem is found and is the constant.
    const certificate = document.components.schemas.RoutingTable.properties.certificates.items;
    expect(certificate.properties.keyPem.enum).toEqual(['[redacted]']);
  });

  it('gives answers examples that their own schemas accept', async () => {
    const document = await fetchDocument();
    const wrong: string[] = [];
    let checked = 0;
    for (const { operation, status, mediaType, schema, example } of successResponses(document)) {
      if (mediaType !== 'application/json' || example === undefined || typeof schema?.$ref !== 'string') continue;
      const name = schema.$ref.split('/').pop() as ApiSchemaName;
      const parsed = API_SCHEMAS[name].safeParse(example);
      checked++;
      if (!parsed.success) wrong.push(`${operation} ${status} (${name}): ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('gives request bodies with a registered schema examples that the schema accepts (the one the endpoint validates with)', async () => {
    const document = await fetchDocument();
    const wrong: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const body = operation?.requestBody?.content?.['application/json'];
        if (typeof body?.schema?.$ref !== 'string' || !body.examples) continue;
        const name = body.schema.$ref.split('/').pop() as ApiSchemaName;
        for (const [exampleName, example] of Object.entries<any>(body.examples)) {
          const parsed = API_SCHEMAS[name].safeParse(example.value);
          checked++;
          if (!parsed.success) wrong.push(`${method.toUpperCase()} ${path} ${exampleName}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('publishes the payload of each live event as the LiveEvent schema', async () => {
    const document = await fetchDocument();
    const variants = document.components.schemas.LiveEvent.oneOf ?? document.components.schemas.LiveEvent.anyOf;
    const types = variants.map((variant: any) => variant.properties.type.enum?.[0] ?? variant.properties.type.const).sort();
    const { LIVE_EVENT_TYPES } = await import('../src/live/live-events.js');
    expect(types).toEqual([...LIVE_EVENT_TYPES].sort());
  });
});

/**
 * Real answers of the running API (real compiler, a cluster with every TLS case) against the schema the document
 * publishes for their operation: the schema registered under the $ref must parse the answer to exactly the answer
 * (nothing stripped as unknown, nothing missing or mistyped), so a schema that lies about a response fails here.
 */
describe('OpenAPI schemas describe the real answers', () => {
  let api: ApiHandle;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let fixture: Fixture;
  let document: any;
  let events: SseClient;
  const bodies: string[] = [];

  beforeAll(async () => {
    temp = await makeTempDir();
    fixture = await tlsFixture();
    await writeManifests(temp.dir, 'all.yaml', fixture.objects);
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: 'admin', viewerToken: 'viewer', proxyToken: 'p', webDir: null, logger: silentLogger(), debounceMs: 10 });
    document = await json(await fetch(`${api.url}/api/openapi.json`));
    events = await SseClient.open(`${api.url}/api/v1/events`, { authorization: 'Bearer viewer' });
  });
  afterAll(async () => {
    events?.close();
    await api?.close();
    await temp?.remove();
  });

  /** Calls the operation `METHOD template` at `path`, and checks the answer against the schema the document names for it. */
  const call = async (operation: string, path: string, body?: unknown, expected = 200, contentType = 'application/json') => {
    const [method, template] = operation.split(' ') as [string, string];
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: 'Bearer admin', ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    bodies.push(text);
    expect(response.status, `${operation}: ${text.slice(0, 500)}`).toBe(expected);
    const answer = JSON.parse(text);
    const name = publishedSchema(document, method.toLowerCase(), template, String(expected));
    const parsed = API_SCHEMAS[name].safeParse(answer);
    expect(parsed.error?.issues ?? [], `${operation} against ${name}`).toEqual([]);
    expect(parsed.data, `${operation}: the ${name} schema drops or changes fields of the answer`).toEqual(answer);
    return answer;
  };

  it('hosts: list, one host, and the passthrough switch (dry run and written)', async () => {
    const list = await call('GET /api/v1/hosts', '/api/v1/hosts');
    expect(list.hosts.map((h: any) => h.mode)).toEqual(expect.arrayContaining(['plain', 'terminated', 'passthrough']));
    expect(list.hosts.some((h: any) => h.clientVerification.required)).toBe(true);
    for (const host of ['shop.example', 'mtls.example', 'pass.example', '*.apps.example', '*']) {
      await call('GET /api/v1/hosts/{host}', `/api/v1/hosts/${encodeURIComponent(host)}`);
    }
    const dry = await call('PATCH /api/v1/hosts/{host}/passthrough', '/api/v1/hosts/rw.example/passthrough', { enabled: true, dryRun: true });
    expect(dry.effects.rewritesStopApplying.length).toBeGreaterThan(0);
    const written = await call('PATCH /api/v1/hosts/{host}/passthrough', '/api/v1/hosts/pass.example/passthrough', { enabled: false });
    expect(written.written).toBe(true);
  });

  it('certificates: list, one Secret, self-signed, replace and delete', async () => {
    const list = await call('GET /api/v1/certificates', '/api/v1/certificates');
    expect(list.certificates.map((c: any) => c.kind)).toEqual(expect.arrayContaining(['tls', 'ca-bundle']));
    await call('GET /api/v1/certificates/{namespace}/{name}', '/api/v1/certificates/default/shop-tls');
    await call('GET /api/v1/certificates/{namespace}/{name}', '/api/v1/certificates/default/client-ca');
    const created = await call('POST /api/v1/certificates/self-signed', '/api/v1/certificates/self-signed', { namespace: 'default', name: 'made-tls', hosts: ['made.example'] }, 201);
    await call('PUT /api/v1/certificates/{namespace}/{name}', '/api/v1/certificates/default/made-tls', { certificatePem: fixture.shop.certPem, privateKeyPem: fixture.shop.keyPem, resourceVersion: created.resourceVersion ?? undefined });
    await call('POST /api/v1/certificates', '/api/v1/certificates', { namespace: 'default', name: 'uploaded-tls', certificatePem: fixture.mtls.certPem, privateKeyPem: fixture.mtls.keyPem }, 201);
    await call('DELETE /api/v1/certificates/{namespace}/{name}', '/api/v1/certificates/default/uploaded-tls');
    await call('DELETE /api/v1/certificates/{namespace}/{name}', '/api/v1/certificates/default/shop-tls?force=true');
  });

  it('explain: termination, mTLS, passthrough, plain HTTP, rewrite, no SNI and a refused path', async () => {
    const requests = [
      { url: 'https://shop.example/api/orders?id=7' },
      { url: 'https://mtls.example/', clientIp: '203.0.113.7' },
      { url: 'https://x.apps.example/' },
      { url: 'https://missing.example/' },
      { url: 'http://shop.example/' },
      { url: 'http://rw.example/old/page', method: 'post', headers: { cookie: 'a=1' } },
      { url: 'http://nowhere.example/fallback' },
      { url: 'https://10.0.0.5/', sni: null },
      { url: 'https://shop.example/', headers: { host: 'mtls.example' } },
      { url: 'http://empty.example/%2e%2e/' },
    ];
    const outcomes = new Set<string>();
    for (const request of requests) outcomes.add((await call('POST /api/v1/explain', '/api/v1/explain', request)).outcome.action);
    expect(outcomes.size).toBeGreaterThan(3);
  });

  it('ingresses: list, get, create, replace, patch and delete', async () => {
    const list = await call('GET /api/v1/ingresses', '/api/v1/ingresses?limit=3');
    expect(list.continue).not.toBeNull();
    const shop = await call('GET /api/v1/ingresses/{namespace}/{name}', '/api/v1/ingresses/default/shop');
    expect(shop.routes.length).toBeGreaterThan(0);
    const object = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'made', namespace: 'default' },
      spec: { ingressClassName: 'portico', rules: [{ host: 'made.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    };
    expect((await call('POST /api/v1/ingresses', '/api/v1/ingresses', object, 201)).object.metadata.name).toBe('made');
    const stored = await waitFor(async () => {
      const view = await call('GET /api/v1/ingresses/{namespace}/{name}', '/api/v1/ingresses/default/made');
      return view.routes.length > 0 && view;
    }, 'the new Ingress compiled');
    await call('PUT /api/v1/ingresses/{namespace}/{name}', '/api/v1/ingresses/default/made', { ...object, metadata: { ...object.metadata, resourceVersion: stored.object.metadata.resourceVersion } });
    await call('PATCH /api/v1/ingresses/{namespace}/{name}', '/api/v1/ingresses/default/made', { metadata: { labels: { team: 'a' } } }, 200, 'application/merge-patch+json');
    await call('DELETE /api/v1/ingresses/{namespace}/{name}', '/api/v1/ingresses/default/made');
  });

  it('audit, routes and live events', async () => {
    const audit = await call('GET /api/v1/audit', '/api/v1/audit');
    expect(audit.entries.length).toBeGreaterThan(0);
    const routes = await call('GET /api/v1/routes', '/api/v1/routes');
    expect(routes.certificates.length).toBeGreaterThan(0);
    await events.next((e) => e.event === 'generation', 'a generation event');
    await events.next((e) => e.event === 'object-changed', 'an object-changed event');
    expect(events.events.length).toBeGreaterThan(0);
    for (const event of events.events) {
      const parsed = API_SCHEMAS.LiveEvent.safeParse(event.data);
      expect(parsed.error?.issues ?? [], `${event.event} event`).toEqual([]);
      expect(parsed.data).toEqual(event.data);
      expect(event.data.type).toBe(event.event);
    }
  });

  it('never returned a private key while doing so', () => {
    const everything = bodies.join('\n');
    for (const key of fixture.keys) for (const form of keyForms(key)) expect(everything).not.toContain(form);
  });
});

interface SuccessResponse {
  operation: string;
  status: string;
  mediaType: string;
  schema: any;
  example: unknown;
}

/** The 2xx answers of every /api/v1 operation, by media type. */
function successResponses(document: any): SuccessResponse[] {
  const out: SuccessResponse[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, operation] of Object.entries<any>(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
        if (!/^2\d\d$/.test(status)) continue;
        for (const [mediaType, content] of Object.entries<any>(response.content ?? {})) out.push({ operation: `${method.toUpperCase()} ${path}`, status, mediaType, schema: content.schema, example: content.example });
      }
    }
  }
  return out;
}

/** The component a response's schema refers to (the test parses the answer with the same registered zod schema). */
function publishedSchema(document: any, method: string, path: string, status: string): ApiSchemaName {
  const ref: unknown = document.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema?.$ref;
  expect(ref, `${method} ${path} ${status} refers to a component`).toMatch(/^#\/components\/schemas\//);
  const name = String(ref).slice('#/components/schemas/'.length);
  expect(Object.keys(API_SCHEMAS)).toContain(name);
  return name as ApiSchemaName;
}

/** Walks a schema (following $refs once each) and calls `visit` on every sub-schema with its location. */
function walk(document: any, schema: any, where: string, visit: (schema: any, where: string) => void, seen = new Set<string>()): void {
  if (!schema || typeof schema !== 'object') return;
  if (typeof schema.$ref === 'string') {
    if (seen.has(schema.$ref)) return;
    seen.add(schema.$ref);
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce((node: any, key: string) => node?.[key], document);
    walk(document, target, `${where} (${schema.$ref.split('/').pop()})`, visit, seen);
    return;
  }
  visit(schema, where);
  for (const [name, property] of Object.entries<any>(schema.properties ?? {})) walk(document, property, `${where}.${name}`, visit, seen);
  if (schema.items) walk(document, schema.items, `${where}[]`, visit, seen);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') walk(document, schema.additionalProperties, `${where}{}`, visit, seen);
  for (const key of ['allOf', 'anyOf', 'oneOf']) for (const [i, part] of (schema[key] ?? []).entries()) walk(document, part, `${where}<${key}${i}>`, visit, seen);
}

/** `{type: 'object'}` with nothing inside: neither properties, additionalProperties nor a composition. */
function bareObjects(document: any, schema: any, where: string): string[] {
  const found: string[] = [];
  walk(document, schema, where, (node, at) => {
    const composed = node.allOf || node.anyOf || node.oneOf;
    if (node.type === 'object' && !composed && !Object.keys(node.properties ?? {}).length && !node.additionalProperties) found.push(at || ' (the answer)');
  });
  return found;
}

const KEY_FIELD = /private|keyPem|^tls\.key$/i;

/** Properties named like a private key (other than flags such as hasPrivateKey) whose schema is anything but the constant "[redacted]". */
function keyProperties(document: any, schema: any, where: string): string[] {
  const found: string[] = [];
  walk(document, schema, where, (node, at) => {
    for (const [name, property] of Object.entries<any>(node.properties ?? {})) {
      if (!KEY_FIELD.test(name) || property.type === 'boolean') continue;
      const redacted = JSON.stringify(property.enum) === '["[redacted]"]' || property.const === '[redacted]';
      if (!redacted) found.push(`${at}.${name}`);
    }
  });
  return found;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * `METHOD /path` for each route under `/api/v1` in Express's router stack, with `:param` written as `{param}`.
 * Nest registers each handler as an Express route; the Swagger UI and static files are middleware, not routes.
 */
function registeredRoutes(express: any): string[] {
  const stack: any[] = express.router?.stack ?? express._router?.stack ?? [];
  const routes = new Set<string>();
  for (const layer of stack) {
    const route = layer.route;
    if (!route || typeof route.path !== 'string' || !route.path.startsWith('/api/v1/')) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const [method, enabled] of Object.entries(route.methods ?? {})) {
      if (enabled && method !== '_all') routes.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...routes].sort();
}
