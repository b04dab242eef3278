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
    files = await listManifestFiles(root, root, 0);
  } catch (error) {
    result.readable = false;
    result.diagnostics.push({
      severity: 'error',
      code: 'ManifestsDirectoryUnreadable',
      message: `the manifests directory cannot be read (${errorCode(error)}); the objects loaded before are kept`,
      file: '.',
    });
    return result;
  }

  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const file of files) {
    const text = await readManifestText(path.join(root, file), file, result.diagnostics);
    if (text === undefined) continue;
    const parsed = parseManifest(text, file);
    result.objects.push(...parsed.objects);
    result.diagnostics.push(...parsed.diagnostics);
  }
  return result;
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

async function readManifestText(full: string, file: string, diagnostics: Diagnostic[]): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    const info = await stat(full);
    if (info.size > MAX_MANIFEST_BYTES) {
      diagnostics.push(readProblem(file, `the file is ${info.size} bytes; manifests larger than ${MAX_MANIFEST_BYTES} bytes are not read`));
      return undefined;
    }
    bytes = await readFile(full);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined; // deleted between listing and reading
    diagnostics.push(readProblem(file, `the file cannot be read (${errorCode(error)})`));
    return undefined;
  }
  if (bytes.subarray(0, 8192).includes(0)) {
    diagnostics.push(readProblem(file, 'the file is binary, not YAML'));
    return undefined;
  }
  return bytes.toString('utf8');
}

const readProblem = (file: string, message: string): Diagnostic => ({
  severity: 'error',
  code: 'ManifestReadError',
  message,
  file,
  line: 1,
});

const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
