import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuditLog } from './audit/audit-log.js';
import { ApiSettings, LOGGER } from './config/api-settings.js';
import type { ControlPlane } from './control-plane.js';
import { ProxyRegistry } from './delivery/proxy-registry.js';
import { Leadership } from './leader/leadership.js';
import { SourceInfo } from './source-info/source-info.js';
import { ConfigPipeline } from './pipeline/config-pipeline.js';

const CONTROL_PLANE = Symbol('CONTROL_PLANE');

/**
 * Starts the source and the first compile with the app, and stops them after the HTTP server closed. A source that
 * loads in the background (a cluster) does not hold the start: the app serves `/healthz` and a 503 `/readyz` until
 * the first snapshot is in.
 */
@Injectable()
class ControlPlaneLifecycle implements OnModuleInit, OnApplicationShutdown {
  private starting: Promise<void> | undefined;

  constructor(@Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane) {}

  async onModuleInit(): Promise<void> {
    const { pipeline, source, cluster, logger } = this.controlPlane;
    this.starting = pipeline.start();
    cluster?.start(pipeline);
    if (source.loadsInBackground) this.starting.catch((error: unknown) => logger.error({ err: error }, 'starting the source failed'));
    else await this.starting;
  }

  async onApplicationShutdown(): Promise<void> {
    // The leader hands over first (status and Events stop, the Lease is released), then the watches stop.
    await this.controlPlane.cluster?.stop();
    await this.controlPlane.pipeline.stop();
    await this.starting?.catch(() => undefined);
  }
}

/** Makes the control plane's parts injectable everywhere. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CONTROL_PLANE, useValue: controlPlane },
        { provide: ConfigPipeline, useValue: controlPlane.pipeline },
        { provide: ProxyRegistry, useValue: controlPlane.registry },
        { provide: ApiSettings, useValue: controlPlane.settings },
        { provide: LOGGER, useValue: controlPlane.logger },
        { provide: Leadership, useValue: controlPlane.leadership },
        { provide: SourceInfo, useValue: new SourceInfo(controlPlane) },
        { provide: AuditLog, useValue: controlPlane.audit },
        ControlPlaneLifecycle,
      ],
      exports: [AuditLog, ConfigPipeline, ProxyRegistry, ApiSettings, LOGGER, Leadership, SourceInfo],
    };
  }
}
