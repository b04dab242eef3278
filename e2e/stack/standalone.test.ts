import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { eventually, get } from '../support/http-client.js';

const root = resolve(import.meta.dirname, '../..');
const HTTP = 18100;
const ADMIN = 19190;
const PROXY_ADMIN = 19191;
let launcher: ChildProcess;
let dataDir: string;
let output = '';

/** `npm start`'s launcher, as a user runs it (minus the build, which Nx has done): demo store, demo backends. */
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'portico-standalone-'));
  launcher = spawn(process.execPath, ['tools/start.mjs', '--skip-build', '--http-port', String(HTTP), '--https-port', '18443', '--admin-port', String(ADMIN), '--proxy-admin-port', String(PROXY_ADMIN)], {
    cwd: root,
    env: { ...process.env, PORTICO_DATA_DIR: dataDir, PORTICO_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout!.on('data', (d) => (output += d));
  launcher.stderr!.on('data', (d) => (output += d));
  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${ADMIN}/readyz`);
    const body = (await res.json()) as { ready: boolean; proxies: unknown[] };
    if (res.status !== 200 || body.proxies.length !== 1) throw new Error(`not ready: ${JSON.stringify(body)}`);
  }, 30_000, 200);
});

afterAll(async () => {
  if (launcher.exitCode === null) launcher.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start (standalone, embedded demo)', () => {
  it('serves the demo: curl http://demo.localhost/hi answers "Hi, there!"', async () => {
    const { stdout } = await promisify(execFile)('curl', ['-s', '--max-time', '5', `http://demo.localhost:${HTTP}/hi`]);
    expect(stdout).toBe('Hi, there!');
    expect(output).toContain(`http://127.0.0.1:${ADMIN}/`);
  });

  it('balances the demo over both echo pods and rewrites /httpbin', async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 4; i++) pods.add((await get(HTTP, 'demo.localhost', '/')).pod!);
    expect(pods).toEqual(new Set(['demo-1', 'demo-2']));
    expect((await get(HTTP, 'demo.localhost', '/httpbin/hi')).body).toBe('Hi, there!');
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
    const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
    launcher.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    await expect(get(HTTP, 'demo.localhost', '/hi', { timeoutMs: 1000 })).rejects.toThrow();
  });
});
