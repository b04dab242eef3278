import { createHash } from 'node:crypto';
import { emptySnapshot, formatRef, type ClusterSnapshot, type Diagnostic, type KubeObject, type ObjectRef } from '@portico/model';
import { stableJson } from '../../shared/stable-json.js';
import type { SourceLocation } from '../config-source.js';
import type { LocatedObject } from './manifest-parser.js';

/** Kinds the compiler reads, and where each goes in the snapshot. */
const SNAPSHOT_FIELD = {
  IngressClass: 'ingressClasses',
  Ingress: 'ingresses',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
} as const satisfies Record<string, keyof ClusterSnapshot>;
type KnownKind = keyof typeof SNAPSHOT_FIELD;

const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['IngressClass']);

export interface BuiltSnapshot {
  snapshot: ClusterSnapshot;
  diagnostics: Diagnostic[];
  /** Keyed by {@link objectKey}. */
  locations: Map<string, SourceLocation>;
}

/** Identity of an object: cluster-scoped kinds ignore the namespace, since a reference may carry a defaulted one. */
export function objectKey(ref: ObjectRef): string {
  const namespace = CLUSTER_SCOPED_KINDS.has(ref.kind) ? '' : (ref.namespace ?? 'default');
  return `${ref.kind}/${namespace}/${ref.name}`;
}

/**
 * Sorts objects into a snapshot. Objects must arrive in precedence order (files sorted, then document order): on a
 * duplicate kind/namespace/name the first one wins and the later one gets a diagnostic.
 */
export function buildSnapshot(objects: readonly LocatedObject[]): BuiltSnapshot {
  const built: BuiltSnapshot = { snapshot: emptySnapshot(), diagnostics: [], locations: new Map() };

  for (const { object, file, line } of objects) {
    const problem = missingIdentity(object);
    if (problem) {
      built.diagnostics.push({ severity: 'error', code: 'InvalidObject', file, line, ...problem });
      continue;
    }
    const kind = object.kind as string;
    if (!isKnownKind(kind)) {
      built.diagnostics.push({
        severity: 'info',
        code: 'IgnoredKind',
        message: `${kind} ${object.metadata?.name} is ignored: Portico reads only ${Object.keys(SNAPSHOT_FIELD).join(', ')}`,
        file,
        line,
      });
      continue;
    }
    const normalised = withResourceVersion(object, withDefaultNamespace(kind, object));
    const ref = refFor(kind, normalised);
    const key = objectKey(ref);
    const kept = built.locations.get(key);
    if (kept) {
      built.diagnostics.push({
        severity: 'error',
        code: 'DuplicateObject',
        message: `${formatRef(ref)} is also declared at ${kept.file}:${kept.line}; that one is used and this one ignored`,
        object: ref,
        file,
        line,
      });
      continue;
    }
    built.locations.set(key, { file, line });
    (built.snapshot[SNAPSHOT_FIELD[kind]] as KubeObject[]).push(normalised);
  }
  return built;
}

function missingIdentity(object: KubeObject): Pick<Diagnostic, 'message' | 'field'> | undefined {
  if (typeof object.kind !== 'string' || object.kind === '') {
    return { message: 'the object has no kind', field: 'kind' };
  }
  const metadata = object.metadata as unknown;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { message: `the ${object.kind} has no metadata (a mapping with at least a name)`, field: 'metadata' };
  }
  const { name, namespace } = metadata as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') {
    return { message: `the ${object.kind} has no metadata.name`, field: 'metadata.name' };
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    return { message: `${object.kind} ${name}: metadata.namespace must be a non-empty string`, field: 'metadata.namespace' };
  }
  return undefined;
}

const isKnownKind = (kind: string): kind is KnownKind => Object.hasOwn(SNAPSHOT_FIELD, kind);

function withDefaultNamespace(kind: string, object: KubeObject): KubeObject {
  if (CLUSTER_SCOPED_KINDS.has(kind) || object.metadata?.namespace) return object;
  return { ...object, metadata: { ...object.metadata, namespace: 'default' } };
}

/**
 * The file store's optimistic-concurrency token: a hash of the object as declared (namespace defaulted, any
 * resourceVersion in the file ignored). Any edit of the object — through the API or in the file — changes it.
 */
export function fileResourceVersion(object: KubeObject): string {
  const { resourceVersion: _ignored, ...metadata } = object.metadata ?? {};
  return createHash('sha256').update(stableJson({ ...object, metadata })).digest('hex').slice(0, 16);
}

/**
 * Versions of objects already hashed. The file store hands in the same object for as long as its file's bytes do not
 * change, so a rebuild after one file changed hashes only that file's objects.
 */
const versions = new WeakMap<KubeObject, string>();

/** `declared` as read from its file (the cache key), `object` the same with its namespace defaulted. */
function withResourceVersion(declared: KubeObject, object: KubeObject): KubeObject {
  let resourceVersion = versions.get(declared);
  if (resourceVersion === undefined) versions.set(declared, (resourceVersion = fileResourceVersion(object)));
  return { ...object, metadata: { ...object.metadata, resourceVersion } };
}

function refFor(kind: string, object: KubeObject): ObjectRef {
  const name = object.metadata?.name ?? '';
  return CLUSTER_SCOPED_KINDS.has(kind) ? { kind, name } : { kind, namespace: object.metadata?.namespace, name };
}
