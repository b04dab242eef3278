import { performance } from 'node:perf_hooks';
import type { CompileOptions, CompileResult } from '@portico/compiler';
import type { ClusterSnapshot, Diagnostic, RoutingTable } from '@portico/model';
import type { Logger } from '../logging/logger.js';
import { CoalescingRunner } from '../shared/coalescing-runner.js';
import { stableJson } from '../shared/stable-json.js';
import type { ConfigSource } from '../sources/config-source.js';
import { DiagnosticLog } from './diagnostic-log.js';

/** The compiler's signature; injectable so the pipeline can be tested without it. May become async (a worker). */
export type CompileFunction = (
  snapshot: ClusterSnapshot,
  options: Partial<CompileOptions>,
) => CompileResult | Promise<CompileResult>;

export type TableListener = (table: RoutingTable) => void;

/** One compile's inputs and findings, for what acts on the cluster (status, Events). */
export interface CompiledSnapshot {
  snapshot: ClusterSnapshot;
  /** The compiler's diagnostics (without the source's own). */
  diagnostics: Diagnostic[];
  generation: number;
}
export type CompileListener = (compiled: CompiledSnapshot) => void;

export interface PipelineOptions {
  source: ConfigSource;
  compile: CompileFunction;
  compileOptions: Partial<CompileOptions>;
  logger: Logger;
}

/** How many generations remember the time of the change that produced them (acks for older ones are rare). */
const REMEMBERED_GENERATIONS = 256;

/**
 * Source snapshot → compile → generation. A generation number changes only when the compiled configuration does,
 * so proxies are not sent tables they already have.
 */
export class ConfigPipeline {
  private readonly source: ConfigSource;
  private readonly compileFn: CompileFunction;
  private readonly compileOptions: Partial<CompileOptions>;
  private readonly logger: Logger;
  private readonly compiles: CoalescingRunner;
  private readonly listeners = new Set<TableListener>();
  private readonly compileListeners = new Set<CompileListener>();
  private readonly diagnosticLog: DiagnosticLog;
  private readonly changeTimes = new Map<number, number>();
  private table: RoutingTable | undefined;
  private tableFingerprint: string | undefined;
  private currentDiagnostics: Diagnostic[] = [];
  private unsubscribe: (() => void) | undefined;
  private compiled: CompiledSnapshot | undefined;
  private loaded = false;
  private stopped = false;

  constructor(options: PipelineOptions) {
    this.source = options.source;
    this.compileFn = options.compile;
    this.compileOptions = options.compileOptions;
    this.logger = options.logger.child({ component: 'pipeline' });
    this.diagnosticLog = new DiagnosticLog(this.logger);
    this.compiles = new CoalescingRunner(
      (detectedAt) => this.compileOnce(detectedAt),
      (error) => this.logger.error({ err: error }, 'compile run failed'),
    );
  }

  /** Starts the source and compiles its first snapshot; resolves when the first table is published. */
  async start(): Promise<void> {
    const startedAt = performance.now();
    this.stopped = false;
    this.unsubscribe = this.source.onChange(({ detectedAt }) => void this.compiles.request(detectedAt));
    await this.source.start();
    // A source that loads in the background may be stopped before it ever loaded: publish nothing then.
    if (this.stopped) return;
    await this.compiles.request(startedAt);
    if (this.stopped) return;
    this.loaded = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.source.stop();
    await this.compiles.idle();
  }

  /** True once the source has loaded and its first snapshot was compiled. */
  isLoaded(): boolean {
    return this.loaded;
  }

  currentTable(): RoutingTable | undefined {
    return this.table;
  }

  generation(): number {
    return this.table?.generation ?? 0;
  }

  /** Source and compiler diagnostics of the last compile, with file and line where the source knows them. */
  diagnostics(): Diagnostic[] {
    return this.currentDiagnostics;
  }

  /** `performance.now()` when the change that produced this generation was detected. */
  changeDetectedAt(generation: number): number | undefined {
    return this.changeTimes.get(generation);
  }

