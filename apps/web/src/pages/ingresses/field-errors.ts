/**
 * Places the API's field errors (`spec.rules[0].http.paths[0].path`, `metadata.annotations["…/lb-type"]`) at the
 * form inputs named by the same paths. An error belongs to the input with the longest path that is its own path or a
 * parent of it (`…backend.service.port.number` shows at the `…backend.service.port` input); errors no input owns
 * (`spec`, `(body)`, a whole path entry) are returned apart, to be listed with their field.
 */
export interface PlacedErrors {
  at: Record<string, string>;
  elsewhere: Array<{ field: string; message: string }>;
}

const isWithin = (field: string, input: string) => field === input || field.startsWith(`${input}.`) || field.startsWith(`${input}[`);

export function placeFieldErrors(errors: Record<string, string>, inputs: readonly string[]): PlacedErrors {
  const at: Record<string, string> = {};
  const elsewhere: PlacedErrors['elsewhere'] = [];
  for (const [field, message] of Object.entries(errors)) {
    const owner = inputs.filter((input) => isWithin(field, input)).sort((a, b) => b.length - a.length)[0];
    if (owner === undefined) elsewhere.push({ field, message });
    else at[owner] = at[owner] ? `${at[owner]}; ${message}` : message;
  }
  return { at, elsewhere };
}

/** The input paths of a form with these rules, TLS entries and annotation keys (the API's spelling). */
export function formFieldPaths(form: { rules: Array<{ paths: unknown[] }>; tls: unknown[] }, annotationKeys: readonly string[]): string[] {
  const backend = (at: string) => [`${at}.service.name`, `${at}.service.port`];
  return [
    'metadata.name',
    'metadata.namespace',
    'spec.ingressClassName',
    ...form.rules.flatMap((rule, i) => [
      `spec.rules[${i}].host`,
      ...rule.paths.flatMap((_, j) => {
        const at = `spec.rules[${i}].http.paths[${j}]`;
        return [`${at}.path`, `${at}.pathType`, ...backend(`${at}.backend`)];
      }),
    ]),
    ...form.tls.flatMap((_, i) => [`spec.tls[${i}].hosts`, `spec.tls[${i}].secretName`]),
    ...backend('spec.defaultBackend'),
    ...annotationKeys.map(annotationPath),
  ];
}

export const annotationPath = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;
