/** The most worker processes `--workers` accepts. */
export const MAX_WORKERS = 64;

/**
 * One worker per CPU the process may use (`os.availableParallelism()`: its affinity), capped at MAX_WORKERS so the
 * default never fails the flag's own bound on a large node.
 */
export function defaultWorkerCount(availableCpus: number): number {
  return Math.max(1, Math.min(MAX_WORKERS, Math.floor(availableCpus)));
}
