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

/** Documentation of the PATCH body; the controller's own schema validates it. */
export const SettingsPatchDocSchema = z.object({
  settings: z
    .object({
      'tls.enabled': z.boolean().nullable(),
      'tls.mTLS': z.boolean().nullable(),
      'tls.sslPassthrough.enabled': z.boolean().nullable(),
      'tls.sslPassthrough.upstreamPort': z.number().int().min(1).max(65535).nullable(),
      'tls.sslPassthrough.allowedNames': z.array(z.string()).nullable(),
      'tls.defaultCertificate': z.string().nullable().describe('a TLS Secret, name or namespace/name'),
    })
    .partial()
    .describe('null removes the key from the ConfigMap, so the flag applies again'),
  resourceVersion: z.string().optional().describe("refuse (409) unless the ConfigMap still has this version"),
});
