import { describe, expect, it } from 'vitest';
import { bodyFraming, INVALID_UPSTREAM_REQUEST, requestHead } from './request-head.js';

describe('requestHead', () => {
  it('writes the request line, the headers as given (repeated ones as separate lines) and keep-alive', () => {
    const head = requestHead('GET', '/a?b=1', { host: 'app.example', 'set-cookie': ['a=1', 'b=2'], 'x-n': 3 as unknown as string }, '10.0.0.1:80', 'none');
    expect(head).toBe('GET /a?b=1 HTTP/1.1\r\nhost: app.example\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-n: 3\r\nconnection: keep-alive\r\n\r\n');
  });

  it('names the endpoint as Host when the client sent none (an HTTP/1.0 client), since HTTP/1.1 requires one', () => {
    expect(requestHead('GET', '/', {}, '[fd00::1]:8080', 'none')).toBe('GET / HTTP/1.1\r\nhost: [fd00::1]:8080\r\nconnection: keep-alive\r\n\r\n');
  });

  it('frames a body without Content-Length as chunked, and one with it as it is', () => {
    expect(bodyFraming({ 'content-length': '5' }, true)).toBe('length');
    expect(bodyFraming({}, true)).toBe('chunked');
    expect(bodyFraming({ 'content-length': '5' }, false)).toBe('none');
    expect(requestHead('POST', '/', { host: 'h' }, 'x:1', 'chunked')).toMatch(/\r\ntransfer-encoding: chunked\r\n\r\n$/);
  });

  it('accepts a target with bytes above 0x7f, as node:http sends it (an HTTP/2 client may send one)', () => {
    expect(requestHead('GET', '/caf\u00e9', { host: 'h' }, 'x:1', 'none')).toMatch(/^GET \/caf\u00e9 HTTP\/1\.1\r\n/);
  });

  it('refuses a target or a value that would split a line, naming what it refused', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message };
      }
      return null;
    };
    expect(refusal(() => requestHead('GET', '/a b', { host: 'h' }, 'x:1', 'none'))).toEqual({ code: INVALID_UPSTREAM_REQUEST, message: expect.stringContaining('request target "/a b"') });
    expect(refusal(() => requestHead('GET', '/\r\nX: y', { host: 'h' }, 'x:1', 'none'))?.code).toBe(INVALID_UPSTREAM_REQUEST);
    expect(refusal(() => requestHead('GET', '/', { host: 'h', 'x-client-cert-subject': 'CN=a\r\nX-Admin: 1' }, 'x:1', 'none'))).toEqual({
      code: INVALID_UPSTREAM_REQUEST,
      message: expect.stringContaining('header x-client-cert-subject'),
    });
    expect(refusal(() => requestHead('GET', '/', { host: 'h', 'x-a': ['ok', 'b\u0000d'] }, 'x:1', 'none'))?.code).toBe(INVALID_UPSTREAM_REQUEST);
  });
});
