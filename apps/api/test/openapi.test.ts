import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type CreatedApp } from '../src/app.js';
import { fakeCompile } from './fakes.js';
import { json, makeTempDir, silentLogger } from './helpers.js';

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
});

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
