import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from '../shared/express-types.js';
import { ProxyRegistry } from '../delivery/proxy-registry.js';
import { Leadership } from '../leader/leadership.js';
import { schemaRef, type Readiness } from '../openapi/api-schemas.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';

/** Probes for Kubernetes and for e2e tests; no authentication, and nothing secret in the answers. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly registry: ProxyRegistry,
    private readonly leadership: Leadership,
  ) {}

  @Get('healthz')
  @ApiOkResponse({ description: 'the process is up' })
  healthz(): { ok: true } {
    return { ok: true };
  }

  /**
   * Ready means "what the source holds is what proxies enforce": the source has loaded (with a cluster: every watch
   * has listed once), and every connected proxy has applied the current generation. With no proxy connected, loading
   * is enough. A later cluster outage does not make it unready (the last known objects are served; the outage is a
   * diagnostic). `isLeader` is informative only: followers are as ready as the leader.
   */
  @Get('readyz')
  @ApiOkResponse({ schema: schemaRef('Readiness') })
  @ApiResponse({ status: 503, description: 'not loaded yet, or a proxy lags behind', schema: schemaRef('Readiness') })
  readyz(@Res({ passthrough: true }) response: Response): Readiness {
    const generation = this.pipeline.generation();
    const proxies = this.registry.list();
    const ready = this.pipeline.isLoaded() && this.registry.allApplied(generation);
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    const isLeader = this.leadership.isLeader();
    return {
      ready,
      generation,
      proxies: proxies.map(({ id, appliedGeneration, connected }) => ({ id, appliedGeneration, connected })),
      ...(isLeader !== undefined ? { isLeader } : {}),
    };
  }
}
