import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { requestJson } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

let proxy: ProxyHandle | undefined;
let upstreams: TestUpstream[] = [];

async function threeUpstreams(handler?: Parameters<typeof startUpstream>[1]): Promise<TestUpstream[]> {
  upstreams = await Promise.all(['a', 'b', 'c'].map((n) => startUpstream(n, n === 'a' ? handler : undefined)));
  return upstreams;
}

async function proxyFor(table: ReturnType<typeof catchAll>): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable: table });
  return proxy;
}

/** Sends `n` requests one after another, each from the given X-less client (all from 127.0.0.1), and names who answered. */
async function whoAnswers(port: number, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push((await requestJson(port, '/')).json.name);
  return names;
}

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(upstreams.map((u) => u.close()));
  upstreams = [];
});

describe('load balancing through the proxy', () => {
  it('round-robin alternates between endpoints', async () => {
    const [a, b, c] = await threeUpstreams();
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port), endpoint(b.port), endpoint(c.port)]));
    expect(await whoAnswers(p.httpPort, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('round-robin keeps its position across a config generation that keeps the cluster', async () => {
    const [a, b, c] = await threeUpstreams();
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port), endpoint(b.port), endpoint(c.port)]));
    expect(await whoAnswers(p.httpPort, 1)).toEqual(['a']);
    expect(p.applyTable(catchAll(2, 'c', [endpoint(a.port), endpoint(b.port), endpoint(c.port)])).ok).toBe(true);
    expect(await whoAnswers(p.httpPort, 2)).toEqual(['b', 'c']);
  });

  it('hashing keeps one client on one endpoint', async () => {
    const [a, b, c] = await threeUpstreams();
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port), endpoint(b.port), endpoint(c.port)], 'hashing'));
    const names = await whoAnswers(p.httpPort, 8);
    expect(new Set(names).size).toBe(1);
  });

  it('session-sticky keeps one client on its first endpoint, even over round-robin', async () => {
    const [a, b, c] = await threeUpstreams();
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port), endpoint(b.port), endpoint(c.port)], 'round-robin', true));
    const names = await whoAnswers(p.httpPort, 6);
    expect(new Set(names).size).toBe(1);
    // The pin survives a new generation while its endpoint remains.
    p.applyTable(catchAll(2, 'c', [endpoint(c.port), endpoint(b.port), endpoint(a.port)], 'round-robin', true));
    expect(new Set(await whoAnswers(p.httpPort, 3))).toEqual(new Set(names));
  });

  it('least-work sends new requests to the idle endpoint while another is busy', async () => {
    const held: http.ServerResponse[] = [];
    // Upstream `a` holds its requests open until the test releases them.
    const [a, b, c] = await threeUpstreams((_req, res) => {
      held.push(res);
      return true;
    });
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port), endpoint(b.port)], 'least-work'));
    void c;
    // The first request goes to `a` or `b`; keep sending until `a` holds one.
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < 2 && held.length === 0; i++) {
      pending.push(requestJson(p.httpPort, '/').catch(() => undefined));
      await waitFor(() => held.length > 0 || b.requests.length > i, 2_000, 'a request to land');
    }
    expect(held.length).toBe(1);
    const bBefore = b.requests.length;
    expect(await whoAnswers(p.httpPort, 4)).toEqual(['b', 'b', 'b', 'b']);
    expect(b.requests.length).toBe(bBefore + 4);
    for (const res of held) res.end('released');
    await Promise.all(pending);
  });
});
