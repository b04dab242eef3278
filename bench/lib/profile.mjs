// Self time per function from a V8 .cpuprofile: where the proxy's CPU goes, without a flame-graph viewer. Idle
// samples (waiting in epoll) are left out, so percentages are of the time the proxy was actually working.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './portico.mjs';

const NOT_WORK = new Set(['(idle)']);

export function selfTimes(profile) {
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length); // µs per sample
  const byFunction = new Map();
  const byArea = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (NOT_WORK.has(functionName) || !node.hitCount) continue;
    const file = url ? shorten(url) : '';
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    const us = node.hitCount * interval;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byArea.set(area(file, functionName), (byArea.get(area(file, functionName)) ?? 0) + us);
    total += us;
  }
  const ranked = (map) => [...map.entries()].map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total })).sort((a, b) => b.ms - a.ms);
  return { functions: ranked(byFunction), areas: ranked(byArea) };
}

/** A coarse owner for each sample: our code by folder, npm packages by name, Node's modules by name, natives. */
export function area(file, functionName) {
  if (!file) return functionName.startsWith('(') ? functionName : 'native (V8 / libuv / OpenSSL)';
  if (file.startsWith('node:')) return file.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '').replace(/_\w+$/, (m) => m);
  const pkg = /^((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (file.startsWith('apps/') || file.startsWith('libs/')) return file.split('/').slice(0, 4).join('/').replace(/\/dist\//, '/');
  return pkg ? pkg[1] : file;
}

function shorten(url) {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(ROOT) ? relative(ROOT, path).replace(/^node_modules\//, '') : path;
}

export function summariseProfile(dir, count = 25) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const { functions, areas } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  const rows = (list) => list.map((t) => `| ${t.pct.toFixed(1)} | ${t.ms.toFixed(0)} | \`${t.name}\` |`);
  const text = [
    '| self % of busy | self ms | function |', '|---:|---:|---|', ...rows(functions.slice(0, count)),
    '', '| self % of busy | self ms | area |', '|---:|---:|---|', ...rows(areas.slice(0, 15)),
  ].join('\n');
  return { top: functions.slice(0, count), areas: areas.slice(0, 15), text };
}
