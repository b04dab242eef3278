import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, RoutingTable, UpstreamTls } from '@portico/model';
import { certificateAuthority, type TestCertificate } from '@portico/testing';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { request, requestJson } from './support/client.js';
import { collect, GreeterClient, startGreeter, unary } from '@portico/testing';
import { startH2Upstream, type H2Upstream } from './support/h2-upstream.js';
import { metricValue } from './support/metrics.js';
import { startTestProxy } from './support/test-proxy.js';
import { certificate, cluster, endpoint, route, table, terminate, vhost } from './support/tables.js';

type Authority = Awaited<ReturnType<typeof certificateAuthority>>;

const GRPC_HOST = 'grpc.example.com';

let edgeCa: Authority;
let upstreamCa: Authority;
let otherCa: Authority;
/** The proxy's serving certificate for GRPC_HOST. */
let edgeCert: TestCertificate;
/** The TLS gRPC upstream's own certificate. */
let backendCert: TestCertificate;
let proxy: ProxyHandle | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  [edgeCa, upstreamCa, otherCa] = await Promise.all([certificateAuthority('Edge CA'), certificateAuthority('Upstream CA'), certificateAuthority('Other CA')]);
  edgeCert = await edgeCa.issue([GRPC_HOST]);
  backendCert = await upstreamCa.issue(['grpc-backend.internal']);
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await proxy?.close();
  proxy = undefined;
});

function h2Cluster(id: string, port: number, upstreamTls?: UpstreamTls): Cluster {
  return { ...cluster(id, [endpoint(port)]), protocol: 'h2', ...(upstreamTls ? { upstreamTls } : {}) };
}

/** GRPC_HOST terminated with edgeCert, every path to one h2 cluster; `extra` routes on the host-less `*` host. */
function grpcTable(generation: number, upstream: Cluster, extra: { rewrite?: boolean } = {}): RoutingTable {
  const t = table(
    generation,
    [
      vhost(GRPC_HOST, [route('r-grpc', '/', 'Prefix', upstream.id)], terminate('default/grpc', 'allow')),
      vhost('*', [route('r-plain', '/api', 'Prefix', upstream.id, extra.rewrite ? { from: '^/api', to: '/v1' } : undefined)]),
    ],
    [upstream],
  );
  t.certificates = [certificate('default/grpc', edgeCert, [GRPC_HOST])];
  return t;
}

async function startProxy(initialTable: RoutingTable, options: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable, ...options });
  return proxy;
}

/** A grpc-js client for GRPC_HOST on the proxy's TLS port, trusting the edge CA. */
function grpcClient(p: ProxyHandle): GreeterClient {
  const client = new GreeterClient(`127.0.0.1:${p.httpsPort}`, grpc.credentials.createSsl(Buffer.from(edgeCa.certPem)), {
    'grpc.ssl_target_name_override': GRPC_HOST,
    'grpc.default_authority': GRPC_HOST,
  });
  cleanups.push(() => client.close());
  return client;
}

const upstreamErrors = (p: ProxyHandle, clusterId: string, reason: string) => metricValue(p, 'portico_upstream_errors_total', { cluster: clusterId, reason });

describe('gRPC through the TLS port to an h2c upstream', () => {
  let greeter: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    greeter = await startGreeter();
  });
  afterAll(() => greeter?.close());

  it('relays a unary call with its metadata, the host as :authority and X-Forwarded-Proto', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpc', greeter.port)));
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'req-42');
    const reply = await unary(grpcClient(p), 'sayHello', { name: 'portico' }, metadata);
    expect(reply).toEqual({ message: 'hello portico', requestId: 'req-42', forwardedProto: 'https', authority: GRPC_HOST });
  });

  it('relays a server-streaming call message by message', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpc', greeter.port)));
    expect(await collect(grpcClient(p), { to: 5 })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  });

  it('relays an error status with its code and message intact', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpc', greeter.port)));
    const err = await unary(grpcClient(p), 'find', { name: 'the-widget' }).catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing: the-widget' });
  });

  it('carries many concurrent calls on the one upstream connection', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpc', greeter.port)));
    const client = grpcClient(p);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => unary(client, 'sayHello', { name: `n${i}` })));
    expect(replies.map((r) => r.message)).toEqual(Array.from({ length: 20 }, (_, i) => `hello n${i}`));
  });

  it('answers UNAVAILABLE (502) when the upstream is not listening', async () => {
    const gone = await startGreeter();
    await gone.close();
    const p = await startProxy(grpcTable(1, h2Cluster('c-gone', gone.port)));
    const err = await unary(grpcClient(p), 'sayHello', { name: 'x' }).catch((e: grpc.ServiceError) => e);
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(await upstreamErrors(p, 'c-gone', 'refused')).toBe(1);
  });
});

describe('gRPC to an h2 upstream over TLS', () => {
  let tlsGreeter: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    tlsGreeter = await startGreeter(
      grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(backendCert.keyPem), cert_chain: Buffer.from(backendCert.certPem) }], false),
    );
  });
  afterAll(() => tlsGreeter?.close());

  const upstreamTls = (caPem: string): UpstreamTls => ({ caPem, verify: true, serverName: 'grpc-backend.internal' });

  it('verifies the upstream against the cluster\'s CA and name, and relays unary, streaming and error calls', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpcs', tlsGreeter.port, upstreamTls(upstreamCa.certPem))));
    const client = grpcClient(p);
    expect((await unary(client, 'sayHello', { name: 'tls' })).message).toBe('hello tls');
    expect(await collect(client, { to: 3 })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const err = await unary(client, 'find', { name: 'y' }).catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing: y' });
  });

  it('refuses an upstream whose certificate does not chain to the cluster\'s CA: UNAVAILABLE, counted as tls_verify', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-grpcs', tlsGreeter.port, upstreamTls(otherCa.certPem))));
    const err = await unary(grpcClient(p), 'sayHello', { name: 'x' }).catch((e: grpc.ServiceError) => e);
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(await upstreamErrors(p, 'c-grpcs', 'tls_verify')).toBe(1);
  });
});

