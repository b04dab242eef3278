import type { ClusterSnapshot } from '@portico/model';
import type { ConfigSource, WritableKind, WritableObject, WritableSource, WriteOptions, WriteTarget } from './config-source.js';

/** Longest a write waits to be seen; after it the write has still happened, and later reads catch up. */
export const WRITE_VISIBLE_WAIT_MS = 2000;

/**
 * Read-your-writes for the admin API, as the Kubernetes API gives it: a write resolves only once the source's
 * snapshot shows it (the object at the version written, or gone). Without this, a client that creates an Ingress and
 * patches it at once gets a 404, because the file store rescans after a debounce and an informer hears its watch event
 * moments later.
 */
export function withVisibleWrites(writer: WritableSource, source: ConfigSource, waitMs = WRITE_VISIBLE_WAIT_MS): WritableSource {
  const visible = <K extends WritableKind>(kind: K, at: WriteTarget, resourceVersion: string | null) =>
    waitUntil(source, () => {
      const found = objectsOf(source.snapshot(), kind).find((o) => (o.metadata?.namespace ?? 'default') === at.namespace && o.metadata?.name === at.name);
      return resourceVersion === null ? found === undefined : found?.metadata?.resourceVersion === resourceVersion;
    }, waitMs);
  const seen = async <K extends WritableKind>(kind: K, written: WritableObject<K>): Promise<WritableObject<K>> => {
    const at = { namespace: written.metadata?.namespace ?? 'default', name: written.metadata?.name ?? '' };
    await visible(kind, at, written.metadata?.resourceVersion ?? null);
    return written;
  };
  return {
    create: async (kind, object) => seen(kind, await writer.create(kind, object)),
    replace: async (kind, object) => seen(kind, await writer.replace(kind, object)),
    patch: async (kind, target, patch, options?: WriteOptions) => seen(kind, await writer.patch(kind, target, patch, options)),
    delete: async (kind, target, options?: WriteOptions) => {
      await writer.delete(kind, target, options);
      await visible(kind, target, null);
    },
  };
}

function objectsOf(snapshot: ClusterSnapshot, kind: WritableKind): Array<{ metadata?: { namespace?: string; name?: string; resourceVersion?: string } }> {
  if (kind === 'Ingress') return snapshot.ingresses;
  if (kind === 'Secret') return snapshot.secrets;
  return snapshot.configMaps ?? [];
}

/** Resolves true once `condition` holds (checked now and after each source change), false after `waitMs`. */
function waitUntil(source: ConfigSource, condition: () => boolean, waitMs: number): Promise<boolean> {
  if (condition()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (result: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(result);
    };
    const unsubscribe = source.onChange(() => condition() && finish(true));
    const timer = setTimeout(() => finish(condition()), waitMs);
  });
}
