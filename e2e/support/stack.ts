import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startApi, type ApiHandle, type ApiOptions } from '@portico/api';
import { startEchoServer, type EchoServer } from '@portico/api/demo';
import { startProxy, type ProxyHandle, type ProxyOptions } from '@portico/proxy';
import { SseClient, type KubeEmulator } from '@portico/testing';
import { eventually, get, type RequestOptions } from './http-client.js';
import { EmulatedCluster, ManifestDirectory, type ObjectStore, type SourceKind } from './stores.js';

export { SOURCES, type SourceKind } from './stores.js';

const ADMIN_TOKEN = 'e2e-admin-token';
const PROXY_TOKEN = 'e2e-proxy-token';

/**
 * The whole product in one test process, as `npm start` runs it: a source of objects (a manifests directory, or the
 * Kubernetes API server emulator read through the real client-node), the real API (source, compiler, delivery) and
 * the real proxy subscribed to it, all on 127.0.0.1 with free ports.
 */
export class Stack {
  private readonly echoes: EchoServer[] = [];
  api!: ApiHandle;
  proxy!: ProxyHandle;

  private constructor(
    private readonly store: ObjectStore,
    readonly stateDir: string,
  ) {}

  static async start(
    files: Record<string, string>,
    proxyOptions: Partial<ProxyOptions> = {},
    options: { source?: SourceKind; api?: Partial<ApiOptions> } = {},
  ): Promise<Stack> {
    const store = options.source === 'kubernetes' ? await EmulatedCluster.create() : await ManifestDirectory.create();
    const stateDir = await mkdtemp(join(tmpdir(), 'portico-proxy-state-'));
    const stack = new Stack(store, stateDir);
    for (const [name, content] of Object.entries(files)) await store.write(name, content);
    stack.api = await stack.startApi(options.api);
    stack.proxy = await stack.startProxy(proxyOptions);
    await stack.settled();
    return stack;
  }

  /** The emulated cluster, when the source is Kubernetes (for fault injection and kubectl). */
  get cluster(): KubeEmulator | undefined {
    return this.store instanceof EmulatedCluster ? this.store.emulator : undefined;
  }

  /** An API instance on this stack's source (a second one plays another replica). */
  startApi(options: Partial<ApiOptions> = {}): Promise<ApiHandle> {
    return startApi({ ...this.store.apiOptions(), port: 0, bind: '127.0.0.1', adminToken: ADMIN_TOKEN, proxyToken: PROXY_TOKEN, webDir: null, logLevel: 'warn', ...options });
  }

  startProxy(options: Partial<ProxyOptions> = {}): Promise<ProxyHandle> {
    return startProxy({
      apiUrl: this.api.url,
      proxyToken: PROXY_TOKEN,
      proxyId: `e2e-${Math.random().toString(36).slice(2, 8)}`,
      httpPort: 0,
      httpsPort: 0,
      adminPort: 0,
      bind: '127.0.0.1',
      stateDir: this.stateDir,
      logger: pino({ level: 'warn' }),
      reconnect: { minBackoffMs: 50, maxBackoffMs: 500 },
      ...options,
    });
  }

  /** Starts `count` echo servers for one Service (HTTPS with `tls`) and returns their pod names and ports. */
  async echo(service: string, count: number, tls?: { certPem: string; keyPem: string }): Promise<Array<{ pod: string; port: number }>> {
    const pods = [];
    for (let i = 1; i <= count; i++) {
      const pod = `${service}-${i}`;
      const server = await startEchoServer({ service, pod, ...(tls ? { tls } : {}) });
      this.echoes.push(server);
      pods.push({ pod, port: server.port });
    }
    return pods;
  }

  /** Writes (or replaces) a manifest file and waits until the proxy serves whatever it changed. */
  async write(name: string, content: string): Promise<void> {
    const before = this.api.generation();
    await this.store.write(name, content);
    await this.settledAfter(before);
  }

  async remove(name: string): Promise<void> {
    const before = this.api.generation();
    await this.store.remove(name);
    await this.settledAfter(before);
  }

  /** Waits for a new generation (if the change makes one) to be applied by the proxy. */
  private async settledAfter(before: number): Promise<void> {
    // A change that compiles to the same table makes no new generation; give the watcher time to notice either way.
    await eventually(() => {
      if (this.api.generation() <= before) throw new Error('no new generation yet');
    }, 1500).catch(() => undefined);
    await this.settled();
  }

  /** Waits until the proxy serves the API's current generation. */
  async settled(): Promise<void> {
    await eventually(() => {
      const current = this.api.generation();
      if (current === 0 || this.proxy.currentGeneration() !== current) {
        throw new Error(`proxy serves ${this.proxy.currentGeneration()}, API is at ${current}`);
      }
    }, 10_000);
  }

  request(host: string | undefined, path: string, opts?: RequestOptions) {
    return get(this.proxy.httpPort, host, path, opts);
  }

  /** Any admin API call with the admin token; the caller reads the response. */
  adminFetch(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** The admin API's live event stream, with the admin token; the caller closes it. */
  events(): Promise<SseClient> {
    return SseClient.open(`${this.api.url}/api/v1/events`, { authorization: `Bearer ${ADMIN_TOKEN}` });
  }

  /** An admin API read with the admin token. */
  async admin<T = unknown>(path: string): Promise<T> {
    const res = await fetch(`${this.api.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await this.api?.close();
    await Promise.all(this.echoes.map((e) => e.close()));
    await this.store.close();
    await rm(this.stateDir, { recursive: true, force: true });
  }
}
