/** `['spec','rules',0,'host']` → `spec.rules[0].host`; annotation keys read as `metadata.annotations["key"]`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

export const annotationField = (key: string): string => `metadata.annotations[${JSON.stringify(key)}]`;