describe('HTTP/2 upstreams, plain requests', () => {
  let h2: H2Upstream;
  beforeAll(async () => {
    h2 = await startH2Upstream('h2');
  });
  afterAll(() => h2?.close());

  it('serves an HTTP/1.1 client: method, rewritten path, body, :authority from Host, no connection headers', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', h2.port), { rewrite: true }));
    const res = await requestJson(p.httpPort, '/api/items?q=1', {
      method: 'POST',
      body: 'x'.repeat(100_000),
      headers: { host: 'shop.example.com', connection: 'keep-alive, x-secret', 'x-secret': 'hop', 'x-kept': 'yes', te: 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('h2');
    expect(res.json).toMatchObject({ method: 'POST', path: '/v1/items?q=1', authority: 'shop.example.com', bodyBytes: 100_000 });
    const seen = res.json.headers;
    expect(seen['x-kept']).toBe('yes');
    expect(seen['x-forwarded-proto']).toBe('http');
    for (const name of ['connection', 'x-secret', 'te', 'host', 'transfer-encoding']) expect(seen[name]).toBeUndefined();
    // The one TE value HTTP/2 carries end to end.
    const withTrailers = await requestJson(p.httpPort, '/api/t', { headers: { host: 'shop.example.com', te: 'gzip, trailers;q=1' } });
    expect(withTrailers.json.headers.te).toBe('trailers');
  });

  it('relays trailers to an HTTP/2 client, and passes its `te: trailers` on', async () => {
    let seenTe: unknown;
    const u = await startH2Upstream('trailing', (stream, headers) => {
      seenTe = headers.te;
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123' }));
      stream.end('body');
      return true;
    });
    cleanups.push(() => u.close());
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', u.port)));
    const client = http2.connect(`https://${GRPC_HOST}:${p.httpsPort}`, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port: p.httpsPort, servername: GRPC_HOST, ca: edgeCa.certPem, ALPNProtocols: ['h2'] }),
    });
    cleanups.push(() => client.close());
    const got = await new Promise<{ status: unknown; body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
      const stream = client.request({ ':path': '/x', te: 'trailers' });
      let body = '';
      let status: unknown;
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on('response', (headers) => (status = headers[':status']));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (chunk: Buffer) => (body += chunk));
      stream.on('end', () => resolve({ status, body, trailers }));
      stream.on('error', reject);
    });
    expect(got).toMatchObject({ status: 200, body: 'body', trailers: { 'x-checksum': 'abc123' } });
    expect(seenTe).toBe('trailers');
  });

  it('reuses one upstream session across requests and configuration generations', async () => {
    const u = await startH2Upstream('pooled');
    cleanups.push(() => u.close());
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', u.port)));
    for (let generation = 1; generation <= 3; generation++) {
      if (generation > 1) expect(p.applyTable(grpcTable(generation, h2Cluster('c-h2', u.port))).ok).toBe(true);
      expect((await request(p.httpPort, '/api/x')).status).toBe(200);
      expect((await request(p.httpPort, '/api/y')).status).toBe(200);
    }
    expect(u.requests).toHaveLength(6);
    expect(u.sessions()).toBe(1);
  });

  it('reconnects after the upstream closes the session', async () => {
    const u = await startH2Upstream('closing', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end('bye');
      stream.session?.close(); // GOAWAY after this stream
      return true;
    });
    cleanups.push(() => u.close());
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', u.port)));
    expect((await request(p.httpPort, '/api/1')).body).toBe('bye');
    expect((await request(p.httpPort, '/api/2')).body).toBe('bye');
    expect(u.sessions()).toBe(2);
  });

  it('sends a bodiless request again when the upstream refused its stream (REFUSED_STREAM)', async () => {
    // A new session sends its first streams before the peer's SETTINGS (limit 1) arrive; the peer refuses the extra
    // ones, which HTTP/2 guarantees were not processed.
    const u = await startH2Upstream('one-at-a-time', (stream, headers) => {
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end(String(headers[':path']));
      }, 30);
      return true;
    }, { maxConcurrentStreams: 1 });
    cleanups.push(() => u.close());
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', u.port)));
    const responses = await Promise.all([1, 2, 3].map((i) => request(p.httpPort, `/api/${i}`)));
    expect(responses.map((r) => [r.status, r.body])).toEqual([[200, '/api/1'], [200, '/api/2'], [200, '/api/3']]);
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const u = await startH2Upstream('silent', () => true);
    cleanups.push(() => u.close());
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', u.port)), { upstreamTimeoutMs: 200 });
    expect((await request(p.httpPort, '/api/slow')).status).toBe(504);
    expect(await upstreamErrors(p, 'c-h2', 'timeout')).toBe(1);
  });

  it('answers 501 to a WebSocket upgrade for an h2 cluster', async () => {
    const p = await startProxy(grpcTable(1, h2Cluster('c-h2', h2.port)));
    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/api/ws`);
    ws.on('error', () => {});
    cleanups.push(() => ws.terminate());
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(501);
  });
});
