import { KubeApiError } from './status.js';
import type { KubeObject } from './types.js';

/** A compiled selector: true when the object matches. */
export type Selector = (obj: KubeObject) => boolean;

const matchAll: Selector = () => true;

/** Splits on commas that are not inside parentheses (`env in (a,b),tier`). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/** Label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma-separated (AND). */
export function parseLabelSelector(text: string | null | undefined): Selector {
  if (!text) return matchAll;
  const tests: Array<(labels: Record<string, string>) => boolean> = [];
  for (const term of splitTerms(text)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key, op, list] = m;
      const values = list.split(',').map((v) => v.trim());
      tests.push(op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key]));
    } else if ((m = term.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      const [, key, op, value] = m;
      tests.push(op === '!=' ? (l) => l[key] !== value : (l) => key in l && l[key] === value);
    } else if ((m = term.match(/^!\s*([^\s!=(),]+)$/))) {
      const key = m[1];
      tests.push((l) => !(key in l));
    } else if ((m = term.match(/^([^\s!=(),]+)$/))) {
      const key = m[1];
      tests.push((l) => key in l);
    } else {
      throw new KubeApiError(400, `unable to parse requirement: invalid label selector: "${text}"`, 'BadRequest');
    }
  }
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

function fieldValue(obj: KubeObject, path: string): string {
  let value: any = obj;
  for (const part of path.split('.')) value = value == null ? undefined : value[part];
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Field selectors: `path=value`, `path==value`, `path!=value`, comma-separated. Any dotted path is accepted
 * (`metadata.name`, `metadata.namespace`, `involvedObject.name`, `type`…); a real server accepts only a few per kind.
 */
export function parseFieldSelector(text: string | null | undefined): Selector {
  if (!text) return matchAll;
  const tests: Selector[] = [];
  for (const term of splitTerms(text)) {
    const m = term.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new KubeApiError(400, `invalid field selector: "${text}"`, 'BadRequest');
    const [, path, op, value] = m;
    tests.push(op === '!=' ? (o) => fieldValue(o, path) !== value : (o) => fieldValue(o, path) === value);
  }
  return (obj) => tests.every((t) => t(obj));
}

export function combine(...selectors: Selector[]): Selector {
  return (obj) => selectors.every((s) => s(obj));
}
