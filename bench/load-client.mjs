// A bounded load: a fixed request rate over a few keep-alive connections, counting every request that does not
// answer 200. Runs until SECONDS pass or SIGTERM, then prints one JSON line. Usage:
//   node bench/load-client.mjs PORT HOST PATH RATE SECONDS
import http from 'node:http';

const [port, host, path, rate, seconds] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let requests = 0;
let failed = 0;
let inFlight = 0;
const statuses = {};

function one() {
  inFlight++;
  const req = http.get({ host: '127.0.0.1', port: Number(port), path, headers: { host }, agent }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode !== 200) failed++;
    res.resume();
    res.on('end', () => {
      requests++;
      inFlight--;
    });
  });
  req.on('error', (err) => {
    statuses[err.code ?? 'error'] = (statuses[err.code ?? 'error'] ?? 0) + 1;
    failed++;
    requests++;
    inFlight--;
  });
}

// Ticks of 10 ms, each sending its share: the rate holds without one timer per request.
const perTick = Number(rate) / 100;
let owed = 0;
const ticker = setInterval(() => {
  owed += perTick;
  for (; owed >= 1; owed--) one();
}, 10);

function finish() {
  clearInterval(ticker);
  const wait = setInterval(() => {
    if (inFlight > 0) return;
    clearInterval(wait);
    process.stdout.write(JSON.stringify({ requests, failed, statuses }) + '\n');
    agent.destroy();
    process.exit(0);
  }, 20);
}
setTimeout(finish, Number(seconds) * 1000);
process.once('SIGTERM', finish);
