import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PRINCIPAL, ReadAccessGuard, WriteAccessGuard, type Role } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { inlineSchema } from '../explain/inline-schema.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { tableView } from '../hosts/table-view.js';
import type { HttpRequest } from '../shared/express-types.js';
import { certificateInventory, type CertificateEntry } from './certificate-inventory.js';
import {
  CERTIFICATE_ENTRY_EXAMPLE,
  CERTIFICATE_REPLACE_EXAMPLES,
  CERTIFICATE_UPLOAD_EXAMPLES,
  SELF_SIGNED_EXAMPLES,
  WRITTEN_CERTIFICATE_EXAMPLE,
} from './certificate-schemas.js';
import { DiagnosticsSettings } from '../diagnostics/diagnostics.service.js';
import { CertificateWrites, ReplaceCertificateSchema, SecretNameSchema, SelfSignedSchema, UploadCertificateSchema, type WrittenCertificate } from './certificate-writes.js';

type Principal = HttpRequest & { [PRINCIPAL]?: Role };
const actorOf = (request: Principal): string => request[PRINCIPAL] ?? 'admin';

const WRITTEN = {
  description: 'the stored certificate\'s public facts (never the key) and the Secret\'s resourceVersion',
  schema: schemaRef('WrittenCertificate'),
  example: WRITTEN_CERTIFICATE_EXAMPLE,
};

