import http from 'node:http';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';

/** What the admin port reports: one process's store and registry, or a cluster primary's view of its workers. */
export interface AdminSource {
  /** `/readyz`: 200 when `ready`, else 503; `body` is sent as JSON either way. */
  readiness(): { ready: boolean; body: unknown };
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<{ contentType: string; text: string }>;
}

/** The admin source of a single-process proxy: ready once its store serves a table. */
export function storeAdminSource(store: ConfigStore, metrics: ProxyMetrics): AdminSource {
  return {
    readiness: () => ({ ready: store.generation !== null, body: { generation: store.generation } }),
    metrics: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
  };
}

/** `/metrics`, `/readyz`, `/healthz` on their own port, kept off the data-plane listener. */
export function createAdminServer(source: AdminSource, logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz': {
        const { ready, body } = source.readiness();
        return send(res, ready ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      case '/metrics':
        source.metrics().then(
          ({ contentType, text }) => send(res, 200, contentType, text),
          (err: Error) => {
            logger.error({ err: err.message }, 'metrics collection failed');
            send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
          },
        );
        return;
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
    }
  });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
