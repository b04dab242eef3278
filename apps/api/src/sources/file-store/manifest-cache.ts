import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Diagnostic } from '@portico/model';
import { stableJson } from '../../shared/stable-json.js';
import { parseManifest, type LocatedObject } from './manifest-parser.js';
import { byPath, isGone, isManifestPath, listManifests, readManifest } from './manifest-scanner.js';

interface CachedFile {
  /** Hash of the bytes last read: the same bytes are not parsed again. Undefined when the file could not be read. */
  digest: string | undefined;
  objects: LocatedObject[];
  diagnostics: Diagnostic[];
  /** Of what the file contributes (objects with their lines, diagnostics), so a comment edit changes nothing. */
  fingerprint: string;
}

export interface CachedManifests {
  /** In precedence order: files sorted by relative path, then document order. */
  objects: LocatedObject[];
  diagnostics: Diagnostic[];
  /** Equal fingerprints mean equal objects, lines and diagnostics: the snapshot built from them is the same. */
  fingerprint: string;
}

/**
 * What every manifest file under a directory holds, kept between scans so that the cost of a change is the cost of
 * the files that changed: `refresh` re-reads only the files a watcher named, and even a full `rescan` parses only
 * files whose bytes changed. Anything a targeted refresh cannot settle by itself (a directory, a dotted name such as
 * a ConfigMap volume's `..data` swap, a vanished directory) makes it ask for a full rescan instead.
 */
export class ManifestCache {
  private readonly files = new Map<string, CachedFile>();

  constructor(private readonly root: string) {}

  /**
   * Reads the whole directory again. Throws when the directory itself cannot be read; the cache is then unchanged,
   * so the caller can keep serving what it had.
   */
  async rescan(): Promise<void> {
    const listed = await listManifests(this.root);
    const present = new Set(listed);
    for (const file of this.files.keys()) if (!present.has(file)) this.files.delete(file);
    for (const file of listed) await this.reload(file);
  }

  /**
   * Re-reads the named paths (relative, `/`-separated, as fs.watch names them). Returns false, having changed
   * nothing that a full rescan would not also change, when one of them needs a full rescan.
   */
  async refresh(paths: Iterable<string>): Promise<boolean> {
    for (const file of paths) {
      if (file.split('/').some((part) => part.startsWith('.'))) return false; // swap files, `..data` symlink swaps
      const info = await stat(`${this.root}/${file}`).catch((error: Error) => (isGone(error) ? undefined : error));
      if (info instanceof Error) return false; // EACCES and the like: the full scan tells an unreadable directory apart
      if (info?.isDirectory()) return false; // a directory created, moved in or renamed: its files went unnamed
      if (info === undefined && this.hasFilesUnder(file)) return false; // a directory deleted or moved away
      if (isManifestPath(file)) await this.reload(file);
    }
    return true;
  }

  /** The objects and diagnostics of every file, in precedence order. */
  contents(): CachedManifests {
    const result: CachedManifests = { objects: [], diagnostics: [], fingerprint: '' };
    const fingerprints: string[] = [];
    for (const file of [...this.files.keys()].sort(byPath)) {
      const cached = this.files.get(file) as CachedFile;
      result.objects.push(...cached.objects);
      result.diagnostics.push(...cached.diagnostics);
      fingerprints.push(file, cached.fingerprint);
    }
    // Never empty, even for an empty directory: the store's empty fingerprint means "not loaded yet".
    result.fingerprint = ['manifests', ...fingerprints].join('\0');
    return result;
  }

  private async reload(file: string): Promise<void> {
    const read = await readManifest(this.root, file);
    if (read.kind === 'missing') {
      this.files.delete(file);
      return;
    }
    if (read.kind === 'problem') {
      this.files.set(file, { digest: undefined, objects: [], diagnostics: [read.diagnostic], fingerprint: stableJson(read.diagnostic) });
      return;
    }
    const digest = createHash('sha256').update(read.bytes).digest('base64');
    if (this.files.get(file)?.digest === digest) return;
    const parsed = parseManifest(read.bytes.toString('utf8'), file);
    this.files.set(file, { digest, ...parsed, fingerprint: stableJson([parsed.objects, parsed.diagnostics]) });
  }

  private hasFilesUnder(directory: string): boolean {
    const prefix = `${directory}/`;
    for (const file of this.files.keys()) if (file.startsWith(prefix)) return true;
    return false;
  }
}
