import { compile, type CompileOptions } from '@portico/compiler';
import { ClusterRuntime } from './cluster/cluster-runtime.js';
import { ApiSettings } from './config/api-settings.js';
import { DEFAULT_PING_INTERVAL_MS, type ApiOptions } from './config/api-options.js';
import { ProxyRegistry } from './delivery/proxy-registry.js';
import { Leadership } from './leader/leadership.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ConfigPipeline } from './pipeline/config-pipeline.js';
import { AuditLog } from './audit/audit-log.js';
import type { CompileFunction } from './pipeline/config-pipeline.js';
import type { ConfigSource, WritableSource } from './sources/config-source.js';
import { FileStore } from './sources/file-store/file-store.js';
import { withVisibleWrites } from './sources/visible-writes.js';

/** The parts behind the HTTP layer, wired together: source → pipeline → (registry of proxies). */
export interface ControlPlane {
  settings: ApiSettings;
  logger: Logger;
  source: ConfigSource;
  pipeline: ConfigPipeline;
  registry: ProxyRegistry;
  leadership: Leadership;
  /** Set with the Kubernetes source: the writer, leader election, Ingress status and Events. */
  cluster?: ClusterRuntime;
  /** Where the admin API writes: the file store itself, or the cluster's writer. */
  writer: WritableSource;
  /** Every change made through the admin API. */
  audit: AuditLog;
  /** The compiler and its options as the pipeline uses them, to check a candidate object before it is written. */
  compile: CompileFunction;
  compileOptions: Partial<CompileOptions>;
  /** `CertificateExpiring` warns this many days ahead (default 21). */
  certExpiryWarningDays?: number;
}

export function createControlPlane(options: ApiOptions): ControlPlane {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const compileOptions: Partial<CompileOptions> = {
    classNames: options.classNames?.length ? options.classNames : ['portico'],
    watchIngressWithoutClass: options.watchIngressWithoutClass ?? false,
    ...(options.controllerName ? { controllerName: options.controllerName } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.settingsConfigMap !== undefined ? { settingsConfigMap: options.settingsConfigMap } : {}),
  };
  const sources = [options.manifests !== undefined, options.kubeconfig !== undefined, options.inCluster === true].filter(Boolean).length;
  if (sources !== 1) throw new Error('exactly one source is needed: manifests (a directory), kubeconfig (a file) or inCluster');
  let cluster: ClusterRuntime | undefined;
  let source: ConfigSource;
  let writer: WritableSource;
  if (options.manifests !== undefined) {
    const clusterOnly = (['publishService', 'publishAddress', 'electionNamespace', 'watchNamespaces'] as const).filter((key) => options[key] !== undefined);
    if (clusterOnly.length) throw new Error(`${clusterOnly.join(', ')} need the Kubernetes source (kubeconfig or inCluster), not manifests`);
    const store = new FileStore({ directory: options.manifests, logger, debounceMs: options.debounceMs });
    source = store;
    writer = store;
  } else {
    cluster = new ClusterRuntime({
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      compileOptions,
      logger,
      ...pick(options, ['watchNamespaces', 'publishService', 'publishAddress', 'electionNamespace', 'leaseDurationMs', 'eventPatchIntervalMs']),
    });
    source = cluster.source;
    writer = cluster.writer;
  }
  const pipeline = new ConfigPipeline({ source, compile: options.compile ?? compile, compileOptions, logger });
  return {
    settings: new ApiSettings(options.adminToken, options.proxyToken, options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, options.viewerToken ?? null),
    logger,
    source,
    pipeline,
    registry: new ProxyRegistry(),
    leadership: new Leadership(cluster?.elector),
    ...(cluster ? { cluster } : {}),
    writer: withVisibleWrites(writer, source),
    audit: new AuditLog(logger),
    compile: options.compile ?? compile,
    compileOptions,
    ...(options.certExpiryWarningDays !== undefined ? { certExpiryWarningDays: options.certExpiryWarningDays } : {}),
  };
}

/** The given keys whose value is set (exactOptionalPropertyTypes-friendly). */
function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key];
  return picked;
}
