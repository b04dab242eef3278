import { Body, Controller, Get, NotFoundException, Param, Patch, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PRINCIPAL, ReadAccessGuard, WriteAccessGuard, type Role } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { inlineSchema } from '../explain/inline-schema.js';
import type { HttpRequest } from '../shared/express-types.js';
import { PassthroughToggleSchema, PassthroughToggleService, type PassthroughResult } from './passthrough-toggle.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { HOST_SUMMARY_EXAMPLE, PASSTHROUGH_SWITCH_EXAMPLES } from './hosts-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { hostDetail, hostSummaries, type HostDetail, type HostSummary } from './host-summary.js';
import { tableView } from './table-view.js';

@ApiTags('hosts')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong token'))
@ApiResponse(problemResponse(503, 'nothing compiled yet'))
@Controller('api/v1/hosts')
export class HostsController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly passthrough: PassthroughToggleService,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiOkResponse({
    description:
      'one entry per virtual host of the current table: mode (plain, terminated, passthrough), http policy, the certificate served and why, client verification (CA subjects, depth), upstream TLS per cluster, routes count, source Ingresses and diagnostics. No private key.',
    schema: schemaRef('HostList'),
    example: { generation: 7, hosts: [HOST_SUMMARY_EXAMPLE] },
  })
  list(): { generation: number; hosts: HostSummary[] } {
    const view = tableView(this.pipeline);
    return { generation: view.table.generation, hosts: hostSummaries(view) };
  }

  @Get(':host')
  @UseGuards(ReadAccessGuard)
  @ApiParam({ name: 'host', description: 'a host name, `*.example.com` for a wildcard, `*` for the host-less rules' })
  @ApiOkResponse({
    description: 'the host as in the list, with its routes',
    schema: schemaRef('HostDetail'),
    example: {
      generation: 7,
      ...HOST_SUMMARY_EXAMPLE,
      routeList: [{ id: 'shop/web:r0p0', path: '/', pathType: 'Prefix', clusterId: 'shop/web:80', rewrite: null, source: { ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[0]' } }],
    },
  })
  @ApiResponse(problemResponse(404, 'no virtual host of that name'))
  detail(@Param('host') host: string): HostDetail & { generation: number } {
    const view = tableView(this.pipeline);
    const found = hostDetail(view, host);
    if (!found) throw new NotFoundException(`no virtual host ${host} in generation ${view.table.generation}`);
    return { generation: view.table.generation, ...found };
  }

  @Patch(':host/passthrough')
  @UseGuards(WriteAccessGuard)
  @ApiParam({ name: 'host', description: 'a named host (not `*`)' })
  @ApiBody({
    schema: inlineSchema(PassthroughToggleSchema, 'input'),
    examples: PASSTHROUGH_SWITCH_EXAMPLES,
    description:
      'sets (`enabled: true` → "true") or removes the portico.dev/ssl-passthrough annotation on the Ingress(es) whose rules name the host, with a JSON merge patch conditional on the version read. Several owning Ingresses: 409 unless allIngresses is true. The annotation is per Ingress, so the Ingress\'s other hosts switch too (reported).',
  })
  @ApiOkResponse({
    description:
      'what the switch changes (routes that stop applying, rewrites, client verification, forwarded headers, the certificate no longer served, other hosts affected) and warnings (the backend must speak TLS for the name); with dryRun nothing is written',
    schema: schemaRef('PassthroughResult'),
    example: {
      host: 'shop.example.com',
      enabled: true,
      dryRun: true,
      written: false,
      ingresses: [{ ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, before: null, after: 'true', changed: true, resourceVersion: '3f2a9c0d1b7e4a55' }],
      effects: {
        routesStopApplying: [{ id: 'shop/web:r0p1', path: '/api', pathType: 'Prefix' }],
        forwardedTo: [{ ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, clusterId: 'shop/web:80', service: 'shop/web:80' }],
        rewritesStopApplying: [],
        clientVerificationStopsApplying: null,
        forwardedHeadersStopApplying: ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Real-IP'],
        certificateNoLongerServed: 'shop/shop-tls',
        alsoAffectedHosts: [],
      },
      generation: null,
      warnings: ['the backend (shop/web:80) must speak TLS itself and present a certificate valid for shop.example.com: the proxy relays the raw TLS bytes and the backend\'s certificate is what clients see (not checked by this API)'],
    },
  })
  @ApiResponse(problemResponse(400, 'invalid body, or a host-less rule'))
  @ApiResponse(problemResponse(403, 'the viewer token cannot write'))
  @ApiResponse(problemResponse(404, 'no Ingress names the host'))
  @ApiResponse(problemResponse(409, 'several Ingresses own the host (without allIngresses), or the Ingress changed since it was read'))
  toggle(@Param('host') host: string, @Body() body: unknown, @Req() request: HttpRequest & { [PRINCIPAL]?: Role }): Promise<PassthroughResult> {
    return this.passthrough.toggle(request[PRINCIPAL] ?? 'admin', host, parseOrThrow(PassthroughToggleSchema, body, 'passthrough switch'));
  }
}
