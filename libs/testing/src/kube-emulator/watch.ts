import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupVersion, resourceId, type ResourceDef } from './resources.js';
import type { Selector } from './selectors.js';
import { failureStatus, KubeApiError } from './status.js';
import type { ChangeEvent, Store } from './store.js';
import type { GoneWatchMode, KubeObject } from './types.js';

export interface WatchRequest {
  def: ResourceDef;
  /** undefined: all namespaces. */
  namespace?: string;
  selector: Selector;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Turns an object into what the client asked for (the object itself, or a Table). */
  render: (obj: KubeObject) => unknown;
  contentType: string;
}

type WireEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };

function withResourceVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

/** What one watcher sees of a change: selectors turn MODIFIED into ADDED/DELETED when an object enters/leaves them. */
function visible(event: ChangeEvent, w: WatchRequest): WireEvent | undefined {
  if (resourceId(event.def) !== resourceId(w.def)) return undefined;
  const matches = (o: KubeObject | undefined) => !!o && (w.namespace === undefined || o.metadata.namespace === w.namespace) && w.selector(o);
  const now = matches(event.object);
  switch (event.type) {
    case 'ADDED':
      return now ? { type: 'ADDED', object: event.object } : undefined;
    case 'DELETED':
      return now ? { type: 'DELETED', object: event.object } : undefined;
    case 'MODIFIED': {
      const before = matches(event.previous);
      if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: event.object };
      return before ? { type: 'DELETED', object: withResourceVersion(event.previous!, event.rv) } : undefined;
    }
  }
}

/** Serves watch streams (NDJSON) and keeps track of them so they can be dropped. */
export class WatchHub {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly settings: { bookmarkIntervalMs: number; goneMode: () => GoneWatchMode },
  ) {}

  get count(): number {
    return this.open.size;
  }

  /** Ends every open watch stream cleanly (the client sees EOF and reconnects). */
  dropAll(): void {
    for (const end of [...this.open]) end();
  }

  serve(_req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
    const { store } = this;
    let initial: KubeObject[] = [];
    let replay: ChangeEvent[] = [];
    const rvParam = w.resourceVersion;
    if (!rvParam || rvParam === '0' || w.sendInitialEvents) {
      initial = store.list(w.def, w.namespace).filter(w.selector);
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new KubeApiError(400, `invalid resource version: ${rvParam}`, 'BadRequest');
      const changes = store.changesSince(rv);
      if (changes === 'gone') {
        const gone = failureStatus(410, `too old resource version: ${rv} (${store.oldestResourceVersion})`, 'Expired');
        if (this.settings.goneMode() === 'http') throw new KubeApiError(410, gone.message, 'Expired');
        res.writeHead(200, { 'content-type': w.contentType, 'cache-control': 'no-cache, private' });
        res.end(JSON.stringify({ type: 'ERROR', object: gone }) + '\n');
        return;
      }
      replay = changes;
    }

    res.writeHead(200, { 'content-type': w.contentType, 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, object: unknown) => {
      if (!res.writableEnded) res.write(JSON.stringify({ type, object }) + '\n');
    };
    const bookmark = (annotations?: Record<string, string>) =>
      write('BOOKMARK', { kind: w.def.kind, apiVersion: groupVersion(w.def), metadata: { resourceVersion: store.resourceVersion, ...(annotations ? { annotations } : {}) } });

    for (const obj of initial) write('ADDED', w.render(obj));
    if (w.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
    for (const change of replay) {
      const e = visible(change, w);
      if (e) write(e.type, w.render(e.object));
    }
    const unsubscribe = store.subscribe((change) => {
      const e = visible(change, w);
      if (e) write(e.type, w.render(e.object));
    });

    const timers: NodeJS.Timeout[] = [];
    const end = () => {
      cleanup();
      if (!res.writableEnded) res.end();
    };
    const cleanup = () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.open.delete(end);
    };
    this.open.add(end);
    if (w.timeoutSeconds && w.timeoutSeconds > 0) timers.push(setTimeout(end, w.timeoutSeconds * 1000));
    if (w.allowBookmarks) timers.push(setInterval(() => bookmark(), this.settings.bookmarkIntervalMs));
    res.on('close', cleanup);
  }
}
