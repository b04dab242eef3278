import { watch } from 'node:fs';
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
import { ManifestCache } from './manifest-cache.js';
import { unreadableDirectory } from './manifest-scanner.js';
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
  /** How often to read the whole directory even without events, so no missed event is missed for long. */
  fullRescanIntervalMs?: number;
  /** Watches the directory (recursive fs.watch by default); tests pass one that drops or blurs events. */
  watchDirectory?: WatchDirectory;
}

/** A watcher reports the changed path relative to the directory, or undefined when it cannot say which. */
export type WatchDirectory = (directory: string, onEvent: (file: string | undefined) => void) => DirectoryWatcher;
export interface DirectoryWatcher {
  close(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const watchRecursively: WatchDirectory = (directory, onEvent) =>
  watch(directory, { recursive: true }, (_event, file) => onEvent(file ?? undefined));

interface LoadedState {
  snapshot: ClusterSnapshot;
  diagnostics: Diagnostic[];
  locations: Map<string, SourceLocation>;
  fingerprint: string;
}

/**
 * A config source backed by a directory of Kubernetes manifests. A file event re-reads only the file it names, so a
 * change costs the same in a directory of ten files or of ten thousand. The whole directory is read again (parsing
 * only files whose bytes changed) on the first load, for an event without a file name, a directory, a dotted name
 * (editors' temp files, a ConfigMap volume's `..data` swap), a directory replaced under us, and every
 * `fullRescanIntervalMs`: fs.watch is not perfect (overflowing inotify queues, network filesystems), and the
 * store's correctness must not depend on it.
 */
export class FileStore implements ConfigSource, WritableSource {
  private readonly root: string;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly reattachIntervalMs: number;
  private readonly fullRescanIntervalMs: number;
  private readonly logger: Logger;
  private readonly listeners = new Set<SourceChangeListener>();
  private readonly rescans: CoalescingRunner;
  private state: LoadedState = { snapshot: emptySnapshot(), diagnostics: [], locations: new Map(), fingerprint: '' };
  private readonly watchDirectory: WatchDirectory;
  private watcher: DirectoryWatcher | undefined;
  /** The directory's inode when the watcher was attached: a directory replaced under us needs a new watcher. */
  private watchedInode: number | undefined;
  private reattachTimer: NodeJS.Timeout | undefined;
  private fullRescanTimer: NodeJS.Timeout | undefined;
  private readonly manifests: ManifestCache;
  /** What the next rescan must look at: the paths events named since the last one, or everything. */
  private pendingPaths = new Set<string>();
  private pendingFullRescan = true;
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
    this.fullRescanIntervalMs = options.fullRescanIntervalMs ?? 30_000;
    this.manifests = new ManifestCache(this.root);
    this.watchDirectory = options.watchDirectory ?? watchRecursively;
    this.logger = options.logger.child({ component: 'file-store' });
    this.rescans = new CoalescingRunner(
      (detectedAt) => this.rescan(detectedAt),
      (error) => this.logger.error({ err: error }, 'manifest rescan failed'),
    );
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.attachWatcher();
    this.pendingFullRescan = true;
    await this.rescans.request(performance.now());
    this.fullRescanTimer = setInterval(() => {
      this.pendingFullRescan = true;
      void this.rescans.request(performance.now());
    }, this.fullRescanIntervalMs);
    this.fullRescanTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    clearInterval(this.fullRescanTimer);
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

  /** `file`: the path relative to the root that the event named; without it, everything is read again. */
  private onFileEvent(file?: string): void {
    if (this.stopped) return;
    if (file === undefined) this.pendingFullRescan = true;
    else this.pendingPaths.add(file.split(path.sep).join('/'));
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
    const paths = this.pendingPaths;
    let full = this.pendingFullRescan;
    this.pendingPaths = new Set();
    this.pendingFullRescan = false;
    if (!(await this.watcherMatchesDirectory())) {
      // A new or replaced directory: watch it before reading it, so nothing written meanwhile goes unnoticed.
      await this.attachWatcher();
      full = true;
    }
    if (!full) full = !(await this.manifests.refresh(paths));
    const failure = full ? await this.manifests.rescan().then(() => undefined, (error: unknown) => error ?? 'unknown') : undefined;
    if (this.stopped) return;

    let next: LoadedState;
    if (failure === undefined) {
      const contents = this.manifests.contents();
      if (contents.fingerprint === this.state.fingerprint) return;
      const built = buildSnapshot(contents.objects);
      next = { ...built, diagnostics: [...contents.diagnostics, ...built.diagnostics], fingerprint: contents.fingerprint };
    } else {
      // Fail static: an unreadable directory must not empty the routing table. Keep the objects, report the problem.
      this.detachWatcher();
      this.startReattaching();
      if (this.state.fingerprint.startsWith(UNREADABLE)) return;
      next = { ...this.state, diagnostics: [unreadableDirectory(failure)], fingerprint: `${UNREADABLE}${this.state.fingerprint}` };
    }

    const isFirstLoad = this.state.fingerprint === '';
    this.state = next;
    this.logger.debug(
      { objects: next.locations.size, diagnostics: next.diagnostics.length, full, scanMs: round(performance.now() - detectedAt) },
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
      this.watcher = this.watchDirectory(this.root, (file) => this.onFileEvent(file));
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

  private async watcherMatchesDirectory(): Promise<boolean> {
    const inode = await stat(this.root).then((info) => info.ino, () => undefined);
    return this.watcher !== undefined && inode === this.watchedInode;
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

/** Marks the state kept while the directory cannot be read, so repeated failed reads do not count as changes. */
const UNREADABLE = 'unreadable\0';
