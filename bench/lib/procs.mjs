// Every process the bench starts goes through here, so all of them can be stopped by PID on success, error or
// Ctrl-C; nothing is ever stopped by name.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

const running = new Set();

/** Starts `cmd args` with stdout/stderr to `logFile` (or ignored). `cpu` pins it with taskset (exec'd: same PID). */
export function start(name, cmd, args, { cpu, logFile, env, cwd } = {}) {
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const proc = launch(name, cmd, args, cpu, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, cwd });
  if (typeof fd === 'number') closeSync(fd);
  return proc;
}

function launch(name, cmd, args, cpu, spawnOptions) {
  const argv = cpu === undefined ? [cmd, ...args] : ['taskset', '-c', String(cpu), cmd, ...args];
  const child = spawn(argv[0], argv.slice(1), spawnOptions);
  const proc = { name, pid: child.pid, child, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  running.add(proc);
  proc.exited.then(() => running.delete(proc));
  child.once('error', (err) => console.error(`${name}: ${err.message}`));
  return proc;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stop(proc, graceMs = 3000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...running].reverse().map((p) => stop(p)));
}

/** Runs to completion and returns stdout (for wrk and the load clients); `onStart(proc)` lets a caller stop it early. */
export async function run(name, cmd, args, opts = {}) {
  const proc = launch(name, cmd, args, opts.cpu, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  opts.onStart?.(proc);
  let out = '';
  let err = '';
  proc.child.stdout.on('data', (c) => (out += c));
  proc.child.stderr.on('data', (c) => (err += c));
  const { code, signal } = await proc.exited;
  if (code !== 0) throw new Error(`${name} exited ${signal ?? code}: ${err.trim().slice(-500)}`);
  return out;
}

/** Stops everything on Ctrl-C, termination or an uncaught error, then exits. */
export function stopAllOnExit() {
  const bail = (code) => () => stopAll().finally(() => process.exit(code));
  process.once('SIGINT', bail(130));
  process.once('SIGTERM', bail(143));
  process.once('uncaughtException', (err) => {
    console.error(err);
    bail(1)();
  });
  process.once('unhandledRejection', (err) => {
    console.error(err);
    bail(1)();
  });
}

/** Resolves when `probe()` stops throwing; rejects with its last error after `timeoutMs`. */
export async function waitFor(what, probe, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
