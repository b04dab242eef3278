import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Diagnostic, RoutingTable } from '@portico/model';
import { LOGGER } from '../config/api-settings.js';
import { ProxyRegistry } from '../delivery/proxy-registry.js';
import { DiagnosticsService } from '../diagnostics/diagnostics.service.js';
import type { Logger } from '../logging/logger.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import type { ConfigSource } from '../sources/config-source.js';
import { diffDiagnostics, formatSse, LiveEventHub } from './live-events.js';

/** Injection token of the config source (an interface). */
export const LIVE_SOURCE = Symbol('LIVE_SOURCE');

/** Tunables of the event stream; an injectable value. */
export class LiveEventsSettings {
  constructor(
    readonly heartbeatMs = 15_000,
    /** A client whose unsent bytes exceed this is cut off (it reconnects with Last-Event-ID). */
    readonly maxBufferedBytes = 1024 * 1024,
    readonly replayCapacity = 256,
    /** What browsers wait before reconnecting (`retry:`). */
    readonly retryMs = 3000,
  ) {}
}

/** Turns pipeline, registry and source happenings into numbered events, and serves them as Server-Sent Events. */
@Injectable()
export class LiveEventsService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  readonly hub: LiveEventHub;
  private readonly logger: Logger;
  private readonly unsubscribes: Array<() => void> = [];
  private readonly openStreams = new Set<Response>();
  private diagnostics = new Map<string, Diagnostic>();

  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly registry: ProxyRegistry,
    private readonly diagnosticsService: DiagnosticsService,
    private readonly settings: LiveEventsSettings,
    @Inject(LIVE_SOURCE) private readonly source: ConfigSource,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.hub = new LiveEventHub(settings.replayCapacity);
    this.logger = logger.child({ component: 'live-events' });
  }

  onModuleInit(): void {
    this.unsubscribes.push(
      this.pipeline.onTable((table) => this.hub.emit('generation', tableCounts(table))),
      this.pipeline.onCompiled(() => this.compareDiagnostics()),
      this.source.onChange(() => this.hub.emit('object-changed', { source: this.source.status?.().kind ?? 'files' })),
      this.registry.onEvent(({ type, ...data }) => this.hub.emit(type, data)),
    );
    // What is already raised when the API starts is the baseline, not news.
    this.diagnostics = diffDiagnostics(new Map(), this.diagnosticsService.all()).next;
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  beforeApplicationShutdown(): void {
    for (const response of this.openStreams) response.end();
  }

  /** Takes over the response until the client goes away. `lastEventId`: replay what the ring holds after it. */
  openStream(request: Request, response: Response, lastEventId: number | undefined): void {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);

    const write = (chunk: string): void => {
      if (response.writableEnded || response.destroyed) return;
      if (response.writableLength > this.settings.maxBufferedBytes) {
        this.logger.warn({ remoteAddress: request.socket.remoteAddress }, 'event stream client is not reading; closing it');
        response.destroy();
        return;
      }
      response.write(chunk);
    };

    write(`retry: ${this.settings.retryMs}\n: connected, last event id ${this.hub.lastId}\n\n`);
    if (lastEventId !== undefined) for (const event of this.hub.since(lastEventId)) write(formatSse(event));
    const unsubscribe = this.hub.subscribe((event) => write(formatSse(event)));
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.settings.heartbeatMs);
    this.openStreams.add(response);
    response.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.openStreams.delete(response);
    });
  }

  /** Also called by readers that change what DiagnosticsService computes (e.g. the clock moving a certificate). */
  compareDiagnostics(): void {
    const { raised, cleared, next } = diffDiagnostics(this.diagnostics, this.diagnosticsService.all());
    this.diagnostics = next;
    const generation = this.pipeline.generation();
    for (const diagnostic of cleared) this.hub.emit('diagnostic-cleared', { generation, diagnostic });
    for (const diagnostic of raised) this.hub.emit('diagnostic-raised', { generation, diagnostic });
  }
}

function tableCounts(table: RoutingTable): Record<string, unknown> {
  return {
    generation: table.generation,
    virtualHosts: table.virtualHosts.length,
    routes: table.virtualHosts.reduce((sum, host) => sum + host.routes.length, 0),
    clusters: table.clusters.length,
    certificates: table.certificates.length,
  };
}
