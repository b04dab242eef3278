import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RoutingTableSchema, type RoutingTable } from '@portico/model';
import type { Logger } from '../observability/logger.js';

export const LAST_GOOD_FILE = 'last-good.json';

/** Reads the last applied table; a missing or corrupt file is "nothing saved" (the API will send a fresh one). */
export async function loadLastGood(stateDir: string): Promise<{ table: RoutingTable } | { table: null; reason: string }> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, LAST_GOOD_FILE), 'utf8');
  } catch (err) {
    return { table: null, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no saved table' : (err as Error).message };
  }
  try {
    const parsed = RoutingTableSchema.safeParse(JSON.parse(text));
    return parsed.success ? { table: parsed.data } : { table: null, reason: `saved table is invalid: ${parsed.error.message}` };
  } catch (err) {
    return { table: null, reason: `saved table is not JSON: ${(err as Error).message}` };
  }
}

/** Temp file + rename, so a crash mid-write never leaves a truncated table behind. */
export async function saveLastGood(stateDir: string, table: RoutingTable): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const target = path.join(stateDir, LAST_GOOD_FILE);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, JSON.stringify(table));
  await rename(temp, target);
}

/** The saved table to serve at start, if there is one that loads; says which (or why none) in the log. */
export async function readSavedTable(stateDir: string | null, logger: Logger): Promise<RoutingTable | null> {
  if (!stateDir) return null;
  const saved = await loadLastGood(stateDir);
  if (saved.table) logger.info({ generation: saved.table.generation }, 'serving last good routing table from disk');
  else logger.info({ stateDir, reason: saved.reason }, 'no saved routing table');
  return saved.table;
}

/** Saves tables off the caller's path, one write at a time, so writes land in order and an older table never wins. */
export class LastGoodWriter {
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string | null,
    private readonly logger: Logger,
  ) {}

  save(table: RoutingTable): void {
    const { stateDir } = this;
    if (!stateDir) return;
    this.persisting = this.persisting
      .then(() => saveLastGood(stateDir, table))
      .catch((err: Error) => this.logger.warn({ err: err.message, stateDir }, 'could not save last good routing table'));
  }

  /** Resolves once every table saved so far has been written (tests, shutdown). */
  flush(): Promise<void> {
    return this.persisting;
  }
}