  onTable(listener: TableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after every successful compile, whether or not the table changed. */
  onCompiled(listener: CompileListener): () => void {
    this.compileListeners.add(listener);
    return () => this.compileListeners.delete(listener);
  }

  /** The last compiled snapshot, if any. */
  lastCompiled(): CompiledSnapshot | undefined {
    return this.compiled;
  }

  /**
   * Resolves with the compile that first read a snapshot for which `includes` holds (the last one, or a later one), so
   * a write's answer can name the generation carrying it; undefined after `timeoutMs`.
   */
  compiledWhen(includes: (snapshot: ClusterSnapshot) => boolean, timeoutMs: number): Promise<CompiledSnapshot | undefined> {
    const now = this.compiled;
    if (now && includes(now.snapshot)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = (compiled: CompiledSnapshot | undefined) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(compiled);
      };
      const unsubscribe = this.onCompiled((compiled) => includes(compiled.snapshot) && finish(compiled));
      const timer = setTimeout(() => finish(undefined), timeoutMs);
    });
  }

  /** Resolves when no compile is running or pending. */
  settled(): Promise<void> {
    return this.compiles.idle();
  }

  private async compileOnce(detectedAt: number): Promise<void> {
    const snapshot = this.source.snapshot();
    const sourceDiagnostics = this.source.diagnostics();
    const compileStart = performance.now();
    let result: CompileResult;
    try {
      result = await this.compileFn(snapshot, this.compileOptions);
    } catch (error) {
      // Keep serving the last good table; say why nothing changes.
      this.logger.error({ err: error }, 'the compiler failed; keeping the current routing table');
      this.setDiagnostics([
        ...sourceDiagnostics,
        { severity: 'error', code: 'CompileFailed', message: `the compiler failed: ${errorMessage(error)}` },
      ]);
      return;
    }
    const compileMs = performance.now() - compileStart;
    this.setDiagnostics([...sourceDiagnostics, ...result.diagnostics.map((d) => this.withLocation(d))]);

    const fingerprint = stableJson(result.config);
    const changed = fingerprint !== this.tableFingerprint;
    if (changed) {
      const generation = this.generation() + 1;
      this.table = { ...result.config, generation };
      this.tableFingerprint = fingerprint;
      this.rememberChangeTime(generation, detectedAt);
    }
    this.logger.info(
      {
        generation: this.generation(),
        changed,
        virtualHosts: result.config.virtualHosts.length,
        routes: result.config.virtualHosts.reduce((sum, host) => sum + host.routes.length, 0),
        clusters: result.config.clusters.length,
        objects: countObjects(snapshot),
        compileMs: round(compileMs),
        diagnostics: this.currentDiagnostics.length,
      },
      changed ? 'compiled a new routing table' : 'compiled; routing table unchanged',
    );
    if (changed && this.table) this.publish(this.table);
    this.compiled = { snapshot, diagnostics: result.diagnostics, generation: this.generation() };
    for (const listener of this.compileListeners) {
      try {
        listener(this.compiled);
      } catch (error) {
        this.logger.error({ err: error }, 'a compile listener failed');
      }
    }
  }

  private withLocation(diagnostic: Diagnostic): Diagnostic {
    if (diagnostic.file || !diagnostic.object) return diagnostic;
    const location = this.source.locate(diagnostic.object);
    return location ? { ...diagnostic, ...location } : diagnostic;
  }

  private setDiagnostics(diagnostics: Diagnostic[]): void {
    this.currentDiagnostics = diagnostics;
    this.diagnosticLog.update(diagnostics);
  }

  private publish(table: RoutingTable): void {
    for (const listener of this.listeners) {
      try {
        listener(table);
      } catch (error) {
        this.logger.error({ err: error }, 'a routing table listener failed');
      }
    }
  }

  private rememberChangeTime(generation: number, detectedAt: number): void {
    this.changeTimes.set(generation, detectedAt);
    this.changeTimes.delete(generation - REMEMBERED_GENERATIONS);
  }
}

const countObjects = (snapshot: ClusterSnapshot): number =>
  Object.values(snapshot).reduce((sum, objects: unknown[]) => sum + objects.length, 0);
const round = (ms: number): number => Math.round(ms * 100) / 100;
const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
