import { parseDocument, stringify } from 'yaml';
import type { components } from '../../api/schema.gen.js';

/**
 * The editor's two views over one Ingress object: the form edits a flat model made from the object, and writes it
 * back onto the object (so fields the form does not show — labels, resourceVersion, other spec fields — are kept);
 * the YAML view edits the object's text. Empty form fields leave their key out, as `kubectl` users would write it.
 */
export type IngressObject = components['schemas']['Ingress'];

export const PATH_TYPES = ['Prefix', 'Exact', 'ImplementationSpecific'] as const;

export interface BackendForm {
  service: string;
  /** A port number ("80") or a port name ("http"). */
  port: string;
}
export interface PathForm {
  path: string;
  pathType: string;
  backend: BackendForm;
}
export interface RuleForm {
  host: string;
  paths: PathForm[];
}
export interface TlsForm {
  /** Comma- or space-separated hosts. */
  hosts: string;
  secretName: string;
}
export interface IngressForm {
  name: string;
  namespace: string;
  ingressClassName: string;
  rules: RuleForm[];
  tls: TlsForm[];
  defaultBackend: BackendForm;
  annotations: Record<string, string>;
}

type Backend = NonNullable<NonNullable<IngressObject['spec']>['defaultBackend']>;

export const emptyPath = (): PathForm => ({ path: '/', pathType: 'Prefix', backend: { service: '', port: '80' } });
export const emptyRule = (): RuleForm => ({ host: '', paths: [emptyPath()] });

export function newIngress(): IngressObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: '', namespace: 'default' },
    spec: { ingressClassName: 'portico', rules: [{ host: '', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: '', port: { number: 80 } } } }] } }] },
  };
}

const backendToForm = (backend: Backend | undefined): BackendForm => ({
  service: backend?.service?.name ?? '',
  port: backend?.service?.port?.number !== undefined ? String(backend.service.port.number) : (backend?.service?.port?.name ?? ''),
});

export function ingressToForm(object: IngressObject): IngressForm {
  const spec = object.spec ?? {};
  return {
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? 'default',
    ingressClassName: spec.ingressClassName ?? '',
    rules: (spec.rules ?? []).map((rule) => ({
      host: rule.host ?? '',
      paths: (rule.http?.paths ?? []).map((p) => ({ path: p.path ?? '', pathType: p.pathType ?? 'Prefix', backend: backendToForm(p.backend) })),
    })),
    tls: (spec.tls ?? []).map((t) => ({ hosts: (t.hosts ?? []).join(', '), secretName: t.secretName ?? '' })),
    defaultBackend: backendToForm(spec.defaultBackend),
    annotations: { ...(object.metadata?.annotations ?? {}) },
  };
}

/** A port of digits is a number (`port.number`), anything else a port name (`port.name`). */
function formToBackend(form: BackendForm): Backend {
  const port = form.port.trim();
  return { service: { name: form.service.trim(), port: /^\d+$/.test(port) ? { number: Number(port) } : { name: port } } };
}

const splitHosts = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Writes the form onto `base` (default: a new Ingress), keeping what the form does not edit. */
export function formToIngress(form: IngressForm, base: IngressObject = newIngress()): IngressObject {
  const { annotations: _a, name: _n, namespace: _ns, ...metadata } = base.metadata ?? {};
  const { ingressClassName: _c, rules: baseRules, tls: _t, defaultBackend: _d, ...spec } = base.spec ?? {};
  const annotations = Object.fromEntries(Object.entries(form.annotations).filter(([, value]) => value !== ''));
  const rules = form.rules.map((rule, i) => {
    const { host: _h, http: baseHttp, ...restRule } = baseRules?.[i] ?? {};
    return {
      ...restRule,
      ...(rule.host.trim() ? { host: rule.host.trim() } : {}),
      http: {
        ...baseHttp,
        paths: rule.paths.map((p, j) => ({ ...baseHttp?.paths?.[j], path: p.path, pathType: p.pathType, backend: formToBackend(p.backend) })),
      },
    };
  });
  const tls = form.tls.map((t) => ({ hosts: splitHosts(t.hosts), ...(t.secretName.trim() ? { secretName: t.secretName.trim() } : {}) }));
  return {
    ...base,
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { ...metadata, name: form.name.trim(), namespace: form.namespace.trim() || 'default', ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ...spec,
      ...(form.ingressClassName.trim() ? { ingressClassName: form.ingressClassName.trim() } : {}),
      ...(form.defaultBackend.service.trim() ? { defaultBackend: formToBackend(form.defaultBackend) } : {}),
      ...(tls.length ? { tls } : {}),
      ...(rules.length ? { rules } : {}),
    },
  };
}

/** What is sent: the object without status (the controller's) and, for a create, without server-set metadata. */
export function toRequestBody(object: IngressObject, create: boolean): IngressObject {
  const { status: _status, ...rest } = object;
  if (!create) return rest;
  const { resourceVersion: _rv, uid: _uid, generation: _g, creationTimestamp: _ct, ...metadata } = rest.metadata ?? {};
  return { ...rest, metadata };
}

export const toYaml = (object: IngressObject): string => stringify(object, { lineWidth: 0 });

/** The YAML view's text as an object, or the reason it is not one (with the line, for a syntax error). */
export function fromYaml(text: string): { object: IngressObject } | { error: string } {
  const document = parseDocument(text);
  const [first] = document.errors;
  if (first) {
    const line = first.linePos?.[0]?.line;
    return { error: `${line ? `line ${line}: ` : ''}${first.message.split('\n')[0]}` };
  }
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'the YAML must be one Ingress object (a mapping), not a list or a value' };
  return { object: value as IngressObject };
}
