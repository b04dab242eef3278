// Pure parsing and arithmetic (covered by bench/smoke.mjs), plus the two /proc reads the measurements rest on.
import { readFileSync } from 'node:fs';

export const CLK_TCK = 100; // USER_HZ: 100 on every Linux the bench targets (getconf CLK_TCK)

/** utime + stime of the whole process (all threads), in clock ticks, from a /proc/<pid>/stat line. */
export function parseCpuTicks(statLine) {
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5), counted from 1 with pid and comm
}

export function parseRssKb(statusText) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(statusText);
  return m ? Number(m[1]) : 0;
}

export const cpuTicks = (pid) => parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
export const rssKb = (pid) => parseRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));

const UNITS = { us: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** `1.23ms`, `850.00us`, `2.01s` → milliseconds. */
export function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  return Number(m[1]) * UNITS[m[2]];
}

/** The numbers the bench needs from `wrk --latency` output. */
export function parseWrk(out) {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  if (!Number.isFinite(requests) || !Number.isFinite(rps)) throw new Error(`unreadable wrk output:\n${out}`);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? parseDurationMs(m[1]) : NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { requests, rps, p50: pct(50), p99: pct(99), errors };
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The middle value; for an even count the mean of the two middle ones (two rounds give their mean, not the lower). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A 95% bootstrap interval for the median of `values`: `resamples` resamplings with replacement, drawn from a seeded
 * generator so the same values always give the same interval.
 */
export function medianInterval(values, resamples = 10_000, seed = 12345) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const medians = [];
  for (let i = 0; i < resamples; i++) medians.push(median(values.map(() => values[Math.floor(random() * values.length)])));
  medians.sort((a, b) => a - b);
  return [percentile(medians, 2.5), percentile(medians, 97.5)];
}

/**
 * Per-round ratios `proxy ÷ reference` of one scenario's cells (a --json report): each round's two proxies ran back
 * to back, so a round's ratio cancels the machine's slow spells that a ratio of medians keeps.
 */
export function pairedRatios(cells, scenario, proxy, reference, field) {
  const of = (name) => new Map(cells.filter((c) => c.scenario === scenario && c.proxy === name).map((c) => [c.round, c[field]]));
  const mine = of(proxy);
  const ratios = [];
  for (const [round, value] of of(reference)) if (mine.has(round)) ratios.push(mine.get(round) / value);
  return ratios;
}

/** CPU microseconds per unit of work from a tick delta. */
export const cpuUsPer = (ticks, units) => (units > 0 ? (ticks * 1e6) / CLK_TCK / units : NaN);
