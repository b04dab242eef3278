import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../config/config-store.js';
import { LastGoodWriter } from '../config/last-good-file.js';
import { ClusterConfig } from './cluster-config.js';
import { GONE, type WorkerLink } from './worker-link.js';

const logger = pino({ level: 'silent' });
const START = { certificate: { certPem: '', keyPem: '' }, httpPort: 0, httpsPort: 0 };

/** A worker stand-in: answers each request through `answer`, which may hold it back or say it is gone. */
function fakeWorker(id: number, answer: (message: any) => Promise<unknown>) {
  let exit!: () => void;
  const seen: any[] = [];
  const link = {
    id,
    serving: null as number | null,
    started: false,
    exited: new Promise<void>((resolve) => (exit = resolve)),
    request: (message: any) => {
      seen.push(message);
      return answer(message);
    },
  };
  return { link: link as unknown as WorkerLink & { serving: number | null }, seen, exit: () => exit() };
}

const applyAll = (message: any): Promise<unknown> => {
  const generation = (message.table as { generation: number } | null)?.generation;
  const result: ApplyResult | null = generation === undefined ? null : { ok: true, generation, applyMs: 1 };
  return Promise.resolve(message.type === 'start' ? { result, httpPort: 1, httpsPort: 2 } : result);
};

function newConfig(initialTable: { generation: number } | null = null) {
  return new ClusterConfig({ logger, lastGood: new LastGoodWriter(null, logger), applyTimeoutMs: 1_000, initialTable: initialTable as any });
}

describe('ClusterConfig', () => {
  it('answers an apply only once every worker has applied, and starts new workers with the current table', async () => {
    const config = newConfig({ generation: 1 });
    const a = fakeWorker(1, applyAll);
    let release!: () => void;
    const b = fakeWorker(2, (m) => (m.type === 'apply' ? new Promise((r) => (release = () => r(applyAll(m)))) : applyAll(m)));
    await config.start(a.link, START);
    await config.start(b.link, START);
    expect(a.seen[0]).toMatchObject({ type: 'start', table: { generation: 1 } });

    let answered: ApplyResult | undefined;
    void config.apply({ generation: 2 }).then((r) => (answered = r));
    // A worker starting meanwhile waits for the apply, then gets generation 2.
    const c = fakeWorker(3, applyAll);
    const started = config.start(c.link, START);
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBeUndefined();
    expect(c.seen).toEqual([]);
    expect(config.generation).toBe(1);
    release();
    await started;
    expect(answered).toMatchObject({ ok: true, generation: 2 });
    expect(c.seen[0]).toMatchObject({ type: 'start', table: { generation: 2 } });
    expect(config.readiness([a.link, b.link, c.link])).toMatchObject({ ready: true, body: { generation: 2 } });
  });

  it('leaves out a worker that exits while applying', async () => {
    const config = newConfig();
    const a = fakeWorker(1, applyAll);
    const b = fakeWorker(2, (m) => (m.type === 'apply' ? Promise.resolve(GONE) : applyAll(m)));
    for (const w of [a, b]) await config.start(w.link, START);
    expect(await config.apply({ generation: 5 })).toMatchObject({ ok: true, generation: 5 });
  });

  it('reports a rejection with the worker and its reason, and brings workers that applied it back to the current table', async () => {
    const config = newConfig({ generation: 1 });
    const a = fakeWorker(1, applyAll);
    const b = fakeWorker(2, (m) =>
      m.type === 'apply' && m.table.generation === 2 ? Promise.resolve({ ok: false, generation: 2, applyMs: 1, error: 'bad regex' }) : applyAll(m),
    );
    for (const w of [a, b]) await config.start(w.link, START);
    expect(await config.apply({ generation: 2 })).toMatchObject({ ok: false, generation: 2, error: 'worker 2: bad regex' });
    expect(a.seen.map((m) => [m.type, m.table.generation])).toEqual([['start', 1], ['apply', 2], ['apply', 1]]);
    expect([a.link.serving, b.link.serving, config.generation]).toEqual([1, 1, 1]);
  });

  it('forgets a start-up table the workers reject, so the API is asked for a fresh one', async () => {
    const config = newConfig({ generation: 41 });
    const refuse = (m: any) => (m.type === 'start' ? Promise.resolve({ result: { ok: false, generation: 41, applyMs: 1, error: 'stricter now' }, httpPort: 1, httpsPort: 2 }) : applyAll(m));
    const a = fakeWorker(1, refuse);
    const b = fakeWorker(2, refuse);
    for (const w of [a, b]) await config.start(w.link, START);
    expect(config.generation).toBeNull();
    expect(b.seen[0]).toMatchObject({ type: 'start', table: null });
    expect(await config.apply({ generation: 42 })).toMatchObject({ ok: true, generation: 42 });
  });

  it('rejects a table when no worker is running', async () => {
    expect(await newConfig().apply({ generation: 3 })).toMatchObject({ ok: false, generation: 3, error: 'no worker process is running' });
  });
});
