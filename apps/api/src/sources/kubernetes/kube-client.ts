import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, PatchStrategy, RequestContext } from '@kubernetes/client-node';
import type { KubeObject } from '@portico/model';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidObjectError,
  NotFoundError,
  SourceRequestError,
  SourceUnavailableError,
} from '../write-errors.js';

const LIST_TIMEOUT_MS = 120_000;

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface KubeConnection {
  /** `--kubeconfig PATH`; otherwise the in-cluster service account. */
  kubeconfig?: string;
}

/** Loads the kubeconfig file, or the pod's service account (`KUBERNETES_SERVICE_HOST` and the mounted token). */
export function loadKubeConfig(connection: KubeConnection): KubeConfig {
  const config = new KubeConfig();
  if (connection.kubeconfig) config.loadFromFile(connection.kubeconfig);
  else if (!process.env.KUBERNETES_SERVICE_HOST) throw new Error('not in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set): give a kubeconfig');
  else config.loadFromCluster();
  if (!config.getCurrentCluster()) throw new Error(`the kubeconfig ${connection.kubeconfig ?? '(in-cluster)'} has no current cluster`);
  return config;
}

/** The current context's namespace: in a pod, the service account's namespace; else the kubeconfig's; else undefined. */
export function contextNamespace(config: KubeConfig): string | undefined {
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace?.trim();
  return namespace || undefined;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Default: the client's (30 s); lists get 2 minutes, since a large cluster's first list is big. */
  timeoutMs?: number;
}

/**
 * Raw JSON requests to the API server, authenticated and TLS-configured by client-node's own `KubeConfig` and sent
 * with its HTTP library (the same path its generated clients and its `Watch` take).
 *
 * Why not the generated clients: they deserialise into their model classes, which turns timestamps into `Date`s
 * (the compiler orders Ingresses by the string `creationTimestamp`, and watch events carry strings) and drops fields
 * the client's schema does not know, so a read-modify-replace through them could silently remove such fields. Raw
 * JSON keeps list items, watch events and writes in one shape, the wire's.
 */
export class KubeClient {
  private readonly http = new IsomorphicFetchHttpLibrary();

  constructor(
    readonly config: KubeConfig,
    /** Per request; a watch is not a request of this client. */
    private readonly timeoutMs = 30_000,
  ) {}

  /** The API server's URL (for logs and the source status; carries no credential). */
  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '(none)';
  }

  get<T = KubeObject>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.GET, path, options);
  }

  list<T = KubeObject>(path: string, options: RequestOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>(HttpMethod.GET, path, { timeoutMs: LIST_TIMEOUT_MS, ...options }).then((list) => ({ ...list, items: list.items ?? [] }));
  }

  create<T = KubeObject>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.POST, path, { ...options, body });
  }

  replace<T = KubeObject>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.PUT, path, { ...options, body });
  }

  /** JSON merge patch, with its media type said explicitly (client-node's own default is JSON Patch). */
  mergePatch<T = KubeObject>(path: string, patch: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.PATCH, path, { ...options, body: patch, contentType: PatchStrategy.MergePatch });
  }

  async delete(path: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void> {
    const body = preconditions ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } : undefined;
    await this.request<unknown>(HttpMethod.DELETE, path, body ? { body } : {});
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new SourceUnavailableError('the kubeconfig has no current cluster', 503, 'NoCluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const context = new RequestContext(url.toString(), method);
    context.setHeaderParam('Accept', 'application/json');
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      context.setBody(JSON.stringify(options.body));
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    context.setSignal(options.signal ? AbortSignal.any([options.signal, timeout]) : timeout);
    const what = `${method} ${path}`;
    let status: number;
    let text: string;
    try {
      await this.config.applySecurityAuthentication(context);
      const response = await this.http.send(context).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new SourceUnavailableError(`${what}: ${describeNetworkError(error)}`, 503, 'Unreachable');
    }
    const body = parseJson(text);
    if (status >= 200 && status < 300) return body as T;
    throw errorFor(status, body, what);
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A failed request as a typed error carrying the server's `Status.message`. */
export function errorFor(status: number, body: unknown, what: string): SourceRequestError {
  const statusObject = body && typeof body === 'object' ? (body as { message?: unknown; reason?: unknown }) : {};
  const reason = typeof statusObject.reason === 'string' && statusObject.reason ? statusObject.reason : `HTTP${status}`;
  const message = typeof statusObject.message === 'string' && statusObject.message ? statusObject.message : `${what}: HTTP ${status}`;
  if (status === 409) return reason === 'AlreadyExists' ? new AlreadyExistsError(message, status, reason) : new ConflictError(message, status, reason);
  if (status === 404) return new NotFoundError(message, status, reason);
  if (status === 400 || status === 422) return new InvalidObjectError(message, status, reason);
  if (status === 401 || status === 403) return new ForbiddenError(message, status, reason);
  if (status === 429 || status >= 500) return new SourceUnavailableError(message, status, reason);
  return new SourceRequestError(message, status, reason);
}

export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
  return `${error.message}${detail}`;
}

/** Short text for an informer's or a request's failure, for logs and the `KubernetesUnavailable` diagnostic. */
export function describeError(error: unknown): string {
  if (error instanceof SourceRequestError) return error.message;
  if (error instanceof Error) {
    const status = (error as { statusCode?: number }).statusCode;
    return status ? `HTTP ${status} ${error.message}` : describeNetworkError(error);
  }
  return String(error);
}
