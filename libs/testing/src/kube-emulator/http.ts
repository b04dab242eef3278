import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { isPlainObject } from './objects.js';
import { APPLY_PATCH, JSON_PATCH, jsonPatch, MERGE_PATCH, mergePatch, STRATEGIC_MERGE_PATCH, strategicMergePatch } from './patch.js';
import { decodeKubeProtobuf, PROTOBUF_TYPE } from './protobuf.js';
import { apiGroup, apiGroupList, apiResourceList, findByPath, groupVersion, qualifiedResource, type ResourceDef } from './resources.js';
import { combine, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { failureStatus, KubeApiError, reasonFor } from './status.js';
import type { Store } from './store.js';
import { TABLE_CONTENT_TYPE, toTable, wantsTable } from './table.js';
import type { KubeObject, KubeRequestLogEntry } from './types.js';
import type { WatchHub } from './watch.js';

export interface ServerContext {
  store: Store;
  watches: WatchHub;
  faults: Faults;
  token: string;
  log: KubeRequestLogEntry[];
  /** host:port the server listens on. */
  address: () => string;
}

const JSON_TYPE = 'application/json';
const USER = 'system:serviceaccount:default:kube-emulator';
const NOT_FOUND = 'the server could not find the requested resource';

function send(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache, private' });
  res.end(text);
}

function sendError(res: ServerResponse, err: KubeApiError): void {
  send(res, err.code, err.status);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KubeApiError(400, `error decoding request body: ${(err as Error).message}`, 'BadRequest');
  }
}

interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** The deprecated `/watch/` path prefix. */
  watchPrefix: boolean;
}

/** `/api/v1/[watch/][namespaces/NS/]RESOURCE[/NAME[/SUB]]` and `/apis/GROUP/VERSION/…` */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segs = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return { group, version, namespace, resource: rest[0], name: rest[1], subresource: rest[2], watchPrefix };
}

function verbOf(method: string, p: ResourcePath, query: URLSearchParams): string | undefined {
  const watch = p.watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      return watch ? 'watch' : p.name ? 'get' : 'list';
    case 'POST':
      return p.name ? undefined : 'create';
    case 'PUT':
      return p.name ? 'update' : undefined;
    case 'PATCH':
      return p.name ? 'patch' : undefined;
    case 'DELETE':
      return p.name ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

function emptyStatus(def: ResourceDef): unknown {
  if (def.kind === 'Ingress' || def.kind === 'Service') return { loadBalancer: {} };
  return undefined;
}

/** Removes kind/apiVersion from list items, as a real API server does. */
function listItem(obj: KubeObject): Record<string, unknown> {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  return rest;
}

function encodeContinue(rv: string, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return parsed;
  } catch {
    // fall through
  }
  throw new KubeApiError(400, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)', 'BadRequest');
}

function objectKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function createRequestHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, req, res).catch((err) => {
      const apiErr = err instanceof KubeApiError ? err : new KubeApiError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, 'InternalError');
      if (res.headersSent) res.destroy();
      else sendError(res, apiErr);
    });
  };
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  ctx.log.push({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), userAgent: req.headers['user-agent'] });

  const failing = ctx.faults.failure();
  if (failing !== undefined) {
    await readBody(req);
    return send(res, failing, failureStatus(failing, `the emulated API server is failing every request with HTTP ${failing}`, reasonFor(failing)));
  }
  if (req.headers.authorization !== `Bearer ${ctx.token}`) {
    await readBody(req);
    return send(res, 401, failureStatus(401, 'Unauthorized', 'Unauthorized'));
  }

  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (method === 'GET') {
    const doc = discovery(ctx, path);
    if (doc !== undefined) return typeof doc === 'string' ? send(res, 200, doc, 'text/plain; charset=utf-8') : send(res, 200, doc);
  }
  const parsed = parseResourcePath(path);
  const def = parsed && findByPath(parsed.group, parsed.version, parsed.resource);
  if (!parsed || !def || (parsed.namespace !== undefined && !def.namespaced) || (parsed.subresource && (parsed.subresource !== 'status' || !def.statusSubresource))) {
    await readBody(req);
    return send(res, 404, failureStatus(404, NOT_FOUND, 'NotFound'));
  }
  const verb = verbOf(method, parsed, url.searchParams);
  if (!verb || (parsed.subresource && !['get', 'update', 'patch'].includes(verb))) {
    await readBody(req);
    return send(res, 405, failureStatus(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed'));
  }
  if (ctx.faults.isForbidden(verb, def, parsed.subresource)) {
    await readBody(req);
    const resource = parsed.subresource ? `${def.resource}/${parsed.subresource}` : def.resource;
    const scope = parsed.namespace !== undefined ? `in the namespace "${parsed.namespace}"` : 'at the cluster scope';
    const message = `${qualifiedResource(def)}${parsed.name ? ` "${parsed.name}"` : ''} is forbidden: User "${USER}" cannot ${verb} resource "${resource}" in API group "${def.group}" ${scope}`;
    return send(res, 403, failureStatus(403, message, 'Forbidden', { name: parsed.name, group: def.group, kind: def.resource }));
  }
  const body = method === 'GET' ? Buffer.alloc(0) : await readBody(req);
  const r = new ResourceRequest(ctx, req, res, def, parsed, url.searchParams, body);
  switch (verb) {
    case 'get':
      return r.get();
    case 'list':
      return r.list();
    case 'watch':
      return r.watch();
    case 'create':
      return r.create();
    case 'update':
      return r.update();
    case 'patch':
      return r.patch();
    case 'delete':
      return r.delete();
    case 'deletecollection':
      return r.deleteCollection();
  }
}

function discovery(ctx: ServerContext, path: string): unknown {
  if (path === '/version') {
    return { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'kube-emulator', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64' };
  }
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: ctx.address() }] };
  if (path === '/apis') return apiGroupList();
  const m = path.match(/^\/api\/(v1)$/) ?? path.match(/^\/apis\/([^/]+)$/) ?? path.match(/^\/apis\/([^/]+)\/([^/]+)$/);
  if (!m) return undefined;
  if (path.startsWith('/api/')) return apiResourceList('', m[1]);
  if (m[2] === undefined) return apiGroup(m[1]);
  return apiResourceList(m[1], m[2]);
}

class ResourceRequest {
  constructor(
    private readonly ctx: ServerContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly def: ResourceDef,
    private readonly path: ResourcePath,
    private readonly query: URLSearchParams,
    private readonly rawBody: Buffer,
  ) {}

  private get body(): string {
    return this.rawBody.toString('utf8');
  }

  private get store(): Store {
    return this.ctx.store;
  }

  private get dryRun(): boolean {
    return this.query.getAll('dryRun').includes('All');
  }

  private get table(): boolean {
    return wantsTable(this.req.headers.accept);
  }

  private reply(code: number, obj: KubeObject): void {
    if (this.table) send(this.res, code, toTable(this.def, [obj], { resourceVersion: obj.metadata.resourceVersion }, this.query.get('includeObject')), TABLE_CONTENT_TYPE);
    else send(this.res, code, obj);
  }

  private selector() {
    return combine(parseLabelSelector(this.query.get('labelSelector')), parseFieldSelector(this.query.get('fieldSelector')));
  }

