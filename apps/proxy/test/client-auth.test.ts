import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoutingTable } from '@portico/model';
import { certificateAuthority, type TestAuthority, type TestCertificate } from '@portico/testing';
import type { ProxyHandle } from '../src/index.js';
import { request } from './support/client.js';
import { certificate, cluster, endpoint, route, table, terminate, vhost } from './support/tables.js';
import { startTestProxy } from './support/test-proxy.js';
import { tlsRequest, type TlsAttempt } from './support/tls-client.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

const execFileAsync = promisify(execFile);

const HOSTS = ['mtls.example.com', 'mtls-twin.example.com', 'mtls-deep.example.com', 'mtls-other.example.com', 'open.example.com'];

let serverCert: { certPem: string; keyPem: string };
let root: TestAuthority;
let intermediate: TestAuthority;
let otherRoot: TestAuthority;
let alice: TestCertificate;
/** leaf ← intermediate ← root: `certPem` holds the leaf and the intermediate, as a client sends them. */
let bob: TestCertificate;
let eve: TestCertificate;
let app: TestUpstream;
let files: { dir: string; aliceCert: string; aliceKey: string };
let proxy: ProxyHandle | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  serverCert = await (await certificateAuthority()).issue(HOSTS);
  root = await certificateAuthority('Client Root');
  intermediate = await root.issueIntermediate('Client Intermediate');
  otherRoot = await certificateAuthority('Another Client Root');
  // Written O first, so the certificate's DN reads O=Example, CN=alice and RFC 4514 (most specific first) turns it.
  alice = await root.issueClient('O=Example, CN=alice');
  bob = await intermediate.issueClient('CN=bob, O=Example');
  eve = await otherRoot.issueClient('CN=eve');
  app = await startUpstream('app');
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-mtls-'));
  files = { dir, aliceCert: path.join(dir, 'alice.pem'), aliceKey: path.join(dir, 'alice.key') };
  await writeFile(files.aliceCert, alice.certPem);
  await writeFile(files.aliceKey, alice.keyPem);
});

afterAll(async () => {
  await app?.close();
  if (files) await rm(files.dir, { recursive: true, force: true });
});

beforeEach(() => {
  cleanups.length = 0;
  app.requests.length = 0;
});

afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await proxy?.close();
  proxy = undefined;
});

/**
 * mtls: root CAs, depth 1. mtls-twin: the same policy written differently (other PEM whitespace). mtls-deep: root,
 * depth 2. mtls-other: another CA. open: TLS without client certificates. All on one certificate and one cluster.
 */
function mtlsTable(generation: number, overrides: { mtlsCaPem?: string } = {}): RoutingTable {
  const appRoute = (id: string) => route(id, '/', 'Prefix', 'c-app');
  const t = table(
    generation,
    [
      vhost('mtls.example.com', [appRoute('r-mtls')], terminate('default/site', 'reject', { caPem: overrides.mtlsCaPem ?? root.certPem, verifyDepth: 1 })),
      vhost('mtls-twin.example.com', [appRoute('r-twin')], terminate('default/site', 'reject', { caPem: `\n${root.certPem.trim()}\n\n`, verifyDepth: 1 })),
      vhost('mtls-deep.example.com', [appRoute('r-deep')], terminate('default/site', 'reject', { caPem: root.certPem, verifyDepth: 2 })),
      vhost('mtls-other.example.com', [appRoute('r-other')], terminate('default/site', 'reject', { caPem: otherRoot.certPem, verifyDepth: 1 })),
      vhost('open.example.com', [appRoute('r-open')], terminate('default/site', 'allow')),
    ],
    [cluster('c-app', [endpoint(app.port)])],
  );
  t.certificates = [certificate('default/site', serverCert, HOSTS)];
  return t;
}

async function startMtlsProxy(): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable: mtlsTable(1) });
  return proxy;
}

async function metricValue(p: ProxyHandle, name: string, labels: Record<string, string>): Promise<number> {
  const metric = p.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))?.value ?? 0;
}

function ok(attempt: TlsAttempt): { status: number; body: string; headers: string } {
  if ('refused' in attempt) throw new Error(`expected a response, the connection ended: ${attempt.refused}`);
  return attempt;
}

function refused(attempt: TlsAttempt): string {
  if (!('refused' in attempt)) throw new Error(`expected a refused connection, got HTTP ${attempt.status}`);
  expect(attempt.refused).not.toBe('timeout');
  return attempt.refused;
}

const seenHeaders = (attempt: TlsAttempt) => JSON.parse(ok(attempt).body).headers as Record<string, string>;

