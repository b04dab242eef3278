import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Http1Request } from './request.js';
import { Http1Response, type ResponseChannel } from './response.js';

/** A channel that records what would go to the socket. */
function recordingChannel(): ResponseChannel & { written: string } {
  return {
    written: '',
    write(data) {
      this.written += typeof data === 'string' ? data : data.toString('latin1');
      return true;
    },
    mayKeepAlive: () => true,
    keepAliveHeader: 'keep-alive: timeout=5\r\n',
    cork: () => undefined,
    uncork: () => undefined,
    ended: () => undefined,
    destroy: () => undefined,
    closed: false,
    writable: true,
  };
}

const get = () => new Http1Request(new net.Socket(), 'GET', '/', 1, 1, { host: 'a' }, () => undefined);

describe('Http1Response header checks', () => {
  it('refuses a header value that would split the response, and stays free to answer with an error instead', () => {
    const channel = recordingChannel();
    const res = new Http1Response(channel, get());
    expect(() => res.writeHead(200, { 'x-split': 'a\r\nset-cookie: evil=1' })).toThrow(/invalid response header "x-split"/);
    expect(res.headersSent).toBe(false);
    res.writeHead(502, { 'content-length': 0 }).end();
    expect(channel.written).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(channel.written).not.toContain('evil');
  });

  it('refuses a header name that is not a token', () => {
    const res = new Http1Response(recordingChannel(), get());
    expect(() => res.writeHead(200, { 'bad name': 'v' })).toThrow(/invalid response header/);
  });
});