  /** The request body as an object of this resource, with namespace and name checked against the URL. */
  private bodyObject(): KubeObject {
    const type = (this.req.headers['content-type'] ?? JSON_TYPE).split(';')[0].trim().toLowerCase();
    if (type !== JSON_TYPE && type !== '' && type !== PROTOBUF_TYPE) {
      throw new KubeApiError(415, `the body of the request was in an unknown format - accepted media types include: ${JSON_TYPE}, ${PROTOBUF_TYPE}`, 'UnsupportedMediaType');
    }
    // kubectl's typed `create` commands send protobuf (and client-go does not retry in JSON after a 415).
    const obj = type === PROTOBUF_TYPE ? decodeKubeProtobuf(this.rawBody) : parseJson(this.body);
    if (!isPlainObject(obj)) throw new KubeApiError(400, 'the body of the request was in an unknown format', 'BadRequest');
    const gv = groupVersion(this.def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
      throw new KubeApiError(400, `the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`, 'BadRequest');
    }
    if (obj.kind !== undefined && obj.kind !== this.def.kind) {
      throw new KubeApiError(400, `the kind in the data (${obj.kind}) does not match the expected kind (${this.def.kind})`, 'BadRequest');
    }
    obj.apiVersion = gv;
    obj.kind = this.def.kind;
    const meta = (obj.metadata = isPlainObject(obj.metadata) ? obj.metadata : {});
    if (this.def.namespaced) {
      if (meta.namespace && meta.namespace !== this.path.namespace) {
        throw new KubeApiError(400, 'the namespace of the provided object does not match the namespace sent on the request', 'BadRequest');
      }
      meta.namespace = this.path.namespace;
    }
    if (this.path.name !== undefined) {
      if (meta.name && meta.name !== this.path.name) {
        throw new KubeApiError(400, `the name of the object (${meta.name}) does not match the name on the URL (${this.path.name})`, 'BadRequest');
      }
      meta.name = this.path.name;
    }
    return obj as KubeObject;
  }

  private existing(): KubeObject {
    const obj = this.store.get(this.def, this.path.namespace, this.path.name!);
    if (!obj) throw new KubeApiError(404, `${qualifiedResource(this.def)} "${this.path.name}" not found`, 'NotFound', { name: this.path.name, group: this.def.group, kind: this.def.resource });
    return obj;
  }

  get(): void {
    this.reply(200, this.existing());
  }

