import type { TlsControllerSettings } from '@portico/compiler';
import type { LevelWithSilent } from 'pino';
import type { Logger } from '../logging/logger.js';
import type { CompileFunction } from '../pipeline/config-pipeline.js';

/** What `startApi` and the CLI accept. */
export interface ApiOptions {
  /** Directory of Kubernetes manifests (the file store). Exactly one of `manifests`, `kubeconfig`, `inCluster`. */
  manifests?: string;
  /** A kubeconfig file: list and watch that cluster (the Kubernetes source). */
  kubeconfig?: string;
  /** The Kubernetes source with the pod's service account (`KUBERNETES_SERVICE_HOST` and the mounted token). */
  inCluster?: boolean;
  /** Kubernetes source only: watch only these namespaces (default: all). */
  watchNamespaces?: string[];
  /** Kubernetes source only: `namespace/name` of the Service whose address goes into owned Ingresses' status. */
  publishService?: string;
  /** Kubernetes source only: IPs and/or host names (comma-separated, or a list) for owned Ingresses' status. */
  publishAddress?: string | string[];
  /** Kubernetes source only: namespace of the `portico-leader` Lease (default: the pod's, else the kubeconfig context's, else `default`). */
  electionNamespace?: string;
  /** Kubernetes source only: leader Lease duration; default 15 000 ms (tests use less). */
  leaseDurationMs?: number;
  /** Kubernetes source only: least time between two updates of one Event; default 60 000 ms (tests use less). */
  eventPatchIntervalMs?: number;
  /** Admin HTTP port; 0 picks a free one. Default 9090. */
  port?: number;
  /** Address to listen on. Default `0.0.0.0`. */
  bind?: string;
  /** Bearer token for `/api/v1/*` admin endpoints. */
  adminToken: string;
  /** Read-only bearer token for `/api/v1/*` (the dashboard's viewer role). */
  viewerToken?: string;
  /** Bearer token proxies present on the config stream and ack endpoints. */
  proxyToken: string;
  /** Ingress class names Portico claims. Default `['portico']`. */
  classNames?: string[];
  /** Also take Ingresses that name no class. */
  watchIngressWithoutClass?: boolean;
  /** The controller's TLS switches (flags); the settings ConfigMap overrides them live. Default: TLS on, the rest off. */
  tls?: TlsControllerSettings;
  /** `namespace/name` of the settings ConfigMap; null: none. Default `default/portico-settings`. */
  settingsConfigMap?: string | null;
  /** `IngressClass.spec.controller` value that is ours; default from @portico/compiler. */
  controllerName?: string;
  /** Built web app to serve at `/`; default `apps/web/dist`. Served only if it exists; `null` turns it off. */
  webDir?: string | null;
  /** Default `info`. Ignored when `logger` is given. */
  logLevel?: LevelWithSilent;
  logger?: Logger;
  /** Keep-alive message interval on config streams. Default 15 000 ms. */
  pingIntervalMs?: number;
  /** File store quiet time before a rescan. Default 25 ms. */
  debounceMs?: number;
  /** `CertificateExpiring` diagnostics for certificates expiring within this many days. Default 21. */
  certExpiryWarningDays?: number;
  /** Replaces the compiler (tests). */
  compile?: CompileFunction;
}

export interface ApiHandle {
  port: number;
  /** `http://host:port`, with 127.0.0.1 when bound to all interfaces. */
  url: string;
  /** The routing table generation currently published (0 before the first). */
  generation(): number;
  close(): Promise<void>;
}

export const DEFAULT_ADMIN_PORT = 9090;
export const DEFAULT_BIND = '0.0.0.0';
export const DEFAULT_PING_INTERVAL_MS = 15_000;
