import { isNamePattern, parseObjectRef, SETTING_KEYS } from '@portico/compiler';
import { HTTP_POLICIES } from '@portico/model';
import { z } from 'zod';

/** Response shapes of `/api/v1/settings`, published in the OpenAPI document (see openapi/api-schemas.ts). */
export const SettingViewSchema = z.object({
  key: z.string().describe('the settings ConfigMap key, e.g. tls.mTLS'),
  value: z.unknown().describe('the effective value'),
  origin: z.enum(['flag', 'configMap']).describe('flag: a flag, its environment variable or its default'),
  flagValue: z.unknown(),
  configMapValue: z.string().nullable(),
  problem: z.string().nullable().describe("why the ConfigMap's value is not (fully) used"),
  writable: z.boolean(),
});

export const SettingsSchema = z.object({
  configMap: z.string().nullable().describe('namespace/name of the settings ConfigMap; null: none configured'),
  configMapExists: z.boolean(),
  resourceVersion: z.string().nullable(),
  generation: z.number().int(),
  settings: z.array(SettingViewSchema),
});

export const SettingsUpdatedSchema = SettingsSchema.extend({
  applied: z.boolean().describe('the source picked the write up and it was compiled (waited for up to 3 s)'),
});

/**
 * `PATCH /api/v1/settings`: ConfigMap keys → new value, or null to remove the key (the flag applies again). Values are
 * typed here and stored as the ConfigMap's strings.
 */
export const SettingsPatchSchema = z
  .object({
    settings: z
      .object({
        [SETTING_KEYS.enabled]: z.boolean().nullable(),
        [SETTING_KEYS.mtls]: z.boolean().nullable(),
        [SETTING_KEYS.passthroughEnabled]: z.boolean().nullable(),
        [SETTING_KEYS.passthroughUpstreamPort]: z.number().int().min(1).max(65535).nullable(),
        [SETTING_KEYS.passthroughAllowedNames]: z
          .array(z.string().max(253).transform((n) => n.trim().toLowerCase()).refine(isNamePattern, 'not a DNS name or *.suffix pattern'))
          .max(1000)
          .nullable(),
        [SETTING_KEYS.defaultCertificate]: z
          .string()
          .max(300)
          .refine((ref) => parseObjectRef(ref, 'default') !== undefined, 'not a Secret reference (name or namespace/name)')
          .nullable(),
        [SETTING_KEYS.httpPolicy]: z.enum(HTTP_POLICIES).nullable(),
      })
      .partial()
      .strict(),
    /** Refuse (409) unless the ConfigMap still has this resourceVersion. */
    resourceVersion: z.string().min(1).max(128).optional(),
  })
  .strict();
