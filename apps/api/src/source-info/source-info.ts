import type { ControlPlane } from '../control-plane.js';
import type { SourceInfoBody } from '../openapi/api-schemas.js';

/** What `GET /api/v1/source` shows: the source's status and, with a cluster, the leader election. Injectable value. */
export class SourceInfo {
  constructor(private readonly controlPlane: Pick<ControlPlane, 'source' | 'pipeline' | 'cluster'>) {}

  describe(): SourceInfoBody {
    const { source, pipeline, cluster } = this.controlPlane;
    const status = source.status?.() ?? { kind: 'files' as const, location: '', synced: pipeline.isLoaded(), resources: [] };
    return {
      ...status,
      leader: cluster ? { isLeader: cluster.elector.isLeader(), identity: cluster.elector.identity } : null,
    };
  }
}
