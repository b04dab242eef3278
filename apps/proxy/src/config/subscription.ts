import { CONFIG_ACK_PATH, CONFIG_STREAM_PATH, type ProxyAck, type ProxyTrafficReport } from '@portico/model';
import type { Logger } from '../observability/logger.js';
import type { ProxyOptions, ResolvedProxyOptions } from '../options.js';
import { TRAFFIC_REPORT_PATH } from '../observability/traffic-stats.js';
import type { ApplyTarget } from './apply-target.js';
import type { ApplyResult } from './config-store.js';
import { readLines } from './ndjson.js';

export interface SubscriptionOptions {
  apiUrl: string;
  proxyToken: string;
  proxyId: string;
  /** Applies each table; its result is what gets acknowledged. */
  target: ApplyTarget;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A stream that delivers nothing (not even a ping) for this long is considered dead and reopened. */
  idleTimeoutMs?: number;
  ackTimeoutMs?: number;
  /** When set, its snapshot is posted to the API's traffic endpoint every `trafficReportIntervalMs` (default 5000). */
  traffic?: TrafficSource;
  trafficReportIntervalMs?: number;
}

/** The request counts to report: one process's TrafficStats, or the sum over a cluster's workers. */
export interface TrafficSource {
  snapshot(proxyId: string): ProxyTrafficReport | Promise<ProxyTrafficReport>;
}

/**
 * Keeps a config stream open against the API: applies every table it receives, acknowledges each one, and
 * reconnects with exponential backoff when the API is away. The store keeps serving the last good table meanwhile.
 */
export class ConfigSubscription {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private acks: Promise<void> = Promise.resolve();
  private readonly baseUrl: string;
  private trafficTimer: NodeJS.Timeout | undefined;
  private trafficReport: Promise<void> | undefined;
  private trafficUnsupported = false;

  constructor(private readonly options: SubscriptionOptions) {
    this.baseUrl = options.apiUrl.replace(/\/+$/, '');
  }

  start(): void {
    this.loop ??= this.run();
    if (this.options.traffic && !this.trafficTimer) {
      this.trafficTimer = setInterval(() => {
        this.trafficReport ??= this.postTraffic().finally(() => (this.trafficReport = undefined));
      }, this.options.trafficReportIntervalMs ?? 5_000);
      this.trafficTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    clearInterval(this.trafficTimer);
    await this.loop;
    await this.acks;
    await this.trafficReport;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    const minBackoff = this.options.minBackoffMs ?? 100;
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    let backoff = minBackoff;
    while (!this.stopped) {
      try {
        const connected = await this.consumeOnce();
        if (connected) backoff = minBackoff;
        if (!this.stopped) this.options.logger.warn({ apiUrl: this.baseUrl }, 'config stream ended; reconnecting');
      } catch (err) {
        if (this.stopped) break;
        this.options.logger.warn({ apiUrl: this.baseUrl, err: describeError(err), retryInMs: backoff }, 'config stream unavailable');
      }
      if (this.stopped) break;
      // Jitter spreads a fleet of proxies reconnecting after an API restart.
      await sleep(backoff * (0.8 + Math.random() * 0.4), this.stopController.signal);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }

  /** Opens one stream and reads it to the end. Returns whether the API accepted the subscription. */
  private async consumeOnce(): Promise<boolean> {
    const { target, proxyId, proxyToken } = this.options;
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 90_000;
    const connection = new AbortController();
    const onStop = (): void => connection.abort();
    this.stopController.signal.addEventListener('abort', onStop, { once: true });
    let idleTimer = setTimeout(() => connection.abort(new Error('config stream idle')), idleTimeoutMs);
    try {
      const query = new URLSearchParams({ proxyId });
      const generation = target.generation;
      if (generation !== null) query.set('generation', String(generation));
      const response = await fetch(`${this.baseUrl}${CONFIG_STREAM_PATH}?${query}`, {
        headers: { authorization: `Bearer ${proxyToken}`, accept: 'application/x-ndjson' },
        signal: connection.signal,
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`config stream answered HTTP ${response.status}`);
      }
      this.options.logger.info({ apiUrl: this.baseUrl, generation }, 'config stream connected');
      for await (const line of readLines(response.body)) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => connection.abort(new Error('config stream idle')), idleTimeoutMs);
        this.handleLine(line);
      }
      return true;
    } finally {
      clearTimeout(idleTimer);
      this.stopController.signal.removeEventListener('abort', onStop);
      connection.abort();
    }
  }