describe('client certificates (mTLS), per host', () => {
  it('accepts a certificate from the host\'s CA and passes its subject upstream in X-Client-Cert-Subject (a client copy is replaced)', async () => {
    const p = await startMtlsProxy();
    const got = await tlsRequest(p.httpsPort, 'mtls.example.com', {
      cert: alice.certPem,
      key: alice.keyPem,
      headers: { 'X-Client-Cert-Subject': 'CN=mallory' },
    });
    expect(ok(got).status).toBe(200);
    expect(seenHeaders(got)['x-client-cert-subject']).toBe('CN=alice,O=Example');
    expect(app.requests).toHaveLength(1);
  });

  it('passes the subject on HTTP/2 too', async () => {
    const p = await startMtlsProxy();
    const client = http2.connect(`https://mtls.example.com:${p.httpsPort}`, {
      createConnection: () =>
        tls.connect({ host: '127.0.0.1', port: p.httpsPort, servername: 'mtls.example.com', rejectUnauthorized: false, ALPNProtocols: ['h2'], cert: alice.certPem, key: alice.keyPem }),
    });
    cleanups.push(() => client.destroy());
    const body = await new Promise<string>((resolve, reject) => {
      const req = client.request({ ':path': '/h2', 'x-client-cert-subject': 'CN=mallory' });
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => resolve(text));
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body).headers['x-client-cert-subject']).toBe('CN=alice,O=Example');
  });

  it('refuses the handshake without a certificate for that host only: a host without mTLS on the same port answers 200', async () => {
    const p = await startMtlsProxy();
    refused(await tlsRequest(p.httpsPort, 'mtls.example.com'));
    const open = await tlsRequest(p.httpsPort, 'open.example.com');
    expect(ok(open).status).toBe(200);
    expect(seenHeaders(open)).not.toHaveProperty('x-client-cert-subject');
    expect(app.requests.map((r) => r.headers.host)).toEqual(['open.example.com']);
    expect(await metricValue(p, 'portico_client_cert_rejections_total', { host: 'mtls.example.com', reason: 'no_certificate' })).toBe(1);
  });

  it('refuses a certificate from another CA, and accepts it where that CA is trusted', async () => {
    const p = await startMtlsProxy();
    refused(await tlsRequest(p.httpsPort, 'mtls.example.com', { cert: eve.certPem, key: eve.keyPem }));
    expect(app.requests).toHaveLength(0);
    expect(await metricValue(p, 'portico_client_cert_rejections_total', { host: 'mtls.example.com', reason: 'untrusted' })).toBe(1);
    const other = await tlsRequest(p.httpsPort, 'mtls-other.example.com', { cert: eve.certPem, key: eve.keyPem });
    expect(seenHeaders(other)['x-client-cert-subject']).toBe('CN=eve');
  });

  it('counts issuers against the verify depth: leaf ← intermediate ← root is refused at depth 1 and accepted at depth 2', async () => {
    const p = await startMtlsProxy();
    // The request is written as soon as the client's handshake ends, before the proxy's depth check: it must not
    // reach the upstream.
    refused(await tlsRequest(p.httpsPort, 'mtls.example.com', { cert: bob.certPem, key: bob.keyPem }));
    expect(app.requests).toHaveLength(0);
    expect(await metricValue(p, 'portico_client_cert_rejections_total', { host: 'mtls.example.com', reason: 'depth' })).toBe(1);
    const deep = await tlsRequest(p.httpsPort, 'mtls-deep.example.com', { cert: bob.certPem, key: bob.keyPem });
    expect(seenHeaders(deep)['x-client-cert-subject']).toBe('O=Example,CN=bob');
    // A leaf issued directly by the root is depth 1, within both.
    expect(ok(await tlsRequest(p.httpsPort, 'mtls-deep.example.com', { cert: alice.certPem, key: alice.keyPem })).status).toBe(200);
  });

  it('applies a policy changed by a new table to new connections', async () => {
    const p = await startMtlsProxy();
    expect(ok(await tlsRequest(p.httpsPort, 'mtls.example.com', { cert: alice.certPem, key: alice.keyPem })).status).toBe(200);
    expect(p.applyTable(mtlsTable(2, { mtlsCaPem: otherRoot.certPem })).ok).toBe(true);
    refused(await tlsRequest(p.httpsPort, 'mtls.example.com', { cert: alice.certPem, key: alice.keyPem }));
    expect(ok(await tlsRequest(p.httpsPort, 'mtls.example.com', { cert: eve.certPem, key: eve.keyPem })).status).toBe(200);
  });

  it('does not resume TLS sessions on mTLS hosts (a resumed session would skip the certificate checks)', async () => {
    const p = await startMtlsProxy();
    const options = { host: '127.0.0.1', port: p.httpsPort, rejectUnauthorized: false, cert: alice.certPem, key: alice.keyPem };
    const handshake = (servername: string, session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket = tls.connect({ ...options, servername, session });
        let ticket: Buffer | undefined;
        let reused = false;
        socket.on('session', (s: Buffer) => (ticket = s));
        socket.once('error', reject);
        // TLS 1.3 tickets arrive after the handshake: read until the server answers, then close.
        socket.once('secureConnect', () => {
          reused = socket.isSessionReused();
          socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
        });
        socket.on('data', () => {});
        socket.once('close', () => resolve({ reused, session: ticket }));
      });
    const first = await handshake('mtls.example.com');
    expect(first.session).toBeDefined();
    expect((await handshake('mtls.example.com', first.session)).reused).toBe(false);
    // The same client does resume on a host without client certificates: the check above is not vacuous.
    const open = await handshake('open.example.com');
    expect((await handshake('open.example.com', open.session)).reused).toBe(true);
  });

  it('refuses every connection for a host whose CA bundle does not load, and only for it', async () => {
    const t = mtlsTable(1);
    t.virtualHosts[0] = vhost('mtls.example.com', [route('r-mtls', '/', 'Prefix', 'c-app')], terminate('default/site', 'reject', { caPem: 'not a CA', verifyDepth: 1 }));
    proxy = await startTestProxy({ initialTable: t });
    refused(await tlsRequest(proxy.httpsPort, 'mtls.example.com', { cert: alice.certPem, key: alice.keyPem }));
    expect(await metricValue(proxy, 'portico_client_cert_rejections_total', { host: 'mtls.example.com', reason: 'invalid_ca' })).toBe(1);
    expect(ok(await tlsRequest(proxy.httpsPort, 'mtls-deep.example.com', { cert: alice.certPem, key: alice.keyPem })).status).toBe(200);
  });

  it('curl --cert/--key reaches the mTLS host; curl without a certificate does not', async () => {
    const p = await startMtlsProxy();
    const url = `https://mtls.example.com:${p.httpsPort}/curl`;
    const resolve = `mtls.example.com:${p.httpsPort}:127.0.0.1`;
    const { stdout } = await execFileAsync('curl', ['-sS', '-k', '--http1.1', '--resolve', resolve, '--cert', files.aliceCert, '--key', files.aliceKey, url]);
    expect(JSON.parse(stdout).headers['x-client-cert-subject']).toBe('CN=alice,O=Example');
    await expect(execFileAsync('curl', ['-sS', '-k', '--http1.1', '--resolve', resolve, url])).rejects.toThrow();
  });
});

