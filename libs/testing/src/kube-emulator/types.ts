/** Object metadata as the emulator stores it (plain JSON, timestamps as RFC 3339 strings). */
export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Any Kubernetes object as plain JSON. `apiVersion` and `kind` select the resource. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [key: string]: any;
}

/** One logged HTTP request (`query` is the raw query string without `?`). */
export interface KubeRequestLogEntry {
  method: string;
  path: string;
  query: string;
  userAgent?: string;
}

/** How a watch that asks for a compacted resourceVersion is refused. */
export type GoneWatchMode = 'event' | 'http';

export interface KubeEmulatorOptions {
  /** Port on 127.0.0.1 (default 0: any free port; restart() reuses the port actually bound). */
  port?: number;
  /** Bearer token every request must carry (default: random). */
  token?: string;
  /** Watch refused for a compacted resourceVersion: in-stream ERROR event (code 410) then close ('event', default), or HTTP 410 ('http'). */
  goneWatchMode?: GoneWatchMode;
  /** Number of change events kept for watch replay (default 1000); older resourceVersions become 410 Gone. */
  historySize?: number;
  /** Creating a namespaced object in a namespace that does not exist answers 404, like a real API server (default false). */
  requireNamespaces?: boolean;
  /** Interval of BOOKMARK events on watches that ask for `allowWatchBookmarks` (default 60000 ms). */
  bookmarkIntervalMs?: number;
}

export interface KubeEmulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** https://127.0.0.1:PORT: the same port and API over TLS (self-signed certificate). */
  readonly tlsUrl: string;
  /** Bearer token every request must carry (401 otherwise). */
  readonly token: string;
  /**
   * A kubeconfig for client-node and kubectl: server = tlsUrl with insecure-skip-tls-verify (kubectl sends a token only
   * over TLS), the token, context namespace 'default'. Lives in a temp dir that close() removes.
   */
  readonly kubeconfigPath: string;
  /** Creates like a POST would (uid, creationTimestamp, resourceVersion, generation; watches notified). Unlike a POST, `.status` is kept, so tests can seed it. Throws KubeApiError (409 AlreadyExists, 422 Invalid…). */
  create(obj: KubeObject): KubeObject;
  /** Replaces (spec and status). A set metadata.resourceVersion that is stale throws KubeApiError 409 Conflict; a missing object 404. No-op writes keep the resourceVersion. */
  update(obj: KubeObject): KubeObject;
  /** Creates or replaces, ignoring metadata.resourceVersion. */
  upsert(obj: KubeObject): KubeObject;
  /** Deletes at once (finalizers ignored); false when absent. `namespace` undefined means 'default' for namespaced kinds. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** A copy of the stored object. `namespace` undefined means 'default' for namespaced kinds. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Copies, sorted by namespace then name; `namespace` undefined: all namespaces. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Ends every open watch stream cleanly (EOF): client-node reconnects from its last resourceVersion, without a relist. */
  dropWatches(): void;
  /**
   * Compaction: every resourceVersion handed out so far becomes too old. A watch from one gets 410 (an in-stream ERROR
   * event then close, or HTTP 410 — `mode`, sticky; default from the start options), a list or continue token 410 Expired.
   * Open watches are not touched (combine with dropWatches()). Fresh lists return a valid resourceVersion.
   */
  expireResourceVersions(mode?: GoneWatchMode): void;
  /** Every request answers `status` with a Status body for `durationMs`. Open watches are dropped too, so clients notice when they reconnect. */
  failRequests(status: number, durationMs: number): void;
  /** Stops listening and cuts every connection (clients see a reset), then listens again on the same port; state kept. */
  restart(): Promise<void>;
  /** 403 Forbidden for `verb` (get, list, watch, create, update, patch, delete, deletecollection, or '*') on `resource` ('secrets', 'ingresses/status', 'ingresses.networking.k8s.io', or '*'). */
  forbid(verb: string, resource: string): void;
  /** Lifts a forbid() (same arguments); with no arguments lifts them all. */
  allow(verb?: string, resource?: string): void;
  /** Every request received so far (including refused ones), oldest first. */
  requests(): KubeRequestLogEntry[];
  /** Stops the server, cuts connections and removes the kubeconfig's temp dir. */
  close(): Promise<void>;
}
