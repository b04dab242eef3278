import type { components } from '../../api/schema.gen.js';

export type Diagnostic = components['schemas']['Diagnostic'];
export type Severity = Diagnostic['severity'];
export type GroupBy = 'severity' | 'kind' | 'object' | 'code';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export interface DiagnosticFilter {
  severities: Severity[];
  kind: string | null;
  /** Case-insensitive text found in the object, code, message or field. */
  text: string;
}

export const objectLabel = (d: Diagnostic): string => (d.object ? `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}` : 'the controller');

/** Where the dashboard shows the object a diagnostic is about; null when it has no page. */
export function objectLink(d: Diagnostic): string | null {
  if (!d.object) return null;
  const namespace = encodeURIComponent(d.object.namespace ?? 'default');
  const name = encodeURIComponent(d.object.name);
  if (d.object.kind === 'Ingress') return `/ingresses/${namespace}/${name}`;
  if (d.object.kind === 'Secret') return `/certificates/${namespace}/${name}`;
  return null;
}

export function filterDiagnostics(diagnostics: Diagnostic[], filter: DiagnosticFilter): Diagnostic[] {
  const text = filter.text.trim().toLowerCase();
  return diagnostics.filter(
    (d) =>
      (filter.severities.length === 0 || filter.severities.includes(d.severity)) &&
      (filter.kind === null || (d.object?.kind ?? 'controller') === filter.kind) &&
      (!text || [objectLabel(d), d.code, d.message, d.field ?? '', d.file ?? ''].some((part) => part.toLowerCase().includes(text))),
  );
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Groups in a stable order (severity: worst first; otherwise by name), each group worst first. */
export function groupDiagnostics(diagnostics: Diagnostic[], by: GroupBy): Array<{ key: string; items: Diagnostic[] }> {
  const keyOf = (d: Diagnostic) => (by === 'severity' ? d.severity : by === 'kind' ? (d.object?.kind ?? 'controller') : by === 'code' ? d.code : objectLabel(d));
  const groups = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) groups.set(keyOf(d), [...(groups.get(keyOf(d)) ?? []), d]);
  const order = (key: string) => (by === 'severity' ? String(SEVERITY_ORDER[key as Severity]) : key);
  return [...groups]
    .sort(([a], [b]) => order(a).localeCompare(order(b)))
    .map(([key, items]) => ({ key, items: [...items].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]) }));
}
