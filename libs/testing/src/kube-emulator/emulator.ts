import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Faults } from './faults.js';
import { createRequestHandler, type ServerContext } from './http.js';
import { writeKubeconfig } from './kubeconfig.js';
import { DualProtocolListener } from './listener.js';
import { findByKind, type ResourceDef } from './resources.js';
import { KubeApiError } from './status.js';
import { Store } from './store.js';
import type { GoneWatchMode, KubeEmulator, KubeEmulatorOptions, KubeObject, KubeRequestLogEntry } from './types.js';
import { WatchHub } from './watch.js';

function resolve(apiVersion: string, kind: string): ResourceDef {
  const def = findByKind(apiVersion, kind);
  if (!def) throw new KubeApiError(404, `no resource for ${apiVersion}, Kind=${kind} in the emulator`, 'NotFound');
  return def;
}

function defOf(obj: KubeObject): ResourceDef {
  if (!obj || typeof obj !== 'object' || !obj.apiVersion || !obj.kind) throw new KubeApiError(400, 'the object needs apiVersion and kind', 'BadRequest');
  return resolve(obj.apiVersion, obj.kind);
}

/**
 * Starts a Kubernetes API server emulator on 127.0.0.1 (test-only): discovery, list/watch/get/create/update/patch/delete
 * for a few built-in kinds, faults for resilience tests, and a kubeconfig that client-node and kubectl accept.
 */
export async function startKubeEmulator(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const store = new Store(options.historySize ?? 1000, options.requireNamespaces ?? false);
  const faults = new Faults(options.goneWatchMode ?? 'event');
  const watches = new WatchHub(store, { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000, goneMode: () => faults.goneMode });
  const log: KubeRequestLogEntry[] = [];
  let port = options.port ?? 0;
  const ctx: ServerContext = { store, watches, faults, token, log, address: () => `127.0.0.1:${port}` };
  const handler = createRequestHandler(ctx);

  const listener = await DualProtocolListener.create(handler);
  port = await listener.listen(port);
  const url = `http://127.0.0.1:${port}`;
  const tlsUrl = `https://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'portico-kube-emulator-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  // https: kubectl (client-go) sends a kubeconfig's token only over TLS; client-node accepts either.
  writeKubeconfig(kubeconfigPath, tlsUrl, token);
  let closed = false;

  return {
    url,
    tlsUrl,
    token,
    kubeconfigPath,
    create: (obj) => store.create(defOf(obj), obj),
    update: (obj) => store.replace(defOf(obj), obj, { part: 'all', checkResourceVersion: true }),
    upsert(obj) {
      const def = defOf(obj);
      const exists = obj.metadata?.name && store.get(def, obj.metadata.namespace || 'default', obj.metadata.name);
      if (!exists) return store.create(def, obj);
      const { resourceVersion: _rv, ...metadata } = obj.metadata;
      return store.replace(def, { ...obj, metadata }, { part: 'all' });
    },
    remove(apiVersion, kind, namespace, name) {
      const def = resolve(apiVersion, kind);
      if (!store.get(def, namespace ?? 'default', name)) return false;
      store.delete(def, namespace ?? 'default', name, { force: true });
      return true;
    },
    get: (apiVersion, kind, namespace, name) => store.get(resolve(apiVersion, kind), namespace ?? 'default', name),
    list: (apiVersion, kind, namespace) => store.list(resolve(apiVersion, kind), namespace),
    dropWatches: () => watches.dropAll(),
    expireResourceVersions(mode?: GoneWatchMode) {
      if (mode) faults.goneMode = mode;
      store.expire();
    },
    failRequests(status, durationMs) {
      faults.fail(status, durationMs);
      // Open watches end too, so clients notice the failure when they reconnect (a quiet watch would hide it for 30 s).
      watches.dropAll();
    },
    async restart() {
      if (closed) throw new Error('the emulator is closed');
      await listener.stop();
      await listener.listen(port);
    },
    forbid: (verb, resource) => faults.forbid(verb, resource),
    allow: (verb, resource) => faults.allow(verb, resource),
    requests: () => log.map((e) => ({ ...e })),
    async close() {
      if (closed) return;
      closed = true;
      watches.dropAll();
      await listener.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
