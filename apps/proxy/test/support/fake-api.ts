import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONFIG_ACK_PATH, CONFIG_STREAM_PATH, type ProxyAck } from '@portico/model';

/**
 * Speaks the API's side of the delivery protocol: an NDJSON stream that tests push messages into, and an ack
 * endpoint that records what proxies report. Requests without the expected bearer token get 401.
 */
export class FakeApi {
  readonly acks: ProxyAck[] = [];
  /** Bodies posted to the traffic report endpoint (see src/observability/traffic-stats.ts). */
  readonly trafficReports: any[] = [];
  readonly subscriptions: URLSearchParams[] = [];
  private readonly streams = new Set<http.ServerResponse>();
  private server!: http.Server;
  port = 0;

  constructor(private readonly token: string) {}

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Sends one raw line (already JSON) to every open stream. */
  pushLine(line: string): void {
    for (const res of this.streams) res.write(line + '\n');
  }

  push(message: unknown): void {
    this.pushLine(JSON.stringify(message));
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === CONFIG_STREAM_PATH) {
      this.subscriptions.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      return;
    }
    if (req.method === 'POST' && url.pathname === CONFIG_ACK_PATH) {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        this.acks.push(JSON.parse(body) as ProxyAck);
        res.writeHead(204).end();
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/proxy-traffic') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        this.trafficReports.push(JSON.parse(body));
        res.writeHead(202).end();
      });
      return;
    }
    res.writeHead(404).end();
  }
}
