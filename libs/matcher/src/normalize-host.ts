/**
 * Host names compare case-insensitively and without the port (the Ingress spec); a trailing dot (the DNS root)
 * is dropped. An IPv6 literal keeps its brackets.
 */
export function normalizeHost(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** `bar.foo.com` → `*.foo.com`; a name with a single label has no wildcard parent. */
export function wildcardParent(host: string): string | null {
  const dot = host.indexOf('.');
  if (dot <= 0 || dot === host.length - 1) return null;
  return '*' + host.slice(dot);
}
