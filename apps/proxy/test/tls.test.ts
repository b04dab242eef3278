import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import type { RoutingTable, VirtualHost } from '@portico/model';
import { certificateAuthority, type TestCertificate } from '@portico/testing';
import { request } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { certificate, cluster, endpoint, passthrough, route, table, terminate, vhost } from './support/tables.js';
import { httpOverSocket, peerCN, startDribbler, tlsConnect } from './support/tls-client.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

const execFileAsync = promisify(execFile);

let ca: TestCertificate;
let certs: Record<'a' | 'aRotated' | 'wild' | 'backend' | 'fallback', TestCertificate>;
/** Files for the clients that read PEM from disk (curl) and for the `--default-cert` option. */
let files: { dir: string; ca: string; fallbackCert: string; fallbackKey: string };
let app: TestUpstream;
let backend: tls.Server;
let backendPort: number;
let proxy: ProxyHandle | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  const authority = await certificateAuthority();
  ca = authority;
  certs = {
    a: await authority.issue(['a.example.com']),
    aRotated: await authority.issue(['a.example.com'], 'a-rotated.example.com'),
    wild: await authority.issue(['*.wild.example.com']),
    // The passthrough backend's own certificate: the proxy never holds it.
    backend: await authority.issue(['pass.example.com', 'a.example.com'], 'backend-own.example.com'),
    fallback: await authority.issue(['configured-default.example.com']),
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-proxy-tls-'));
  files = { dir, ca: path.join(dir, 'ca.pem'), fallbackCert: path.join(dir, 'fallback.pem'), fallbackKey: path.join(dir, 'fallback.key') };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.fallbackCert, certs.fallback.certPem);
  await writeFile(files.fallbackKey, certs.fallback.keyPem);
  app = await startUpstream('app');
  // A TLS echo server with its own certificate, standing for a backend that terminates TLS itself.
  backend = tls.createServer({ cert: certs.backend.certPem, key: certs.backend.keyPem }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  if (files) await rm(files.dir, { recursive: true, force: true });
});

beforeEach(() => {
  cleanups.length = 0;
});

afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await proxy?.close();
  proxy = undefined;
});

type Modes = { a?: 'terminate' | 'passthrough'; aCert?: TestCertificate };

/** The hosts every test uses; `modes` varies what rotation and mode-switch tests change. */
function tlsTable(generation: number, modes: Modes = {}): RoutingTable {
  const appRoute = (id: string) => route(id, '/', 'Prefix', 'c-app');
  const aTls: VirtualHost['tls'] = modes.a === 'passthrough' ? passthrough('c-backend') : terminate('default/a');
  const t = table(
    generation,
    [
      vhost('a.example.com', [appRoute('r-a')], aTls),
      vhost('broken.example.com', [appRoute('r-broken')], terminate('default/broken')),
      vhost('nocert.example.com', [appRoute('r-nocert')], terminate(null)),
      vhost('pass.example.com', [], passthrough('c-backend')),
      vhost('redirect.example.com', [appRoute('r-redirect')], terminate('default/a', 'redirect')),
      vhost('reject.example.com', [appRoute('r-reject')], terminate('default/a', 'reject')),
      vhost('allow.example.com', [appRoute('r-allow')], terminate('default/a', 'allow')),
      vhost('plain.example.com', [appRoute('r-plain')]),
      vhost('*.wild.example.com', [appRoute('r-wild')], terminate('default/wild')),
    ],
    [cluster('c-app', [endpoint(app.port)]), cluster('c-backend', [endpoint(backendPort)])],
  );
  t.certificates = [
    certificate('default/a', modes.aCert ?? certs.a, ['a.example.com']),
    certificate('default/broken', { certPem: 'not a certificate', keyPem: 'not a key' }),
    certificate('default/wild', certs.wild, ['*.wild.example.com']),
  ];
  return t;
}

async function startTlsProxy(options: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({
    initialTable: tlsTable(1),
    ...options,
  });
  return proxy;
}

async function connect(port: number, servername: string | undefined, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = await tlsConnect(port, servername, ca.certPem, extra);
  cleanups.push(() => socket.destroy());
  return socket;
}

async function metricValue(p: ProxyHandle, name: string, labels: Record<string, string>): Promise<number> {
  const metric = p.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return hit?.value ?? 0;
}

function echo(socket: tls.TLSSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.write(text);
  });
}

