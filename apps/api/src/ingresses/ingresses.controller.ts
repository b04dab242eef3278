import { Body, ConflictException, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Req, UnsupportedMediaTypeException, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { IngressObject } from '@portico/model';
import { PRINCIPAL, ReadAccessGuard, WriteAccessGuard, type Role } from '../auth/bearer-token.guard.js';
import { parseOrThrow, ValidationProblem } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { openApiSchema } from '../openapi/zod-openapi.js';
import type { HttpRequest } from '../shared/express-types.js';
import type { WriteTarget } from '../sources/config-source.js';
import {
  DeleteQuerySchema,
  INGRESS_EXAMPLE,
  IngressBodySchema,
  IngressNameSchema,
  ListQuerySchema,
  MergePatchSchema,
  NamespaceSchema,
  type IngressBody,
  type IngressList,
  type IngressView,
} from './ingress-schemas.js';
import { annotationCatalog, type AnnotationCatalog } from './annotation-catalog.js';
import { WriteQuerySchema, type IngressDryRun } from './dry-run.js';
import { IngressesService } from './ingresses.service.js';

type PrincipalRequest = HttpRequest & { [PRINCIPAL]?: Role };

const PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

const nsParam = { name: 'namespace', description: 'the Ingress namespace (a DNS label)', example: 'shop' };
const nameParam = { name: 'name', description: 'the Ingress name (a DNS subdomain)', example: 'web' };
const viewExample = {
  object: { ...INGRESS_EXAMPLE, metadata: { ...INGRESS_EXAMPLE.metadata, resourceVersion: '3f2a9c0d1b7e4a55' } },
  routes: [
    {
      host: 'shop.example.com',
      id: 'shop.example.com|Prefix|/',
      path: '/',
      pathType: 'Prefix',
      declaredPathType: 'Prefix',
      clusterId: 'shop/web:80',
      source: { ingress: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: 'spec.rules[0].http.paths[0]' },
    },
  ],
  diagnostics: [],
  applied: { generation: 7, proxies: 2, appliedBy: 2 },
  pending: false,
};
const invalidExample = {
  type: 'urn:portico:problem:invalid-object',
  title: 'Unprocessable Entity',
  status: 422,
  detail: 'Ingress shop/web would not be served as written: metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]: invalid value "fastest" …',
  errors: [{ field: 'metadata.annotations["pipy.ingress.kubernetes.io/lb-type"]', message: 'invalid value "fastest": must be one of round-robin, hashing, least-work; using round-robin' }],
};
const dryRunQuery = {
  name: 'dryRun',
  required: false,
  schema: { type: 'string', enum: ['All'] },
  description:
    'All: check and compile the write without storing it (Kubernetes\' convention); the answer has dryRun: true, the routes and diagnostics the object would have, and the routes added, removed or changed in the table. Errors are those of the real write.',
};
const WRITE_RESULT = 'the Ingress as stored, or with ?dryRun=All what the write would do (dryRun: true, changes)';

const problem = (status: number, description: string, example?: object) => {
  const response = problemResponse(status, description);
  return example ? { ...response, content: { 'application/problem+json': { ...response.content['application/problem+json'], example } } } : response;
};

/**
 * `/api/v1/ingresses`: Ingresses in the source (the manifests directory or the cluster), each with the routes
 * compiled from it and its diagnostics. Writes are checked with the compiler first, are optimistic (a stale
 * resourceVersion is a 409), and are recorded in the audit log.
 */
@ApiTags('ingresses')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or unknown token'))
@Controller('api/v1/ingresses')
export class IngressesController {
  constructor(private readonly ingresses: IngressesService) {}

  @Get()
  @UseGuards(ReadAccessGuard)
  @ApiOperation({ summary: 'List Ingresses (sorted by namespace, then name), paginated' })
  @ApiQuery({ name: 'namespace', required: false, schema: { type: 'string', maxLength: 63 }, example: 'shop', description: 'only this namespace' })
  @ApiQuery({ name: 'host', required: false, schema: { type: 'string', maxLength: 253 }, example: 'shop.example.com', description: 'only Ingresses naming this host in a rule or in spec.tls (case-insensitive)' })
  @ApiQuery({ name: 'class', required: false, schema: { type: 'string', maxLength: 253 }, example: 'portico', description: 'only this class (spec.ingressClassName, or the kubernetes.io/ingress.class annotation)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiQuery({ name: 'continue', required: false, schema: { type: 'string', maxLength: 2048 }, description: 'the continue token of the previous page' })
  @ApiOkResponse({ description: 'one page of Ingresses', schema: schemaRef('IngressList'), example: { items: [viewExample], continue: null } })
  @ApiResponse(problem(400, 'an invalid query parameter (named in errors[].field) or continue token'))
  list(@Query() query: Record<string, unknown>): IngressList {
    return this.ingresses.list(parseOrThrow(ListQuerySchema, query, 'query', 'query'));
  }

  @Get('annotations')
  @UseGuards(ReadAccessGuard)
  @ApiOperation({ summary: 'The annotations the compiler reads, with their accepted values and defaults (for forms)' })
  @ApiOkResponse({ description: 'every supported annotation', schema: schemaRef('AnnotationCatalog') })
  annotations(): AnnotationCatalog {
    return annotationCatalog();
  }

  @Get(':namespace/:name')
  @UseGuards(ReadAccessGuard)
  @ApiOperation({ summary: 'One Ingress with its compiled routes and diagnostics' })
  @ApiParam(nsParam)
  @ApiParam(nameParam)
  @ApiOkResponse({ description: 'the Ingress', schema: schemaRef('IngressView'), example: viewExample })
  @ApiResponse(problem(400, 'an invalid namespace or name'))
  @ApiResponse(problem(404, 'no such Ingress'))
  get(@Param('namespace') namespace: string, @Param('name') name: string): IngressView {
    return this.ingresses.view(this.ingresses.require(target(namespace, name)));
  }

  @Post()
  @UseGuards(WriteAccessGuard)
  @ApiOperation({ summary: 'Create an Ingress', description: 'The Ingress is checked with the compiler against the current objects before it is written.' })
  @ApiBody({ description: 'a networking.k8s.io/v1 Ingress (at most 1 MiB)', schema: openApiSchema(IngressBodySchema, 'input'), examples: { ingress: { value: INGRESS_EXAMPLE } } })
  @ApiQuery(dryRunQuery)
  @ApiCreatedResponse({ description: `${WRITE_RESULT}; pending until the pipeline has compiled it`, schema: schemaRef('IngressWriteResult'), example: { ...viewExample, pending: true, routes: [] } })
  @ApiResponse(problem(400, 'malformed JSON, a wrong type, or an unknown field in the body or its metadata (named in errors[].field)'))
  @ApiResponse(problem(403, 'the viewer token cannot write'))
  @ApiResponse(problem(409, 'an Ingress with that namespace and name exists'))
  @ApiResponse(problem(413, 'the body is larger than 1 MiB'))
  @ApiResponse(problem(422, 'the compiler finds the Ingress invalid (its spec or annotations; the field is named)', invalidExample))
  @ApiResponse(problem(503, 'the source is unavailable'))
  async create(@Body() raw: unknown, @Query() query: Record<string, unknown>, @Req() request: PrincipalRequest): Promise<IngressView | IngressDryRun> {
    const dryRun = isDryRun(query);
    const candidate = toCandidate(parseOrThrow(IngressBodySchema, raw, 'Ingress'));
    if (dryRun) {
      if (this.ingresses.find(targetOfObject(candidate))) throw new ConflictException(`Ingress ${targetOfObject(candidate).namespace}/${targetOfObject(candidate).name} already exists`);
      return this.ingresses.preview(candidate);
    }
    await this.ingresses.check(candidate);
    const stored = await this.writer().create('Ingress', candidate);
    this.record(request, 'create', targetOfObject(candidate), null, stored);
    return this.ingresses.view(stored);
  }

  @Put(':namespace/:name')
  @UseGuards(WriteAccessGuard)
  @ApiOperation({ summary: 'Replace an Ingress', description: 'The body must carry the metadata.resourceVersion it was read at; a stale one is a 409 and nothing changes.' })
  @ApiParam(nsParam)
  @ApiParam(nameParam)
  @ApiBody({ description: 'the whole Ingress, with metadata.resourceVersion (at most 1 MiB)', schema: openApiSchema(IngressBodySchema, 'input'), examples: { ingress: { value: { ...INGRESS_EXAMPLE, metadata: { ...INGRESS_EXAMPLE.metadata, resourceVersion: '3f2a9c0d1b7e4a55' } } } } })
  @ApiQuery(dryRunQuery)
  @ApiOkResponse({ description: WRITE_RESULT, schema: schemaRef('IngressWriteResult'), example: { ...viewExample, pending: true } })
  @ApiResponse(problem(400, 'malformed JSON, a wrong or unknown field, no metadata.resourceVersion, or a name/namespace that differs from the path'))
  @ApiResponse(problem(403, 'the viewer token cannot write'))
  @ApiResponse(problem(404, 'no such Ingress'))
  @ApiResponse(problem(409, 'the resourceVersion is stale: read the Ingress again'))
  @ApiResponse(problem(413, 'the body is larger than 1 MiB'))
  @ApiResponse(problem(422, 'the compiler finds the Ingress invalid (the field is named)', invalidExample))
  @ApiResponse(problem(503, 'the source is unavailable'))
  async replace(@Param('namespace') namespace: string, @Param('name') name: string, @Body() raw: unknown, @Query() query: Record<string, unknown>, @Req() request: PrincipalRequest): Promise<IngressView | IngressDryRun> {
    const at = target(namespace, name);
    const dryRun = isDryRun(query);
    const body = parseOrThrow(IngressBodySchema, raw, 'Ingress');
    matchesPath(body, at);
    if (!body.metadata.resourceVersion) {
      throw new ValidationProblem('a replace needs metadata.resourceVersion: the version the Ingress was read at', [
        { field: 'metadata.resourceVersion', message: 'is required' },
      ]);
    }
    const candidate = toCandidate(body);
    if (dryRun) {
      notStale(this.ingresses.require(at), body.metadata.resourceVersion, at);
      return this.ingresses.preview(candidate);
    }
    await this.ingresses.check(candidate);
    const before = this.ingresses.find(at) ?? null;
    const stored = await this.writer().replace('Ingress', candidate);
    this.record(request, 'replace', at, before, stored);
    return this.ingresses.view(stored);
  }

  @Patch(':namespace/:name')
  @UseGuards(WriteAccessGuard)
  @ApiOperation({
    summary: 'Change an Ingress with a JSON merge patch (RFC 7386)',
    description: 'null removes a field; lists are replaced whole. A metadata.resourceVersion in the patch is a precondition (409 when stale). The result is checked like a create.',
  })
  @ApiParam(nsParam)
  @ApiParam(nameParam)
  @ApiConsumes(...PATCH_TYPES)
  @ApiBody({ description: 'a merge patch', schema: openApiSchema(MergePatchSchema, 'input'), examples: { labels: { value: { metadata: { labels: { team: 'shop' } } } } } })
  @ApiQuery(dryRunQuery)
  @ApiOkResponse({ description: WRITE_RESULT, schema: schemaRef('IngressWriteResult'), example: { ...viewExample, pending: true } })
  @ApiResponse(problem(400, 'malformed JSON, a patch that is not an object, or a result with a wrong or unknown field or another name'))
  @ApiResponse(problem(403, 'the viewer token cannot write'))
  @ApiResponse(problem(404, 'no such Ingress'))
  @ApiResponse(problem(409, 'the resourceVersion in the patch is stale'))
  @ApiResponse(problem(413, 'the body is larger than 1 MiB'))
  @ApiResponse(problem(415, 'the body is not application/merge-patch+json or application/json'))
  @ApiResponse(problem(422, 'the compiler finds the patched Ingress invalid (the field is named)', invalidExample))
  @ApiResponse(problem(503, 'the source is unavailable'))
  async patch(@Param('namespace') namespace: string, @Param('name') name: string, @Body() raw: unknown, @Query() query: Record<string, unknown>, @Req() request: PrincipalRequest): Promise<IngressView | IngressDryRun> {
    const at = target(namespace, name);
    const dryRun = isDryRun(query);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!PATCH_TYPES.includes(contentType)) throw new UnsupportedMediaTypeException(`a patch must be sent as ${PATCH_TYPES.join(' or ')}`);
    const patch = parseOrThrow(MergePatchSchema, raw, 'merge patch');
    const before = this.ingresses.require(at);
    const merged = parseOrThrow(IngressBodySchema, this.ingresses.merged(before, patch), 'patched Ingress');
    matchesPath(merged, at);
    const metadata = patch.metadata as { resourceVersion?: unknown } | undefined;
    const resourceVersion = typeof metadata?.resourceVersion === 'string' ? metadata.resourceVersion : undefined;
    if (dryRun) {
      notStale(before, resourceVersion, at);
      return this.ingresses.preview(toCandidate(merged));
    }
    await this.ingresses.check(toCandidate(merged));
    const { status: _status, ...writable } = patch;
    const stored = await this.writer().patch('Ingress', at, writable, resourceVersion ? { resourceVersion } : {});
    this.record(request, 'patch', at, before, stored);
    return this.ingresses.view(stored);
  }

  @Delete(':namespace/:name')
  @UseGuards(WriteAccessGuard)
  @ApiOperation({ summary: 'Delete an Ingress' })
  @ApiParam(nsParam)
  @ApiParam(nameParam)
  @ApiQuery({ name: 'resourceVersion', required: false, schema: { type: 'string' }, example: '3f2a9c0d1b7e4a55', description: 'delete only if the Ingress is still at this version (409 otherwise)' })
  @ApiOkResponse({
    description: 'deleted: the last known object, and the routes still served until the pipeline has compiled the change',
    schema: schemaRef('IngressView'),
    example: { ...viewExample, pending: true },
  })
  @ApiResponse(problem(400, 'an invalid namespace, name or query parameter'))
  @ApiResponse(problem(403, 'the viewer token cannot write'))
  @ApiResponse(problem(404, 'no such Ingress'))
  @ApiResponse(problem(409, 'the resourceVersion is stale'))
  @ApiResponse(problem(503, 'the source is unavailable'))
  async delete(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: Record<string, unknown>, @Req() request: PrincipalRequest): Promise<IngressView> {
    const at = target(namespace, name);
    const { resourceVersion } = parseOrThrow(DeleteQuerySchema, query, 'query', 'query');
    const before = this.ingresses.find(at) ?? null;
    await this.writer().delete('Ingress', at, resourceVersion ? { resourceVersion } : {});
    this.record(request, 'delete', at, before, null);
    return { ...this.ingresses.view(null, at), object: before as Record<string, unknown> | null };
  }

  private writer() {
    return this.ingresses.writer;
  }

  private record(request: PrincipalRequest, action: string, at: WriteTarget, before: unknown, after: unknown): void {
    this.ingresses.audit.record({ actor: request[PRINCIPAL] ?? 'admin', action, target: { kind: 'Ingress', ...at }, before, after });
  }
}

function target(namespace: string, name: string): WriteTarget {
  return { namespace: parseOrThrow(NamespaceSchema, namespace, 'namespace', 'path.namespace'), name: parseOrThrow(IngressNameSchema, name, 'name', 'path.name') };
}

const targetOfObject = (object: IngressObject): WriteTarget => ({ namespace: object.metadata?.namespace ?? 'default', name: object.metadata?.name ?? '' });

/** What is written: the namespace explicit, without status (the controller's, never the client's). */
function toCandidate(body: IngressBody): IngressObject {
  const { status: _status, ...rest } = body;
  return { ...rest, metadata: { ...rest.metadata, namespace: rest.metadata.namespace ?? 'default' } } as IngressObject;
}

const isDryRun = (query: Record<string, unknown>): boolean => parseOrThrow(WriteQuerySchema, query, 'query', 'query').dryRun === 'All';

/** A dry run answers a stale resourceVersion as the write would (409), without reaching the store. */
function notStale(stored: IngressObject, resourceVersion: string | undefined, at: WriteTarget): void {
  if (resourceVersion !== undefined && stored.metadata?.resourceVersion !== resourceVersion) {
    throw new ConflictException(`Ingress ${at.namespace}/${at.name} has changed since resourceVersion ${resourceVersion}: read it again`);
  }
}

function matchesPath(body: IngressBody, at: WriteTarget): void {
  const errors = [];
  if (body.metadata.name !== at.name) errors.push({ field: 'metadata.name', message: `must be ${JSON.stringify(at.name)}, the name in the path` });
  if ((body.metadata.namespace ?? at.namespace) !== at.namespace) errors.push({ field: 'metadata.namespace', message: `must be ${JSON.stringify(at.namespace)}, the namespace in the path` });
  if (errors.length) throw new ValidationProblem(`the body names another Ingress than the path: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors, HttpStatus.BAD_REQUEST);
}
