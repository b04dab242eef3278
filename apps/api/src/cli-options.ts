import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_PORT, DEFAULT_BIND, type ApiOptions } from './config/api-options.js';
import { parseTlsFlags, TLS_FLAG_OPTIONS, TLS_FLAG_USAGE } from './tls-flags.js';

export const USAGE = `Usage: portico-api --manifests DIR [options]

  --manifests DIR                  directory of Kubernetes manifests (required)
  --admin-port PORT                admin HTTP port (env PORTICO_ADMIN_PORT, default ${DEFAULT_ADMIN_PORT})
  --bind ADDRESS                   listen address (default ${DEFAULT_BIND})
  --admin-token TOKEN              bearer token for /api/v1 (env PORTICO_ADMIN_TOKEN, required)
  --proxy-token TOKEN              bearer token for proxies (env PORTICO_PROXY_TOKEN, required)
  --class-name NAME                ingress class to claim; repeatable (default portico)
  --watch-ingress-without-class    also take Ingresses that name no class
  --web-dir DIR                    built web app to serve at / (default apps/web/dist)
  --log-level LEVEL                trace|debug|info|warn|error|silent (default info)
${TLS_FLAG_USAGE}
  -h, --help                       show this help`;

export type CliResult = { kind: 'run'; options: ApiOptions } | { kind: 'help' } | { kind: 'error'; message: string };

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Flags win over environment variables. Never echoes a token back in a message. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        manifests: { type: 'string' },
        'admin-port': { type: 'string' },
        bind: { type: 'string' },
        'admin-token': { type: 'string' },
        'proxy-token': { type: 'string' },
        'class-name': { type: 'string', multiple: true },
        'watch-ingress-without-class': { type: 'boolean' },
        'web-dir': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...TLS_FLAG_OPTIONS,
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  if (!values.manifests) problems.push('--manifests DIR is required');
  const adminToken = values['admin-token'] ?? env.PORTICO_ADMIN_TOKEN;
  const proxyToken = values['proxy-token'] ?? env.PORTICO_PROXY_TOKEN;
  if (!adminToken) problems.push('an admin token is required: --admin-token or PORTICO_ADMIN_TOKEN');
  if (!proxyToken) problems.push('a proxy token is required: --proxy-token or PORTICO_PROXY_TOKEN');
  const portText = values['admin-port'] ?? env.PORTICO_ADMIN_PORT ?? String(DEFAULT_ADMIN_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`--admin-port must be a port number (0-65535), got "${portText}"`);
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const tlsFlags = parseTlsFlags(values, env);
  problems.push(...tlsFlags.problems);
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') };

  return {
    kind: 'run',
    options: {
      manifests: values.manifests as string,
      port,
      bind: values.bind ?? DEFAULT_BIND,
      adminToken: adminToken as string,
      proxyToken: proxyToken as string,
      classNames: values['class-name'] ?? ['portico'],
      watchIngressWithoutClass: values['watch-ingress-without-class'] ?? false,
      ...(values['web-dir'] ? { webDir: values['web-dir'] } : {}),
      logLevel: logLevel as (typeof LOG_LEVELS)[number],
      tls: tlsFlags.tls,
      settingsConfigMap: tlsFlags.settingsConfigMap,
    },
  };
}
