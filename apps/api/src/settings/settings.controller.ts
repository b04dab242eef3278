import { Body, Controller, Get, HttpStatus, Patch, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PRINCIPAL, ReadAccessGuard, WriteAccessGuard, type Role } from '../auth/bearer-token.guard.js';
import { parseOrThrow, ValidationProblem } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import type { HttpRequest as Request } from '../shared/express-types.js';
import { SettingsPatchSchema } from './settings-schemas.js';
import { SettingsService, type SettingsBody } from './settings.service.js';

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
  @ApiBody({
    schema: schemaRef('SettingsPatch'),
    examples: {
      mtls: { summary: "FSM's global client verification on", value: { settings: { 'tls.mTLS': true } } },
      passthrough: {
        summary: "FSM's global passthrough for two names, at the version read",
        value: { settings: { 'tls.sslPassthrough.enabled': true, 'tls.sslPassthrough.allowedNames': ['legacy.example.com', '*.partner.example'] }, resourceVersion: '3f2a9c0d1b7e4a55' },
      },
      reset: { summary: 'back to the flag for the HTTP policy', value: { settings: { 'tls.httpPolicy': null } } },
    },
  })
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
