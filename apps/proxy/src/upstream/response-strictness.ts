import type { IncomingHttpHeaders } from 'node:http';

/**
 * What undici's llhttp build accepts in an upstream response and Node's own llhttp (node:http, the proxy's strictness
 * reference) refuses, found by the differential fuzz test in test/upstream-responses.test.ts. Returns why the
 * response must be refused (502), or null.
 */
export function laxResponseFraming(headers: IncomingHttpHeaders): string | null {
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding === undefined) return null;
  // An empty Transfer-Encoding field leaves the body's framing undefined: Node refuses it, alone or beside another.
  for (const value of Array.isArray(transferEncoding) ? transferEncoding : [transferEncoding]) {
    if (value.trim() === '') return 'empty Transfer-Encoding';
  }
  return null;
}
