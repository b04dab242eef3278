import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from './http-client.js';

export interface LauncherPorts {
  http: number;
  https: number;
  admin: number;
  proxyAdmin: number;
}

/** `npm start`'s launcher as a user runs it (minus the build, which Nx has done): the demo store and its backends. */
export class Launcher {
  output = '';

  private constructor(
    readonly process: ChildProcess,
    readonly dataDir: string,
    readonly ports: LauncherPorts,
  ) {
    process.stdout!.on('data', (d) => (this.output += d));
    process.stderr!.on('data', (d) => (this.output += d));
  }

  /** Starts it on a fresh data directory and waits until the proxy has applied the first table. */
  static async start(ports: LauncherPorts): Promise<Launcher> {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-standalone-'));
    const args = ['--skip-build', '--http-port', ports.http, '--https-port', ports.https, '--admin-port', ports.admin, '--proxy-admin-port', ports.proxyAdmin].map(String);
    const child = spawn(process.execPath, ['tools/start.mjs', ...args], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, PORTICO_DATA_DIR: dataDir, PORTICO_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const launcher = new Launcher(child, dataDir, ports);
    try {
      await eventually(async () => {
        if (child.exitCode !== null) return 'exited';
        const res = await fetch(`${launcher.adminUrl}/readyz`);
        const body = (await res.json()) as { ready: boolean; proxies: unknown[] };
        if (res.status !== 200 || body.proxies.length !== 1) throw new Error(`not ready: ${JSON.stringify(body)}`);
        return 'ready';
      }, 30_000, 200).then((state) => {
        if (state === 'exited') throw new Error(`the launcher exited (${child.exitCode})`);
      });
    } catch (error) {
      await launcher.stop();
      throw new Error(`${(error as Error).message}\n--- launcher output\n${launcher.output}`);
    }
    return launcher;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.ports.admin}`;
  }

  /** A token the launcher made for this data directory. */
  token(role: 'admin' | 'viewer'): string {
    return (JSON.parse(readFileSync(join(this.dataDir, 'tokens.json'), 'utf8')) as Record<string, string>)[role]!;
  }

  /** SIGTERM, so the launcher stops the API, the proxy and the backends it started; SIGKILL only if it hangs. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((r) => this.process.once('exit', r));
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
