/**
 * Portico's one path normalisation policy, applied identically by the proxy (before matching and forwarding),
 * by the compiler (to rule paths) and by the API's explanations:
 *
 * 1. the query string never takes part;
 * 2. percent-encoded unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded, other escapes keep their
 *    encoding with upper-case hex digits, and a malformed escape is an error;
 * 3. runs of `/` collapse to one;
 * 4. `.` and `..` segments are resolved (RFC 3986 §5.2.4), never climbing above `/`.
 *
 * The upstream receives the normalised path, so what was matched is what is served.
 */
export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

function decodeUnreserved(path: string): string | null {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return null;
    const decoded = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is always '' because the path starts with '/'.
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i];
    if (seg === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (seg === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else {
      out.push(seg);
    }
  }
  return '/' + out.join('/');
}

export function normalizePath(rawPath: string): NormalizedPath {
  const q = rawPath.indexOf('?');
  let path = q === -1 ? rawPath : rawPath.slice(0, q);
  if (!path.startsWith('/')) return { ok: false, reason: 'path must start with "/"' };
  // Fast path: nothing to normalise (the common case on the proxy's hot path).
  if (!path.includes('%') && !path.includes('//') && !path.includes('/.')) return { ok: true, path };
  const decoded = decodeUnreserved(path);
  if (decoded === null) return { ok: false, reason: 'malformed percent-encoding in path' };
  path = decoded.replace(/\/{2,}/g, '/');
  return { ok: true, path: removeDotSegments(path) };
}

/** The key a Prefix rule is stored under, and the form a request path is compared in: no trailing `/`. */
export const prefixKey = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') || '/' : path);
