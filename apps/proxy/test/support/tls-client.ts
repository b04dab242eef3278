import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

/** Completes a TLS handshake with 127.0.0.1:port; no `servername` means no SNI (an IP host sends none). */
export function tlsConnect(port: number, servername: string | undefined, ca: string, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca, rejectUnauthorized: false, ...extra });
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export function peerCN(socket: tls.TLSSocket): string | undefined {
  const cn = socket.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** Sends one HTTP/1.1 request on an open (TLS) socket and reads one response with a Content-Length body. */
export function httpOverSocket(socket: tls.TLSSocket, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = data.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve({ status: Number(head.split(' ')[1]), body: data.subarray(end + 4, end + 4 + length).toString() });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

/**
 * A TCP hop that forwards the first `dribbleBytes` bytes from the client one byte per write (Nagle off, a pause
 * between writes) and then everything else as it comes: what a client splitting its ClientHello looks like.
 */
export async function startDribbler(targetPort: number, dribbleBytes = 4096): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    sockets.add(client).add(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.pipe(client);
    let sent = 0;
    let queue: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        for (const byte of chunk) {
          if (upstream.destroyed) return;
          upstream.write(Buffer.of(byte));
          // setImmediate yields past the poll phase, so the proxy (same process) reads each byte as its own chunk.
          if (++sent < dribbleBytes) await new Promise((r) => setImmediate(r));
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An HTTP/1.1 exchange over TLS that may be refused: the response, or how the connection ended without one. */
export type TlsAttempt = { status: number; headers: string; body: string } | { refused: string };

export interface TlsRequestOptions {
  /** Host header; default the SNI. */
  host?: string;
  path?: string;
  /** Extra request header lines, e.g. `{ 'x-client-cert-subject': 'forged' }`. */
  headers?: Record<string, string>;
  /** Client certificate (leaf first, then intermediates) and its key. */
  cert?: string;
  key?: string;
}

/**
 * Connects to 127.0.0.1:port with `servername` as SNI, sends one GET as soon as the client's handshake completes
 * and reads the response. With TLS 1.3 a client finishes its handshake before the server has checked its
 * certificate, so a refused client certificate shows up here as an alert or a close instead of a response.
 */
export function tlsRequest(port: number, servername: string | undefined, options: TlsRequestOptions = {}): Promise<TlsAttempt> {
  const { host = servername ?? '127.0.0.1', path = '/', headers = {}, cert, key } = options;
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, cert, key, ALPNProtocols: ['http/1.1'] });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (result: TlsAttempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ refused: 'timeout' }), 5_000);
    socket.once('secureConnect', () => {
      let head = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      socket.write(head + '\r\n');
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = data.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      finish({ status: Number(head.split(' ')[1]), headers: head, body: data.subarray(end + 4, end + 4 + length).toString() });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ refused: err.code ?? err.message }));
    socket.once('close', () => finish({ refused: 'closed' }));
  });
}
