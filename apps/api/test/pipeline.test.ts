import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultTlsSettings, type RoutingTable } from '@portico/model';
import { ConfigPipeline, type CompileFunction } from '../src/pipeline/config-pipeline.js';
import { FakeSource, fakeCompile, ingress } from './fakes.js';
import { silentLogger, waitFor } from './helpers.js';

describe('ConfigPipeline', () => {
  let pipeline: ConfigPipeline | undefined;
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });

  const start = async (source: FakeSource, compile: CompileFunction = fakeCompile) => {
    pipeline = new ConfigPipeline({ source, compile, compileOptions: { classNames: ['portico'] }, logger: silentLogger() });
    await pipeline.start();
    return pipeline;
  };

  it('publishes generation 1 at start and loads the source first', async () => {
    const source = new FakeSource();
    source.current.ingresses = [ingress('a', ['a.example'])];
    const p = await start(source);
    expect(source.started).toBe(true);
    expect(p.isLoaded()).toBe(true);
    expect(p.generation()).toBe(1);
    expect(p.currentTable()?.virtualHosts.map((h) => h.host)).toEqual(['a.example']);
    expect(p.changeDetectedAt(1)).toBeTypeOf('number');
  });

  it('publishes nothing when stopped before a background source has loaded', async () => {
    class SlowSource extends FakeSource {
      readonly loadsInBackground = true;
      private release: (() => void) | undefined;
      override async start(): Promise<void> {
        await new Promise<void>((resolve) => (this.release = resolve));
      }
      override stop(): void {
        this.release?.();
      }
    }
    const source = new SlowSource();
    const p = new ConfigPipeline({ source, compile: fakeCompile, compileOptions: {}, logger: silentLogger() });
    const compiled: unknown[] = [];
    p.onCompiled((result) => compiled.push(result));
    const starting = p.start();
    await p.stop();
    await starting;
    expect(p.isLoaded()).toBe(false);
    expect(p.currentTable()).toBeUndefined();
    expect(compiled).toEqual([]);
  });

  it('tells compile listeners about every compile, with the snapshot and the compiler diagnostics', async () => {
    const source = new FakeSource();
    source.current.ingresses = [ingress('a', [])];
    const p = await start(source);
    const seen: Array<{ generation: number; diagnostics: number; ingresses: number }> = [];
    p.onCompiled(({ generation, diagnostics, snapshot }) => seen.push({ generation, diagnostics: diagnostics.length, ingresses: snapshot.ingresses.length }));
    source.change({ services: [{ kind: 'Service', metadata: { name: 'unrelated' } }] });
    await p.settled();
    expect(seen).toEqual([{ generation: 1, diagnostics: 1, ingresses: 1 }]);
    expect(p.lastCompiled()?.generation).toBe(1);
  });

  it('keeps the generation when a change compiles to the same table, and bumps it when the table differs', async () => {
    const source = new FakeSource();
    const p = await start(source);
    const published: RoutingTable[] = [];
    p.onTable((table) => published.push(table));

    source.change({ services: [{ kind: 'Service', metadata: { name: 'unrelated' } }] });
    await p.settled();
    expect(p.generation()).toBe(1);
    expect(published).toEqual([]);

    const detectedAt = performance.now();
    source.change({ ingresses: [ingress('a', ['b.example'])] }, detectedAt);
    await p.settled();
    expect(p.generation()).toBe(2);
    expect(published.map((t) => [t.generation, t.virtualHosts.map((h) => h.host)])).toEqual([[2, ['b.example']]]);
    expect(p.changeDetectedAt(2)).toBe(detectedAt);
  });

  it('treats key order as no change (stable serialisation)', async () => {
    const source = new FakeSource();
    let flip = false;
    const compile: CompileFunction = () => {
      flip = !flip;
      const config = flip
        ? { virtualHosts: [], clusters: [], defaultBackend: null, certificates: [], tlsSettings: defaultTlsSettings() }
        : { tlsSettings: defaultTlsSettings(), certificates: [], defaultBackend: null, clusters: [], virtualHosts: [] };
      return { config, diagnostics: [] };
    };
    const p = await start(source, compile);
    source.change({});
    await p.settled();
    expect(p.generation()).toBe(1);
  });

  it('coalesces a burst: one compile in flight, one more for everything that arrived meanwhile', async () => {
    const source = new FakeSource();
    let release: (() => void) | undefined;
    const compile = vi.fn(async (snapshot: Parameters<CompileFunction>[0]) => {
      if (compile.mock.calls.length > 1) await new Promise<void>((resolve) => (release = resolve));
      return fakeCompile(snapshot);
    });
    const p = await start(source, compile);
    expect(compile).toHaveBeenCalledTimes(1);

    const first = performance.now();
    source.change({ ingresses: [ingress('a', ['1.example'])] }, first);
    await waitFor(() => release !== undefined, 'the second compile to start');
    for (let i = 2; i <= 5; i++) source.change({ ingresses: [ingress('a', [`${i}.example`])] });
    const unblock = release!;
    release = undefined;
    unblock();
    await waitFor(() => release, 'the follow-up compile');
    release!();
    await p.settled();

    expect(compile).toHaveBeenCalledTimes(3); // start, the first change, then one for the four queued changes
    expect(p.currentTable()?.virtualHosts.map((h) => h.host)).toEqual(['5.example']);
    expect(p.generation()).toBe(3);
  });

  it('attaches file and line from the source to compiler diagnostics and includes the source diagnostics', async () => {
    const source = new FakeSource();
    source.current.ingresses = [ingress('bare', [])];
    source.locations.set('Ingress/default/bare', { file: 'apps/bare.yaml', line: 12 });
    source.sourceDiagnostics = [{ severity: 'error', code: 'ManifestParseError', message: 'invalid YAML', file: 'x.yaml', line: 3 }];
    const p = await start(source);
    expect(p.diagnostics()).toEqual([
      source.sourceDiagnostics[0],
      expect.objectContaining({ code: 'NoRules', file: 'apps/bare.yaml', line: 12, field: 'spec.rules' }),
    ]);
  });

  it('keeps the last table and reports a diagnostic when the compiler throws', async () => {
    const source = new FakeSource();
    let fail = false;
    const p = await start(source, (snapshot) => {
      if (fail) throw new Error('boom');
      return fakeCompile(snapshot);
    });
    const before = p.currentTable();
    fail = true;
    source.change({ ingresses: [ingress('a', ['x.example'])] });
    await p.settled();
    expect(p.currentTable()).toBe(before);
    expect(p.diagnostics()).toEqual([expect.objectContaining({ code: 'CompileFailed', message: expect.stringContaining('boom') })]);
  });
});
