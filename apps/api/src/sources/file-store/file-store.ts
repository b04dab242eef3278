import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptySnapshot, type ClusterSnapshot, type Diagnostic, type ObjectRef } from '@portico/model';
import type { Logger } from '../../logging/logger.js';
import { CoalescingRunner } from '../../shared/coalescing-runner.js';
import { stableJson } from '../../shared/stable-json.js';
import type {
  ConfigSource,
  SourceChangeListener,
  SourceLocation,
  SourceStatus,
  WritableKind,
  WritableObject,
  WritableSource,
  WriteOptions,
  WriteTarget,
} from '../config-source.js';
import { ManifestWriter } from './manifest-writer.js';
import { scanManifests } from './manifest-scanner.js';
import { buildSnapshot, objectKey } from './snapshot-builder.js';

export interface FileStoreOptions {
  /** The manifests directory; read recursively. */
  directory: string;
  logger: Logger;
  /** Quiet time after a file event before rescanning: an editor's save is several events. */
  debounceMs?: number;
  /** Longest a rescan waits for quiet: a file written continuously must not postpone it forever. */
  maxWaitMs?: number;
  /** How often to look for the directory again after it disappeared. */
  reattachIntervalMs?: number;
}

interface LoadedState {
  snapshot: ClusterSnapshot;
  diagnostics: Diagnostic[];
  locations: Map<string, SourceLocation>;
  fingerprint: string;
}

/**
 * A config source backed by a directory of Kubernetes manifests. Any file event leads to a full rescan rather than
 * an incremental update: it is cheap at this scale and immune to the rename dance of editors' atomic saves.
 */
