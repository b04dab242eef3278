import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, parseAllDocuments, stringify, type Document } from 'yaml';
import type { KubeObject, SecretObject } from '@portico/model';
import type { WritableKind, WritableObject, WriteOptions, WriteTarget } from '../config-source.js';
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError } from '../write-errors.js';
import { isPlainObject } from './manifest-parser.js';
import { scanManifests } from './manifest-scanner.js';
import { buildSnapshot, fileResourceVersion, objectKey } from './snapshot-builder.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

const API_VERSION: Record<WritableKind, string> = { Ingress: 'networking.k8s.io/v1', Secret: 'v1', ConfigMap: 'v1' };

/** Fields the store computes or a cluster would own; never written to a manifest. */
const SERVER_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'] as const;

/**
 * Writes objects into a manifests directory for the admin API. The directory stays the source of truth: every write
 * reads the current files first (not the last scan, which may lag), checks the caller's resourceVersion against the
 * object as declared, changes only the text of that object's YAML document (the file's other documents keep their
 * bytes), and replaces the file atomically (temp file + rename). The store's watcher then reloads as for any edit.
 */
export class ManifestWriter {
  constructor(private readonly root: string) {}

  async create<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    const at = targetOf(object);
    const body = prepare(kind, object, at);
    if (kind === 'Secret') requireTlsType(body as SecretObject, at, true);
    const current = await this.find(kind, at);
    if (current) throw new AlreadyExistsError(`${kind} ${at.namespace}/${at.name} already exists (in ${current.file})`, 409, 'AlreadyExists');
    const file = `${at.namespace}/${kind.toLowerCase()}-${at.name}.yaml`;
    const full = this.resolve(file);
    const existing = await readFile(full, 'utf8').catch(() => undefined);
    const text = stringify(body);
    const next = existing === undefined || existing.trim() === '' ? text : `${existing}${existing.endsWith('\n') ? '' : '\n'}---\n${text}`;
    await atomicWrite(full, next);
    return stored(body);
  }

  async replace<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    const at = targetOf(object);
    const resourceVersion = object.metadata?.resourceVersion;
    if (!resourceVersion) {
      throw new InvalidObjectError(`a replace of ${kind} ${at.namespace}/${at.name} needs metadata.resourceVersion (the version it was read at)`, 422, 'Invalid');
    }
    const body = prepare(kind, object, at);
    if (kind === 'Secret') requireTlsType(body as SecretObject, at, false);
    const current = await this.require(kind, at, resourceVersion);
    if (kind === 'Secret') requireTlsType(current.object as SecretObject, at, false);
    await this.rewrite(current, body);
    return stored(body);
  }

  async patch<K extends WritableKind>(kind: K, at: WriteTarget, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<WritableObject<K>> {
    const patchVersion = isPlainObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string' ? patch.metadata.resourceVersion : undefined;
    const current = await this.require(kind, at, options.resourceVersion ?? patchVersion);
    if (kind === 'Secret') requireTlsType(current.object as SecretObject, at, false);
    const merged = mergePatch(current.object, patch) as KubeObject;
    if (merged.metadata?.name !== at.name || (merged.metadata?.namespace ?? 'default') !== at.namespace || merged.kind !== kind) {
      throw new InvalidObjectError(`a patch cannot change the kind, name or namespace of ${kind} ${at.namespace}/${at.name}`, 422, 'Invalid');
    }
    const body = prepare(kind, merged as WritableObject<K>, at);
    if (kind === 'Secret') requireTlsType(body as SecretObject, at, false);
    await this.rewrite(current, body);
    return stored(body);
  }

  async delete(kind: WritableKind, at: WriteTarget, options: WriteOptions = {}): Promise<void> {
    const current = await this.require(kind, at, options.resourceVersion);
    if (kind === 'Secret') requireTlsType(current.object as SecretObject, at, false);
    const { text, document } = current;
    const [start, , end] = document.range;
    const rest = text.slice(0, start) + text.slice(end);
    const full = this.resolve(current.file);
    const remaining = parseAllDocuments(rest);
    const empty = Array.isArray(remaining) && remaining.every((d) => d.contents === null || d.contents === undefined);
    if (empty) await rm(full, { force: true });
    else await atomicWrite(full, rest);
  }

  private async require(kind: WritableKind, at: WriteTarget, resourceVersion: string | undefined): Promise<Located> {
    const current = await this.find(kind, at);
    if (!current) throw new NotFoundError(`${kind} ${at.namespace}/${at.name} not found`, 404, 'NotFound');
    if (resourceVersion !== undefined && resourceVersion !== current.version) {
      throw new ConflictError(
        `the object has been modified; ${kind} ${at.namespace}/${at.name} is at resourceVersion ${current.version}, not ${resourceVersion}: read it again and apply your changes to the latest version`,
        409,
        'Conflict',
      );
    }
    return current;
  }

  /** The object as the store would load it now, and the YAML document that declares it. */
  private async find(kind: WritableKind, at: WriteTarget): Promise<Located | undefined> {
    const scan = await scanManifests(this.root);
    const built = buildSnapshot(scan.objects);
    const location = built.locations.get(objectKey({ kind, namespace: at.namespace, name: at.name }));
    if (!location) return undefined;
    const text = await readFile(this.resolve(location.file), 'utf8');
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length || !isMap(document.contents)) continue;
      const value = document.toJS({ maxAliasCount: 100 }) as unknown;
      if (!isPlainObject(value)) continue;
      const object = value as KubeObject;
      if (object.kind !== kind || object.metadata?.name !== at.name || (object.metadata?.namespace ?? 'default') !== at.namespace) continue;
      const normalised = { ...object, metadata: { ...object.metadata, namespace: at.namespace } };
      return { file: location.file, text, document, object: normalised, version: fileResourceVersion(normalised) };
    }
    // Declared inside a List document (or the file changed under us): not something to rewrite in place.
    throw new InvalidObjectError(`${kind} ${at.namespace}/${at.name} is declared inside a List in ${location.file}; edit that file instead`, 422, 'Invalid');
  }

  /** Replaces the text of one document's contents, leaving every other byte of the file as it was. */
  private async rewrite(current: Located, body: KubeObject): Promise<void> {
    const contents = current.document.contents!;
    const [start, end] = contents.range!;
    let replacement = stringify(body);
    if (!current.text.slice(start, end).endsWith('\n') && current.text.slice(end) !== '') replacement = replacement.replace(/\n$/, '');
    await atomicWrite(this.resolve(current.file), current.text.slice(0, start) + replacement + current.text.slice(end));
  }

  private resolve(file: string): string {
    const full = path.resolve(this.root, file);
    if (!full.startsWith(this.root + path.sep)) throw new InvalidObjectError(`${file} is outside the manifests directory`, 422, 'Invalid');
    return full;
  }
}

