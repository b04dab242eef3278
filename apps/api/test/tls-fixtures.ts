import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { certificateAuthority, caSecret, selfSigned, tlsSecret, type TestAuthority, type TestCertificate } from '@portico/testing';
import { expect } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle, ApiOptions } from '../src/config/api-options.js';
import { createLogger } from '../src/logging/logger.js';
import { makeTempDir } from './helpers.js';

/** A pino logger whose every line is kept, so tests can search the logs for key material. */
export function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

export const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The base64 body of a PEM (what would leak if a key were echoed in another encoding). */
export const pemBody = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

/** Every form in which a private key could leak: the PEM, its base64 body, a long slice of it, the Secret's base64. */
export function keyForms(keyPem: string): string[] {
  const body = pemBody(keyPem);
  return [keyPem.trim(), body, body.slice(10, 50), b64(keyPem)];
}

export const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
export const endpoints = (service: string, ips: string[], ready = true) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })),
});

type Path = { path: string; pathType?: string; service: string };
export const ingress = (name: string, host: string | null, paths: Path[], options: { tls?: Array<{ hosts?: string[]; secretName?: string }>; annotations?: Record<string, string> } = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default', ...(options.annotations ? { annotations: options.annotations } : {}) },
  spec: {
    ingressClassName: 'portico',
    ...(options.tls ? { tls: options.tls } : {}),
    rules: [
      {
        ...(host ? { host } : {}),
        http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: p.service, port: { number: 80 } } } })) },
      },
    ],
  },
});

export interface Fixture {
  shop: TestCertificate;
  wild: TestCertificate;
  mtls: TestCertificate;
  ca: TestAuthority;
  clientCa: TestAuthority;
  /** Every private key written into the manifests. */
  keys: string[];
  objects: object[];
}

/** A cluster with every case the explainer and the cockpit distinguish. */
export async function tlsFixture(): Promise<Fixture> {
  const ca = await certificateAuthority('Portico Test CA');
  const clientCa = await certificateAuthority('Client CA');
  const shop = await ca.issue(['shop.example', 'www.shop.example']);
  const wild = await selfSigned(['*.apps.example']);
  const mtls = await ca.issue(['mtls.example']);
  const objects: object[] = [
    service('web'),
    endpoints('web', ['10.0.0.1', '10.0.0.2']),
    service('api'),
    endpoints('api', ['10.0.1.1']),
    service('empty'),
    service('secure'),
    endpoints('secure', ['10.0.2.1']),
    tlsSecret('shop-tls', shop),
    tlsSecret('wild-tls', wild),
    tlsSecret('mtls-tls', mtls),
    caSecret('client-ca', clientCa.certPem),
    ingress('shop', 'shop.example', [
      { path: '/', service: 'web' },
      { path: '/api', service: 'api' },
      { path: '/api/v1/status', pathType: 'Exact', service: 'web' },
    ], { tls: [{ hosts: ['shop.example', 'other.example'], secretName: 'shop-tls' }], annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'hashing' } }),
    ingress('other', 'other.example', [{ path: '/', service: 'web' }]),
    ingress('wild', '*.apps.example', [{ path: '/', service: 'web' }], { tls: [{ hosts: ['*.apps.example'], secretName: 'wild-tls' }] }),
    ingress('missing', 'missing.example', [{ path: '/', service: 'web' }], { tls: [{ hosts: ['missing.example'], secretName: 'nope' }] }),
    ingress('rewrite', 'rw.example', [{ path: '/old', service: 'web' }], {
      annotations: { 'pipy.ingress.kubernetes.io/rewrite-target-from': '^/old', 'pipy.ingress.kubernetes.io/rewrite-target-to': '/new' },
    }),
    ingress('empty', 'empty.example', [{ path: '/', service: 'empty' }]),
    ingress('pass', 'pass.example', [{ path: '/', service: 'secure' }, { path: '/admin', service: 'web' }], { annotations: { 'portico.dev/ssl-passthrough': 'true' } }),
    ingress('mtls', 'mtls.example', [{ path: '/', service: 'web' }], {
      tls: [{ hosts: ['mtls.example'], secretName: 'mtls-tls' }],
      annotations: { 'pipy.ingress.kubernetes.io/tls-verify-client': 'on', 'pipy.ingress.kubernetes.io/tls-trusted-ca-secret': 'client-ca', 'pipy.ingress.kubernetes.io/tls-verify-depth': '2' },
    }),
    ingress('hostless', null, [{ path: '/fallback', service: 'web' }]),
  ];
  return { shop, wild, mtls, ca, clientCa, keys: [shop.keyPem, wild.keyPem, mtls.keyPem, ca.keyPem, clientCa.keyPem], objects };
}

export async function writeManifests(dir: string, file: string, objects: object[]): Promise<void> {
  await writeFile(path.join(dir, file), objects.map((o) => stringify(o)).join('---\n'));
}

export const FIXTURE_ADMIN = 'admin-token';
export const FIXTURE_VIEWER = 'viewer-token';

export interface FixtureApi {
  api: ApiHandle;
  fixture: Fixture;
  /** The manifests directory (tests add files to it). */
  dir: string;
  /** A JSON request with the viewer token (or `token`); every answer's body is kept for `expectNoKeyAnywhere`. */
  call(method: string, route: string, body?: object, token?: string): Promise<{ status: number; body: any }>;
  /** Fails if any form of any fixture key is in an answer or a log line so far. */
  expectNoKeyAnywhere(): void;
  close(): Promise<void>;
}

/** The API over a manifests directory with the TLS fixture (and `extra` objects), recording answers and logs. */
export async function startFixtureApi(options: { extra?: (fixture: Fixture) => Promise<object[]>; api?: Partial<ApiOptions> } = {}): Promise<FixtureApi> {
  const temp = await makeTempDir();
  const fixture = await tlsFixture();
  await writeManifests(temp.dir, 'all.yaml', [...fixture.objects, ...((await options.extra?.(fixture)) ?? [])]);
  const captured = capturingLogger();
  const bodies: string[] = [];
  const api = await startApi({
    manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: FIXTURE_ADMIN, viewerToken: FIXTURE_VIEWER, proxyToken: 'p', webDir: null, logger: captured.logger, debounceMs: 10,
    ...options.api,
  });
  return {
    api,
    fixture,
    dir: temp.dir,
    async call(method, route, body, token = FIXTURE_VIEWER) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
      const response = await fetch(`${api.url}${route}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    expectNoKeyAnywhere() {
      const everything = bodies.join('\n') + captured.lines.join('\n');
      for (const key of fixture.keys) for (const form of keyForms(key)) expect(everything).not.toContain(form);
    },
    async close() {
      await api.close();
      await temp.remove();
    },
  };
}
