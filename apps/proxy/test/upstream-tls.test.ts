import http2 from 'node:http2';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, RoutingTable, UpstreamTls } from '@portico/model';
import { certificateAuthority, type TestCertificate } from '@portico/testing';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { captureLogger } from './support/capture-logger.js';
import { requestJson, request } from './support/client.js';
import { metricValue } from './support/metrics.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, certificate, cluster, endpoint } from './support/tables.js';
import { startTlsUpstream, type TlsUpstream } from './support/tls-upstream.js';

type Authority = Awaited<ReturnType<typeof certificateAuthority>>;

let serverCa: Authority;
let otherCa: Authority;
let clientCa: Authority;
let backendCert: TestCertificate;
let proxyClientCert: TestCertificate;
/** Serves backend.internal's certificate; no client certificate asked for. */
let backend: TlsUpstream;
/** Requires a client certificate issued by clientCa. */
let mtlsBackend: TlsUpstream;
let proxy: ProxyHandle | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  [serverCa, otherCa, clientCa] = await Promise.all([certificateAuthority('Upstream CA'), certificateAuthority('Other CA'), certificateAuthority('Client CA')]);
  backendCert = await serverCa.issue(['backend.internal']);
  proxyClientCert = await clientCa.issue(['proxy.portico.test'], 'portico-proxy');
  backend = await startTlsUpstream('backend', { cert: backendCert.certPem, key: backendCert.keyPem });
  mtlsBackend = await startTlsUpstream('mtls', {
    cert: backendCert.certPem,
    key: backendCert.keyPem,
    requestCert: true,
    rejectUnauthorized: true,
    ca: clientCa.certPem,
  });
});

afterAll(async () => {
  await backend?.close();
  await mtlsBackend?.close();
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await proxy?.close();
  proxy = undefined;
});

/** A host-less catch-all to one TLS upstream; `certificates` for client certificates. */
function tlsTable(generation: number, port: number, upstreamTls: UpstreamTls, certificates: RoutingTable['certificates'] = []): RoutingTable {
  const t = catchAll(generation, 'c-tls', [endpoint(port)]);
  t.clusters = [{ ...t.clusters[0]!, upstreamTls } satisfies Cluster];
  t.certificates = certificates;
  return t;
}

const verified = (caPem: string, serverName = 'backend.internal'): UpstreamTls => ({ caPem, verify: true, serverName });

async function startProxy(initialTable: RoutingTable, options: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable, ...options });
  return proxy;
}

const tlsErrors = (p: ProxyHandle, reason: string) => metricValue(p, 'portico_upstream_errors_total', { cluster: 'c-tls', reason });

