import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http-client.js';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ 'class.yaml': ingressClass() });
  const pods = await stack.echo('kept', 1);
  await stack.write('kept.yaml', [serviceWithPods('kept', pods), ingress('kept', [{ host: 'kept.example.com', paths: [{ path: '/', service: 'kept' }] }])].join('---\n'));
});

afterAll(() => stack?.stop());

describe('when the API is away', () => {
  it('the proxy keeps serving its last good table, and a restarted proxy serves it from disk', async () => {
    const generation = stack.api.generation();
    await stack.api.close();

    expect((await stack.request('kept.example.com', '/')).service).toBe('kept');

    await stack.proxy.close();
    stack.proxy = await stack.startProxy();
    expect(stack.proxy.currentGeneration()).toBe(generation);
    expect((await stack.request('kept.example.com', '/')).service).toBe('kept');

    const readyz = await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ generation });
  });

  it('a proxy with no table yet answers 503 and is not ready', async () => {
    const fresh = await stack.startProxy({ stateDir: null });
    try {
      const res = await fetch(`http://127.0.0.1:${fresh.httpPort}/`, { headers: { host: 'kept.example.com' } });
      expect(res.status).toBe(503);
      await eventually(async () => expect((await fetch(`http://127.0.0.1:${fresh.adminPort}/readyz`)).status).toBe(503));
    } finally {
      await fresh.close();
    }
  });
});
