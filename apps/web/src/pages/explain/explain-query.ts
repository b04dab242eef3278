import type { operations } from '../../api/schema.gen.js';

/** The explain page's inputs, kept in the URL query so an explanation is a link. */
export interface ExplainInputs {
  url: string;
  /** Empty: the URL's host is the SNI. */
  sni: string;
  /** True: the client sends no SNI at all (sni: null). */
  noSni: boolean;
  method: string;
  /** One `Name: value` per line. */
  headers: string;
  clientIp: string;
}

export type ExplainRequest = operations['ExplainController_explain']['requestBody']['content']['application/json'];

export const emptyInputs = (): ExplainInputs => ({ url: '', sni: '', noSni: false, method: 'GET', headers: '', clientIp: '' });

export function inputsFromParams(params: URLSearchParams): ExplainInputs {
  return {
    url: params.get('url') ?? '',
    sni: params.get('sni') ?? '',
    noSni: params.get('nosni') === '1',
    method: params.get('method') ?? 'GET',
    headers: params.getAll('header').join('\n'),
    clientIp: params.get('clientIp') ?? '',
  };
}

/** Only what differs from the defaults goes into the URL, so links stay short. */
export function inputsToParams(inputs: ExplainInputs): URLSearchParams {
  const params = new URLSearchParams();
  if (inputs.url.trim()) params.set('url', inputs.url.trim());
  if (inputs.noSni) params.set('nosni', '1');
  else if (inputs.sni.trim()) params.set('sni', inputs.sni.trim());
  if (inputs.method && inputs.method !== 'GET') params.set('method', inputs.method);
  for (const line of headerLines(inputs.headers)) params.append('header', line);
  if (inputs.clientIp.trim()) params.set('clientIp', inputs.clientIp.trim());
  return params;
}

const headerLines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/** `Name: value` lines as a header record; a line without a colon is reported, not guessed at. */
export function parseHeaders(text: string): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  for (const line of headerLines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `"${line}" is not a header: write Name: value` };
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers };
}

/** The API request for these inputs, or why they cannot be sent (null: nothing to explain yet). */
export function toExplainRequest(inputs: ExplainInputs): { request: ExplainRequest } | { error: string } | null {
  if (!inputs.url.trim()) return null;
  const parsed = parseHeaders(inputs.headers);
  if ('error' in parsed) return parsed;
  const request: ExplainRequest = { url: inputs.url.trim(), method: inputs.method || 'GET' };
  if (inputs.noSni) request.sni = null;
  else if (inputs.sni.trim()) request.sni = inputs.sni.trim();
  if (Object.keys(parsed.headers).length) request.headers = parsed.headers;
  if (inputs.clientIp.trim()) request.clientIp = inputs.clientIp.trim();
  return { request };
}
