// A new TLS connection (full handshake, no session resumption) for every request: what wrk cannot do. Run as its
// own process on the load core; prints one JSON line. Usage:
//   node bench/conn-client.mjs PORT SERVERNAME HOST PATH CONCURRENCY SECONDS
import tls from 'node:tls';

const [port, servername, host, path, concurrency, seconds] = process.argv.slice(2);
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
const deadline = performance.now() + Number(seconds) * 1000;
const latencies = [];
let errors = 0;

function once() {
  return new Promise((resolve) => {
    const started = performance.now();
    let head = '';
    // No `session` and no ticket reuse: every connection pays the full handshake, as a new client does. The request
    // is written without ending our side: a TLS close_notify right behind it makes some servers drop the request.
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), servername, rejectUnauthorized: false }, () => socket.write(request));
    socket.on('end', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (head.length < 16) head += chunk.toString('latin1', 0, 16);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (head.startsWith('HTTP/1.1 200')) latencies.push(performance.now() - started);
      else errors++;
      resolve();
    });
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

async function worker() {
  while (performance.now() < deadline) await once();
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? null;
process.stdout.write(JSON.stringify({ requests: latencies.length, errors, p50: at(0.5), p99: at(0.99), seconds: Number(seconds) }) + '\n');
