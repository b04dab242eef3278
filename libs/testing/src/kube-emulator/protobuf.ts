import { KubeApiError } from './status.js';

/**
 * A decoder for the Kubernetes protobuf encoding of the few kinds kubectl's typed `create` commands send as protobuf
 * (`kubectl create namespace|secret|configmap|service|ingress`): client-go does not fall back to JSON when a server
 * answers 415. Schema-driven (field numbers from k8s.io/api generated.proto); fields not listed are skipped.
 */
export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'time' | 'intOrString' | 'stringMap' | 'bytesMap' | Schema;
/** field number → [JSON name, type, repeated?]; a JSON name of '' inlines the message's fields (IngressRuleValue). */
interface Schema {
  [field: number]: [string, FieldType, boolean?];
}

const TYPED_LOCAL_REF: Schema = { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] };
const OWNER_REF: Schema = { 1: ['kind', 'string'], 2: ['name', 'string'], 3: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int'],
  8: ['creationTimestamp', 'time'],
  9: ['deletionTimestamp', 'time'],
  10: ['deletionGracePeriodSeconds', 'int'],
  11: ['labels', 'stringMap'],
  12: ['annotations', 'stringMap'],
  13: ['ownerReferences', OWNER_REF, true],
  14: ['finalizers', 'string', true],
};
const SERVICE_BACKEND: Schema = { 1: ['name', 'string'], 2: ['port', { 1: ['name', 'string'], 2: ['number', 'int'] }] };
const INGRESS_BACKEND: Schema = { 3: ['resource', TYPED_LOCAL_REF], 4: ['service', SERVICE_BACKEND] };
const HTTP_PATH: Schema = { 1: ['path', 'string'], 2: ['backend', INGRESS_BACKEND], 3: ['pathType', 'string'] };
const INGRESS_RULE: Schema = { 1: ['host', 'string'], 2: ['', { 1: ['http', { 1: ['paths', HTTP_PATH, true] }] }] };
const INGRESS_SPEC: Schema = {
  1: ['defaultBackend', INGRESS_BACKEND],
  2: ['tls', { 1: ['hosts', 'string', true], 2: ['secretName', 'string'] }, true],
  3: ['rules', INGRESS_RULE, true],
  4: ['ingressClassName', 'string'],
};
const SERVICE_PORT: Schema = { 1: ['name', 'string'], 2: ['protocol', 'string'], 3: ['port', 'int'], 4: ['targetPort', 'intOrString'], 5: ['nodePort', 'int'], 6: ['appProtocol', 'string'] };
const SERVICE_SPEC: Schema = {
  1: ['ports', SERVICE_PORT, true],
  2: ['selector', 'stringMap'],
  3: ['clusterIP', 'string'],
  4: ['type', 'string'],
  5: ['externalIPs', 'string', true],
  7: ['sessionAffinity', 'string'],
  10: ['externalName', 'string'],
};

const SCHEMAS: Record<string, Schema> = {
  'v1/Namespace': { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', 'string', true] }] },
  'v1/Secret': { 1: ['metadata', OBJECT_META], 2: ['data', 'bytesMap'], 3: ['type', 'string'], 4: ['stringData', 'stringMap'], 5: ['immutable', 'bool'] },
  'v1/ConfigMap': { 1: ['metadata', OBJECT_META], 2: ['data', 'stringMap'], 3: ['binaryData', 'bytesMap'], 4: ['immutable', 'bool'] },
  'v1/Service': { 1: ['metadata', OBJECT_META], 2: ['spec', SERVICE_SPEC] },
  'networking.k8s.io/v1/Ingress': { 1: ['metadata', OBJECT_META], 2: ['spec', INGRESS_SPEC] },
};
const UNKNOWN: Schema = { 1: ['typeMeta', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }], 2: ['raw', 'bytes'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string'] };
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.buf.length || shift > 63) throw new Error('truncated varint');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  }
  bytes(): Buffer {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, any> {
  const out: Record<string, any> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    const spec = schema[field];
    if (!spec) {
      r.skip(wire);
      continue;
    }
    const [name, type, repeated] = spec;
    const value = decodeValue(r, wire, type);
    // gogo-protobuf writes unset scalars as zero values; JSON (omitempty) leaves them out, and so does the emulator.
    if (!repeated && (value === '' || value === 0 || value === false || value === undefined) && type !== 'intOrString') continue;
    if (name === '') Object.assign(out, value);
    else if (type === 'stringMap' || type === 'bytesMap') out[name] = { ...out[name], ...value };
    else if (repeated) (out[name] ??= []).push(value);
    else out[name] = value;
  }
  return out;
}

function decodeValue(r: Reader, wire: number, type: FieldType): any {
  if (type === 'int') return r.varint();
  if (type === 'bool') return r.varint() !== 0;
  const data = r.bytes();
  switch (type) {
    case 'string':
      return data.toString('utf8');
    case 'bytes':
      return data;
    case 'time': {
      const t = decodeMessage(data, { 1: ['seconds', 'int'], 2: ['nanos', 'int'] });
      if (!t.seconds || t.seconds > 2 ** 53) return undefined; // unset, or Go's zero time (negative, as a uint64 varint)
      return new Date((t.seconds ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    }
    case 'intOrString': {
      const v = decodeMessage(data, { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] });
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case 'stringMap':
    case 'bytesMap': {
      const entry = decodeMessage(data, { 1: ['key', 'string'], 2: ['value', type === 'stringMap' ? 'string' : 'bytes'] });
      const value = entry.value ?? (type === 'stringMap' ? '' : Buffer.alloc(0));
      return { [entry.key ?? '']: type === 'bytesMap' ? (value as Buffer).toString('base64') : value };
    }
    default:
      if (wire !== 2) throw new Error('expected a length-delimited message');
      return decodeMessage(data, type);
  }
}

/** Decodes a `k8s\0`-prefixed runtime.Unknown envelope into a JSON object; 415 for kinds the emulator cannot decode. */
export function decodeKubeProtobuf(body: Buffer): Record<string, any> {
  try {
    if (!body.subarray(0, 4).equals(MAGIC)) throw new Error('missing the k8s protobuf prefix');
    const unknown = decodeMessage(body.subarray(4), UNKNOWN);
    const apiVersion = unknown.typeMeta?.apiVersion ?? '';
    const kind = unknown.typeMeta?.kind ?? '';
    const schema = SCHEMAS[`${apiVersion}/${kind}`];
    if (!schema) {
      throw new KubeApiError(415, `the emulator decodes protobuf only for ${Object.keys(SCHEMAS).join(', ')}; send ${apiVersion}/${kind} as application/json`, 'UnsupportedMediaType');
    }
    return { apiVersion, kind, ...decodeMessage(unknown.raw ?? Buffer.alloc(0), schema) };
  } catch (err) {
    if (err instanceof KubeApiError) throw err;
    throw new KubeApiError(400, `error decoding protobuf body: ${(err as Error).message}`, 'BadRequest');
  }
}
