import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { selfSigned, type TestCertificate } from '../certificates.js';

let certificate: Promise<TestCertificate> | undefined;

/**
 * One 127.0.0.1 port that speaks both plain HTTP and HTTPS (the first byte of a connection picks: 0x16 is a TLS
 * handshake). HTTPS exists for kubectl: client-go reads a kubeconfig's credentials only when the transport is TLS
 * (tools/clientcmd/client_config.go, "only try to read the auth information if we are secure"), so against an
 * http:// server kubectl sends no bearer token at all. The certificate is self-signed (kubeconfig: insecure-skip-tls-verify).
 */
export class DualProtocolListener {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly http: ReturnType<typeof createHttpServer>,
    private readonly https: ReturnType<typeof createHttpsServer>,
  ) {}

  static async create(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<DualProtocolListener> {
    const cert = await (certificate ??= selfSigned(['localhost', '127.0.0.1']));
    return new DualProtocolListener(createHttpServer(handler), createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, handler));
  }

  /** Listens on 127.0.0.1:port (0: any free port); resolves with the port. */
  listen(port: number): Promise<number> {
    const server = createNetServer({ pauseOnConnect: true }, (socket) => this.dispatch(socket));
    this.server = server;
    return new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        server.off('error', fail);
        ok((server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and cuts every open connection. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (!server) return Promise.resolve();
    return new Promise((ok) => server.close(() => ok()));
  }

  private dispatch(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const peek = () => {
      const first: Buffer | null = socket.read(1);
      if (first === null) {
        socket.once('readable', peek);
        return;
      }
      socket.unshift(first);
      (first[0] === 0x16 ? this.https : this.http).emit('connection', socket);
    };
    socket.once('readable', peek);
  }
}
