import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from '../shared/express-types.js';
import { ProxyRegistry } from '../delivery/proxy-registry.js';
import { schemaRef, type Readiness } from '../openapi/api-schemas.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';

/** Probes for Kubernetes and for e2e tests; no authentication, and nothing secret in the answers. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly registry: ProxyRegistry,
  ) {}

  @Get('healthz')
  @ApiOkResponse({ description: 'the process is up' })
  healthz(): { ok: true } {
    return { ok: true };
  }

  /**
   * Ready means "what is on disk is what proxies enforce": the source has loaded, and every connected proxy has
   * applied the current generation. With no proxy connected, loading is enough.
   */
  @Get('readyz')
  @ApiOkResponse({ schema: schemaRef('Readiness') })
  @ApiResponse({ status: 503, description: 'not loaded yet, or a proxy lags behind', schema: schemaRef('Readiness') })
  readyz(@Res({ passthrough: true }) response: Response): Readiness {
    const generation = this.pipeline.generation();
    const proxies = this.registry.list();
    const ready = this.pipeline.isLoaded() && this.registry.allApplied(generation);
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      ready,
      generation,
      proxies: proxies.map(({ id, appliedGeneration, connected }) => ({ id, appliedGeneration, connected })),
    };
  }
}
