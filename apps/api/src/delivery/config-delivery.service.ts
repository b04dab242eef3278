import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import type { ProxyAck, StreamMessage } from '@portico/model';
import { ApiSettings, LOGGER } from '../config/api-settings.js';
import type { Logger } from '../logging/logger.js';
import type { AckResult } from '../openapi/api-schemas.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { ProxyRegistry } from './proxy-registry.js';

/** A proxy that stops reading is cut off instead of making the API buffer tables for it without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** Streams routing tables to proxies and records what they applied. */
@Injectable()
export class ConfigDelivery implements BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly openStreams = new Set<Response>();

  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly registry: ProxyRegistry,
    private readonly settings: ApiSettings,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'delivery' });
  }

  /** Takes over the response: NDJSON messages until the proxy disconnects or the API shuts down. */
  openStream(proxyId: string, request: Request, response: Response): void {
    response.status(200);
    response.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.flushHeaders();
    request.socket.setNoDelay(true);

    const send = (message: StreamMessage): void => {
      if (response.writableEnded || response.destroyed) return;
      if (response.writableLength > MAX_BUFFERED_BYTES) {
        this.logger.warn({ proxyId }, 'proxy is not reading its config stream; closing it');
        response.destroy();
        return;
      }
      response.write(`${JSON.stringify(message)}\n`);
    };

    // Register before the first table goes out, so a fast ack finds the proxy.
    const disconnect = this.registry.connect(proxyId, request.socket.remoteAddress);
    this.openStreams.add(response);
    this.logger.info({ proxyId, remoteAddress: request.socket.remoteAddress }, 'proxy connected');

    const current = this.pipeline.currentTable();
    if (current) send({ type: 'config', table: current });
    const unsubscribe = this.pipeline.onTable((table) => send({ type: 'config', table }));
    const ping = setInterval(() => send({ type: 'ping', generation: this.pipeline.generation() }), this.settings.pingIntervalMs);

    response.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      disconnect();
      this.openStreams.delete(response);
      this.logger.info({ proxyId }, 'proxy disconnected');
    });
  }

  recordAck(ack: ProxyAck): AckResult {
    const receivedAt = performance.now();
    const detectedAt = this.pipeline.changeDetectedAt(ack.generation);
    const propagationMs = detectedAt === undefined ? undefined : Math.round((receivedAt - detectedAt) * 100) / 100;
    const outcome = this.registry.recordAck(ack, propagationMs);
    const fields = { proxyId: ack.proxyId, generation: ack.generation, applyMs: ack.applyMs, propagationMs };
    if (!outcome.recorded) {
      this.logger.warn(fields, 'ack from a proxy without an open config stream; ignored');
    } else if (!ack.ok) {
      this.logger.warn({ ...fields, error: ack.error }, `generation ${ack.generation} rejected by proxy ${ack.proxyId}`);
    } else {
      const after = propagationMs === undefined ? '' : ` in ${propagationMs} ms after the change`;
      this.logger.info(fields, `generation ${ack.generation} applied by proxy ${ack.proxyId}${after}`);
    }
    return { recorded: outcome.recorded, propagationMs: propagationMs ?? null };
  }

  /** Ends the streams so the HTTP server can close; proxies reconnect to the next API instance. */
  beforeApplicationShutdown(): void {
    for (const response of this.openStreams) response.end();
  }
}
