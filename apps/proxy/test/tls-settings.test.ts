import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoutingTable, TlsSettings } from '@portico/model';
import { certificateAuthority, type TestCertificate } from '@portico/testing';
import type { ProxyHandle } from '../src/index.js';
import { FALLBACK_CERT_NAME } from '../src/tls/default-certificate.js';
import { certificate, cluster, endpoint, route, table, terminate, vhost } from './support/tables.js';
import { startTestProxy } from './support/test-proxy.js';
import { httpOverSocket, peerCN, tlsConnect } from './support/tls-client.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

let ca: TestCertificate;
let certs: Record<'site' | 'tableDefault' | 'backend', TestCertificate>;
let app: TestUpstream;
/** A TLS echo server with its own certificate: what global passthrough relays to. */
let backend: tls.Server;
let backendPort: number;
let proxy: ProxyHandle | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  const authority = await certificateAuthority();
  ca = authority;
  certs = {
    site: await authority.issue(['site.example.com']),
    tableDefault: await authority.issue(['table-default.example.com']),
    backend: await authority.issue(['localhost'], 'backend-own.example.com'),
  };
  app = await startUpstream('app');
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
});

beforeEach(() => {
  cleanups.length = 0;
});

afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await proxy?.close();
  proxy = undefined;
});

/** site: TLS host; plain: a host without TLS settings; nocert: TLS host on the default certificate; `*`: catch-all. */
function settingsTable(generation: number, tlsSettings: Partial<TlsSettings> = {}): RoutingTable {
  const appRoute = (id: string) => route(id, '/', 'Prefix', 'c-app');
  const t = table(
    generation,
    [
      vhost('nocert.example.com', [appRoute('r-nocert')], terminate(null)),
      vhost('plain.example.com', [appRoute('r-plain')]),
      vhost('site.example.com', [appRoute('r-site')], terminate('default/site')),
      vhost('*', [appRoute('r-any')]),
    ],
    [cluster('c-app', [endpoint(app.port)])],
  );
  t.certificates = [certificate('default/site', certs.site), certificate('default/table-default', certs.tableDefault)];
  t.tlsSettings = { ...t.tlsSettings, ...tlsSettings };
  return t;
}

async function startSettingsProxy(tlsSettings: Partial<TlsSettings> = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable: settingsTable(1, tlsSettings) });
  return proxy;
}

async function connect(port: number, servername: string | undefined): Promise<tls.TLSSocket> {
  const socket = await tlsConnect(port, servername, ca.certPem);
  cleanups.push(() => socket.destroy());
  return socket;
}

async function metricValue(p: ProxyHandle, name: string, labels: Record<string, string>): Promise<number> {
  const metric = p.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))?.value ?? 0;
}

function echo(socket: tls.TLSSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.write(text);
  });
}

const globalPassthrough = (allowedNames: string[]) => ({ globalPassthrough: { upstreamPort: backendPort, allowedNames } });