describe('421 Misdirected Request between client policies', () => {
  it('answers 421 to SNI of a host without mTLS with Host of an mTLS host, without reaching the upstream', async () => {
    const p = await startMtlsProxy();
    const bypass = await tlsRequest(p.httpsPort, 'open.example.com', { host: 'mtls.example.com' });
    expect(ok(bypass).status).toBe(421);
    expect(app.requests).toHaveLength(0);
  });

  it('answers 421 the other way round, and between different CAs; serves hosts whose policy is equal by value', async () => {
    const p = await startMtlsProxy();
    const cert = { cert: alice.certPem, key: alice.keyPem };
    expect(ok(await tlsRequest(p.httpsPort, 'mtls.example.com', { ...cert, host: 'open.example.com' })).status).toBe(421);
    expect(ok(await tlsRequest(p.httpsPort, 'mtls.example.com', { ...cert, host: 'mtls-other.example.com' })).status).toBe(421);
    // Same CAs but another depth is another policy.
    expect(ok(await tlsRequest(p.httpsPort, 'mtls.example.com', { ...cert, host: 'mtls-deep.example.com' })).status).toBe(421);
    const twin = await tlsRequest(p.httpsPort, 'mtls.example.com', { ...cert, host: 'mtls-twin.example.com' });
    expect(ok(twin).status).toBe(200);
    expect(seenHeaders(twin)).toMatchObject({ host: 'mtls-twin.example.com', 'x-client-cert-subject': 'CN=alice,O=Example' });
  });
});

describe('X-Client-Cert-Subject from clients', () => {
  it('is removed on plain HTTP and on TLS without client certificates', async () => {
    const p = await startMtlsProxy();
    const t = mtlsTable(2);
    t.virtualHosts.push(vhost('*', [route('r-any', '/', 'Prefix', 'c-app')]));
    expect(p.applyTable(t).ok).toBe(true);
    const plain = await request(p.httpPort, '/plain', { headers: { host: 'anything.example.com', 'x-client-cert-subject': 'CN=admin' } });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).headers).not.toHaveProperty('x-client-cert-subject');
    const overTls = await tlsRequest(p.httpsPort, 'open.example.com', { headers: { 'X-Client-Cert-Subject': 'CN=admin' } });
    expect(ok(overTls).status).toBe(200);
    expect(seenHeaders(overTls)).not.toHaveProperty('x-client-cert-subject');
  });
});

describe('plain HTTP to an mTLS host', () => {
  it('answers 403 for http policy reject', async () => {
    const p = await startMtlsProxy();
    const res = await request(p.httpPort, '/', { headers: { host: 'mtls.example.com' } });
    expect(res.status).toBe(403);
    expect(app.requests).toHaveLength(0);
  });
});
