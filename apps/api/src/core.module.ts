import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ApiSettings, LOGGER } from './config/api-settings.js';
import type { ControlPlane } from './control-plane.js';
import { ProxyRegistry } from './delivery/proxy-registry.js';
import { ConfigPipeline } from './pipeline/config-pipeline.js';

const CONTROL_PLANE = Symbol('CONTROL_PLANE');

/** Starts the source and the first compile with the app, and stops them after the HTTP server closed. */
@Injectable()
class ControlPlaneLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane) {}

  async onModuleInit(): Promise<void> {
    await this.controlPlane.pipeline.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.controlPlane.pipeline.stop();
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
        ControlPlaneLifecycle,
      ],
      exports: [ConfigPipeline, ProxyRegistry, ApiSettings, LOGGER],
    };
  }
}
