import { randomUUID } from 'node:crypto';
import { clone, deepEqual, now } from './objects.js';
import { findByKind, groupVersion, qualifiedResource, resourceId, RESOURCES, type ResourceDef } from './resources.js';
import { KubeApiError } from './status.js';
import type { KubeObject } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `object` carries the new resourceVersion (for DELETED: the last state, with the deletion's resourceVersion). */
export interface ChangeEvent {
  type: ChangeType;
  rv: number;
  def: ResourceDef;
  object: KubeObject;
  previous?: KubeObject;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface ReplaceOptions extends WriteOptions {
  /** 'main': keep the stored .status (main resource of a kind with a status subresource); 'status': change only .status; 'all': both. */
  part?: 'main' | 'status' | 'all';
  /** Refuse (409) when the incoming metadata.resourceVersion is set and differs from the stored one. */
  checkResourceVersion?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Remove at once even when finalizers are set. */
  force?: boolean;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function invalid(def: ResourceDef, name: string, field: string, message: string): KubeApiError {
  const group = def.group ? `.${def.group}` : '';
  return new KubeApiError(422, `${def.kind}${group} "${name}" is invalid: ${field}: ${message}`, 'Invalid', {
    name,
    group: def.group,
    kind: def.kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

export function notFound(def: ResourceDef, name: string): KubeApiError {
  return new KubeApiError(404, `${qualifiedResource(def)} "${name}" not found`, 'NotFound', { name, group: def.group, kind: def.resource });
}

export function conflict(def: ResourceDef, name: string): KubeApiError {
  return new KubeApiError(
    409,
    `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, group: def.group, kind: def.resource },
  );
}

/** The spec-like part of an object (what bumps metadata.generation). */
function specPart(def: ResourceDef, obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return def.statusSubresource ? rest : { ...rest, status };
}

/**
 * Objects by resource, one global resourceVersion counter (like etcd's revision) and a bounded history of changes
 * for watch replay. Every method works on copies: callers never hold references into the store.
 */
export class Store {
  private counter = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private history: ChangeEvent[] = [];
  /** The lowest resourceVersion a watch or list may still ask for. */
  private oldestValid = 0;
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private nextClusterIp = 10;

  constructor(
    private readonly historySize: number,
    private readonly requireNamespaces: boolean,
  ) {
    const namespaces = findByKind('v1', 'Namespace')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  get resourceVersion(): string {
    return String(this.counter);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes after `rv`, or 'gone' when `rv` is older than the compaction point. */
  changesSince(rv: number): ChangeEvent[] | 'gone' {
    if (rv < this.oldestValid) return 'gone';
    return this.history.filter((e) => e.rv > rv);
  }

  isExpired(rv: number): boolean {
    return rv < this.oldestValid;
  }

  get oldestResourceVersion(): number {
    return this.oldestValid;
  }

  /** Compaction: every resourceVersion handed out so far becomes too old; the counter moves on so fresh lists are valid. */
  expire(): void {
    this.counter++;
    this.oldestValid = this.counter;
    this.history = [];
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return clone(this.bucket(def).get(key(def.namespaced ? namespace : undefined, name)));
  }

  /** Objects sorted by namespace then name; `namespace` undefined means all namespaces. */
  list(def: ResourceDef, namespace?: string): KubeObject[] {
    const items = [...this.bucket(def).values()].filter((o) => !def.namespaced || namespace === undefined || o.metadata.namespace === namespace);
    items.sort((a, b) => key(a.metadata.namespace, a.metadata.name!).localeCompare(key(b.metadata.namespace, b.metadata.name!)));
    return items.map((o) => clone(o));
  }

  create(def: ResourceDef, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    obj.apiVersion = groupVersion(def);
    obj.kind = def.kind;
    const meta = (obj.metadata ??= {});
    if (def.namespaced) meta.namespace ||= 'default';
    else delete meta.namespace;
    if (!meta.name && meta.generateName) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      meta.name = `${meta.generateName}${suffix}`;
    }
    this.validateName(def, meta.name);
    const name = meta.name!;
    if (def.namespaced && this.requireNamespaces && !this.get(findByKind('v1', 'Namespace')!, undefined, meta.namespace!)) {
      throw new KubeApiError(404, `namespaces "${meta.namespace}" not found`, 'NotFound', { name: meta.namespace, kind: 'namespaces' });
    }
    if (this.bucket(def).has(key(meta.namespace, name))) {
      throw new KubeApiError(409, `${qualifiedResource(def)} "${name}" already exists`, 'AlreadyExists', { name, group: def.group, kind: def.resource });
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (def.generation) meta.generation = 1;
    else delete meta.generation;
    this.applyDefaults(def, obj, undefined);
    if (options.dryRun) {
      meta.resourceVersion = this.resourceVersion;
      return obj;
    }
    meta.resourceVersion = String(++this.counter);
    this.bucket(def).set(key(meta.namespace, name), obj);
    this.record({ type: 'ADDED', rv: this.counter, def, object: obj });
    return clone(obj);
  }

  replace(def: ResourceDef, input: KubeObject, options: ReplaceOptions = {}): KubeObject {
    const part = options.part ?? 'all';
    const namespace = def.namespaced ? input.metadata?.namespace || 'default' : undefined;
    const name = input.metadata?.name;
    if (!name) throw invalid(def, '', 'metadata.name', 'Required value: name or generateName is required');
    const existing = this.bucket(def).get(key(namespace, name));
    if (!existing) throw notFound(def, name);
    const incomingRv = input.metadata.resourceVersion;
    if (options.checkResourceVersion && incomingRv && incomingRv !== existing.metadata.resourceVersion) throw conflict(def, name);

    let next: KubeObject;
    if (part === 'status') {
      next = clone(existing);
      if (input.status === undefined) delete next.status;
      else next.status = clone(input.status);
    } else {
      next = clone(input);
      if (part === 'main' && def.statusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = clone(existing.status);
      }
      const meta: Record<string, unknown> = (next.metadata = { ...next.metadata });
      meta.namespace = namespace;
      if (!def.namespaced) delete meta.namespace;
      meta.uid = existing.metadata.uid;
      meta.creationTimestamp = existing.metadata.creationTimestamp;
      for (const field of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
        if (existing.metadata[field] === undefined) delete meta[field];
        else meta[field] = existing.metadata[field];
      }
    }
    next.apiVersion = groupVersion(def);
    next.kind = def.kind;
    this.applyDefaults(def, next, existing);
    if (def.generation && !deepEqual(specPart(def, next), specPart(def, existing))) {
      next.metadata.generation = (existing.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (deepEqual(next, existing)) return clone(existing);
    if (options.dryRun) return next;

    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      return this.removeNow(def, next);
    }
    next.metadata.resourceVersion = String(++this.counter);
    this.bucket(def).set(key(namespace, name), next);
    this.record({ type: 'MODIFIED', rv: this.counter, def, object: next, previous: existing });
    return clone(next);
  }

  /** Deletes (or, with finalizers, marks for deletion); returns the object's final state. */
  delete(def: ResourceDef, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    const existing = this.bucket(def).get(key(def.namespaced ? namespace : undefined, name));
    if (!existing) throw notFound(def, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== existing.metadata.uid) {
      throw new KubeApiError(409, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`, 'Conflict', { name, group: def.group, kind: def.resource });
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw new KubeApiError(409, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${existing.metadata.resourceVersion}`, 'Conflict', { name, group: def.group, kind: def.resource });
    }
    if (options.dryRun) return clone(existing);
    if (!options.force && existing.metadata.finalizers?.length) {
      if (existing.metadata.deletionTimestamp) return clone(existing);
      const marked = clone(existing);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      marked.metadata.resourceVersion = String(++this.counter);
      this.bucket(def).set(key(marked.metadata.namespace, name), marked);
      this.record({ type: 'MODIFIED', rv: this.counter, def, object: marked, previous: existing });
      return clone(marked);
    }
    if (def.kind === 'Namespace' && def.group === '') {
      // Namespace deletion cascades at once (a real server finalizes the namespace's content asynchronously).
      for (const other of RESOURCES.filter((d) => d.namespaced)) {
        for (const obj of this.list(other, name)) this.removeNow(other, obj);
      }
    }
    return this.removeNow(def, existing);
  }

  private removeNow(def: ResourceDef, obj: KubeObject): KubeObject {
    const previous = this.bucket(def).get(key(obj.metadata.namespace, obj.metadata.name!));
    this.bucket(def).delete(key(obj.metadata.namespace, obj.metadata.name!));
    const deleted = clone(obj);
    deleted.metadata.resourceVersion = String(++this.counter);
    this.record({ type: 'DELETED', rv: this.counter, def, object: deleted, previous });
    return clone(deleted);
  }

  private validateName(def: ResourceDef, name: string | undefined): void {
    if (!name) throw invalid(def, '', 'metadata.name', 'Required value: name or generateName is required');
    const label = def.kind === 'Namespace' && def.group === '';
    const ok = label ? DNS1123_LABEL.test(name) && name.length <= 63 : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      const what = label ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
      throw invalid(def, name, 'metadata.name', `Invalid value: "${name}": ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
    }
  }

  /** Server-side defaulting, for the few fields tests and kubectl notice. */
  private applyDefaults(def: ResourceDef, obj: KubeObject, existing: KubeObject | undefined): void {
    if (def.group !== '') return;
    if (def.kind === 'Namespace') {
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
      obj.spec ??= { finalizers: ['kubernetes'] };
      obj.status ??= { phase: 'Active' };
    } else if (def.kind === 'Secret') {
      obj.type ??= existing?.type ?? 'Opaque';
      if (obj.stringData && typeof obj.stringData === 'object') {
        obj.data = { ...obj.data };
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
    } else if (def.kind === 'Service') {
      const spec = (obj.spec ??= {});
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName') {
        if (!spec.clusterIP) {
          spec.clusterIP = existing?.spec?.clusterIP ?? `10.96.${Math.floor(this.nextClusterIp / 250)}.${(this.nextClusterIp++ % 250) + 1}`;
        }
        spec.clusterIPs ??= existing?.spec?.clusterIPs ?? [spec.clusterIP];
      }
      spec.sessionAffinity ??= 'None';
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports) {
          port.protocol ??= 'TCP';
          port.targetPort ??= port.port;
        }
      }
      if (!existing) obj.status ??= { loadBalancer: {} };
    }
  }

  private bucket(def: ResourceDef): Map<string, KubeObject> {
    const id = resourceId(def);
    let bucket = this.data.get(id);
    if (!bucket) this.data.set(id, (bucket = new Map()));
    return bucket;
  }

  private record(event: ChangeEvent): void {
    this.history.push(event);
    while (this.history.length > this.historySize) this.oldestValid = this.history.shift()!.rv;
    for (const listener of [...this.listeners]) listener(event);
  }
}