describe('global passthrough (FSM sslPassthrough + upstreamPort)', () => {
  it('relays an allowed SNI that no host claims to <SNI>:<upstreamPort>, resolved by DNS', async () => {
    const p = await startSettingsProxy(globalPassthrough(['localhost']));
    const relayed = await connect(p.httpsPort, 'localhost');
    expect(peerCN(relayed)).toBe('backend-own.example.com');
    expect(await echo(relayed, 'raw bytes')).toBe('raw bytes');
    expect(await metricValue(p, 'portico_passthrough_connections_total', { host: 'localhost' })).toBe(1);
  });

  it('closes names not on the allow-list and connections without SNI, and counts them', async () => {
    const p = await startSettingsProxy(globalPassthrough(['localhost']));
    await expect(connect(p.httpsPort, 'not-allowed.example')).rejects.toThrow();
    await expect(connect(p.httpsPort, undefined)).rejects.toThrow();
    expect(await metricValue(p, 'portico_passthrough_refused_total', { reason: 'not_allowed' })).toBe(1);
    expect(await metricValue(p, 'portico_passthrough_refused_total', { reason: 'no_sni' })).toBe(1);
    expect(await metricValue(p, 'portico_passthrough_connections_total', {})).toBe(0);
  });

  it('relays nothing with the default, empty allow-list', async () => {
    const p = await startSettingsProxy(globalPassthrough([]));
    await expect(connect(p.httpsPort, 'localhost')).rejects.toThrow();
    expect(await metricValue(p, 'portico_passthrough_refused_total', { reason: 'not_allowed' })).toBe(1);
  });

  it('keeps terminating names a host claims, with or without TLS settings, even when they are allowed', async () => {
    const p = await startSettingsProxy(globalPassthrough(['localhost', 'site.example.com', 'plain.example.com']));
    const site = await connect(p.httpsPort, 'site.example.com');
    expect(peerCN(site)).toBe('site.example.com');
    expect((await httpOverSocket(site, 'site.example.com', '/s')).status).toBe(200);
    const plain = await connect(p.httpsPort, 'plain.example.com');
    expect(peerCN(plain)).toBe(FALLBACK_CERT_NAME);
    expect((await httpOverSocket(plain, 'plain.example.com', '/p')).status).toBe(200);
    expect(await metricValue(p, 'portico_passthrough_connections_total', {})).toBe(0);
  });

  it('is off without the setting: an unclaimed name is terminated with the default certificate', async () => {
    const p = await startSettingsProxy();
    expect(peerCN(await connect(p.httpsPort, 'localhost'))).toBe(FALLBACK_CERT_NAME);
  });
});

describe('tlsSettings.enabled', () => {
  it('closes new connections while false, leaves established ones alone, and serves again once a table turns it back on', async () => {
    const p = await startSettingsProxy();
    const established = await connect(p.httpsPort, 'site.example.com');
    expect((await httpOverSocket(established, 'site.example.com', '/1')).status).toBe(200);
    expect(p.applyTable(settingsTable(2, { enabled: false })).ok).toBe(true);
    await expect(connect(p.httpsPort, 'site.example.com')).rejects.toThrow();
    await expect(connect(p.httpsPort, undefined)).rejects.toThrow();
    expect(await metricValue(p, 'portico_tls_connections_refused_total', { reason: 'tls_disabled' })).toBe(2);
    expect((await httpOverSocket(established, 'site.example.com', '/2')).status).toBe(200);
    expect(p.applyTable(settingsTable(3, { enabled: true })).ok).toBe(true);
    const again = await connect(p.httpsPort, 'site.example.com');
    expect((await httpOverSocket(again, 'site.example.com', '/3')).status).toBe(200);
  });
});

describe('tlsSettings.defaultCertificateId', () => {
  it('serves the table\'s default certificate without SNI, for unknown names and for hosts without a certificate', async () => {
    const p = await startSettingsProxy({ defaultCertificateId: 'default/table-default' });
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe('table-default.example.com');
    expect(peerCN(await connect(p.httpsPort, 'unknown.example.com'))).toBe('table-default.example.com');
    expect(peerCN(await connect(p.httpsPort, 'nocert.example.com'))).toBe('table-default.example.com');
    expect(peerCN(await connect(p.httpsPort, 'site.example.com'))).toBe('site.example.com');
  });

  it('falls back to the proxy\'s own default when the id is not in the table, and follows table changes', async () => {
    const p = await startSettingsProxy({ defaultCertificateId: 'default/missing' });
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe(FALLBACK_CERT_NAME);
    expect(p.applyTable(settingsTable(2, { defaultCertificateId: 'default/table-default' })).ok).toBe(true);
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe('table-default.example.com');
    expect(p.applyTable(settingsTable(3)).ok).toBe(true);
    expect(peerCN(await connect(p.httpsPort, undefined))).toBe(FALLBACK_CERT_NAME);
  });
});