  private handleLine(line: string): void {
    let message: { type?: unknown; table?: unknown; generation?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.options.logger.warn({ bytes: line.length }, 'config stream sent a line that is not JSON; ignored');
      return;
    }
    if (message?.type === 'ping') return;
    if (message?.type !== 'config') {
      this.options.logger.warn({ type: message?.type }, 'config stream sent an unknown message type; ignored');
      return;
    }
    this.ack(this.options.target.apply(message.table));
  }

  /** Serialized so the API sees acks in apply order; never blocks reading the stream. */
  private ack(applied: ApplyResult | Promise<ApplyResult>): void {
    // Handled below once the acks before it are sent; marked handled now so a failure is not "unhandled" meanwhile.
    if (applied instanceof Promise) applied.catch(() => undefined);
    this.acks = this.acks
      .then(async () => this.postAck(this.ackBody(await applied)))
      .catch((err: Error) => this.options.logger.error({ err: err.message }, 'could not apply or acknowledge a routing table'));
  }

  private ackBody(result: ApplyResult): ProxyAck {
    return {
      proxyId: this.options.proxyId,
      // A table too broken to carry a generation is acked as generation 0 so the API still sees the rejection.
      generation: result.generation ?? 0,
      ok: result.ok,
      applyMs: result.applyMs,
      ...(result.ok ? {} : { error: result.error.slice(0, 2000) }),
    };
  }

  /** One traffic snapshot to the API; nothing is sent while no request was counted in the kept slots. */
  private async postTraffic(): Promise<void> {
    try {
      const report = await this.options.traffic?.snapshot(this.options.proxyId);
      if (!report || report.slots.length === 0 || this.stopped) return;
      const response = await fetch(`${this.baseUrl}${TRAFFIC_REPORT_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.proxyToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.any([AbortSignal.timeout(this.options.ackTimeoutMs ?? 5_000), this.stopController.signal]),
      });
      await response.body?.cancel();
      if (response.status === 404 && !this.trafficUnsupported) {
        // An API older than this proxy: say it once, not every 5 s.
        this.trafficUnsupported = true;
        this.options.logger.info({ apiUrl: this.baseUrl }, 'the API does not take traffic reports; the traffic summary will not include this proxy');
      } else if (!response.ok && response.status !== 404) {
        this.options.logger.warn({ status: response.status }, 'traffic report refused');
      }
    } catch (err) {
      if (!this.stopped) this.options.logger.debug({ err: describeError(err) }, 'traffic report failed');
    }
  }

  private async postAck(body: ProxyAck): Promise<void> {
    try {
      const response = await fetch(`${this.baseUrl}${CONFIG_ACK_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.proxyToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.ackTimeoutMs ?? 5_000),
      });
      await response.body?.cancel();
      if (!response.ok) this.options.logger.warn({ status: response.status, generation: body.generation }, 'config ack refused');
    } catch (err) {
      this.options.logger.warn({ err: describeError(err), generation: body.generation }, 'config ack failed');
    }
  }
}

/** Starts the subscription the options ask for (none without an API URL, which is said in the log). */
export function subscribe(
  opts: ResolvedProxyOptions,
  options: Pick<ProxyOptions, 'reconnect' | 'trafficReportIntervalMs'>,
  { target, traffic, logger }: Pick<SubscriptionOptions, 'target' | 'traffic' | 'logger'>,
): ConfigSubscription | null {
  if (!opts.apiUrl) {
    logger.warn('no API URL configured: serving only saved or initial routing tables');
    return null;
  }
  const subscription = new ConfigSubscription({
    apiUrl: opts.apiUrl,
    proxyToken: opts.proxyToken,
    proxyId: opts.proxyId,
    target,
    logger,
    ...options.reconnect,
    ...(traffic ? { traffic } : {}),
    ...(options.trafficReportIntervalMs !== undefined ? { trafficReportIntervalMs: options.trafficReportIntervalMs } : {}),
  });
  subscription.start();
  return subscription;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** fetch reports "fetch failed" and hides the useful part (ECONNREFUSED, ...) in `cause`. */
function describeError(err: unknown): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  const cause = error.cause;
  return cause ? `${error.message}: ${cause.code ?? cause.message ?? String(cause)}` : error.message;
}