export class FileStore implements ConfigSource, WritableSource {
  private readonly root: string;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly reattachIntervalMs: number;
  private readonly logger: Logger;
  private readonly listeners = new Set<SourceChangeListener>();
  private readonly rescans: CoalescingRunner;
  private state: LoadedState = { snapshot: emptySnapshot(), diagnostics: [], locations: new Map(), fingerprint: '' };
  private watcher: FSWatcher | undefined;
  /** The directory's inode when the watcher was attached: a directory replaced under us needs a new watcher. */
  private watchedInode: number | undefined;
  private reattachTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private firstEventAt: number | undefined;
  private stopped = false;
  private readonly writer: ManifestWriter;
  /** Writes run one at a time: each reads the files, checks the version, and writes. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: FileStoreOptions) {
    this.root = path.resolve(options.directory);
    this.writer = new ManifestWriter(this.root);
    this.debounceMs = options.debounceMs ?? 25;
    this.maxWaitMs = options.maxWaitMs ?? 10 * this.debounceMs;
    this.reattachIntervalMs = options.reattachIntervalMs ?? 500;
    this.logger = options.logger.child({ component: 'file-store' });
    this.rescans = new CoalescingRunner(
      (detectedAt) => this.rescan(detectedAt),
      (error) => this.logger.error({ err: error }, 'manifest rescan failed'),
    );
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.attachWatcher();
    await this.rescans.request(performance.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    this.stopReattaching();
    this.detachWatcher();
    await this.rescans.idle();
  }

  snapshot(): ClusterSnapshot {
    return this.state.snapshot;
  }

  diagnostics(): Diagnostic[] {
    return this.state.diagnostics;
  }

  locate(ref: ObjectRef): SourceLocation | undefined {
    return this.state.locations.get(objectKey(ref));
  }

  onChange(listener: SourceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): SourceStatus {
    return { kind: 'files', location: this.root, synced: this.state.fingerprint !== '', resources: [] };
  }

  create<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    return this.serialised(() => this.writer.create(kind, object));
  }

  replace<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    return this.serialised(() => this.writer.replace(kind, object));
  }

  patch<K extends WritableKind>(kind: K, target: WriteTarget, patch: Record<string, unknown>, options?: WriteOptions): Promise<WritableObject<K>> {
    return this.serialised(() => this.writer.patch<K>(kind, target, patch, options));
  }

  delete(kind: WritableKind, target: WriteTarget, options?: WriteOptions): Promise<void> {
    return this.serialised(() => this.writer.delete(kind, target, options));
  }

  private serialised<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.then(
      () => this.onFileEvent(), // the watcher reports it too; this just does not wait for it
      () => undefined,
    );
    return result;
  }

  /** Resolves once every file event seen so far has been rescanned (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.debounceTimer !== undefined) await new Promise((resolve) => setTimeout(resolve, this.debounceMs));
    await this.rescans.idle();
  }

  private onFileEvent(): void {
    if (this.stopped) return;
    this.firstEventAt ??= performance.now();
    if (this.debounceTimer && performance.now() - this.firstEventAt >= this.maxWaitMs) return; // let it fire
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      const detectedAt = this.firstEventAt ?? performance.now();
      this.debounceTimer = undefined;
      this.firstEventAt = undefined;
      void this.rescans.request(detectedAt);
    }, this.debounceMs);
  }

  private async rescan(detectedAt: number): Promise<void> {
    if (this.stopped) return;
    const scan = await scanManifests(this.root);
    if (this.stopped) return;
    if (scan.readable) {
      await this.ensureWatcherMatchesDirectory();
    } else {
      // Fail static: an unreadable directory must not empty the routing table. Keep the objects, report the problem.
      this.detachWatcher();
      this.startReattaching();
    }
    const built = scan.readable
      ? buildSnapshot(scan.objects)
      : { snapshot: this.state.snapshot, diagnostics: [], locations: this.state.locations };
    const diagnostics = [...scan.diagnostics, ...built.diagnostics];
    const fingerprint = stableJson([built.snapshot, diagnostics, [...built.locations]]);
    if (fingerprint === this.state.fingerprint) return;

    const isFirstLoad = this.state.fingerprint === '';
    this.state = { snapshot: built.snapshot, diagnostics, locations: built.locations, fingerprint };
    this.logger.debug(
      { objects: built.locations.size, diagnostics: diagnostics.length, scanMs: round(performance.now() - detectedAt) },
      'manifests loaded',
    );
    if (!isFirstLoad) for (const listener of this.listeners) listener({ detectedAt });
  }

  private async attachWatcher(): Promise<void> {
    this.detachWatcher();
    const inode = await stat(this.root).then((info) => (info.isDirectory() ? info.ino : undefined), () => undefined);
    if (inode === undefined) {
      this.startReattaching();
      return;
    }
    try {
      this.watcher = watch(this.root, { recursive: true }, () => this.onFileEvent());
      this.watcher.on('error', (error) => {
        this.logger.warn({ err: error }, 'watching the manifests directory failed; reattaching');
        this.detachWatcher();
        this.startReattaching();
        this.onFileEvent();
      });
      this.watchedInode = inode;
      this.stopReattaching();
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot watch the manifests directory yet');
      this.startReattaching();
    }
  }

  private async ensureWatcherMatchesDirectory(): Promise<void> {
    const inode = await stat(this.root).then((info) => info.ino, () => undefined);
    if (this.watcher === undefined || inode !== this.watchedInode) await this.attachWatcher();
  }

  private detachWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedInode = undefined;
  }

  /** Polls for the directory to come back; fs.watch cannot watch a path that does not exist. */
  private startReattaching(): void {
    if (this.reattachTimer || this.stopped) return;
    this.reattachTimer = setInterval(() => {
      void stat(this.root).then(
        async (info) => {
          if (!info.isDirectory() || this.stopped || this.watcher) return;
          await this.attachWatcher();
          this.onFileEvent();
        },
        () => undefined,
      );
    }, this.reattachIntervalMs);
    this.reattachTimer.unref();
  }

  private stopReattaching(): void {
    clearInterval(this.reattachTimer);
    this.reattachTimer = undefined;
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
