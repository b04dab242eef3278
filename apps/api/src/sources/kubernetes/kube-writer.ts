import type { KubeObject, SecretObject } from '@portico/model';
import type { WritableKind, WritableObject, WritableSource, WriteOptions, WriteTarget } from '../config-source.js';
import { InvalidObjectError } from '../write-errors.js';
import type { KubeClient } from './kube-client.js';
import { RESOURCES, resourcePath } from './resources.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/**
 * Writes Ingresses, TLS Secrets and ConfigMaps (the settings ConfigMap) to the cluster for the admin API. Optimistic concurrency throughout: a replace
 * sends the resourceVersion it was given, a patch or delete with `options.resourceVersion` is conditional on it, and
 * a stale one fails with `ConflictError` (the server's message) — never a silent overwrite. Only Secrets of type
 * `kubernetes.io/tls` can be written or deleted here, so the admin API cannot touch service account tokens and the like.
 */
export class KubeWriter implements WritableSource {
  constructor(private readonly client: KubeClient) {}

  async create<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    const { namespace } = target(object);
    const body = withTypeMeta(kind, object);
    if (kind === 'Secret') requireTlsType(body as SecretObject, true);
    return this.client.create<WritableObject<K>>(resourcePath(RESOURCES[kind], namespace), body);
  }

  async replace<K extends WritableKind>(kind: K, object: WritableObject<K>): Promise<WritableObject<K>> {
    const { namespace, name } = target(object);
    if (!object.metadata?.resourceVersion) {
      throw new InvalidObjectError(`a replace of ${kind} ${namespace}/${name} needs metadata.resourceVersion (the version it was read at)`, 422, 'Invalid');
    }
    const body = withTypeMeta(kind, object);
    if (kind === 'Secret') requireTlsType(body as SecretObject, false);
    return this.client.replace<WritableObject<K>>(resourcePath(RESOURCES[kind], namespace, name), body);
  }

  async patch<K extends WritableKind>(kind: K, at: WriteTarget, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<WritableObject<K>> {
    if (kind === 'Secret') {
      if ('type' in patch && patch.type !== TLS_SECRET_TYPE) throw notTls(at);
      await this.requireTlsSecret(at);
    }
    // A resourceVersion inside a merge patch is a precondition: the server answers 409 if it is not current.
    const body = options.resourceVersion ? { ...patch, metadata: { ...asObject(patch.metadata), resourceVersion: options.resourceVersion } } : patch;
    return this.client.mergePatch<WritableObject<K>>(resourcePath(RESOURCES[kind], at.namespace, at.name), body);
  }

  async delete(kind: WritableKind, at: WriteTarget, options: WriteOptions = {}): Promise<void> {
    let uid: string | undefined;
    if (kind === 'Secret') uid = (await this.requireTlsSecret(at)).metadata?.uid;
    const preconditions = { ...(uid ? { uid } : {}), ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}) };
    await this.client.delete(resourcePath(RESOURCES[kind], at.namespace, at.name), Object.keys(preconditions).length ? preconditions : undefined);
  }

  private async requireTlsSecret(at: WriteTarget): Promise<SecretObject> {
    const secret = await this.client.get<SecretObject>(resourcePath(RESOURCES.Secret, at.namespace, at.name));
    if (secret.type !== TLS_SECRET_TYPE) throw notTls(at);
    return secret;
  }
}

function target(object: KubeObject): WriteTarget {
  const name = object.metadata?.name;
  if (!name) throw new InvalidObjectError('metadata.name is required', 422, 'Invalid');
  return { namespace: object.metadata?.namespace ?? 'default', name };
}

function withTypeMeta<K extends WritableKind>(kind: K, object: WritableObject<K>): WritableObject<K> {
  const type = RESOURCES[kind];
  return { ...object, apiVersion: type.apiVersion, kind: type.kind, metadata: { ...object.metadata, namespace: object.metadata?.namespace ?? 'default' } };
}

function requireTlsType(secret: SecretObject, defaultIt: boolean): void {
  if (secret.type === undefined && defaultIt) secret.type = TLS_SECRET_TYPE;
  if (secret.type !== TLS_SECRET_TYPE) throw notTls(target(secret));
}

const notTls = (at: WriteTarget) =>
  new InvalidObjectError(`Secret ${at.namespace}/${at.name} is not of type ${TLS_SECRET_TYPE}; only TLS Secrets can be written here`, 422, 'Invalid');

const asObject = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