describe('TLS termination: certificate choice', () => {
  it('serves the exact host\'s certificate, the wildcard\'s, and the default one without SNI or for unknown names', async () => {
    const p = await startTlsProxy();
    const exact = await connect(p.httpsPort, 'a.example.com', { rejectUnauthorized: true });
    expect(peerCN(exact)).toBe('a.example.com');
    expect((await connect(p.httpsPort, 'x.wild.example.com', { rejectUnauthorized: true })).authorized).toBe(true);
    expect(peerCN(await connect(p.httpsPort, 'x.wild.example.com'))).toBe('*.wild.example.com');
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe('portico.invalid');
    expect(peerCN(await connect(p.httpsPort, 'unknown.example.org'))).toBe('portico.invalid');
    // certificateId null, and a certificate that does not load (logged, table still applied): the default.
    expect(peerCN(await connect(p.httpsPort, 'nocert.example.com'))).toBe('portico.invalid');
    expect(peerCN(await connect(p.httpsPort, 'broken.example.com'))).toBe('portico.invalid');
    expect(p.currentGeneration()).toBe(1);
  });

  it('uses a configured default certificate instead of generating one', async () => {
    const p = await startTlsProxy({ defaultCertificate: { certFile: files.fallbackCert, keyFile: files.fallbackKey } });
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe('configured-default.example.com');
  });

  it('curl with the CA reaches the upstream over HTTPS, with X-Forwarded-Proto https and the TLS port', async () => {
    const p = await startTlsProxy();
    const { stdout } = await execFileAsync('curl', [
      '-sS',
      '--http1.1',
      '--cacert',
      files.ca,
      '--resolve',
      `a.example.com:${p.httpsPort}:127.0.0.1`,
      `https://a.example.com:${p.httpsPort}/hello?x=1`,
    ]);
    const seen = JSON.parse(stdout);
    expect(seen).toMatchObject({ name: 'app', url: '/hello?x=1' });
    expect(seen.headers).toMatchObject({
      host: `a.example.com:${p.httpsPort}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-port': String(p.httpsPort),
    });
  });

  it('openssl s_client sees the Secret\'s subject', async () => {
    const p = await startTlsProxy();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${p.httpsPort}`, '-servername', 'a.example.com'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c));
      child.on('error', reject);
      child.on('close', () => resolve(text));
      child.stdin.end(); // EOF: s_client closes after the handshake
    });
    expect(out).toMatch(/subject=CN\s*=\s*a\.example\.com/);
  });

  it('HTTP/2 (ALPN h2) reaches an HTTP/1.1 upstream without pseudo-headers, with request bodies', async () => {
    const p = await startTlsProxy();
    const client = http2.connect(`https://a.example.com:${p.httpsPort}`, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port: p.httpsPort, servername: 'a.example.com', ca: ca.certPem, ALPNProtocols: ['h2'] }),
    });
    cleanups.push(() => client.destroy());
    const h2request = (headers: http2.OutgoingHttpHeaders, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = client.request(headers);
        let status = 0;
        let text = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (c: Buffer) => (text += c));
        req.on('end', () => resolve({ status, body: text }));
        req.on('error', reject);
        req.end(body);
      });
    const got = await h2request({ ':path': '/h2?y=2', ':method': 'GET' });
    expect(client.alpnProtocol).toBe('h2');
    expect(got.status).toBe(200);
    const seen = JSON.parse(got.body);
    expect(seen.url).toBe('/h2?y=2');
    expect(seen.headers.host).toBe(`a.example.com:${p.httpsPort}`);
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(Object.keys(seen.headers).filter((h: string) => h.startsWith(':'))).toEqual([]);
    // A HEADERS frame that ended the stream is a bodiless request upstream too: no chunked body for a GET.
    expect(seen.headers['transfer-encoding']).toBeUndefined();
    expect(seen.headers['content-length']).toBeUndefined();
    const posted = await h2request({ ':path': '/upload', ':method': 'POST' }, 'hello');
    expect(JSON.parse(posted.body)).toMatchObject({ method: 'POST', bodyBytes: 5 });
    // The same connection asked for a passthrough host (as HTTP/2 connection reuse would): 421, not proxied.
    const misdirected = await h2request({ ':path': '/', ':method': 'GET', ':authority': 'pass.example.com' });
    expect(misdirected.status).toBe(421);
  });
});

