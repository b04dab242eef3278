import { HTTP_POLICIES, refOf, type ConfigMapObject, type Diagnostic, type HttpPolicy } from '@portico/model';
import { parseBoolean } from './booleans.js';
import type { TlsControllerSettings } from './options.js';
import { isNamePattern, parseObjectRef } from './references.js';

/** The settings ConfigMap's keys, named after FSM's Helm values. */
export const SETTING_KEYS = {
  enabled: 'tls.enabled',
  mtls: 'tls.mTLS',
  passthroughEnabled: 'tls.sslPassthrough.enabled',
  passthroughUpstreamPort: 'tls.sslPassthrough.upstreamPort',
  passthroughAllowedNames: 'tls.sslPassthrough.allowedNames',
  defaultCertificate: 'tls.defaultCertificate',
  httpPolicy: 'tls.httpPolicy',
} as const;

const KNOWN = new Set<string>(Object.values(SETTING_KEYS));

export interface ResolvedTlsSettings {
  settings: TlsControllerSettings;
  /** Invalid or unknown keys, as diagnostics on the ConfigMap (field `data["key"]`). */
  diagnostics: Diagnostic[];
  /** Keys whose effective value came from the ConfigMap rather than the flags. */
  fromConfigMap: ReadonlySet<string>;
}

/** A setting's effective value, by ConfigMap key. */
export function settingValue(settings: TlsControllerSettings, key: string): unknown {
  switch (key) {
    case SETTING_KEYS.enabled:
      return settings.enabled;
    case SETTING_KEYS.mtls:
      return settings.mtls;
    case SETTING_KEYS.passthroughEnabled:
      return settings.sslPassthrough.enabled;
    case SETTING_KEYS.passthroughUpstreamPort:
      return settings.sslPassthrough.upstreamPort;
    case SETTING_KEYS.passthroughAllowedNames:
      return settings.sslPassthrough.allowedNames;
    case SETTING_KEYS.defaultCertificate:
      return settings.defaultCertificate;
    case SETTING_KEYS.httpPolicy:
      return settings.httpPolicy;
    default:
      return undefined;
  }
}

/**
 * Flags give the defaults; the settings ConfigMap (when present) overrides them, so a change applies live. An
 * invalid value is a diagnostic on the ConfigMap and keeps the flag's value — except mTLS, where an unreadable
 * value turns client verification on (fail closed).
 */
export function resolveTlsSettings(
  flags: TlsControllerSettings,
  configMapRef: string | null,
  configMaps: ConfigMapObject[],
): ResolvedTlsSettings {
  const settings: TlsControllerSettings = structuredClone(flags);
  const diagnostics: Diagnostic[] = [];
  /** Keys whose effective value came from the ConfigMap (including mTLS forced on by an unreadable value). */
  const fromConfigMap = new Set<string>();
  const wanted = configMapRef ? parseObjectRef(configMapRef, 'default') : undefined;
  const cm = wanted && configMaps.find((c) => (c.metadata?.namespace ?? 'default') === wanted.namespace && c.metadata?.name === wanted.name);
  if (!cm) return { settings, diagnostics, fromConfigMap };

  const object = refOf('ConfigMap', cm.metadata);
  const data = cm.data && typeof cm.data === 'object' ? cm.data : {};
  const problem = (key: string, message: string, severity: Diagnostic['severity'] = 'error') =>
    diagnostics.push({ severity, code: 'InvalidSetting', message, object, field: `data[${JSON.stringify(key)}]` });
  const bool = (key: string, apply: (v: boolean) => void, onInvalid?: () => void) => {
    const raw = data[key];
    if (raw === undefined) return;
    const value = parseBoolean(String(raw));
    if (value !== undefined) {
      apply(value);
      fromConfigMap.add(key);
    } else {
      if (onInvalid) {
        onInvalid();
        fromConfigMap.add(key);
      }
      problem(key, `invalid boolean ${JSON.stringify(String(raw).slice(0, 64))}: use true or false${onInvalid ? '; client verification is required everywhere until this is fixed (fail closed)' : '; the flag value is kept'}`);
    }
  };

  for (const key of Object.keys(data)) if (!KNOWN.has(key)) problem(key, `unknown setting ${key}; it has no effect`, 'warning');

  bool(SETTING_KEYS.enabled, (v) => (settings.enabled = v));
  bool(SETTING_KEYS.mtls, (v) => (settings.mtls = v), () => (settings.mtls = true));
  bool(SETTING_KEYS.passthroughEnabled, (v) => (settings.sslPassthrough.enabled = v));

  const port = data[SETTING_KEYS.passthroughUpstreamPort];
  if (port !== undefined) {
    const n = Number(port);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) {
      settings.sslPassthrough.upstreamPort = n;
      fromConfigMap.add(SETTING_KEYS.passthroughUpstreamPort);
    } else problem(SETTING_KEYS.passthroughUpstreamPort, `invalid port ${JSON.stringify(String(port).slice(0, 16))}: must be 1 to 65535; the flag value is kept`);
  }

  const names = data[SETTING_KEYS.passthroughAllowedNames];
  if (names !== undefined) {
    const list = String(names).split(/[\s,]+/).map((n) => n.trim().toLowerCase()).filter(Boolean);
    const bad = list.filter((n) => !isNamePattern(n));
    if (bad.length) problem(SETTING_KEYS.passthroughAllowedNames, `not DNS names or *.suffix patterns: ${bad.slice(0, 5).join(', ')}; they are ignored`);
    settings.sslPassthrough.allowedNames = list.filter((n) => isNamePattern(n));
    fromConfigMap.add(SETTING_KEYS.passthroughAllowedNames);
  }

  const policy = data[SETTING_KEYS.httpPolicy];
  if (policy !== undefined) {
    const value = String(policy).trim().toLowerCase();
    if ((HTTP_POLICIES as readonly string[]).includes(value)) {
      settings.httpPolicy = value as HttpPolicy;
      fromConfigMap.add(SETTING_KEYS.httpPolicy);
    } else problem(SETTING_KEYS.httpPolicy, `must be one of ${HTTP_POLICIES.join(', ')}; the flag value is kept`);
  }

  const cert = data[SETTING_KEYS.defaultCertificate];
  if (cert !== undefined) {
    const ref = parseObjectRef(String(cert), object.namespace ?? 'default');
    if (ref) {
      settings.defaultCertificate = `${ref.namespace}/${ref.name}`;
      fromConfigMap.add(SETTING_KEYS.defaultCertificate);
    } else problem(SETTING_KEYS.defaultCertificate, 'must be a Secret reference, name or namespace/name; the flag value is kept');
  }
  return { settings, diagnostics, fromConfigMap };
}
