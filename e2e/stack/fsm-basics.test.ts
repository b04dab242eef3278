import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';

const P = 'pipy.ingress.kubernetes.io/';
describe.each(SOURCES)('with the %s source', (source) => {
  let stack: Stack;

  /** A port nothing listens on: bound, noted, released. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    return port;
  }

  beforeAll(async () => {
    stack = await Stack.start({ 'class.yaml': ingressClass() }, { upstreamTimeoutMs: 1000 }, { source });
    const hi = await stack.echo('hi', 1);
    const pool = await stack.echo('pool', 3);
    const files: Record<string, string> = {
      'services.yaml': [
        serviceWithPods('hi', hi),
        serviceWithPods('pool', pool),
        serviceWithPods('nopods', []),
        serviceWithPods('dead', [{ pod: 'dead-1', port: await closedPort() }]),
      ].join('---\n'),
      // FSM "Basics": both paths Exact.
      'basics.yaml': ingress('basics', [{ host: 'example.com', paths: [{ path: '/', pathType: 'Exact', service: 'hi' }, { path: '/hi', pathType: 'Exact', service: 'hi' }] }]),
      // FSM rewrite demo.
      'rewrite.yaml': ingress('rewrite', [{ host: 'example.com', paths: [{ path: '/httpbin', service: 'hi' }] }], {
        annotations: { [`${P}rewrite-target-from`]: '^/httpbin/?', [`${P}rewrite-target-to`]: '/' },
      }),
      'round-robin.yaml': ingress('rr', [{ host: 'rr.example.com', paths: [{ path: '/', service: 'pool' }] }]),
      'hashing.yaml': ingress('hashing', [{ host: 'hash.example.com', paths: [{ path: '/', service: 'pool' }] }], { annotations: { [`${P}lb-type`]: 'hashing' } }),
      'sticky.yaml': ingress('sticky', [{ host: 'sticky.example.com', paths: [{ path: '/', service: 'pool' }] }], { annotations: { [`${P}session-sticky`]: 'true' } }),
      'least-work.yaml': ingress('least', [{ host: 'least.example.com', paths: [{ path: '/', service: 'pool' }] }], { annotations: { [`${P}lb-type`]: 'least-work' } }),
      'errors.yaml': ingress('errors', [
        { host: 'empty.example.com', paths: [{ path: '/', service: 'nopods' }] },
        { host: 'dead.example.com', paths: [{ path: '/', service: 'dead' }] },
        { host: 'slow.example.com', paths: [{ path: '/', service: 'hi' }] },
        { host: '*.wild.example.com', paths: [{ path: '/', service: 'pool' }] },
        { paths: [{ path: '/anyhost', service: 'pool' }] },
      ]),
    };
    for (const [name, content] of Object.entries(files)) await stack.write(name, content);
  });

  afterAll(() => stack?.stop());

  describe('FSM Basics through the real proxy', () => {
    it('GET /hi on an Exact path answers "Hi, there!"', async () => {
      const res = await stack.request('example.com', '/hi');
      expect(res.status).toBe(200);
      expect(res.body).toBe('Hi, there!');
    });

    it('GET /foo with only Exact paths answers 404', async () => {
      const res = await stack.request('example.com', '/foo');
      expect(res.status).toBe(404);
      expect(res.service).toBeUndefined();
    });

    it('rewrite: GET /httpbin/hi reaches the backend as /hi', async () => {
      const res = await stack.request('example.com', '/httpbin/hi');
      expect(res.status).toBe(200);
      expect(res.body).toBe('Hi, there!');
    });

    it('round-robin (the default) alternates over the pods', async () => {
      const pods: string[] = [];
      for (let i = 0; i < 6; i++) pods.push((await stack.request('rr.example.com', '/')).pod!);
      expect(new Set(pods).size).toBe(3);
      for (let i = 3; i < 6; i++) expect(pods[i]).toBe(pods[i - 3]);
    });

    it('hashing keeps one client on one pod, and spreads different clients', async () => {
      const byClient = new Map<string, Set<string>>();
      for (let c = 1; c <= 12; c++) {
        const client = `127.0.0.${c}`;
        const seen = new Set<string>();
        for (let i = 0; i < 3; i++) seen.add((await stack.request('hash.example.com', '/', { localAddress: client })).pod!);
        byClient.set(client, seen);
      }
      for (const seen of byClient.values()) expect(seen.size).toBe(1);
      const pods = new Set([...byClient.values()].map((s) => [...s][0]));
      expect(pods.size).toBeGreaterThan(1);
    });

    it('session-sticky pins a client to the pod it first reached', async () => {
      const first = new Map<string, string>();
      for (const client of ['127.0.0.21', '127.0.0.22', '127.0.0.23']) first.set(client, (await stack.request('sticky.example.com', '/', { localAddress: client })).pod!);
      expect(new Set(first.values()).size).toBeGreaterThan(1);
      for (let round = 0; round < 3; round++) {
        for (const [client, pod] of first) expect((await stack.request('sticky.example.com', '/', { localAddress: client })).pod).toBe(pod);
      }
    });

    it('least-work avoids a pod that is busy with a slow request', async () => {
      const slow = stack.request('least.example.com', '/delay/600');
      await new Promise((r) => setTimeout(r, 100));
      const quick = [];
      for (let i = 0; i < 4; i++) quick.push(await stack.request('least.example.com', '/'));
      const busy = (await slow).pod;
      expect(quick.map((r) => r.pod)).not.toContain(busy);
    });
  });

  describe('status codes and headers', () => {
    it('503 when the backend has no ready endpoint', async () => {
      expect((await stack.request('empty.example.com', '/')).status).toBe(503);
    });

    it('502 when the upstream cannot be reached', async () => {
      expect((await stack.request('dead.example.com', '/')).status).toBe(502);
    });

    it('504 when the upstream does not answer in time', async () => {
      expect((await stack.request('slow.example.com', '/delay/3000')).status).toBe(504);
    });

    it('hosts match case-insensitively with the port stripped; wildcards one label deep; host-less rules for any host', async () => {
      expect((await stack.request('EXAMPLE.com:8000', '/hi')).body).toBe('Hi, there!');
      expect((await stack.request('a.wild.example.com', '/')).service).toBe('pool');
      expect((await stack.request('a.b.wild.example.com', '/')).status).toBe(404);
      expect((await stack.request('unknown.org', '/anyhost/x')).service).toBe('pool');
    });

    it('sets X-Forwarded-For/-Proto/-Host/-Port and removes hop-by-hop headers', async () => {
      const res = await stack.request('example.com', '/', {
        headers: { 'x-forwarded-for': '203.0.113.9', connection: 'keep-alive, x-private', 'x-private': 'secret', 'keep-alive': 'timeout=5', te: 'trailers' },
      });
      expect(res.status).toBe(200);
      const seen = JSON.parse(res.body).headers as Record<string, string>;
      expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
      expect(seen['x-forwarded-proto']).toBe('http');
      expect(seen['x-forwarded-host']).toBe('example.com');
      expect(seen['x-forwarded-port']).toBe(String(stack.proxy.httpPort));
      expect(seen['x-private']).toBeUndefined();
      expect(seen['keep-alive']).toBeUndefined();
      expect(seen.te).toBeUndefined();
      expect(seen.host).toBe('example.com');
    });

    it('streams a large request body to the upstream', async () => {
      const body = Buffer.alloc(8 * 1024 * 1024, 'x');
      const res = await stack.request('example.com', '/', { method: 'POST', body });
      expect(JSON.parse(res.body).bodyBytes).toBe(body.length);
    });

    it('spec.defaultBackend receives what no rule matches, and 404 returns when it goes', async () => {
      await stack.write('default.yaml', ingress('fallback', [], { defaultBackend: 'pool' }));
      expect((await stack.request('nowhere.org', '/x')).service).toBe('pool');
      expect((await stack.request('example.com', '/foo')).service).toBe('pool');
      await stack.remove('default.yaml');
      expect((await stack.request('nowhere.org', '/x')).status).toBe(404);
    });
  });
});