  list(): void {
    const { store, def, query } = this;
    let listRv = store.resourceVersion;
    const rvParam = query.get('resourceVersion');
    if (rvParam && rvParam !== '0') {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new KubeApiError(400, `invalid resource version: ${rvParam}`, 'BadRequest');
      if (store.isExpired(rv) || (query.get('resourceVersionMatch') === 'Exact' && rvParam !== listRv)) {
        throw new KubeApiError(410, `The resourceVersion for the provided list is too old.`, 'Expired');
      }
    }
    let items = store.list(def, this.path.namespace).filter(this.selector());
    const token = query.get('continue');
    if (token) {
      const { rv, start } = decodeContinue(token);
      if (store.isExpired(rv)) {
        throw new KubeApiError(410, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.', 'Expired');
      }
      listRv = String(rv);
      items = items.filter((o) => objectKey(o) > start);
    }
    const meta: Record<string, unknown> = { resourceVersion: listRv };
    const limit = Number(query.get('limit') ?? 0);
    if (limit > 0 && items.length > limit) {
      meta.continue = encodeContinue(listRv, objectKey(items[limit - 1]));
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    if (this.table) return send(this.res, 200, toTable(def, items, meta, query.get('includeObject')), TABLE_CONTENT_TYPE);
    send(this.res, 200, { kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata: meta, items: items.map(listItem) });
  }

  watch(): void {
    const { query, def } = this;
    let selector = this.selector();
    if (this.path.name) selector = combine(selector, parseFieldSelector(`metadata.name=${this.path.name}`));
    const table = this.table;
    const includeObject = query.get('includeObject');
    const timeout = Number(query.get('timeoutSeconds') ?? 0);
    this.ctx.watches.serve(this.req, this.res, {
      def,
      namespace: this.path.namespace,
      selector,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      timeoutSeconds: Number.isFinite(timeout) ? timeout : 0,
      allowBookmarks: query.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      render: table ? (o) => toTable(def, [o], { resourceVersion: o.metadata.resourceVersion }, includeObject) : (o) => o,
      contentType: table ? TABLE_CONTENT_TYPE : JSON_TYPE,
    });
  }

  create(): void {
    if (this.def.namespaced && this.path.namespace === undefined) {
      throw new KubeApiError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');
    }
    const obj = this.bodyObject();
    const status = emptyStatus(this.def);
    if (this.def.statusSubresource) {
      if (status === undefined) delete obj.status;
      else obj.status = status;
    }
    this.reply(201, this.store.create(this.def, obj, { dryRun: this.dryRun }));
  }

  update(): void {
    const obj = this.bodyObject();
    this.existing();
    const part = this.path.subresource === 'status' ? 'status' : 'main';
    this.reply(200, this.store.replace(this.def, obj, { part, checkResourceVersion: true, dryRun: this.dryRun }));
  }

  patch(): void {
    const type = (this.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const patch = type === APPLY_PATCH ? this.applyPatchBody() : parseJson(this.body);
    const current = this.store.get(this.def, this.path.namespace, this.path.name!);
    if (!current && type === APPLY_PATCH && !this.path.subresource) {
      // Server-side apply of a new object: a create.
      const obj = mergePatch({}, patch) as KubeObject;
      obj.metadata = { ...obj.metadata, name: this.path.name, ...(this.def.namespaced ? { namespace: this.path.namespace } : {}) };
      const status = emptyStatus(this.def);
      if (this.def.statusSubresource) obj.status = status;
      return this.reply(201, this.store.create(this.def, { ...obj, apiVersion: groupVersion(this.def), kind: this.def.kind }, { dryRun: this.dryRun }));
    }
    const existing = current ?? this.existing();
    let patched: unknown;
    switch (type) {
      case MERGE_PATCH:
        patched = mergePatch(existing, patch);
        break;
      case JSON_PATCH:
        patched = jsonPatch(existing, patch);
        break;
      case STRATEGIC_MERGE_PATCH:
      case APPLY_PATCH:
        if (!isPlainObject(patch)) throw new KubeApiError(400, 'the patch must be a JSON object', 'BadRequest');
        patched = strategicMergePatch(existing, patch, this.def.kind);
        break;
      default:
        throw new KubeApiError(415, `the body of the request was in an unknown format - accepted media types include: ${JSON_PATCH}, ${MERGE_PATCH}, ${STRATEGIC_MERGE_PATCH}, ${APPLY_PATCH}`, 'UnsupportedMediaType');
    }
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw new KubeApiError(422, 'the patched object is not a valid object', 'Invalid');
    const obj = patched as KubeObject;
    if (obj.metadata.name !== existing.metadata.name || (obj.metadata.namespace ?? undefined) !== (existing.metadata.namespace ?? undefined)) {
      throw new KubeApiError(400, 'the patch may not change metadata.name or metadata.namespace', 'BadRequest');
    }
    if (obj.apiVersion !== existing.apiVersion || obj.kind !== existing.kind) throw new KubeApiError(400, 'the patch may not change apiVersion or kind', 'BadRequest');
    const part = this.path.subresource === 'status' ? 'status' : 'main';
    this.reply(200, this.store.replace(this.def, obj, { part, checkResourceVersion: true, dryRun: this.dryRun }));
  }

  /** Server-side apply bodies: JSON only (kubectl and client-node send JSON); no field ownership (see patch.ts). */
  private applyPatchBody(): unknown {
    try {
      return JSON.parse(this.body);
    } catch {
      throw new KubeApiError(415, 'the emulator accepts server-side apply patches in JSON form only', 'UnsupportedMediaType');
    }
  }

  private deleteOptions(): { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } } {
    const opts = this.body.trim() ? parseJson(this.body) : {};
    const dryRun = this.dryRun || (Array.isArray(opts?.dryRun) && opts.dryRun.includes('All'));
    return { dryRun, preconditions: isPlainObject(opts?.preconditions) ? opts.preconditions : undefined };
  }

  delete(): void {
    const deleted = this.store.delete(this.def, this.path.namespace, this.path.name!, this.deleteOptions());
    this.reply(200, deleted);
  }

  deleteCollection(): void {
    const options = this.deleteOptions();
    const selector = this.selector();
    const targets = this.store.list(this.def, this.path.namespace).filter(selector);
    const items = targets.map((o) => this.store.delete(this.def, o.metadata.namespace, o.metadata.name!, { dryRun: options.dryRun }));
    send(this.res, 200, { kind: `${this.def.kind}List`, apiVersion: groupVersion(this.def), metadata: { resourceVersion: this.store.resourceVersion }, items: items.map(listItem) });
  }
}
