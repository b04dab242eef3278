import type { ClusterSnapshot, Diagnostic, ObjectRef } from '@portico/model';

/** Where an object was declared, for diagnostics a person can act on. */
export interface SourceLocation {
  /** Relative to the source's root (a file store's manifests directory). */
  file: string;
  line?: number;
}

export interface SourceChange {
  /**
   * `performance.now()` when the first change of this batch was noticed. Propagation time (change → applied by a
   * proxy) is measured from here, so a source must take it before any debounce or rescan.
   */
  detectedAt: number;
}

export type SourceChangeListener = (change: SourceChange) => void;

/**
 * A provider of Kubernetes objects: the file store now, a Kubernetes watch later. The pipeline only sees this
 * interface, so a new source is a new implementation and nothing else.
 */
export interface ConfigSource {
  /** Loads the first snapshot; resolves once `snapshot()` reflects the source. */
  start(): Promise<void>;
  stop(): Promise<void> | void;
  snapshot(): ClusterSnapshot;
  /** The source's own load problems (unparsable files, objects without a name, duplicates …). */
  diagnostics(): Diagnostic[];
  locate(ref: ObjectRef): SourceLocation | undefined;
  /** Called after the snapshot (or the source's diagnostics) changed. Returns an unsubscribe function. */
  onChange(listener: SourceChangeListener): () => void;
}
