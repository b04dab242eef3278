import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'node:http';
import WebSocket from 'ws';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';

describe.each(SOURCES)('with the %s source', (source) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source });
    const pods = await stack.echo('live', 2);
    await stack.write('live.yaml', [serviceWithPods('live', pods), ingress('live', [{ host: 'live.example.com', paths: [{ path: '/', service: 'live' }] }])].join('---\n'));
  });

  afterAll(() => stack?.stop());

  describe('changes under load', () => {
    it('20 manifest edits while a bounded load runs: no request fails, keep-alive and WebSocket connections survive', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${stack.proxy.httpPort}/socket`, { headers: { host: 'live.example.com' } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      let wsClosed = false;
      ws.on('close', () => (wsClosed = true));

      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      const failures: string[] = [];
      let ok = 0;
      let running = true;
      const deadline = Date.now() + 30_000;
      const worker = async () => {
        while (running && Date.now() < deadline) {
          try {
            const res = await stack.request('live.example.com', '/load', { agent });
            if (res.status === 200) ok++;
            else failures.push(`status ${res.status}`);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      };
      const workers = [worker(), worker(), worker(), worker()];

      const generationBefore = stack.api.generation();
      for (let i = 1; i <= 20; i++) {
        await stack.write(`extra-${i % 5}.yaml`, ingress(`extra-${i % 5}`, [{ host: `extra${i}.example.com`, paths: [{ path: `/v${i}`, service: 'live' }] }]));
      }
      running = false;
      await Promise.all(workers);
      agent.destroy();

      expect(stack.api.generation()).toBeGreaterThanOrEqual(generationBefore + 20);
      expect(failures).toEqual([]);
      expect(ok).toBeGreaterThan(20);

      expect(wsClosed).toBe(false);
      const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
      ws.send('still here');
      expect(await echoed).toBe('still here');
      ws.close();
    });
  });
});
