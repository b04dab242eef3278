import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { FIRST_VALUE_ONLY } from '../routing/forwarded-headers.js';

/**
 * A request body as a stream (what the upstream connection and `pipe` read); the connection pushes what llhttp
 * decodes into it.
 */
export class Http1Body extends Readable {
  constructor(private readonly wantsMore: () => void) {
    super();
  }

  override _read(): void {
    this.wantsMore();
  }
}

/**
 * A request received by the HTTP/1.1 server, with what node:http's IncomingMessage offers the proxy: method, target,
 * version, headers joined as Node joins them, and 'error' when the connection breaks off mid-upload. The body is a
 * separate stream, made only for a message that declares one (a stream per bodiless GET costs microseconds).
 */
export class Http1Request extends EventEmitter {
  /** The whole message, body included, has been received. */
  complete = false;
  /** llhttp's reading of the version and Connection header: the client will send another request after this one. */
  shouldKeepAlive = false;
  /** Null when the message has neither Content-Length nor Transfer-Encoding (RFC 9112 §6.3: no body). */
  readonly body: Http1Body | null;

  constructor(
    readonly socket: net.Socket,
    readonly method: string,
    readonly url: string,
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    readonly headers: IncomingHttpHeaders,
    wantsMore: () => void,
  ) {
    super();
    const declaresBody = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
    this.body = declaresBody ? new Http1Body(wantsMore) : null;
  }
}

/**
 * Header lines as node:http's IncomingMessage presents them (lib/_http_incoming.js `_addHeaderLine`): names in lower
 * case; a repeated header joined with ", " (Cookie with "; "), Set-Cookie as an array, and the headers Node keeps
 * the first of keeping the first.
 */
export function joinHeaderLines(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[] | undefined> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'set-cookie') {
      const cookies = headers['set-cookie'];
      if (Array.isArray(cookies)) cookies.push(value);
      else headers['set-cookie'] = [value];
    } else if (FIRST_VALUE_ONLY.has(name)) {
      if (headers[name] === undefined) headers[name] = value;
    } else {
      // `typeof` rather than `!== undefined`, as Node does: a name like "constructor" must not join the prototype's.
      const existing = headers[name];
      headers[name] = typeof existing === 'string' ? existing + (name === 'cookie' ? '; ' : ', ') + value : value;
    }
  }
  return headers as IncomingHttpHeaders;
}
