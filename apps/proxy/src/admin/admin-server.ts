import http from 'node:http';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';

/** `/metrics`, `/readyz`, `/healthz` on their own port, kept off the data-plane listener. */
export function createAdminServer(store: ConfigStore, metrics: ProxyMetrics, logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz': {
        const generation = store.generation;
        return send(res, generation === null ? 503 : 200, 'application/json', JSON.stringify({ generation }));
      }
      case '/metrics':
        metrics.registry.metrics().then(
          (text) => send(res, 200, metrics.registry.contentType, text),
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
