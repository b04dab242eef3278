// Per scenario and proxy: medians over the rounds, and ratios to nginx from the same run.
import { median } from './stats.mjs';

export function summarise(cells) {
  const groups = new Map();
  for (const cell of cells) {
    const key = `${cell.scenario}\u0000${cell.proxy}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(cell);
  }
  const rows = [...groups.values()].map((g) => ({
    scenario: g[0].scenario,
    proxy: g[0].proxy,
    rps: median(g.map((c) => c.rps)),
    p50: median(g.map((c) => c.p50)),
    p99: median(g.map((c) => c.p99)),
    cpuUs: median(g.map((c) => c.cpuUs)),
    rssMb: Math.max(...g.map((c) => c.rssMb)),
    errors: g.reduce((a, c) => a + c.errors, 0),
  }));
  for (const row of rows) {
    const nginx = rows.find((r) => r.scenario === row.scenario && r.proxy === 'nginx');
    row.rpsRatio = nginx ? row.rps / nginx.rps : NaN;
    row.cpuRatio = nginx ? row.cpuUs / nginx.cpuUs : NaN;
    row.p99Ratio = nginx ? row.p99 / nginx.p99 : NaN;
  }
  return rows;
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** A Markdown table: readable in a terminal and pasted as is into bench/README.md. */
export function table(rows) {
  const head = '| scenario | proxy | req/s | p50 ms | p99 ms | CPU µs/req | RSS MB | errors | req/s ÷ nginx | CPU/req ÷ nginx | p99 ÷ nginx |';
  const lines = rows.map((r) =>
    `| ${r.scenario} | ${r.proxy} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUs, 1)} | ${fmt(r.rssMb)} | ${r.errors} | ${fmt(r.rpsRatio, 2)} | ${fmt(r.cpuRatio, 2)} | ${fmt(r.p99Ratio, 2)} |`,
  );
  return [head, head.replace(/[^|]+/g, '---'), ...lines].join('\n');
}
