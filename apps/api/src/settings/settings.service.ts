import { Inject, Injectable, NotImplementedException, ConflictException } from '@nestjs/common';
import { defaultTlsControllerSettings, DEFAULT_SETTINGS_CONFIGMAP, parseObjectRef } from '@portico/compiler';
import type { ConfigMapObject } from '@portico/model';
import type { ControlPlane } from '../control-plane.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { effectiveSettings, findConfigMap, type SettingView } from './effective-settings.js';

export const SETTINGS_CONTROL_PLANE = Symbol('SETTINGS_CONTROL_PLANE');

export interface SettingsBody {
  /** `namespace/name` of the settings ConfigMap, or null when it is turned off (`--settings-configmap ""`). */
  configMap: string | null;
  configMapExists: boolean;
  resourceVersion: string | null;
  generation: number;
  settings: SettingView[];
}

/** How long a PATCH waits for the source to see its own write, so the answer shows the new values. */
const APPLY_WAIT_MS = 3000;

@Injectable()
export class SettingsService {
  constructor(
    private readonly pipeline: ConfigPipeline,
    @Inject(SETTINGS_CONTROL_PLANE) private readonly controlPlane: ControlPlane,
  ) {}

  private get ref(): string | null {
    const option = this.controlPlane.compileOptions?.settingsConfigMap;
    return option === undefined ? DEFAULT_SETTINGS_CONFIGMAP : option;
  }

  private configMap(): ConfigMapObject | undefined {
    return findConfigMap(this.ref, this.controlPlane.source.snapshot().configMaps ?? []);
  }

  view(): SettingsBody {
    const configMap = this.configMap();
    return {
      configMap: this.ref,
      configMapExists: configMap !== undefined,
      resourceVersion: configMap?.metadata?.resourceVersion ?? null,
      generation: this.pipeline.generation(),
      settings: effectiveSettings(this.controlPlane.compileOptions?.tls ?? defaultTlsControllerSettings(), configMap),
    };
  }

  /**
   * Writes `data` keys of the settings ConfigMap (null removes a key, so the flag applies again); creates the
   * ConfigMap when it does not exist. Resolves with the view once the source has picked the change up (bounded).
   */
  async update(data: Record<string, string | null>, actor: string, resourceVersion?: string): Promise<SettingsBody & { applied: boolean }> {
    const ref = this.ref;
    if (ref === null) throw new ConflictException('no settings ConfigMap is configured (--settings-configmap ""); settings come from flags only');
    const target = parseObjectRef(ref, 'default')!;
    const writer = this.controlPlane.writer as ControlPlane['writer'] | undefined;
    if (!writer) throw new NotImplementedException('this source cannot write the settings ConfigMap yet');
    const before = this.configMap();
    let after: ConfigMapObject;
    if (before) {
      after = await writer.patch('ConfigMap', target, { data }, resourceVersion !== undefined ? { resourceVersion } : {});
    } else {
      const created = Object.fromEntries(Object.entries(data).filter((entry): entry is [string, string] => entry[1] !== null));
      after = await writer.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: target.namespace, name: target.name }, data: created });
    }
    this.controlPlane.audit?.record({
      actor,
      action: 'settings.update',
      target: { kind: 'ConfigMap', namespace: target.namespace, name: target.name },
      before: before ?? null,
      after,
    });
    const wanted = after.data ?? {};
    const compiled = await this.pipeline.compiledWhen((snapshot) => {
      const seen = findConfigMap(ref, snapshot.configMaps ?? [])?.data ?? {};
      const keys = new Set([...Object.keys(wanted), ...Object.keys(data)]);
      return [...keys].every((key) => (seen[key] ?? null) === (wanted[key] ?? null));
    }, APPLY_WAIT_MS);
    const applied = compiled !== undefined;
    return { ...this.view(), applied };
  }
}
