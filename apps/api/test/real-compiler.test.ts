import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RoutingTableSchema } from '@portico/model';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { json, makeTempDir, silentLogger, waitFor } from './helpers.js';

/** The API with the real @portico/compiler: what a user's manifests become. */
describe('with the real compiler', () => {
  let api: ApiHandle | undefined;
  let remove: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await api?.close();
    await remove?.();
  });

  const backend = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
ports:
  - port: 8080
endpoints:
  - addresses: [10.0.0.1]
    conditions: { ready: true }
`;
  const ingress = (host: string, extra = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: portico
  rules:
    - host: ${host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
${extra}`;

  it('compiles the manifests, bumps the generation on an edit, and points compiler diagnostics at the file', async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    await writeFile(path.join(temp.dir, 'backend.yaml'), backend);
    await writeFile(path.join(temp.dir, 'ingress.yaml'), ingress('shop.example'));
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: 'a', proxyToken: 'p', webDir: null, logger: silentLogger(), debounceMs: 10 });
    const headers = { authorization: 'Bearer a' };
    const routes = async () => RoutingTableSchema.parse(await json(await fetch(`${api!.url}/api/v1/routes`, { headers })));

    const first = await routes();
    expect(first.generation).toBe(1);
    expect(first.virtualHosts.map((host) => host.host)).toEqual(['shop.example']);

    await writeFile(path.join(temp.dir, 'ingress.yaml'), ingress('store.example'));
    const second = await waitFor(async () => {
      const table = await routes();
      return table.generation === 2 && table;
    }, 'generation 2');
    expect(second.virtualHosts.map((host) => host.host)).toEqual(['store.example']);

    // an Ingress pointing at a Service that does not exist: the compiler's diagnostic names the file it came from
    await writeFile(path.join(temp.dir, 'other.yaml'), ingress('other.example').replace('name: web\nspec', 'name: other\nspec').replace('name: web, port', 'name: nowhere, port'));
    const diagnostics = await waitFor(async () => {
      const body = await json(await fetch(`${api!.url}/api/v1/diagnostics`, { headers }));
      return body.diagnostics.find((d: { object?: { name: string } }) => d.object?.name === 'other');
    }, 'a compiler diagnostic for Ingress other');
    expect(diagnostics).toMatchObject({ file: 'other.yaml', line: 1 });
  });
});
