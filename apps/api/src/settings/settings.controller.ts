import { Body, Controller, Get, HttpStatus, Patch, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isNamePattern, parseObjectRef, SETTING_KEYS } from '@portico/compiler';
import { HTTP_POLICIES } from '@portico/model';
import { z } from 'zod';
import { PRINCIPAL, ReadAccessGuard, WriteAccessGuard, type Role } from '../auth/bearer-token.guard.js';
import { parseOrThrow, ValidationProblem } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import type { HttpRequest as Request } from '../shared/express-types.js';
import { SettingsService, type SettingsBody } from './settings.service.js';

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

@ApiTags('settings')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong token'))
@Controller('api/v1/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiOkResponse({
    description:
      'the effective controller switches and where each comes from: a flag (or its environment variable or default) or the settings ConfigMap',
    schema: schemaRef('Settings'),
  })
  get(): SettingsBody {
    return this.settings.view();
  }

  @Patch()
  @UseGuards(WriteAccessGuard)
  @ApiBody({ schema: schemaRef('SettingsPatch') })
  @ApiOkResponse({ description: 'the settings after the write; `applied`: the source has picked the change up', schema: schemaRef('SettingsUpdated') })
  @ApiResponse(problemResponse(400, 'an invalid body; `errors` names the fields'))
  @ApiResponse(problemResponse(403, 'the viewer token cannot change settings'))
  @ApiResponse(problemResponse(409, 'the ConfigMap changed since resourceVersion, or no settings ConfigMap is configured'))
  async patch(@Body() body: unknown, @Req() request: Request & { [PRINCIPAL]?: Role }): Promise<SettingsBody & { applied: boolean }> {
    const patch = parseOrThrow(SettingsPatchSchema, body ?? {}, 'settings patch');
    const entries = Object.entries(patch.settings);
    if (entries.length === 0) throw new ValidationProblem('the settings patch changes nothing', [{ field: 'settings', message: 'name at least one setting' }]);
    const data: Record<string, string | null> = {};
    for (const [key, value] of entries) data[key] = value === null || value === undefined ? null : Array.isArray(value) ? value.join(',') : String(value);
    return this.settings.update(data, request[PRINCIPAL] ?? 'admin', patch.resourceVersion);
  }
}
