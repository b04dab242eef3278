import tls from 'node:tls';
import type { Certificate } from '@portico/model';
import type { Logger } from '../observability/logger.js';

/** What a built context was made from, so the next generation can reuse it when the PEM did not change. */
export interface BuiltContext {
  readonly certPem: string;
  readonly keyPem: string;
  readonly context: tls.SecureContext;
}

/**
 * One SecureContext per certificate of a table, built when the table is applied so that a handshake costs a map
 * lookup. A certificate whose PEM is unchanged since the previous generation keeps its context (building one parses
 * the key, which is the expensive part); a rotated one (same id, new PEM) gets a new context, which is what makes
 * the next handshake serve it. A certificate that does not load is logged (never its key) and left out: the hosts
 * that name it get the default certificate rather than the whole table being refused.
 */
export function buildSecureContexts(
  certificates: readonly Certificate[],
  previous: ReadonlyMap<string, BuiltContext> | undefined,
  logger: Logger,
): Map<string, BuiltContext> {
  const out = new Map<string, BuiltContext>();
  for (const cert of certificates) {
    const prior = previous?.get(cert.id);
    if (prior && prior.certPem === cert.certPem && prior.keyPem === cert.keyPem) {
      out.set(cert.id, prior);
      continue;
    }
    try {
      out.set(cert.id, { certPem: cert.certPem, keyPem: cert.keyPem, context: tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem }) });
    } catch (err) {
      logger.error(
        { certificateId: cert.id, err: (err as Error).message, dnsNames: cert.dnsNames },
        'certificate does not load; its hosts are served the default certificate',
      );
    }
  }
  return out;
}
