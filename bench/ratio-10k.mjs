// Does a table of 10,000 Ingresses slow the proxy down? Reads a --json report of the 10k-ingresses scenario run over
// many rounds and prints the per-round ratio portico-10k ÷ portico (req/s, and CPU per request): its median and a 95%
// bootstrap interval for that median. Usage (bench/README.md, "10,000 Ingresses"):
//   npm run bench -- --only 10k-ingresses --rounds 40 --duration 2 --skip-propagation --json /tmp/10k.json
//   node bench/ratio-10k.mjs /tmp/10k.json
import { readFileSync } from 'node:fs';
import { median, medianInterval, pairedRatios } from './lib/stats.mjs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [label, field] of [['req/s', 'rps'], ['CPU µs per request', 'cpuUs']]) {
  const ratios = pairedRatios(report.cells, '10k-ingresses', 'portico-10k', 'portico', field);
  if (ratios.length === 0) throw new Error('no rounds with both portico and portico-10k in this report');
  const [low, high] = medianInterval(ratios);
  console.log(
    `${label}, portico-10k ÷ portico over ${ratios.length} rounds: median ${median(ratios).toFixed(3)}, ` +
      `95% interval of the median ${low.toFixed(3)}–${high.toFixed(3)}, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
  );
}
