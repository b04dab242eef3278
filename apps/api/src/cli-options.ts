import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_PORT, DEFAULT_BIND, type ApiOptions } from './config/api-options.js';
import { publishTarget } from './cluster/cluster-runtime.js';
import { parseTlsFlags, TLS_FLAG_OPTIONS, TLS_FLAG_USAGE } from './tls-flags.js';

export const USAGE = `Usage: portico-api (--manifests DIR | --kubeconfig PATH) [options]

Source (exactly one; in a pod, with neither, the pod's service account is used):
  --manifests DIR                  directory of Kubernetes manifests
  --kubeconfig PATH                list and watch the cluster of this kubeconfig (its current context)

Admin API:
  --admin-port PORT                admin HTTP port (env PORTICO_ADMIN_PORT, default ${DEFAULT_ADMIN_PORT})
  --bind ADDRESS                   listen address (default ${DEFAULT_BIND})
  --admin-token TOKEN              bearer token that reads and changes /api/v1 (env PORTICO_ADMIN_TOKEN, required)
  --viewer-token TOKEN             bearer token that only reads /api/v1 (env PORTICO_VIEWER_TOKEN)
  --proxy-token TOKEN              bearer token for proxies (env PORTICO_PROXY_TOKEN, required)
  --web-dir DIR                    built web app to serve at / (default apps/web/dist)
  --log-level LEVEL                trace|debug|info|warn|error|silent (default info)
  --cert-expiry-warning-days N     CertificateExpiring diagnostics this many days ahead (env PORTICO_CERT_EXPIRY_WARNING_DAYS, default 21)

Ingresses:
  --class-name NAME                ingress class to claim; repeatable (default portico)
  --watch-ingress-without-class    also take Ingresses that name no class

Cluster (with --kubeconfig or in a pod):
  --watch-namespace NS             watch only this namespace; repeatable (default: all namespaces)
  --publish-service NS/NAME        write this Service's address into owned Ingresses' status.loadBalancer
                                   (its load balancer's address, else its externalIPs, else its cluster IP)
  --publish-address LIST           or write these IPs and/or host names (comma-separated) instead
  --election-namespace NS          namespace of the portico-leader Lease (default: the pod's, else the
                                   kubeconfig context's, else default); only the leader writes status and Events
  --lease-duration-ms MS           leader Lease duration (default 15000)

TLS:
${TLS_FLAG_USAGE}
  -h, --help                       show this help`;

export type CliResult = { kind: 'run'; options: ApiOptions } | { kind: 'help' } | { kind: 'error'; message: string };

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Flags win over environment variables. Never echoes a token back in a message. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        manifests: { type: 'string' },
        kubeconfig: { type: 'string' },
        'watch-namespace': { type: 'string', multiple: true },
        'publish-service': { type: 'string' },
        'publish-address': { type: 'string' },
        'election-namespace': { type: 'string' },
        'lease-duration-ms': { type: 'string' },
        'admin-port': { type: 'string' },
        bind: { type: 'string' },
        'admin-token': { type: 'string' },
        'viewer-token': { type: 'string' },
        'proxy-token': { type: 'string' },
        'class-name': { type: 'string', multiple: true },
        'watch-ingress-without-class': { type: 'boolean' },
        'web-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'cert-expiry-warning-days': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...TLS_FLAG_OPTIONS,
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  const inCluster = !values.manifests && !values.kubeconfig && Boolean(env.KUBERNETES_SERVICE_HOST);
  const cluster = Boolean(values.kubeconfig) || inCluster;
  if (values.manifests && values.kubeconfig) {
    problems.push('--kubeconfig and --manifests are two different sources; give only one of them');
  } else if (!values.manifests && !cluster) {
    problems.push('--manifests DIR is required (or --kubeconfig PATH, or run in a Kubernetes pod)');
  }
  const clusterFlags = (['watch-namespace', 'publish-service', 'publish-address', 'election-namespace', 'lease-duration-ms'] as const).filter((flag) => values[flag] !== undefined);
  if (values.manifests && !values.kubeconfig && clusterFlags.length) {
    problems.push(`${clusterFlags.map((flag) => `--${flag}`).join(', ')} only apply to a cluster (--kubeconfig or in a pod), not to --manifests`);
  }
  for (const namespace of [...(values['watch-namespace'] ?? []), ...(values['election-namespace'] ? [values['election-namespace']] : [])]) {
    if (!NAMESPACE.test(namespace)) problems.push(`"${namespace.slice(0, 64)}" is not a namespace name (--watch-namespace, --election-namespace)`);
  }
  if (values['publish-service'] && values['publish-address']) {
    problems.push('--publish-service and --publish-address both set the published address; give only one of them');
  } else {
    try {
      publishTarget(values['publish-service'], values['publish-address']);
    } catch (error) {
      problems.push(`--${(error as Error).message.replace(/^publishService/, 'publish-service').replace(/^publishAddress/, 'publish-address')}`);
    }
  }
  let leaseDurationMs: number | undefined;
  if (values['lease-duration-ms'] !== undefined) {
    leaseDurationMs = Number(values['lease-duration-ms']);
    if (!/^\d+$/.test(values['lease-duration-ms']) || leaseDurationMs < 1000) problems.push('--lease-duration-ms must be a whole number of milliseconds, at least 1000');
  }
  const adminToken = values['admin-token'] ?? env.PORTICO_ADMIN_TOKEN;
  const viewerToken = values['viewer-token'] ?? env.PORTICO_VIEWER_TOKEN;
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
  const warningDaysText = values['cert-expiry-warning-days'] ?? env.PORTICO_CERT_EXPIRY_WARNING_DAYS;
  const certExpiryWarningDays = warningDaysText === undefined ? undefined : Number(warningDaysText);
  if (warningDaysText !== undefined && (!/^\d{1,4}$/.test(warningDaysText) || certExpiryWarningDays! > 3650)) {
    problems.push(`--cert-expiry-warning-days must be a whole number of days (0-3650), got "${warningDaysText.slice(0, 16)}"`);
  }
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') };

  return {
    kind: 'run',
    options: {
      ...(values.manifests ? { manifests: values.manifests } : {}),
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(inCluster ? { inCluster: true } : {}),
      ...(values['watch-namespace']?.length ? { watchNamespaces: values['watch-namespace'] } : {}),
      ...(values['publish-service'] ? { publishService: values['publish-service'] } : {}),
      ...(values['publish-address'] ? { publishAddress: values['publish-address'] } : {}),
      ...(values['election-namespace'] ? { electionNamespace: values['election-namespace'] } : {}),
      ...(leaseDurationMs !== undefined ? { leaseDurationMs } : {}),
      port,
      bind: values.bind ?? DEFAULT_BIND,
      adminToken: adminToken as string,
      ...(viewerToken ? { viewerToken } : {}),
      proxyToken: proxyToken as string,
      classNames: values['class-name'] ?? ['portico'],
      watchIngressWithoutClass: values['watch-ingress-without-class'] ?? false,
      ...(values['web-dir'] ? { webDir: values['web-dir'] } : {}),
      logLevel: logLevel as (typeof LOG_LEVELS)[number],
      tls: tlsFlags.tls,
      settingsConfigMap: tlsFlags.settingsConfigMap,
      ...(certExpiryWarningDays !== undefined ? { certExpiryWarningDays } : {}),
    },
  };
}
