// The floor Portico is compared with besides nginx and HAProxy: the plainest node:http reverse proxy (one
// keep-alive agent, pipe both ways, no routing, no log, no metrics), what issue 7 calls `node:http` with a
// keep-alive agent. Usage: node bench/reference-proxy.mjs PORT UPSTREAM_PORT
import http from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

http
  .createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (response) => {
      res.writeHead(response.statusCode, response.headers);
      response.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
