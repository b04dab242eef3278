import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readLines } from '../../src/config/ndjson.js';
import { waitFor } from './wait.js';

/** The built command line (`npm run build -w @portico/proxy` first). */
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** One JSON log line of the proxy or one of its workers (workers' lines carry `worker` and `pid`). */
export type LogLine = Record<string, any> & { msg: string };

/**
 * The proxy as an operator runs it: `dist/main.js` in its own process (with --workers, a primary and its workers),
 * on free loopback ports. Its stdout is parsed line by line, so tests can follow each process through its log.
 */
export class ProxyProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  httpPort = 0;
  httpsPort = 0;
  adminPort = 0;

  private constructor(readonly child: ChildProcess) {
    // Every line must be whole JSON, however many processes write to the one stdout: a cut line fails the parse.
    const read = (async () => {
      for await (const line of readLines(child.stdout!)) this.lines.push(JSON.parse(line) as LogLine);
    })();
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close': the process has exited and its output is all read (workers share the pipe, so they are gone too).
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    this.exited = Promise.all([closed, read]).then(([exit]) => exit);
  }

  /** Starts it and waits (bounded) for the primary's "proxy listening" line, which names the ports. */
  static async start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProxyProcess> {
    const child = spawn(process.execPath, [MAIN, '--http-port', '0', '--https-port', '0', '--proxy-admin-port', '0', '--bind', '127.0.0.1', ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proxy = new ProxyProcess(child);
    try {
      const listening = await proxy.waitForLine((l) => l.msg === 'proxy listening' && l.worker === undefined, 15_000, 'the proxy to listen');
      proxy.httpPort = listening.httpPort;
      proxy.httpsPort = listening.httpsPort;
      proxy.adminPort = listening.adminPort;
    } catch (err) {
      await proxy.kill();
      throw new Error(`${(err as Error).message}\n${proxy.stderr}`);
    }
    return proxy;
  }

  /** Lines written by one worker process. */
  linesOf(pid: number): LogLine[] {
    return this.lines.filter((l) => l.pid === pid);
  }

  async waitForLine(match: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    await waitFor(() => this.lines.some(match) || this.child.exitCode !== null, timeoutMs, what);
    const line = this.lines.find(match);
    if (!line) throw new Error(`the proxy exited (${this.child.exitCode}) before logging ${what}`);
    return line;
  }

  /** Worker pids the primary has started and not seen exit, from its log. */
  liveWorkerPids(): number[] {
    const exited = new Set(this.lines.filter((l) => l.msg === 'worker exited; starting a new one').map((l) => l.pid));
    return this.lines.filter((l) => l.msg === 'worker started' && !exited.has(l.pid)).map((l) => l.pid as number);
  }

  /** SIGKILLs the primary and every worker it started (cleanup after a test, whatever happened). */
  async kill(): Promise<void> {
    const workers = this.lines.filter((l) => l.msg === 'worker started').map((l) => l.pid as number);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    // Workers leave once the primary is gone; any still running (a stopped one, say) is ended here.
    for (const pid of workers) if (isOurs(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** Whether `pid` is still a running proxy process (not a pid reused by something else since). */
function isOurs(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(MAIN);
  } catch {
    return false;
  }
}

/** Whether a process with this pid is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
