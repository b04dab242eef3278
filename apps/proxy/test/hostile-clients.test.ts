import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { rawExchange } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

let proxy: ProxyHandle | undefined;
let upstream: TestUpstream | undefined;

async function setup(limits: ProxyOptions['limits'] = {}): Promise<{ proxy: ProxyHandle; upstream: TestUpstream }> {
  upstream = await startUpstream('victim');
  proxy = await startTestProxy({
    limits,
    initialTable: catchAll(1, 'c', [endpoint(upstream.port)]),
  });
  return { proxy, upstream };
}

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('request smuggling', () => {
  it('answers 400 to Content-Length together with Transfer-Encoding and forwards nothing', async () => {
    const { proxy, upstream } = await setup();
    const { text } = await rawExchange(
      proxy.httpPort,
      'POST /smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(statusOf(text)).toBe(400);
    expect(text).not.toContain('"name":"victim"');
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers 400 to two different Content-Length headers and forwards nothing', async () => {
    const { proxy, upstream } = await setup();
    const { text } = await rawExchange(proxy.httpPort, 'POST /dup HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabc');
    expect(statusOf(text)).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it('still serves a well-formed request over the same raw path (control)', async () => {
    const { proxy, upstream } = await setup();
    const { text } = await rawExchange(proxy.httpPort, 'POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
    expect(statusOf(text)).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].bodyBytes).toBe(3);
  });
});

describe('resource limits', () => {
  it('answers 431 to headers larger than the limit', async () => {
    const { proxy, upstream } = await setup({ maxHeaderSize: 4096 });
    const { text } = await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8192)}\r\n\r\n`);
    expect(statusOf(text)).toBe(431);
    expect(upstream.requests).toHaveLength(0);
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const { proxy, upstream } = await setup({ headersTimeoutMs: 300, requestTimeoutMs: 300 });
    const socket = net.connect(proxy.httpPort, '127.0.0.1');
    const started = Date.now();
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // Dribble a header byte every 100 ms, never finishing: a slowloris client.
    const dribble = setInterval(() => socket.writable && socket.write('X'), 100);
    const closedAfter = await new Promise<number>((resolve) => {
      const giveUp = setTimeout(() => resolve(Infinity), 5_000);
      socket.on('close', () => {
        clearTimeout(giveUp);
        resolve(Date.now() - started);
      });
      socket.on('error', () => undefined);
    });
    clearInterval(dribble);
    socket.destroy();
    expect(closedAfter).toBeLessThan(3_000);
    expect(received === '' || statusOf(received) === 408).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });
});
