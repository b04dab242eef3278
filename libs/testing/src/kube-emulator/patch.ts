import { clone, deepEqual, isPlainObject } from './objects.js';
import { KubeApiError } from './status.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): any {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, any> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function patchError(message: string): KubeApiError {
  return new KubeApiError(422, message, 'Invalid');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(`invalid JSON pointer: "${pointer}"`);
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: any, tokens: string[], pointer: string): { parent: any; last: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : isPlainObject(node) ? node[token] : undefined;
    if (node === undefined) throw patchError(`jsonpatch: path "${pointer}" does not exist`);
  }
  return { parent: node, last: tokens[tokens.length - 1] };
}

function getAt(doc: any, pointer: string): any {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    node = Array.isArray(node) ? node[Number(token)] : isPlainObject(node) ? node[token] : undefined;
    if (node === undefined) throw patchError(`jsonpatch: path "${pointer}" does not exist`);
  }
  return node;
}

function arrayIndex(arr: any[], token: string, pointer: string, forInsert: boolean): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw patchError(`jsonpatch: invalid array index in "${pointer}"`);
  const index = Number(token);
  if (index > arr.length || (!forInsert && index === arr.length)) throw patchError(`jsonpatch: index out of range in "${pointer}"`);
  return index;
}

function addAt(doc: any, pointer: string, value: any): any {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, last } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, true), 0, clone(value));
  else if (isPlainObject(parent)) parent[last] = clone(value);
  else throw patchError(`jsonpatch: path "${pointer}" does not exist`);
  return doc;
}

function removeAt(doc: any, pointer: string): { doc: any; removed: any } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw patchError('jsonpatch: cannot remove the whole document');
  const { parent, last } = resolveParent(doc, tokens, pointer);
  let removed: any;
  if (Array.isArray(parent)) removed = parent.splice(arrayIndex(parent, last, pointer, false), 1)[0];
  else if (isPlainObject(parent) && last in parent) {
    removed = parent[last];
    delete parent[last];
  } else throw patchError(`jsonpatch: path "${pointer}" does not exist`);
  return { doc, removed };
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. */
export function jsonPatch(target: unknown, operations: unknown): any {
  if (!Array.isArray(operations)) throw new KubeApiError(400, 'json patch must be an array of operations', 'BadRequest');
  let doc: any = clone(target);
  for (const op of operations) {
    if (!isPlainObject(op) || typeof op.path !== 'string') throw new KubeApiError(400, `invalid json patch operation: ${JSON.stringify(op)}`, 'BadRequest');
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, op.value);
        break;
      case 'remove':
        doc = removeAt(doc, op.path).doc;
        break;
      case 'replace':
        getAt(doc, op.path);
        doc = op.path === '' ? clone(op.value) : addAt(removeAt(doc, op.path).doc, op.path, op.value);
        break;
      case 'move': {
        const { doc: without, removed } = removeAt(doc, op.from);
        doc = addAt(without, op.path, removed);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, getAt(doc, op.from));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) throw patchError(`jsonpatch: test operation for path "${op.path}" failed`);
        break;
      default:
        throw new KubeApiError(400, `Unexpected kind: ${String(op.op)}`, 'BadRequest');
    }
  }
  return doc;
}

/**
 * List fields that merge instead of being replaced in a strategic merge patch (from the Go types' patchStrategy tags),
 * keyed by dotted field path ("*" applies to every kind). A string is a merge key; `true` is a list of primitives
 * merged as a set. Every other list is replaced, which is what the Go types say for the kinds the emulator serves
 * (Ingress rules/tls, EndpointSlice endpoints/ports… are atomic).
 */
const LIST_MERGE: Record<string, Record<string, string | true>> = {
  '*': { 'metadata.ownerReferences': 'uid', 'metadata.finalizers': true },
  Service: { 'spec.ports': 'port' },
  Endpoints: { 'subsets.addresses': 'ip', 'subsets.notReadyAddresses': 'ip', 'subsets.ports': 'name' },
};

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

function isDirective(key: string): boolean {
  return key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_PRIMITIVE);
}

function stripDirectives(value: any): any {
  if (Array.isArray(value)) return value.filter((v) => !(isPlainObject(v) && v[PATCH] !== undefined && Object.keys(v).length === 1)).map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(value)) if (!isDirective(k) && v !== null) out[k] = stripDirectives(v);
  return out;
}

/**
 * Strategic merge patch, approximated: a JSON merge patch that understands kubectl's directives (`$patch: replace|delete`
 * on maps and list items, `$retainKeys`, `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`) and merges the
 * lists named in LIST_MERGE by their merge key. Every other list is replaced.
 */
export function strategicMergePatch(target: unknown, patch: unknown, kind: string): any {
  const lists = { ...LIST_MERGE['*'], ...LIST_MERGE[kind] };
  const result = mergeMap(target, patch, '', lists);
  return result === undefined ? {} : result;
}

function mergeMap(target: unknown, patch: unknown, path: string, lists: Record<string, string | true>): any {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch[PATCH] === 'delete') return undefined;
  if (patch[PATCH] === 'replace') return stripDirectives(patch);
  const result: Record<string, any> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (isDirective(k)) continue;
    const fieldPath = path ? `${path}.${k}` : k;
    if (v === null) delete result[k];
    else if (Array.isArray(v)) result[k] = mergeList(result[k], v, fieldPath, lists);
    else if (isPlainObject(v)) {
      const merged = mergeMap(result[k], v, fieldPath, lists);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else result[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE) && Array.isArray(v)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (Array.isArray(result[field])) result[field] = result[field].filter((x: unknown) => !v.some((d) => deepEqual(d, x)));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(SET_ORDER) && Array.isArray(v)) {
      const field = k.slice(SET_ORDER.length);
      const mergeKey = lists[path ? `${path}.${field}` : field];
      if (Array.isArray(result[field])) result[field] = reorder(result[field], v, typeof mergeKey === 'string' ? mergeKey : undefined);
    }
  }
  if (Array.isArray(patch[RETAIN_KEYS])) {
    const keep = new Set<string>(patch[RETAIN_KEYS]);
    for (const k of Object.keys(result)) if (!keep.has(k) && !(k in patch)) delete result[k];
  }
  return result;
}

function mergeList(target: unknown, patch: any[], path: string, lists: Record<string, string | true>): any[] {
  const strategy = lists[path];
  const replaceAll = patch.some((item) => isPlainObject(item) && item[PATCH] === 'replace');
  const original = Array.isArray(target) ? target : [];
  if (strategy === undefined || replaceAll) return stripDirectives(patch);
  if (strategy === true) {
    const out = [...original];
    for (const item of patch) if (!out.some((x) => deepEqual(x, item))) out.push(item);
    return out;
  }
  const out: any[] = original.map((x) => x);
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const index = out.findIndex((x) => isPlainObject(x) && deepEqual(x[strategy], item[strategy]));
    if (item[PATCH] === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) out[index] = mergeMap(out[index], item, path, lists);
    else out.push(stripDirectives(item));
  }
  return out;
}

function reorder(list: any[], order: any[], mergeKey: string | undefined): any[] {
  const id = (x: any) => (mergeKey && isPlainObject(x) ? x[mergeKey] : x);
  const rank = (x: any) => {
    const i = order.findIndex((o) => deepEqual(id(o), id(x)));
    return i < 0 ? order.length : i;
  };
  return list.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map((e) => e.x);
}