@ApiTags('certificates')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong token'))
@Controller('api/v1/certificates')
export class CertificatesController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly writes: CertificateWrites,
    private readonly diagnostics: DiagnosticsSettings,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiOkResponse({
    description:
      'every TLS Secret (kind tls) and CA bundle (kind ca-bundle, a Secret\'s ca.crt) the source or the table holds (the manifests directory: every Secret in it; the Kubernetes source: every kubernetes.io/tls Secret in the watched namespaces, and any other Secret an Ingress or the settings reference): subject, SANs, issuer, serial, validity, days left, key type and size, SHA-256 fingerprint, chain check, the hosts and Ingresses using it, the hosts it fails to cover, and warnings. Never a private key.',
    schema: schemaRef('CertificateList'),
    example: { generation: 7, expiryWarningDays: 21, certificates: [CERTIFICATE_ENTRY_EXAMPLE] },
  })
  @ApiResponse(problemResponse(503, 'nothing compiled yet'))
  list(): { generation: number; expiryWarningDays: number; certificates: CertificateEntry[] } {
    const view = tableView(this.pipeline);
    return { generation: view.table.generation, expiryWarningDays: this.diagnostics.certExpiryWarningDays, certificates: certificateInventory(view) };
  }

  @Get(':namespace/:name')
  @UseGuards(ReadAccessGuard)
  @ApiOkResponse({
    description: 'the entries of one Secret (its tls and/or ca-bundle entry)',
    schema: schemaRef('CertificateDetail'),
    example: { generation: 7, expiryWarningDays: 21, id: 'shop/shop-tls', entries: [CERTIFICATE_ENTRY_EXAMPLE] },
  })
  @ApiResponse(problemResponse(404, 'no such TLS Secret or CA bundle'))
  detail(@Param('namespace') namespace: string, @Param('name') name: string): { generation: number; expiryWarningDays: number; id: string; entries: CertificateEntry[] } {
    const view = tableView(this.pipeline);
    const id = `${namespace}/${name}`;
    const entries = certificateInventory(view).filter((e) => e.id === id);
    if (!entries.length) throw new NotFoundException(`no TLS Secret or CA bundle ${id}`);
    return { generation: view.table.generation, expiryWarningDays: this.diagnostics.certExpiryWarningDays, id, entries };
  }

  @Post()
  @UseGuards(WriteAccessGuard)
  @ApiBody({ schema: inlineSchema(UploadCertificateSchema, 'input'), examples: CERTIFICATE_UPLOAD_EXAMPLES, description: 'a certificate chain (leaf first) and its unencrypted private key, in PEM' })
  @ApiCreatedResponse(WRITTEN)
  @ApiResponse(problemResponse(403, 'the viewer token cannot write'))
  @ApiResponse(problemResponse(409, 'the Secret exists (use PUT to replace it)'))
  @ApiResponse(problemResponse(422, 'the certificate does not parse or the key does not match it; the answer never echoes the PEM'))
  upload(@Body() body: unknown, @Req() request: Principal): Promise<WrittenCertificate> {
    return this.writes.upload(actorOf(request), parseOrThrow(UploadCertificateSchema, body, 'certificate upload'));
  }

  @Post('self-signed')
  @UseGuards(WriteAccessGuard)
  @ApiBody({ schema: inlineSchema(SelfSignedSchema, 'input'), examples: SELF_SIGNED_EXAMPLES, description: 'generates an ECDSA P-256 key and a self-signed certificate for the hosts (the first is the CN) and stores them as a kubernetes.io/tls Secret' })
  @ApiCreatedResponse(WRITTEN)
  @ApiResponse(problemResponse(403, 'the viewer token cannot write'))
  @ApiResponse(problemResponse(409, 'the Secret exists'))
  selfSigned(@Body() body: unknown, @Req() request: Principal): Promise<WrittenCertificate> {
    return this.writes.selfSigned(actorOf(request), parseOrThrow(SelfSignedSchema, body, 'self-signed certificate request'));
  }

  @Put(':namespace/:name')
  @UseGuards(WriteAccessGuard)
  @ApiBody({ schema: inlineSchema(ReplaceCertificateSchema, 'input'), examples: CERTIFICATE_REPLACE_EXAMPLES, description: 'replaces tls.crt and tls.key of an existing TLS Secret (other keys such as ca.crt are kept)' })
  @ApiOkResponse(WRITTEN)
  @ApiResponse(problemResponse(403, 'the viewer token cannot write'))
  @ApiResponse(problemResponse(404, 'no such Secret'))
  @ApiResponse(problemResponse(409, 'the Secret changed since resourceVersion'))
  @ApiResponse(problemResponse(422, 'the certificate does not parse, the key does not match, or the Secret is not of type kubernetes.io/tls'))
  replace(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Req() request: Principal): Promise<WrittenCertificate> {
    const target = parseOrThrow(SecretNameSchema, { namespace, name }, 'Secret name', 'path');
    return this.writes.replace(actorOf(request), target.namespace, target.name, parseOrThrow(ReplaceCertificateSchema, body, 'certificate replacement'));
  }

  @Delete(':namespace/:name')
  @HttpCode(200)
  @UseGuards(WriteAccessGuard)
  @ApiQuery({ name: 'force', required: false, schema: { type: 'boolean', default: false }, description: 'true (or 1): delete even while Ingresses or the settings use it' })
  @ApiOkResponse({
    description: 'deleted; `wasUsedBy` lists what referred to it (only with force)',
    schema: schemaRef('CertificateDeleted'),
    example: { deleted: 'shop/shop-tls', wasUsedBy: ['Ingress shop/web (spec.tls[0].secretName)'] },
  })
  @ApiResponse(problemResponse(403, 'the viewer token cannot write'))
  @ApiResponse(problemResponse(404, 'no such Secret'))
  @ApiResponse(problemResponse(409, 'in use (without force)'))
  @ApiResponse(problemResponse(422, 'not a kubernetes.io/tls Secret'))
  remove(@Param('namespace') namespace: string, @Param('name') name: string, @Query('force') force: string | undefined, @Req() request: Principal): Promise<{ deleted: string; wasUsedBy: string[] }> {
    const target = parseOrThrow(SecretNameSchema, { namespace, name }, 'Secret name', 'path');
    return this.writes.delete(actorOf(request), target.namespace, target.name, force === 'true' || force === '1');
  }
}
