import { defaultTlsControllerSettings, isNamePattern, parseBoolean, parseObjectRef, type TlsControllerSettings } from '@portico/compiler';
import { HTTP_POLICIES, type HttpPolicy } from '@portico/model';

/** The controller's TLS switches as flags (or environment variables); FSM users know them from `fsm ingress enable`. */
export const TLS_FLAG_OPTIONS = {
  'tls-enabled': { type: 'string' },
  mtls: { type: 'string' },
  'ssl-passthrough': { type: 'string' },
  'ssl-passthrough-upstream-port': { type: 'string' },
  'ssl-passthrough-allow': { type: 'string' },
  'default-certificate': { type: 'string' },
  'http-policy': { type: 'string' },
  'settings-configmap': { type: 'string' },
} as const;

export const TLS_FLAG_USAGE = `  --tls-enabled true|false         serve TLS at all (env PORTICO_TLS_ENABLED, default true)
  --mtls true|false                require client certificates on every TLS host (env PORTICO_MTLS, default false)
  --ssl-passthrough true|false     relay SNIs no host claims to <SNI>:<upstream port> (env PORTICO_SSL_PASSTHROUGH, default false)
  --ssl-passthrough-upstream-port N  that upstream port (env PORTICO_SSL_PASSTHROUGH_UPSTREAM_PORT, default 443)
  --ssl-passthrough-allow NAMES    comma-separated names or *.suffix allowed to be relayed (env PORTICO_SSL_PASSTHROUGH_ALLOW, default none)
  --default-certificate NS/NAME    TLS Secret served when no host's certificate applies (env PORTICO_DEFAULT_CERTIFICATE)
  --http-policy POLICY             plain HTTP to a TLS host without a portico.dev/http-policy annotation: redirect|reject|allow (env PORTICO_HTTP_POLICY, default redirect)
  --settings-configmap NS/NAME     ConfigMap whose data overrides these live (env PORTICO_SETTINGS_CONFIGMAP, default default/portico-settings; "" for none)`;

type TlsFlagValues = { [K in keyof typeof TLS_FLAG_OPTIONS]?: string };

/** Flags win over the environment. Each problem names the flag and the reason. */
export function parseTlsFlags(values: TlsFlagValues, env: NodeJS.ProcessEnv): { tls: TlsControllerSettings; settingsConfigMap: string | null; problems: string[] } {
  const tls = defaultTlsControllerSettings();
  const problems: string[] = [];
  const read = (flag: keyof TlsFlagValues, envName: string) => values[flag] ?? env[envName];
  const bool = (flag: keyof TlsFlagValues, envName: string, apply: (v: boolean) => void) => {
    const raw = read(flag, envName);
    if (raw === undefined) return;
    const value = parseBoolean(raw);
    if (value === undefined) problems.push(`--${flag} must be true or false, got "${raw.slice(0, 32)}"`);
    else apply(value);
  };
  bool('tls-enabled', 'PORTICO_TLS_ENABLED', (v) => (tls.enabled = v));
  bool('mtls', 'PORTICO_MTLS', (v) => (tls.mtls = v));
  bool('ssl-passthrough', 'PORTICO_SSL_PASSTHROUGH', (v) => (tls.sslPassthrough.enabled = v));

  const port = read('ssl-passthrough-upstream-port', 'PORTICO_SSL_PASSTHROUGH_UPSTREAM_PORT');
  if (port !== undefined) {
    const n = Number(port);
    if (/^\d+$/.test(port) && n >= 1 && n <= 65535) tls.sslPassthrough.upstreamPort = n;
    else problems.push(`--ssl-passthrough-upstream-port must be a port number (1-65535), got "${port.slice(0, 16)}"`);
  }
  const allow = read('ssl-passthrough-allow', 'PORTICO_SSL_PASSTHROUGH_ALLOW');
  if (allow !== undefined) {
    const names = allow.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
    const bad = names.filter((n) => !isNamePattern(n));
    if (bad.length) problems.push(`--ssl-passthrough-allow takes DNS names or *.suffix patterns; not valid: ${bad.slice(0, 5).join(', ')}`);
    tls.sslPassthrough.allowedNames = names;
  }
  const cert = read('default-certificate', 'PORTICO_DEFAULT_CERTIFICATE');
  if (cert !== undefined) {
    const ref = parseObjectRef(cert, 'default');
    if (ref) tls.defaultCertificate = `${ref.namespace}/${ref.name}`;
    else problems.push(`--default-certificate must be a Secret reference (name or namespace/name), got "${cert.slice(0, 64)}"`);
  }
  const policy = read('http-policy', 'PORTICO_HTTP_POLICY');
  if (policy !== undefined) {
    const value = policy.trim().toLowerCase();
    if ((HTTP_POLICIES as readonly string[]).includes(value)) tls.httpPolicy = value as HttpPolicy;
    else problems.push(`--http-policy must be one of ${HTTP_POLICIES.join(', ')}, got "${policy.slice(0, 32)}"`);
  }
  const cm = read('settings-configmap', 'PORTICO_SETTINGS_CONFIGMAP');
  let settingsConfigMap: string | null = 'default/portico-settings';
  if (cm !== undefined) {
    if (cm === '') settingsConfigMap = null;
    else {
      const ref = parseObjectRef(cm, 'default');
      if (ref) settingsConfigMap = `${ref.namespace}/${ref.name}`;
      else problems.push(`--settings-configmap must be a ConfigMap reference (name or namespace/name), got "${cm.slice(0, 64)}"`);
    }
  }
  return { tls, settingsConfigMap, problems };
}
