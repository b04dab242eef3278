import type { ClusterSnapshot, ConfigMapObject, Diagnostic, IngressObject, ObjectRef, SecretObject } from '@portico/model';

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
  /**
   * True when `start()` may wait indefinitely (a cluster that cannot be reached yet): the application then serves
   * `/healthz`, and a 503 `/readyz`, while it waits. A file store loads at once and leaves this unset.
   */
  readonly loadsInBackground?: boolean;
  /** Loads the first snapshot; resolves once `snapshot()` reflects the source (or once `stop()` was called). */
  start(): Promise<void>;
  stop(): Promise<void> | void;
  snapshot(): ClusterSnapshot;
  /** The source's own load problems (unparsable files, objects without a name, duplicates …). */
  diagnostics(): Diagnostic[];
  locate(ref: ObjectRef): SourceLocation | undefined;
  /**
   * Called after the snapshot (or the source's diagnostics) changed. Never before `start()` has resolved, so the
   * pipeline never compiles a partial first snapshot. Returns an unsubscribe function.
   */
  onChange(listener: SourceChangeListener): () => void;
  /** What the source is connected to and how it is doing, for `GET /api/v1/source`; nothing secret. */
  status?(): SourceStatus;
}

export interface SourceStatus {
  kind: 'files' | 'kubernetes';
  /** The manifests directory, or the API server's URL. */
  location: string;
  /** Every watched resource has completed its first load. */
  synced: boolean;
  resources: Array<{ resource: string; namespace: string | null; synced: boolean; objects: number; error: string | null }>;
  /** Secrets held with their data (referenced by an owned Ingress or the settings) and those seen but not kept. */
  secrets?: { kept: number; ignored: number };
}

/** Kinds a writable source accepts; Secrets only of type `kubernetes.io/tls`; ConfigMaps for the settings ConfigMap. */
export type WritableKind = 'Ingress' | 'Secret' | 'ConfigMap';
export type WritableObject<K extends WritableKind> = K extends 'Ingress' ? IngressObject : K extends 'Secret' ? SecretObject : ConfigMapObject;

export interface WriteTarget {
  namespace: string;
  name: string;
}

export interface WriteOptions {
  /** Refuse (ConflictError) unless the stored object still has this resourceVersion. */
  resourceVersion?: string;
}

/**
 * A source the admin API can change. Every write is optimistic: a replace sends the resourceVersion it read, and a
 * stale one fails with a `ConflictError` (from `write-errors.ts`) instead of overwriting someone else's change.
 * Failures are `SourceRequestError` subclasses. A successful write reaches the pipeline through the source's normal
 * change notification, like any other change.
 */
export interface WritableSource {
  create<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>>;
  /** The object must carry `metadata.resourceVersion` (the version it was read at). */
  replace<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>>;
  /** JSON merge patch (RFC 7386): `null` removes a field; lists are replaced whole. */
  patch<K extends WritableKind>(kind: K, target: WriteTarget, patch: Record<string, unknown>, options?: WriteOptions): Promise<WritableObject<K>>;
  delete(kind: WritableKind, target: WriteTarget, options?: WriteOptions): Promise<void>;
}
