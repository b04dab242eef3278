import { describe, expect, it } from 'vitest';
import { CLIENT_CERT_SUBJECT, clientIpOf, stripHopByHop, upstreamRequestHeaders } from './forwarded-headers.js';
import { splitRequestTarget } from './request-target.js';
import { applyRewrite, compileRewrite } from './rewrite.js';

describe('rewrite', () => {
  it('replaces the first match (FSM demo: ^/httpbin/? → /)', () => {
    const rw = compileRewrite({ from: '^/httpbin/?', to: '/' });
    expect(applyRewrite(rw, '/httpbin/hi')).toBe('/hi');
    expect(applyRewrite(rw, '/httpbin')).toBe('/');
  });

  it('replaces only the first occurrence and keeps a leading slash', () => {
    expect(applyRewrite(compileRewrite({ from: 'a', to: 'b' }), '/a/a')).toBe('/b/a');
    expect(applyRewrite(compileRewrite({ from: '^/api/', to: '' }), '/api/users')).toBe('/users');
  });

  it('supports capture groups in the replacement', () => {
    expect(applyRewrite(compileRewrite({ from: '^/v(\\d+)/(.*)$', to: '/$2?version=$1' }), '/v2/items')).toBe('/items?version=2');
  });

  it('refuses an invalid regex at compile time', () => {
    expect(() => compileRewrite({ from: '(', to: '/' })).toThrow();
  });
});

describe('request target', () => {
  it('splits origin-form into path and query', () => {
    expect(splitRequestTarget('/a/b?x=1&y', 'h')).toEqual({ host: 'h', rawPath: '/a/b', query: '?x=1&y' });
  });

  it('takes the host from an absolute-form target', () => {
    expect(splitRequestTarget('http://Example.com:8080/p?q', 'other')).toEqual({ host: 'Example.com:8080', rawPath: '/p', query: '?q' });
    expect(splitRequestTarget('http://example.com', undefined)).toEqual({ host: 'example.com', rawPath: '/', query: '' });
  });
});

describe('forwarded headers', () => {
  it('drops hop-by-hop headers and those named in Connection', () => {
    const out = stripHopByHop({
      connection: 'keep-alive, X-Secret',
      'keep-alive': 'timeout=5',
      'x-secret': '1',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      'x-end-to-end': 'kept',
    });
    expect(out).toEqual({ 'x-end-to-end': 'kept' });
  });

  it('appends the client to X-Forwarded-For and overwrites the other X-Forwarded-* headers', () => {
    const out = upstreamRequestHeaders(
      { host: 'Example.com:8000', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-port': '1' },
      { clientIp: '10.0.0.5', localPort: 8000, proto: 'http' },
      false,
    );
    expect(out).toMatchObject({
      host: 'Example.com:8000',
      'x-forwarded-for': '203.0.113.9, 10.0.0.5',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'Example.com:8000',
      'x-forwarded-port': '8000',
    });
  });

  it('keeps Upgrade and Connection only for an upgrade', () => {
    const headers = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' };
    const facts = { clientIp: '1.2.3.4', localPort: 1, proto: 'http' as const };
    expect(upstreamRequestHeaders(headers, facts, false)).not.toHaveProperty('upgrade');
    expect(upstreamRequestHeaders(headers, facts, true)).toMatchObject({ upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'k' });
  });

  it('drops HTTP/2 pseudo-headers and takes Host from :authority', () => {
    const out = upstreamRequestHeaders(
      { ':method': 'GET', ':path': '/x', ':scheme': 'https', ':authority': 'a.example.com:8443', accept: '*/*' },
      { clientIp: '1.2.3.4', localPort: 8443, proto: 'https' },
      false,
    );
    expect(Object.keys(out).filter((h) => h.startsWith(':'))).toEqual([]);
    expect(out).toMatchObject({ host: 'a.example.com:8443', 'x-forwarded-host': 'a.example.com:8443', 'x-forwarded-proto': 'https', accept: '*/*' });
  });
  it('sends X-Client-Cert-Subject only from what the proxy verified, never a client\'s copy', () => {
    const facts = { clientIp: '1.2.3.4', localPort: 8443, proto: 'https' as const };
    expect(upstreamRequestHeaders({ 'x-client-cert-subject': 'CN=admin' }, facts, false)).not.toHaveProperty('x-client-cert-subject');
    const verified = upstreamRequestHeaders({ 'x-client-cert-subject': 'CN=admin', [CLIENT_CERT_SUBJECT]: 'CN=alice,O=Example' }, facts, true);
    expect(verified['x-client-cert-subject']).toBe('CN=alice,O=Example');
  });

  it('unmaps IPv4-mapped IPv6 client addresses', () => {
    expect(clientIpOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientIpOf('::1')).toBe('::1');
  });
});
