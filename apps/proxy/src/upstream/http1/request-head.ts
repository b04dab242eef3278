import type { OutgoingHttpHeaders } from 'node:http';
import { hasInvalidHeaderChar } from '../../http1/llhttp.js';

/** How a request's body is framed on the upstream connection. */
export type BodyFraming = 'none' | 'length' | 'chunked';

/** A request target as node:http sends one: no space, CR, LF, NUL or other control to split a line (its INVALID_PATH_REGEX). */
const VALID_TARGET = /^[\x21-\xff]+$/;

/**
 * The request line and header block sent to an upstream, as one latin1 string (one write). Every value is checked
 * for the characters node:http refuses in a header (CR, LF, NUL...): most come from a parser that already refused
 * them, but the target may be rewritten and some values (a client certificate's subject) are made by the proxy.
 * Throws an error naming the field; nothing is sent then.
 */
export function requestHead(method: string, target: string, headers: OutgoingHttpHeaders, defaultHost: string, framing: BodyFraming): string {
  if (!VALID_TARGET.test(target)) throw invalidRequest(`the request target ${JSON.stringify(target)} cannot be sent upstream`);
  let head = `${method} ${target} HTTP/1.1\r\n`;
  // HTTP/1.1 requires Host (RFC 9112 §3.2); an HTTP/1.0 client may not have sent one.
  if (headers.host === undefined) head += `host: ${defaultHost}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) head += headerLine(name, item);
    } else {
      head += headerLine(name, typeof value === 'string' ? value : String(value));
    }
  }
  // Persistent by default in HTTP/1.1; said anyway, as node:http's agent and undici do, for upstreams that want it.
  head += framing === 'chunked' ? 'connection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n' : 'connection: keep-alive\r\n\r\n';
  return head;
}

function headerLine(name: string, value: string): string {
  if (hasInvalidHeaderChar(value)) throw invalidRequest(`the value of header ${name} cannot be sent upstream`);
  return `${name}: ${value}\r\n`;
}

/** The code of a request that cannot be sent upstream. */
export const INVALID_UPSTREAM_REQUEST = 'ERR_INVALID_UPSTREAM_REQUEST';

function invalidRequest(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: INVALID_UPSTREAM_REQUEST });
}

/** A body with a declared Content-Length is sent as it is; one without (chunked upload, HTTP/2 stream) chunked. */
export function bodyFraming(headers: OutgoingHttpHeaders, hasBody: boolean): BodyFraming {
  if (!hasBody) return 'none';
  return headers['content-length'] === undefined ? 'chunked' : 'length';
}
