/**
 * The fields an audited change touched, as dotted paths (`spec.rules[0].host`), so a reader sees what changed
 * before reading two whole objects. Lists are compared item by item; a path appears once, at the deepest level that
 * differs. Server bookkeeping (resourceVersion, managedFields, generation) is left out: every write changes it.
 */
const BOOKKEEPING = new Set(['metadata.resourceVersion', 'metadata.managedFields', 'metadata.generation', 'metadata.uid', 'metadata.creationTimestamp']);

export function changedPaths(before: unknown, after: unknown, at = ''): string[] {
  if (BOOKKEEPING.has(at)) return [];
  if (Object.is(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => changedPaths(before[i], after[i], `${at}[${i}]`)).flat();
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], at ? `${at}.${key}` : key));
  }
  return [at || '(whole object)'];
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
