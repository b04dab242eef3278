import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';

export interface TlsUpstream {
  port: number;
  server: https.Server;
  /** TLS connections accepted (handshakes completed), to tell a reused connection from a new one. */
  connections: () => number;
  close(): Promise<void>;
}

/**
 * An HTTPS upstream answering JSON `{name, url, servername, clientCN}`: the SNI the proxy sent and the CN of the
 * client certificate it presented, if any. `options` are https.createServer's (cert, key, requestCert, ca...).
 */
export async function startTlsUpstream(name: string, options: https.ServerOptions): Promise<TlsUpstream> {
  let connections = 0;
  const server = https.createServer(options, (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const body = JSON.stringify({ name, url: req.url, servername: socket.servername || null, clientCN: (Array.isArray(cn) ? cn[0] : cn) ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
