import cluster from 'node:cluster';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startCluster } from './cluster/primary.js';
import { isProxyWorker, runWorker } from './cluster/worker.js';
import { defaultWorkerCount, MAX_WORKERS } from './cluster/worker-count.js';
import { createLogger } from './observability/logger.js';
import { startProxy } from './index.js';
import { DEFAULT_STATE_DIR } from './options.js';

/** Each flag, the environment variable that can set it instead, and its default. The flag wins over the variable. */
const FLAGS = {
  'api-url': { env: 'PORTICO_API_URL', default: undefined },
  'proxy-token': { env: 'PORTICO_PROXY_TOKEN', default: undefined },
  'proxy-id': { env: 'PORTICO_PROXY_ID', default: undefined },
  'http-port': { env: 'PORTICO_HTTP_PORT', default: '8000' },
  'https-port': { env: 'PORTICO_HTTPS_PORT', default: '8443' },
  'public-https-port': { env: 'PORTICO_PUBLIC_HTTPS_PORT', default: undefined },
  'client-hello-timeout-ms': { env: 'PORTICO_CLIENT_HELLO_TIMEOUT_MS', default: '10000' },
  'default-cert': { env: 'PORTICO_DEFAULT_CERT', default: undefined },
  'default-key': { env: 'PORTICO_DEFAULT_KEY', default: undefined },
  'proxy-admin-port': { env: 'PORTICO_PROXY_ADMIN_PORT', default: '9091' },
  bind: { env: 'PORTICO_BIND', default: '0.0.0.0' },
  'state-dir': { env: 'PORTICO_STATE_DIR', default: DEFAULT_STATE_DIR },
  'upstream-timeout-ms': { env: 'PORTICO_UPSTREAM_TIMEOUT_MS', default: '60000' },
  'drain-timeout-ms': { env: 'PORTICO_DRAIN_TIMEOUT_MS', default: '10000' },
  // Worker processes serving traffic; 1 runs everything in one process. The default is the CPUs this process may
  // use (its affinity, e.g. `taskset`).
  workers: { env: 'PORTICO_WORKERS', default: String(defaultWorkerCount(os.availableParallelism())) },
} as const;
type Flag = keyof typeof FLAGS;

const USAGE = `Usage: node apps/proxy/dist/main.js [options]
${Object.entries(FLAGS)
  .map(([flag, spec]) => `  --${flag.padEnd(24)} env ${spec.env.padEnd(32)}${spec.default === undefined ? '' : ` default ${spec.default}`}`)
  .join('\n')}`;

function readFlags(argv: string[]): Record<Flag, string | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...(Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<Flag, { type: 'string' }>),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const out = {} as Record<Flag, string | undefined>;
  for (const flag of Object.keys(FLAGS) as Flag[]) {
    out[flag] = (values[flag] as string | undefined) ?? process.env[FLAGS[flag].env] ?? FLAGS[flag].default;
  }
  return out;
}

function toInt(flag: Flag, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

/** Both or neither: a certificate without its key (or the reverse) is a mistake worth refusing to start over. */
function defaultCertificateFiles(certFile: string | undefined, keyFile: string | undefined): { certFile: string; keyFile: string } | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('--default-cert and --default-key must be given together');
  return { certFile, keyFile };
}

async function main(): Promise<void> {
  let flags: Record<Flag, string | undefined>;
  let options: Parameters<typeof startProxy>[0];
  let workers: number;
  try {
    flags = readFlags(process.argv.slice(2));
    workers = toInt('workers', flags.workers, 1, MAX_WORKERS);
    options = {
      apiUrl: flags['api-url'],
      proxyToken: flags['proxy-token'],
      proxyId: flags['proxy-id'],
      httpPort: toInt('http-port', flags['http-port'], 0, 65535),
      httpsPort: toInt('https-port', flags['https-port'], 0, 65535),
      publicHttpsPort: flags['public-https-port'] === undefined ? undefined : toInt('public-https-port', flags['public-https-port'], 1, 65535),
      clientHelloTimeoutMs: toInt('client-hello-timeout-ms', flags['client-hello-timeout-ms'], 1, 600_000),
      defaultCertificate: defaultCertificateFiles(flags['default-cert'], flags['default-key']),
      adminPort: toInt('proxy-admin-port', flags['proxy-admin-port'], 0, 65535),
      bind: flags.bind,
      stateDir: flags['state-dir'],
      upstreamTimeoutMs: toInt('upstream-timeout-ms', flags['upstream-timeout-ms'], 1, 3_600_000),
      drainTimeoutMs: toInt('drain-timeout-ms', flags['drain-timeout-ms'], 0, 3_600_000),
    };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  // With workers, several processes write to stdout: the logger keeps each write whole lines.
  const logger = createLogger(undefined, { sharedStdout: cluster.isWorker || workers > 1 });
  options.logger = logger;
  if (isProxyWorker()) return runWorker(options);
  if (options.apiUrl && !options.proxyToken) logger.warn('no proxy token: the API will likely refuse the config stream');

  const proxy = workers > 1 ? await startCluster(options, workers) : await startProxy(options);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    proxy.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`portico-proxy failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
