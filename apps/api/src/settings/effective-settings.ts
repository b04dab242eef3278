import { isNamePattern, parseBoolean, parseObjectRef, SETTING_KEYS, type TlsControllerSettings } from '@portico/compiler';
import { HTTP_POLICIES, type ConfigMapObject } from '@portico/model';

/**
 * The settings view of `GET /api/v1/settings`. The resolution mirrors `resolveTlsSettings` in
 * libs/compiler/src/settings.ts (not exported from @portico/compiler yet): flags give the value, a valid ConfigMap key
 * overrides it, an invalid one keeps the flag's value — except mTLS, which fails closed (true).
 * TODO(libs): export `resolveTlsSettings` (with per-key provenance) from @portico/compiler and use it here.
 */
export type SettingOrigin = 'flag' | 'configMap' | 'built-in';

export interface SettingView {
  key: string;
  value: unknown;
  /** `flag`: a flag, its environment variable or its default; `configMap`: the settings ConfigMap's key. */
  origin: SettingOrigin;
  flagValue: unknown;
  /** The ConfigMap's raw value when it has the key. */
  configMapValue: string | null;
  /** Why the ConfigMap's value is not used. */
  problem: string | null;
  writable: boolean;
}

export const WRITABLE_KEYS: readonly string[] = Object.values(SETTING_KEYS);

export function findConfigMap(ref: string | null, configMaps: readonly ConfigMapObject[]): ConfigMapObject | undefined {
  const wanted = ref ? parseObjectRef(ref, 'default') : undefined;
  return wanted ? configMaps.find((c) => (c.metadata?.namespace ?? 'default') === wanted.namespace && c.metadata?.name === wanted.name) : undefined;
}

export function effectiveSettings(flags: TlsControllerSettings, configMap: ConfigMapObject | undefined): SettingView[] {
  const data: Record<string, unknown> = configMap?.data && typeof configMap.data === 'object' ? configMap.data : {};
  const namespace = configMap?.metadata?.namespace ?? 'default';
  const view = (key: string, flagValue: unknown, parse: (raw: string) => { value: unknown } | { problem: string; value?: unknown }): SettingView => {
    const raw = data[key];
    if (raw === undefined) return { key, value: flagValue, origin: 'flag', flagValue, configMapValue: null, problem: null, writable: true };
    const parsed = parse(String(raw));
    if ('problem' in parsed) {
      const failClosed = 'value' in parsed;
      return { key, value: failClosed ? parsed.value : flagValue, origin: failClosed ? 'configMap' : 'flag', flagValue, configMapValue: String(raw), problem: parsed.problem, writable: true };
    }
    return { key, value: parsed.value, origin: 'configMap', flagValue, configMapValue: String(raw), problem: null, writable: true };
  };
  const bool = (raw: string) => {
    const value = parseBoolean(raw);
    return value === undefined ? { problem: 'not true or false; the flag value is kept' } : { value };
  };
  return [
    view(SETTING_KEYS.enabled, flags.enabled, bool),
    view(SETTING_KEYS.mtls, flags.mtls, (raw) => {
      const value = parseBoolean(raw);
      return value === undefined ? { problem: 'not true or false; client verification is required (fail closed)', value: true } : { value };
    }),
    view(SETTING_KEYS.passthroughEnabled, flags.sslPassthrough.enabled, bool),
    view(SETTING_KEYS.passthroughUpstreamPort, flags.sslPassthrough.upstreamPort, (raw) => {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1 && n <= 65535 ? { value: n } : { problem: 'not a port (1-65535); the flag value is kept' };
    }),
    view(SETTING_KEYS.passthroughAllowedNames, flags.sslPassthrough.allowedNames, (raw) => {
      const list = raw.split(/[\s,]+/).map((n) => n.trim().toLowerCase()).filter(Boolean);
      const bad = list.filter((n) => !isNamePattern(n));
      const value = list.filter((n) => isNamePattern(n));
      return bad.length ? { problem: `not DNS names or *.suffix patterns (ignored): ${bad.slice(0, 5).join(', ')}`, value } : { value };
    }),
    view(SETTING_KEYS.defaultCertificate, flags.defaultCertificate, (raw) => {
      const ref = parseObjectRef(raw, namespace);
      return ref ? { value: `${ref.namespace}/${ref.name}` } : { problem: 'not a Secret reference; the flag value is kept' };
    }),
    view(SETTING_KEYS.httpPolicy, flags.httpPolicy, (raw) => {
      const value = raw.trim().toLowerCase();
      return (HTTP_POLICIES as readonly string[]).includes(value) ? { value } : { problem: `not one of ${HTTP_POLICIES.join(', ')}; the flag value is kept` };
    }),
  ];
}
