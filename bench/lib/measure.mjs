// One cell: one scenario against one proxy for `seconds`, with the proxy's CPU ticks read before and after and its
// RSS sampled while the load runs.
import { join } from 'node:path';
import { run } from './procs.mjs';
import { cpuTicks, cpuUsPer, parseWrk, rssKb } from './stats.mjs';

const CONN_CLIENT = join(import.meta.dirname, '..', 'conn-client.mjs');

export async function measure(scenario, contestant, seconds, loadCpu) {
  const pid = contestant.pid;
  let rss = rssKb(pid);
  const sampler = setInterval(() => (rss = Math.max(rss, rssKb(pid))), 250);
  const before = cpuTicks(pid);
  try {
    const result = await load(scenario, contestant, seconds, loadCpu);
    const ticks = cpuTicks(pid) - before;
    return { ...result, cpuUs: cpuUsPer(ticks, result.requests), cpuPct: (ticks / seconds) * 1, rssMb: rss / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

async function load(scenario, contestant, seconds, loadCpu) {
  if (scenario.tool === 'wrk') {
    const args = ['-t1', `-c${scenario.connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${scenario.host}`, scenario.url(contestant)];
    return parseWrk(await run('wrk', 'wrk', args, { cpu: loadCpu }));
  }
  const args = [CONN_CLIENT, contestant.ports[scenario.port], scenario.servername, scenario.host, scenario.path, scenario.connections, seconds].map(String);
  const out = JSON.parse(await run('conn-client', process.execPath, args, { cpu: loadCpu }));
  return { ...out, rps: out.requests / seconds };
}
