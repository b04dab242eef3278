import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_BIND, type ApiHandle, type ApiOptions } from './config/api-options.js';
import { createControlPlane, type ControlPlane } from './control-plane.js';
import { MAX_BODY_BYTES } from './errors/body-limits.js';
import { ProblemDetailsFilter } from './errors/problem-details.filter.js';
import { NestPinoLogger } from './logging/nest-logger.js';
import { setUpSwagger } from './openapi/openapi-document.js';
import { DEFAULT_WEB_DIR, serveWebApp } from './web/web-app.js';

export interface CreatedApp {
  app: NestExpressApplication;
  controlPlane: ControlPlane;
}

/** Builds the Nest application; the source is loaded and the first table compiled by `app.init()`/`listen()`. */
export async function createApp(options: ApiOptions): Promise<CreatedApp> {
  const controlPlane = createControlPlane(options);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(controlPlane), {
    logger: new NestPinoLogger(controlPlane.logger),
    // Keep-alive sockets would otherwise hold close() until they time out.
    forceCloseConnections: true,
  });
  app.disable('x-powered-by');
  // Admin writes carry whole objects (an Ingress, a TLS Secret): up to 1 MiB, and merge patches are JSON too.
  app.useBodyParser('json', { limit: MAX_BODY_BYTES, type: ['application/json', 'application/merge-patch+json', 'application/*+json'] });
  app.useGlobalFilters(new ProblemDetailsFilter(controlPlane.logger));
  setUpSwagger(app);
  const webDir = options.webDir === undefined ? DEFAULT_WEB_DIR : options.webDir;
  if (webDir !== null && serveWebApp(app, webDir)) controlPlane.logger.info({ webDir }, 'serving the web app');
  return { app, controlPlane };
}

/** Starts the admin API; e2e tests run it in-process with `port: 0, bind: '127.0.0.1'`. */
export async function startApi(options: ApiOptions): Promise<ApiHandle> {
  const { app, controlPlane } = await createApp(options);
  const bind = options.bind ?? DEFAULT_BIND;
  await app.listen(options.port ?? DEFAULT_ADMIN_PORT, bind);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const url = `http://${host}:${port}`;
  controlPlane.logger.info({ url, generation: controlPlane.pipeline.generation() }, 'admin API listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    generation: () => controlPlane.pipeline.generation(),
    close: () => (closing ??= app.close()),
  };
}
