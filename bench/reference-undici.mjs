// The best bare Node.js proxy issue 7 names: node:http in front, an undici Pool behind, its dispatch handler
// relaying the response (no routing, no log, no metrics). Usage: node bench/reference-undici.mjs PORT UPSTREAM_PORT
import http from 'node:http';
// A root devDependency, kept for this reference only (the proxy has its own upstream client).
import { Pool } from 'undici';
const [port, upstreamPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 512, pipelining: 1 });

http
  .createServer((req, res) => {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    pool.dispatch(
      { method: req.method, path: req.url, headers: req.headers, body: hasBody ? req : null },
      {
        onRequestStart() {},
        onResponseStart(_controller, status, headers) {
          res.writeHead(status, headers);
        },
        onResponseData(controller, chunk) {
          if (!res.write(chunk)) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError() {
          res.destroy();
        },
      },
    );
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
