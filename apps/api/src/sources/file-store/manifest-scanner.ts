import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '@portico/model';
import { parseManifest, type LocatedObject } from './manifest-parser.js';

/** Larger files are refused rather than parsed: manifests are small, and a huge file is a mistake or an attack. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const MAX_DEPTH = 32;
const MANIFEST_FILE = /\.ya?ml$/i;

export interface ScanResult {
  /** False when the directory itself could not be read; the caller then keeps what it had. */
  readable: boolean;
  /** In precedence order: files sorted by relative path, then document order. */
  objects: LocatedObject[];
  diagnostics: Diagnostic[];
}

/**
 * Reads every `*.yaml`/`*.yml` file under a directory. Entries starting with `.` are skipped: editors' swap files,
 * and the `..data` / `..2024_…` copies that a Kubernetes ConfigMap volume keeps next to its symlinks (reading them
 * would load each object twice). Files that vanish during the scan are simply absent from it.
 */
export async function scanManifests(root: string): Promise<ScanResult> {
  const result: ScanResult = { readable: true, objects: [], diagnostics: [] };
  let files: string[];
  try {
    files = await listManifests(root);
  } catch (error) {
    result.readable = false;
    result.diagnostics.push(unreadableDirectory(error));
    return result;
  }

  for (const file of files) {
    const read = await readManifest(root, file);
    if (read.kind === 'missing') continue;
    if (read.kind === 'problem') {
      result.diagnostics.push(read.diagnostic);
      continue;
    }
    const parsed = parseManifest(read.bytes.toString('utf8'), file);
    result.objects.push(...parsed.objects);
    result.diagnostics.push(...parsed.diagnostics);
  }
  return result;
}

/** Every manifest file under `root`, sorted (precedence order); throws only when `root` itself cannot be read. */
export async function listManifests(root: string): Promise<string[]> {
  const files = await listManifestFiles(root, root, 0);
  return files.sort(byPath);
}

/** Precedence order of files: by relative path, code unit by code unit (the same on every platform and locale). */
export const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Whether a relative path (`/`-separated) is one the full scan would read by its name: a `*.yaml`/`*.yml` file, no
 * part of it starting with `.`, not deeper than the scan goes. Whether it is a file is for the caller to check.
 */
export function isManifestPath(file: string): boolean {
  const parts = file.split('/');
  return parts.length - 1 <= MAX_DEPTH && MANIFEST_FILE.test(parts.at(-1) ?? '') && parts.every((part) => part !== '' && !part.startsWith('.'));
}

/** Relative paths with `/` separators, whatever the platform, so diagnostics read the same everywhere. */
async function listManifestFiles(root: string, directory: string, depth: number): Promise<string[]> {
  // Only the root's own read errors propagate; a subdirectory removed mid-scan is just skipped.
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDirectory && depth < MAX_DEPTH) {
      files.push(...(await listManifestFiles(root, full, depth + 1).catch(() => [])));
    } else if (isFile && MANIFEST_FILE.test(entry.name)) {
      files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  }
  return files;
}

export type ManifestRead = { kind: 'bytes'; bytes: Buffer } | { kind: 'missing' } | { kind: 'problem'; diagnostic: Diagnostic };

/** One manifest's bytes, or why there are none: `missing` when it was deleted (or never existed). */
export async function readManifest(root: string, file: string): Promise<ManifestRead> {
  let bytes: Buffer;
  try {
    const info = await stat(path.join(root, file));
    if (!info.isFile()) return { kind: 'missing' };
    if (info.size > MAX_MANIFEST_BYTES) {
      return problem(file, `the file is ${info.size} bytes; manifests larger than ${MAX_MANIFEST_BYTES} bytes are not read`);
    }
    bytes = await readFile(path.join(root, file));
  } catch (error) {
    if (isGone(error)) return { kind: 'missing' }; // deleted meanwhile
    return problem(file, `the file cannot be read (${errorCode(error)})`);
  }
  if (bytes.subarray(0, 8192).includes(0)) return problem(file, 'the file is binary, not YAML');
  return { kind: 'bytes', bytes };
}

const problem = (file: string, message: string): ManifestRead => ({ kind: 'problem', diagnostic: readProblem(file, message) });

export const unreadableDirectory = (error: unknown): Diagnostic => ({
  severity: 'error',
  code: 'ManifestsDirectoryUnreadable',
  message: `the manifests directory cannot be read (${errorCode(error)}); the objects loaded before are kept`,
  file: '.',
});

const readProblem = (file: string, message: string): Diagnostic => ({
  severity: 'error',
  code: 'ManifestReadError',
  message,
  file,
  line: 1,
});

/** The path does not exist (any more): deleted, or a parent directory is gone or is a file. */
export const isGone = (error: unknown): boolean => errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';

const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
