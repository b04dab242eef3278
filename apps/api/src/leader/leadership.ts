import type { LeaderElector } from './leader-elector.js';

/**
 * Whether this replica is the elected writer, as an injectable value (a class, so Nest injects it by type: import it
 * as a value). Without a cluster there is no election: `isLeader()` is undefined.
 */
export class Leadership {
  constructor(private readonly elector?: LeaderElector) {}

  isLeader(): boolean | undefined {
    return this.elector?.isLeader();
  }

  identity(): string | undefined {
    return this.elector?.identity;
  }
}
