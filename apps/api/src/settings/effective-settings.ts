import { parseObjectRef, resolveTlsSettings, SETTING_KEYS, settingValue, type TlsControllerSettings } from '@portico/compiler';
import type { ConfigMapObject } from '@portico/model';

/** The settings view of `GET /api/v1/settings`: the compiler's own resolution, with where each value comes from. */
export type SettingOrigin = 'flag' | 'configMap';

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
  const ref = configMap ? `${configMap.metadata?.namespace ?? 'default'}/${configMap.metadata?.name}` : null;
  const { settings, diagnostics, fromConfigMap } = resolveTlsSettings(flags, ref, configMap ? [configMap] : []);
  const data: Record<string, unknown> = configMap?.data && typeof configMap.data === 'object' ? configMap.data : {};
  return WRITABLE_KEYS.map((key) => {
    const raw = data[key];
    const problem = diagnostics.find((d) => d.field === `data[${JSON.stringify(key)}]`)?.message ?? null;
    return {
      key,
      value: settingValue(settings, key),
      origin: fromConfigMap.has(key) ? 'configMap' : 'flag',
      flagValue: settingValue(flags, key),
      configMapValue: raw === undefined ? null : String(raw),
      problem,
      writable: true,
    };
  });
}