describe('WebSocket over TLS', () => {
  it('carries an HTTP/1.1 Upgrade through the terminating listener with X-Forwarded-Proto https', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      ws.send(`proto=${req.headers['x-forwarded-proto']}`);
      ws.on('message', (data) => ws.send(`echo:${data.toString()}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const t = tlsTable(1);
    t.clusters.push(cluster('c-ws', [endpoint((server.address() as AddressInfo).port)]));
    t.virtualHosts[0] = vhost('a.example.com', [route('r-ws', '/', 'Prefix', 'c-ws')], terminate('default/a'));
    const p = await startTlsProxy({ initialTable: t });
    const ws = new WebSocket(`wss://127.0.0.1:${p.httpsPort}/chat`, {
      ca: ca.certPem,
      servername: 'a.example.com',
      headers: { host: 'a.example.com' },
    } as ClientOptions);
    cleanups.push(() => ws.terminate());
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('hi');
    await waitFor(() => messages.length === 2, 3_000, 'two WebSocket messages');
    expect(messages).toEqual(['proto=https', 'echo:hi']);
  });
});

describe('passthrough', () => {
  it('relays a passthrough host to its backend (backend\'s certificate) while terminating another host on the same port', async () => {
    const p = await startTlsProxy();
    const passed = await connect(p.httpsPort, 'pass.example.com', { rejectUnauthorized: true });
    const terminated = await connect(p.httpsPort, 'a.example.com', { rejectUnauthorized: true });
    expect(peerCN(passed)).toBe('backend-own.example.com');
    expect(peerCN(terminated)).toBe('a.example.com');
    expect(await echo(passed, 'ping')).toBe('ping');
    expect((await httpOverSocket(terminated, 'a.example.com', '/both')).status).toBe(200);
    expect(await metricValue(p, 'portico_passthrough_connections_total', { host: 'pass.example.com' })).toBe(1);
    passed.end();
    await waitFor(async () => (await metricValue(p, 'portico_passthrough_bytes_total', { host: 'pass.example.com', direction: 'upstream_to_client' })) > 0);
    expect(await metricValue(p, 'portico_passthrough_bytes_total', { host: 'pass.example.com', direction: 'client_to_upstream' })).toBeGreaterThan(0);
  });

  it('closes the client when the passthrough cluster has no ready endpoint', async () => {
    const t = tlsTable(1);
    t.clusters = t.clusters.map((c) => (c.id === 'c-backend' ? cluster('c-backend', [endpoint(backendPort, false)]) : c));
    const p = await startTlsProxy({ initialTable: t });
    await expect(tlsConnect(p.httpsPort, 'pass.example.com', ca.certPem)).rejects.toThrow();
  });

  it('routes a ClientHello written one byte per TCP write, in both modes', async () => {
    const p = await startTlsProxy();
    const dribbler = await startDribbler(p.httpsPort);
    cleanups.push(() => dribbler.close());
    const passed = await connect(dribbler.port, 'pass.example.com');
    expect(peerCN(passed)).toBe('backend-own.example.com');
    expect(await echo(passed, 'split')).toBe('split');
    const terminated = await connect(dribbler.port, 'a.example.com');
    expect(peerCN(terminated)).toBe('a.example.com');
    expect((await httpOverSocket(terminated, 'a.example.com', '/dribbled')).status).toBe(200);
  });
});

describe('configuration changes', () => {
  it('serves a rotated certificate on the next handshake; an established connection keeps working', async () => {
    const p = await startTlsProxy();
    const before = await connect(p.httpsPort, 'a.example.com');
    expect(peerCN(before)).toBe('a.example.com');
    expect((await httpOverSocket(before, 'a.example.com', '/1')).status).toBe(200);
    expect(p.applyTable(tlsTable(2, { aCert: certs.aRotated })).ok).toBe(true);
    const after = await connect(p.httpsPort, 'a.example.com', { rejectUnauthorized: true });
    expect(peerCN(after)).toBe('a-rotated.example.com');
    expect((await httpOverSocket(before, 'a.example.com', '/2')).status).toBe(200);
  });

  it('switching a host from terminate to passthrough changes new connections only', async () => {
    const p = await startTlsProxy();
    const established = await connect(p.httpsPort, 'a.example.com');
    expect((await httpOverSocket(established, 'a.example.com', '/1')).status).toBe(200);
    expect(p.applyTable(tlsTable(2, { a: 'passthrough' })).ok).toBe(true);
    const fresh = await connect(p.httpsPort, 'a.example.com');
    expect(peerCN(fresh)).toBe('backend-own.example.com');
    expect(await echo(fresh, 'raw')).toBe('raw');
    expect((await httpOverSocket(established, 'a.example.com', '/2')).status).toBe(200);
    expect(peerCN(established)).toBe('a.example.com');
  });
});

