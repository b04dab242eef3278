import type { ProxyTrafficReport } from '@portico/model';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ApplyResult } from '../config/config-store.js';
import type { PemPair } from '../tls/default-certificate.js';

/**
 * The IPC protocol between the primary and its workers (`--workers N`). Every request carries a `seq` that the
 * worker's reply repeats; `shutdown` has no reply (the worker drains and exits).
 */
export type WorkerRequest =
  /** Apply `table` (null: none yet), then listen on the ports; answered with a StartReply once listening. */
  | { type: 'start'; seq: number; table: unknown; certificate: PemPair; httpPort: number; httpsPort: number }
  /** Apply a table; answered with its ApplyResult. */
  | { type: 'apply'; seq: number; table: unknown }
  /** This worker's metrics (`getMetricsAsJSON`) or traffic report. */
  | { type: 'collect'; seq: number; what: 'metrics' | 'traffic' };

export type ToWorker = WorkerRequest | { type: 'shutdown' };

export interface StartReply {
  result: ApplyResult | null;
  httpPort: number;
  httpsPort: number;
}

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What each request is answered with. */
export interface Replies {
  start: StartReply;
  apply: ApplyResult;
  collect: MetricsJson | ProxyTrafficReport;
}

export type FromWorker =
  /** Sent once the worker listens for messages: the primary may start it. */
  | { type: 'booted' }
  | { type: 'reply'; seq: number; value: unknown };
