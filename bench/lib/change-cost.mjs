// What one change costs as the table grows: compile (libs/compiler, in this process) and apply (the real proxy
// process, fed by a minimal API side of the delivery protocol so nothing else is timed).
import http from 'node:http';
import { join } from 'node:path';
import { benchObjects, ONE_WORKER, ROOT } from './portico.mjs';
import { start, stop, waitFor } from './procs.mjs';
import { freePorts } from './setup.mjs';
import { median } from './stats.mjs';

const SIZES = [10, 1_000, 10_000];
const TOKEN = 'bench-cost-token';

function snapshotOf(objects) {
  const snapshot = { ingressClasses: [], ingresses: [], services: [], endpointSlices: [], secrets: [], configMaps: [] };
  const field = { IngressClass: 'ingressClasses', Ingress: 'ingresses', Service: 'services', EndpointSlice: 'endpointSlices', Secret: 'secrets', ConfigMap: 'configMaps' };
  // Sources stamp creation times; the compiler orders conflicting Ingresses by them.
  for (const obj of objects) snapshot[field[obj.kind]].push({ ...obj, metadata: { creationTimestamp: '2026-01-01T00:00:00Z', ...obj.metadata } });
  return snapshot;
}

export async function measureChangeCost({ dir, up, certs, proxyCpu }) {
  const { compile } = await import('@portico/compiler');
  const { RouteIndex, normalizePath } = await import('@portico/matcher');
  const api = await deliveryServer();
  const [httpPort, tlsPort, adminPort] = await freePorts(3);
  const proxy = start('cost-proxy', process.execPath, [
    join(ROOT, 'apps/proxy/dist/main.js'),
    '--api-url', api.url, '--proxy-token', TOKEN, '--proxy-id', 'cost',
    '--http-port', String(httpPort), '--https-port', String(tlsPort), '--proxy-admin-port', String(adminPort),
    '--bind', '127.0.0.1', '--state-dir', join(dir, 'state'),
  ], { cpu: proxyCpu, logFile: '/dev/null', env: { PORTICO_LOG_LEVEL: 'warn', ...ONE_WORKER } });
  const rows = [];
  try {
    await waitFor('cost proxy subscribed', () => { if (!api.stream) throw new Error('no stream yet'); }, 30_000);
    let generation = 0;
    for (const size of SIZES) {
      const snapshot = snapshotOf(benchObjects(up, certs, size));
      const runs = size >= 10_000 ? 3 : 7;
      const compileMs = [];
      let config;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        config = compile(snapshot).config;
        compileMs.push(performance.now() - t0);
      }
      const applyMs = [];
      const deliveredMs = [];
      for (let i = 0; i < runs; i++) {
        const ack = await api.deliver({ ...config, generation: ++generation });
        if (!ack.ok) throw new Error(`proxy rejected the ${size}-Ingress table: ${ack.error}`);
        applyMs.push(ack.applyMs);
        deliveredMs.push(ack.wallMs);
      }
      rows.push({ ingresses: size, compileMs: median(compileMs), applyMs: median(applyMs), deliveredMs: median(deliveredMs), tableKb: api.lastLineBytes / 1024, matchNs: matchNs(RouteIndex, normalizePath, config) });
    }
  } finally {
    await stop(proxy);
    await api.close();
  }
  const text = [
    '| Ingresses | compile ms | proxy apply ms (its ack) | stream line → ack ms | table size KiB | normalise + match ns |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.ingresses} | ${r.compileMs.toFixed(1)} | ${r.applyMs.toFixed(1)} | ${r.deliveredMs.toFixed(1)} | ${r.tableKb.toFixed(0)} | ${r.matchNs.toFixed(0)} |`),
  ].join('\n');
  return { rows, text };
}

/**
 * What the proxy's lookup costs on this table (path normalisation + RouteIndex.match for the bench host), best of
 * five batches: libs/matcher's promise is that it does not grow with the table.
 */
function matchNs(RouteIndex, normalizePath, config) {
  const index = new RouteIndex(config);
  const batch = 200_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) if (!index.match('bench.local', normalizePath('/small').path)) throw new Error('bench.local does not match');
    best = Math.min(best, ((performance.now() - t0) * 1e6) / batch);
  }
  return best;
}

/** The API's half of libs/model's delivery protocol: one NDJSON stream out, acks in. */
async function deliveryServer() {
  const { CONFIG_ACK_PATH, CONFIG_STREAM_PATH } = await import('@portico/model');
  const state = { stream: null, waiting: null, sentAt: 0, lastLineBytes: 0 };
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end();
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && path === CONFIG_STREAM_PATH) {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      state.stream = res;
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(path === CONFIG_ACK_PATH ? 204 : 202).end();
      if (path !== CONFIG_ACK_PATH) return;
      const ack = JSON.parse(body);
      if (state.waiting && ack.generation === state.waiting.generation) state.waiting.resolve({ ...ack, wallMs: performance.now() - state.sentAt });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get stream() {
      return state.stream;
    },
    get lastLineBytes() {
      return state.lastLineBytes;
    },
    deliver(table) {
      const line = JSON.stringify({ type: 'config', table }) + '\n';
      state.lastLineBytes = Buffer.byteLength(line);
      return new Promise((resolve) => {
        state.waiting = { generation: table.generation, resolve };
        state.sentAt = performance.now();
        state.stream.write(line);
      });
    },
    close: () => {
      state.stream?.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}