describe('hostile TLS clients', () => {
  function rawUntilClosed(port: number, bytes: Buffer): Promise<{ closed: boolean; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ closed: false, ms: Date.now() - started });
      }, 3_000);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ closed: true, ms: Date.now() - started });
      });
    });
  }

  it('applies the header timeout to HTTP/1.1 over TLS (408)', async () => {
    const p = await startTlsProxy({ limits: { headersTimeoutMs: 200 } });
    const socket = await connect(p.httpsPort, 'a.example.com');
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c));
      socket.once('close', () => resolve(text));
      socket.write('GET / HTTP/1.1\r\nHost: a.example.com\r\n'); // never finishes its headers
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('closes a connection that does not start with a ClientHello and counts it', async () => {
    const p = await startTlsProxy();
    const { closed } = await rawUntilClosed(p.httpsPort, Buffer.from('GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n'));
    expect(closed).toBe(true);
    expect(await metricValue(p, 'portico_tls_handshake_errors_total', { reason: 'client_hello_invalid' })).toBe(1);
  });

  it('closes a half ClientHello after the timeout and counts it', async () => {
    const p = await startTlsProxy({ clientHelloTimeoutMs: 200 });
    // A handshake record header announcing 512 bytes, then only the start of a ClientHello.
    const { closed, ms } = await rawUntilClosed(p.httpsPort, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    expect(closed).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(await metricValue(p, 'portico_tls_handshake_errors_total', { reason: 'client_hello_timeout' })).toBe(1);
  });
});

describe('plain HTTP to a TLS host', () => {
  it('redirects with 308 to the HTTPS listener port, keeping path and query', async () => {
    const p = await startTlsProxy();
    const res = await request(p.httpPort, '/some/path?q=1&r', { method: 'POST', headers: { host: 'Redirect.Example.com:8000' } });
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`https://redirect.example.com:${p.httpsPort}/some/path?q=1&r`);
    expect(app.requests.some((r) => r.url === '/some/path?q=1&r')).toBe(false);
  });

  it('leaves the port out of the Location when the public HTTPS port is 443', async () => {
    const p = await startTlsProxy({ publicHttpsPort: 443 });
    const res = await request(p.httpPort, '/x', { headers: { host: 'redirect.example.com' } });
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe('https://redirect.example.com/x');
  });

  it('applies the policy of a TLS wildcard host too', async () => {
    const p = await startTlsProxy();
    const res = await request(p.httpPort, '/w', { headers: { host: 'x.wild.example.com' } });
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`https://x.wild.example.com:${p.httpsPort}/w`);
  });

  it('answers 403 Forbidden for reject and proxies for allow and for hosts without TLS', async () => {
    const p = await startTlsProxy();
    const rejected = await request(p.httpPort, '/r', { headers: { host: 'reject.example.com' } });
    expect(rejected.status).toBe(403);
    expect(rejected.body).toBe('Forbidden\n');
    const allowed = await request(p.httpPort, '/allowed', { headers: { host: 'allow.example.com' } });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body).headers['x-forwarded-proto']).toBe('http');
    expect((await request(p.httpPort, '/plain', { headers: { host: 'plain.example.com' } })).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('close() ends passthrough relays, idle TLS keep-alive connections and pending ClientHellos', async () => {
    const p = await startTlsProxy({ drainTimeoutMs: 2_000 });
    const passed = await connect(p.httpsPort, 'pass.example.com');
    expect(await echo(passed, 'x')).toBe('x');
    const terminated = await connect(p.httpsPort, 'a.example.com');
    expect((await httpOverSocket(terminated, 'a.example.com', '/k')).status).toBe(200);
    const pending = net.connect(p.httpsPort, '127.0.0.1');
    pending.on('error', () => {});
    cleanups.push(() => pending.destroy());
    await new Promise<void>((r) => pending.once('connect', () => r()));
    const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));
    const started = Date.now();
    await p.close();
    proxy = undefined;
    await Promise.all([closed(passed), closed(terminated), closed(pending)]);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
