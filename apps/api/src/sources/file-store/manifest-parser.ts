import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostic, KubeObject } from '@portico/model';

/** An object read from a manifest file, with where it was declared. */
export interface LocatedObject {
  object: KubeObject;
  file: string;
  line: number;
}

export interface ParsedManifest {
  objects: LocatedObject[];
  diagnostics: Diagnostic[];
}

/**
 * Turns the text of one manifest file into Kubernetes objects. Each YAML document stands alone: a broken document
 * gives a diagnostic and the other documents of the file still load. `List` kinds are expanded into their items.
 * Objects are not validated here beyond being mappings; the snapshot builder checks kind and name.
 */
export function parseManifest(text: string, file: string): ParsedManifest {
  const lineCounter = new LineCounter();
  const result: ParsedManifest = { objects: [], diagnostics: [] };
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);

  let documents: Document.Parsed[];
  try {
    documents = Array.from(parseAllDocuments(text, { lineCounter, prettyErrors: true }));
  } catch (error) {
    // The parser reports problems as document errors; a throw here means input it cannot even tokenise.
    result.diagnostics.push(parseError(file, 1, errorMessage(error)));
    return result;
  }

  for (const document of documents) {
    const documentLine = lineAt(document.contents?.range?.[0] ?? document.range[0]);
    if (document.errors.length > 0) {
      const first = document.errors[0];
      const line = first.linePos?.[0].line ?? documentLine;
      const more = document.errors.length > 1 ? ` (and ${document.errors.length - 1} more problems)` : '';
      result.diagnostics.push(parseError(file, line, `invalid YAML: ${firstLine(first.message)}${more}`));
      continue;
    }
    if (document.contents === null) continue; // empty document, e.g. a trailing `---`

    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      result.diagnostics.push(parseError(file, documentLine, `invalid YAML: ${errorMessage(error)}`));
      continue;
    }
    if (!isPlainObject(value)) {
      result.diagnostics.push({
        severity: 'error',
        code: 'InvalidManifest',
        message: `the document is ${describe(value)}, not a Kubernetes object (a mapping with kind and metadata)`,
        file,
        line: documentLine,
      });
      continue;
    }
    if (isListKind(value)) {
      expandList(value, document, file, lineAt, result);
      continue;
    }
    result.objects.push({ object: value as KubeObject, file, line: documentLine });
  }
  return result;
}

function expandList(
  list: Record<string, unknown>,
  document: Document.Parsed,
  file: string,
  lineAt: (offset: number | undefined) => number,
  result: ParsedManifest,
): void {
  const items = list.items;
  const listLine = lineAt(document.contents?.range?.[0]);
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) {
    result.diagnostics.push({
      severity: 'error',
      code: 'InvalidManifest',
      message: `${String(list.kind)}.items must be a list, got ${describe(items)}`,
      file,
      line: listLine,
      field: 'items',
    });
    return;
  }
  const itemNodes = itemsNode(document);
  // Typed lists from the API server (`IngressList`) omit kind on their items; the list kind says what they are.
  const impliedKind = list.kind === 'List' ? undefined : String(list.kind).slice(0, -'List'.length);
  items.forEach((item, index) => {
    const offset = itemNodes?.[index]?.range?.[0];
    const line = offset === undefined ? listLine : lineAt(offset);
    if (!isPlainObject(item)) {
      result.diagnostics.push({
        severity: 'error',
        code: 'InvalidManifest',
        message: `items[${index}] is ${describe(item)}, not a Kubernetes object`,
        file,
        line,
        field: `items[${index}]`,
      });
      return;
    }
    const object = (impliedKind && item.kind === undefined ? { kind: impliedKind, ...item } : item) as KubeObject;
    result.objects.push({ object, file, line });
  });
}

function itemsNode(document: Document.Parsed): Node[] | undefined {
  if (!isMap(document.contents)) return undefined;
  const node = document.contents.get('items', true);
  return isSeq(node) ? (node.items as Node[]) : undefined;
}

const isListKind = (value: Record<string, unknown>): boolean =>
  typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

const parseError = (file: string, line: number, message: string): Diagnostic => ({
  severity: 'error',
  code: 'ManifestParseError',
  message,
  file,
  line,
});

const firstLine = (message: string): string => message.split('\n')[0].replace(/:\s*$/, '');
const errorMessage = (error: unknown): string => firstLine(error instanceof Error ? error.message : String(error));
