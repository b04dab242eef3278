import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient } from '@portico/testing';
import { CONFIG_ACK_PATH, CONFIG_STREAM_PATH } from '@portico/model';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { fakeCompile } from './fakes.js';
import { makeTempDir, silentLogger, waitFor } from './helpers.js';
import { NdjsonClient } from './ndjson-client.js';
import { diffDiagnostics, formatSse, LiveEventHub } from '../src/live/live-events.js';

const ADMIN = 'admin-secret';
const VIEWER = 'viewer-secret';
const PROXY = 'proxy-secret';
const ingressYaml = (host: string, rules = true) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n${rules ? `  rules:\n    - host: ${host}\n` : '  rules: []\n'}`;

describe('GET /api/v1/events (Server-Sent Events)', () => {
  let api: ApiHandle;
  let dir: string;
  let remove: () => Promise<void>;
  const clients: Array<{ close(): void }> = [];

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('one.example'));
    api = await startApi({
      manifests: dir,
      port: 0,
      bind: '127.0.0.1',
      adminToken: ADMIN,
      viewerToken: VIEWER,
      proxyToken: PROXY,
      webDir: null,
      logger: silentLogger(),
      compile: fakeCompile,
      debounceMs: 10,
    });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await api?.close();
    await remove();
  });

  const open = async (query = '', headers: Record<string, string> = { authorization: `Bearer ${VIEWER}` }) => {
    const client = await SseClient.open(`${api.url}/api/v1/events${query}`, headers);
    clients.push(client);
    return client;
  };

  it('refuses a client without a token, or with a wrong one, with 401', async () => {
    expect((await open('', {})).response.status).toBe(401);
    expect((await open('?access_token=wrong', {})).response.status).toBe(401);
    expect((await open('', { authorization: `Bearer ${PROXY}` })).response.status).toBe(401);
  });

  it('streams text/event-stream with retry:, and a generation event after a manifest edit', async () => {
    const client = await open();
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const before = api.generation();
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('two.example'));
    const event = await client.next((e) => e.event === 'generation' && e.data.generation === before + 1, 'a generation event');
    expect(event.id).toMatch(/^\d+$/);
    expect(event.data).toMatchObject({ type: 'generation', generation: before + 1, virtualHosts: 1, routes: 0, clusters: 0 });
    expect(client.retry).toBeGreaterThan(0);
    expect(client.events.some((e) => e.event === 'object-changed')).toBe(true);
  });

  it('accepts the token as ?access_token= (EventSource cannot send headers)', async () => {
    const client = await open(`?access_token=${ADMIN}`, {});
    expect(client.response.status).toBe(200);
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('three.example'));
    await client.next((e) => e.event === 'generation', 'a generation event');
  });

  it('reports diagnostics raised and cleared by a compile', async () => {
    const client = await open();
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('', false));
    const raised = await client.next((e) => e.event === 'diagnostic-raised', 'a raised diagnostic');
    expect(raised.data.diagnostic).toMatchObject({ code: 'NoRules', object: { kind: 'Ingress', name: 'web' } });
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('four.example'));
    const cleared = await client.next((e) => e.event === 'diagnostic-cleared', 'a cleared diagnostic');
    expect(cleared.data.diagnostic.code).toBe('NoRules');
  });

  it('reports proxy-connected, proxy-applied (with propagation) and proxy-disconnected', async () => {
    const client = await open();
    const proxy = await NdjsonClient.open(`${api.url}${CONFIG_STREAM_PATH}?proxyId=sse-proxy`, PROXY);
    clients.push(proxy);
    await client.next((e) => e.event === 'proxy-connected' && e.data.proxyId === 'sse-proxy', 'proxy-connected');
    const generation = api.generation();
    const ack = await fetch(`${api.url}${CONFIG_ACK_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROXY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ proxyId: 'sse-proxy', generation, ok: true, applyMs: 0.5 }),
    });
    expect(ack.status).toBe(200);
    const applied = await client.next((e) => e.event === 'proxy-applied', 'proxy-applied');
    expect(applied.data).toMatchObject({ proxyId: 'sse-proxy', generation, applyMs: 0.5 });
    expect(typeof applied.data.propagationMs === 'number' || applied.data.propagationMs === null).toBe(true);
    proxy.close();
    await client.next((e) => e.event === 'proxy-disconnected' && e.data.proxyId === 'sse-proxy', 'proxy-disconnected');
  });

  it('replays the events after Last-Event-ID', async () => {
    const first = await open();
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('five.example'));
    const seen = await first.next((e) => e.event === 'generation', 'a generation event');
    first.close();
    const missed = api.generation() + 1;
    await writeFile(path.join(dir, 'web.yaml'), ingressYaml('six.example'));
    await waitFor(() => api.generation() >= missed, 'the edit to compile while no client is connected');
    const resumed = await open('', { authorization: `Bearer ${VIEWER}`, 'last-event-id': seen.id! });
    const replayed = await resumed.next((e) => e.event === 'generation' && e.data.generation === missed, 'the missed generation event, replayed');
    expect(Number(replayed.id)).toBeGreaterThan(Number(seen.id));
    expect(resumed.events.every((e) => Number(e.id) > Number(seen.id))).toBe(true);
  });
});

describe('LiveEventHub and diffDiagnostics', () => {
  it('keeps only the last `capacity` events for replay, numbered from 1', () => {
    const hub = new LiveEventHub(3);
    for (let i = 0; i < 5; i++) hub.emit('object-changed', { i });
    expect(hub.lastId).toBe(5);
    expect(hub.since(0).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(hub.since(4).map((e) => e.id)).toEqual([5]);
    expect(formatSse(hub.since(4)[0]!)).toMatch(/^id: 5\nevent: object-changed\ndata: \{.*"i":4.*\}\n\n$/);
  });

  it('compares diagnostic sets by content', () => {
    const a = { severity: 'warning' as const, code: 'A', message: 'a' };
    const b = { severity: 'error' as const, code: 'B', message: 'b' };
    const first = diffDiagnostics(new Map(), [a]);
    expect(first.raised).toEqual([a]);
    const second = diffDiagnostics(first.next, [{ message: 'b', code: 'B', severity: 'error' }]);
    expect(second.raised).toEqual([b]);
    expect(second.cleared).toEqual([a]);
    expect(diffDiagnostics(second.next, [b]).raised).toEqual([]);
  });
});
