import { compile } from '@portico/compiler';
import { ApiSettings } from './config/api-settings.js';
import { DEFAULT_PING_INTERVAL_MS, type ApiOptions } from './config/api-options.js';
import { ProxyRegistry } from './delivery/proxy-registry.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ConfigPipeline } from './pipeline/config-pipeline.js';
import type { ConfigSource } from './sources/config-source.js';
import { FileStore } from './sources/file-store/file-store.js';

/** The parts behind the HTTP layer, wired together: source → pipeline → (registry of proxies). */
export interface ControlPlane {
  settings: ApiSettings;
  logger: Logger;
  source: ConfigSource;
  pipeline: ConfigPipeline;
  registry: ProxyRegistry;
}

export function createControlPlane(options: ApiOptions): ControlPlane {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const source = new FileStore({ directory: options.manifests, logger, debounceMs: options.debounceMs });
  const pipeline = new ConfigPipeline({
    source,
    compile: options.compile ?? compile,
    compileOptions: {
      classNames: options.classNames?.length ? options.classNames : ['portico'],
      watchIngressWithoutClass: options.watchIngressWithoutClass ?? false,
      ...(options.controllerName ? { controllerName: options.controllerName } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.settingsConfigMap !== undefined ? { settingsConfigMap: options.settingsConfigMap } : {}),
    },
    logger,
  });
  return {
    settings: new ApiSettings(options.adminToken, options.proxyToken, options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS),
    logger,
    source,
    pipeline,
    registry: new ProxyRegistry(),
  };
}
