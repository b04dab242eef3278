import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { get } from '../support/http-client.js';
import { Launcher } from '../support/launcher.js';

const HTTP = 18100;
const ADMIN = 19190;
const PROXY_ADMIN = 19191;
let launcher: Launcher;

beforeAll(async () => {
  launcher = await Launcher.start({ http: HTTP, https: 18443, admin: ADMIN, proxyAdmin: PROXY_ADMIN });
});

afterAll(async () => {
  await launcher?.stop();
});

describe('npm start (standalone, embedded demo)', () => {
  it('serves the demo: curl http://demo.localhost/hi answers "Hi, there!"', async () => {
    const { stdout } = await promisify(execFile)('curl', ['-s', '--max-time', '5', `http://demo.localhost:${HTTP}/hi`]);
    expect(stdout).toBe('Hi, there!');
    expect(launcher.output).toContain(`http://127.0.0.1:${ADMIN}/`);
  });

  it('balances the demo over both echo pods and rewrites /httpbin', async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 4; i++) pods.add((await get(HTTP, 'demo.localhost', '/')).pod!);
    expect(pods).toEqual(new Set(['demo-1', 'demo-2']));
    expect((await get(HTTP, 'demo.localhost', '/httpbin/hi')).body).toBe('Hi, there!');
  });

  it('shows every TLS mode as the launcher prints it: the mTLS host admits the demo client certificate only', async () => {
    const curl = (host: string, extra: string[] = []) =>
      promisify(execFile)('curl', ['-sS', '-k', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `${host}:18443:127.0.0.1`, `https://${host}:18443/hi`, ...extra]);
    expect((await curl('secure.demo.localhost')).stdout).toBe('200');
    const printed = /--cert (\S+) --key (\S+)/.exec(launcher.output);
    expect(printed, 'the launcher prints the client certificate files').not.toBeNull();
    expect((await curl('mtls.demo.localhost', ['--cert', printed![1]!, '--key', printed![2]!])).stdout).toBe('200');
    await expect(curl('mtls.demo.localhost')).rejects.toThrow();
  });

  it('answers /readyz on both admin ports with the generation', async () => {
    const api = (await (await fetch(`http://127.0.0.1:${ADMIN}/readyz`)).json()) as { generation: number };
    const proxy = (await (await fetch(`http://127.0.0.1:${PROXY_ADMIN}/readyz`)).json()) as { generation: number };
    expect(api.generation).toBeGreaterThan(0);
    expect(proxy.generation).toBe(api.generation);
  });

  it('SIGTERM drains an in-flight request, then everything exits 0', async () => {
    const inFlight = get(HTTP, 'demo.localhost', '/delay/800');
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((r) => launcher.process.once('exit', (code) => r(code)));
    launcher.process.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    await expect(get(HTTP, 'demo.localhost', '/hi', { timeoutMs: 1000 })).rejects.toThrow();
  });
});