interface Located {
  file: string;
  text: string;
  document: Document.Parsed;
  object: KubeObject;
  version: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function targetOf(object: KubeObject): WriteTarget {
  const name = object.metadata?.name;
  const namespace = object.metadata?.namespace ?? 'default';
  if (!name) throw new InvalidObjectError('metadata.name is required', 422, 'Invalid');
  // Names become file names: hold them to Kubernetes' rules so nothing can escape the directory.
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new InvalidObjectError(`metadata.name ${JSON.stringify(name)} is not a valid DNS subdomain`, 422, 'Invalid');
  if (!DNS_SUBDOMAIN.test(namespace) || namespace.includes('.') || namespace.length > 63) {
    throw new InvalidObjectError(`metadata.namespace ${JSON.stringify(namespace)} is not a valid DNS label`, 422, 'Invalid');
  }
  return { namespace, name };
}

/** The object as written to the file: type meta set, namespace explicit, fields the store computes dropped. */
function prepare<K extends WritableKind>(kind: K, object: WritableObject<K>, at: WriteTarget): WritableObject<K> {
  const metadata: Record<string, unknown> = { ...object.metadata, name: at.name, namespace: at.namespace };
  for (const key of SERVER_METADATA) delete metadata[key];
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = object;
  return { apiVersion: API_VERSION[kind], kind, metadata, ...rest } as unknown as WritableObject<K>;
}

/** What a read returns for what was just written: the same object with the version the store will compute. */
function stored<T extends KubeObject>(body: T): T {
  return { ...body, metadata: { ...body.metadata, resourceVersion: fileResourceVersion(body) } };
}

function requireTlsType(secret: SecretObject, at: WriteTarget, defaultIt: boolean): void {
  if (secret.type === undefined && defaultIt) secret.type = TLS_SECRET_TYPE;
  if (secret.type !== TLS_SECRET_TYPE) {
    throw new InvalidObjectError(`Secret ${at.namespace}/${at.name} is not of type ${TLS_SECRET_TYPE}; only TLS Secrets can be written here`, 422, 'Invalid');
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

async function atomicWrite(full: string, text: string): Promise<void> {
  await mkdir(path.dirname(full), { recursive: true });
  // A dot-name: the scanner skips it, so a half-written file is never loaded.
  const temp = path.join(path.dirname(full), `.${path.basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, full);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
