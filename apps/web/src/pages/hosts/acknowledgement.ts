import type { paths } from '../../api/schema.gen.js';

export type ProxyList = paths['/api/v1/proxies']['get']['responses'][200]['content']['application/json'];

export interface Acknowledgement {
  /** The generation the change produced. */
  generation: number;
  applied: number;
  connected: number;
  /** The slowest acknowledging proxy's time from the change to its ack; null until one reports it. */
  slowestMs: number | null;
  done: boolean;
}

/**
 * How far a change has reached the proxies: `generation` is the one that carries it (the write's answer names it). A
 * proxy at that generation or a later one has it.
 */
export function acknowledgement(list: ProxyList, generation: number): Acknowledgement {
  const connected = list.proxies.filter((p) => p.connected);
  const applied = connected.filter((p) => p.appliedGeneration !== null && p.appliedGeneration >= generation);
  const times = applied.map((p) => p.propagationMs).filter((ms): ms is number => ms !== null);
  return {
    generation,
    applied: applied.length,
    connected: connected.length,
    slowestMs: times.length ? Math.max(...times) : null,
    done: connected.length > 0 && applied.length === connected.length,
  };
}

/** "applied by 1/1 proxies in 12 ms" */
export function describeAcknowledgement(ack: Acknowledgement): string {
  const time = ack.slowestMs === null ? '' : ` in ${formatMs(ack.slowestMs)}`;
  if (ack.connected === 0) return `generation ${ack.generation}: no proxy connected to apply it`;
  return `generation ${ack.generation} applied by ${ack.applied}/${ack.connected} ${ack.connected === 1 ? 'proxy' : 'proxies'}${ack.done ? time : ' so far'}`;
}

export const formatMs = (ms: number) => (ms < 10 ? `${ms.toFixed(1)} ms` : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