describe('HTTPS upstreams', () => {
  it('connects over TLS, sends serverName as SNI and verifies the chain against the cluster\'s CA', async () => {
    const p = await startProxy(tlsTable(1, backend.port, verified(serverCa.certPem)));
    const res = await requestJson(p.httpPort, '/hello?x=1', { headers: { host: 'app.example.com' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'backend', url: '/hello?x=1', servername: 'backend.internal', clientCN: null });
  });

  it('answers 502 when the upstream certificate does not chain to the CA, counts tls_verify and logs the code, never a key', async () => {
    const { logger, lines } = captureLogger();
    // A client certificate is configured too, so the log can be checked for the absence of its key.
    const settings = { ...verified(otherCa.certPem), clientCertificateId: 'default/proxy-client' };
    const p = await startProxy(tlsTable(1, backend.port, settings, [certificate('default/proxy-client', proxyClientCert)]), { logger });
    const res = await request(p.httpPort, '/');
    expect(res.status).toBe(502);
    expect(res.body).toContain('certificate failed verification');
    // Again: no TLS session from the failed handshake may be resumed to skip verification.
    expect((await request(p.httpPort, '/')).status).toBe(502);
    expect(await tlsErrors(p, 'tls_verify')).toBe(2);
    const log = lines.join('');
    expect(log).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(log).not.toContain('PRIVATE KEY');
    expect(log).not.toContain(proxyClientCert.keyPem.split('\n')[1]);
  });

  it('answers 502 when serverName is not among the upstream certificate\'s names, though the chain is good', async () => {
    const { logger, lines } = captureLogger();
    const p = await startProxy(tlsTable(1, backend.port, verified(serverCa.certPem, 'elsewhere.internal')), { logger });
    expect((await request(p.httpPort, '/')).status).toBe(502);
    expect((await request(p.httpPort, '/')).status).toBe(502);
    expect(await tlsErrors(p, 'tls_verify')).toBe(2);
    expect(lines.join('')).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('with verify off, uses TLS without checking the chain or the name', async () => {
    const p = await startProxy(tlsTable(1, backend.port, { caPem: otherCa.certPem, verify: false, serverName: 'elsewhere.internal' }));
    const res = await requestJson(p.httpPort, '/');
    expect(res.status).toBe(200);
    expect(res.json.servername).toBe('elsewhere.internal');
  });

  it('presents the client certificate to an upstream that requires one, and gets 502 without it', async () => {
    const clientCert = certificate('default/proxy-client', proxyClientCert);
    const p = await startProxy(tlsTable(1, mtlsBackend.port, { ...verified(serverCa.certPem), clientCertificateId: 'default/proxy-client' }, [clientCert]));
    const res = await requestJson(p.httpPort, '/');
    expect(res.status).toBe(200);
    expect(res.json.clientCN).toBe('portico-proxy');

    expect(p.applyTable(tlsTable(2, mtlsBackend.port, verified(serverCa.certPem))).ok).toBe(true);
    expect((await request(p.httpPort, '/')).status).toBe(502);
  });

  it('answers 502 when the TLS settings cannot be used (a client certificate missing from the table, or not loading)', async () => {
    const p = await startProxy(tlsTable(1, backend.port, { ...verified(serverCa.certPem), clientCertificateId: 'default/missing' }));
    expect((await request(p.httpPort, '/')).status).toBe(502);
    const broken = certificate('default/broken', { certPem: 'not a certificate', keyPem: 'not a key' });
    expect(p.applyTable(tlsTable(2, backend.port, { ...verified(serverCa.certPem), clientCertificateId: 'default/broken' }, [broken])).ok).toBe(true);
    expect((await request(p.httpPort, '/')).status).toBe(502);
    expect(await tlsErrors(p, 'tls')).toBe(2);
    expect(p.applyTable(tlsTable(3, backend.port, verified(serverCa.certPem))).ok).toBe(true);
    expect((await request(p.httpPort, '/')).status).toBe(200);
  });

  it('keeps the upstream TLS connection alive across requests and generations, and opens a new one when the CA changes', async () => {
    const u = await startTlsUpstream('pooled', { cert: backendCert.certPem, key: backendCert.keyPem });
    cleanups.push(() => u.close());
    const p = await startProxy(tlsTable(1, u.port, verified(serverCa.certPem)));
    expect((await request(p.httpPort, '/one')).status).toBe(200);
    expect((await request(p.httpPort, '/two')).status).toBe(200);
    expect(u.connections()).toBe(1);

    expect(p.applyTable(tlsTable(2, u.port, verified(serverCa.certPem))).ok).toBe(true);
    expect((await request(p.httpPort, '/three')).status).toBe(200);
    expect(u.connections()).toBe(1);

    // A rotated CA bundle (still trusting the server's CA) is a different set of TLS parameters: a new connection.
    expect(p.applyTable(tlsTable(3, u.port, verified(`${serverCa.certPem}\n${otherCa.certPem}`))).ok).toBe(true);
    expect((await request(p.httpPort, '/four')).status).toBe(200);
    expect(u.connections()).toBe(2);
  });

  it('presents the configured server name whatever Host the clients send, on one pooled connection', async () => {
    const u = await startTlsUpstream('pinned', { cert: backendCert.certPem, key: backendCert.keyPem });
    cleanups.push(() => u.close());
    const p = await startProxy(tlsTable(1, u.port, verified(serverCa.certPem)));
    for (const host of ['one.example.com', 'two.example.com', 'backend.internal', 'three.example.com']) {
      const res = await requestJson(p.httpPort, '/', { headers: { host } });
      expect(res.status).toBe(200);
      expect(res.json.servername).toBe('backend.internal');
    }
    expect(u.connections()).toBe(1);
  });

  it('sends no SNI when the server name is an IP address (RFC 6066), even with a named Host', async () => {
    const p = await startProxy(tlsTable(1, backend.port, { caPem: serverCa.certPem, verify: false, serverName: '127.0.0.1' }));
    const res = await requestJson(p.httpPort, '/', { headers: { host: 'app.example.com' } });
    expect(res.status).toBe(200);
    expect(res.json.servername).toBeNull();
  });

  it('speaks HTTP/1.1 to an upstream that would accept HTTP/2 too (its responses are held to llhttp\'s rules)', async () => {
    const both = http2.createSecureServer({ cert: backendCert.certPem, key: backendCert.keyPem, allowHTTP1: true }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ httpVersion: req.httpVersion }));
    });
    await new Promise<void>((resolve) => both.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => both.close(() => resolve())));
    const p = await startProxy(tlsTable(1, (both.address() as net.AddressInfo).port, verified(serverCa.certPem)));
    const res = await requestJson(p.httpPort, '/');
    expect(res.status).toBe(200);
    expect(res.json.httpVersion).toBe('1.1');
  });

  it('never sends a request whose client already got its 504 while the upstream connection was being made', async () => {
    const seen: string[] = [];
    const slow = await startTlsUpstream('slow-to-connect', { cert: backendCert.certPem, key: backendCert.keyPem });
    slow.server.prependListener('request', (req) => seen.push(`${req.method} ${req.url}`));
    cleanups.push(() => slow.close());
    // A relay that holds each connection for 800 ms before joining it to the upstream: the TLS handshake, and so the
    // request, cannot start before then.
    const relay = net.createServer((client) => {
      client.pause();
      client.on('error', () => undefined);
      setTimeout(() => {
        const upstreamSocket = net.connect(slow.port, '127.0.0.1');
        upstreamSocket.on('error', () => client.destroy());
        client.pipe(upstreamSocket).pipe(client);
        client.resume();
      }, 800);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    const p = await startProxy(tlsTable(1, (relay.address() as net.AddressInfo).port, verified(serverCa.certPem)), { upstreamTimeoutMs: 300 });
    const res = await request(p.httpPort, '/pay', { method: 'POST', body: 'once' });
    expect(res.status).toBe(504);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(seen).toEqual([]);
    // The endpoint still works for requests that do not time out.
    await p.close();
    const patient = await startProxy(tlsTable(2, (relay.address() as net.AddressInfo).port, verified(serverCa.certPem)), { upstreamTimeoutMs: 5_000 });
    expect((await request(patient.httpPort, '/pay', { method: 'POST', body: 'once' })).status).toBe(200);
    expect(seen).toEqual(['POST /pay']);
  });

  it('tunnels WebSocket upgrades to the upstream over TLS, verified the same way', async () => {
    const u = await startTlsUpstream('ws', { cert: backendCert.certPem, key: backendCert.keyPem });
    const wss = new WebSocketServer({ server: u.server });
    wss.on('connection', (ws, req) => ws.send(`secure hello for ${req.url}`));
    cleanups.push(() => u.close(), () => wss.close());
    const p = await startProxy(tlsTable(1, u.port, verified(serverCa.certPem)));

    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/chat`);
    cleanups.push(() => ws.terminate());
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(data.toString()));
      ws.once('error', reject);
    });
    expect(first).toBe('secure hello for /chat');

    expect(p.applyTable(tlsTable(2, u.port, verified(otherCa.certPem))).ok).toBe(true);
    const refused = new WebSocket(`ws://127.0.0.1:${p.httpPort}/chat`);
    refused.on('error', () => {}); // terminate() during the refused handshake reports one
    cleanups.push(() => refused.terminate());
    const status = await new Promise<number>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => reject(new Error('upgraded through a certificate that should fail verification')));
    });
    expect(status).toBe(502);
    expect(await tlsErrors(p, 'tls_verify')).toBe(1);
  });
});
