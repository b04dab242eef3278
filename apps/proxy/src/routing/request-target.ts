export interface RequestTarget {
  /** Host to route on: the authority of an absolute-form target, else the Host header. */
  host: string | undefined;
  /** Path without the query. */
  rawPath: string;
  /** `?...` or empty. */
  query: string;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)/i;

/**
 * Splits a request target into what routing needs. Absolute-form (`GET http://h/p`) is accepted as RFC 9112 §3.2.2
 * requires, with its authority taking the place of the Host header.
 */
export function splitRequestTarget(url: string, hostHeader: string | undefined): RequestTarget {
  let host = hostHeader;
  let target = url;
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute) {
      host = absolute[1];
      target = target.slice(absolute[0].length) || '/';
    }
  }
  const q = target.indexOf('?');
  return q === -1 ? { host, rawPath: target, query: '' } : { host, rawPath: target.slice(0, q), query: target.slice(q) };
}
