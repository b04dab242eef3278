import { ConflictException, ForbiddenException, HttpException, NotFoundException, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import type { ControlPlane } from '../control-plane.js';
import type { WritableSource } from '../sources/config-source.js';
import { AlreadyExistsError, ConflictError, ForbiddenError, InvalidObjectError, NotFoundError, SourceRequestError, SourceUnavailableError } from '../sources/write-errors.js';

const isWritable = (source: unknown): source is WritableSource =>
  !!source && ['create', 'replace', 'patch', 'delete'].every((method) => typeof (source as Record<string, unknown>)[method] === 'function');

/**
 * The writable side of the configured source, looked up on every use: the cluster's writer with the Kubernetes
 * source, or the source itself once it implements `WritableSource` (the file store is gaining it).
 */
export class WritableSourceAccess {
  constructor(private readonly controlPlane: Pick<ControlPlane, 'source' | 'cluster'>) {}

  writer(): WritableSource {
    const writer = this.controlPlane.cluster?.writer ?? (isWritable(this.controlPlane.source) ? this.controlPlane.source : undefined);
    if (!writer) throw new ServiceUnavailableException('the configured source cannot be written to (it is read-only)');
    return writer;
  }
}

/** A source's typed failure as an HTTP answer; the messages are the source's own and never carry Secret data. */
export function httpErrorOf(error: unknown): unknown {
  if (!(error instanceof SourceRequestError)) return error;
  if (error instanceof ConflictError || error instanceof AlreadyExistsError) return new ConflictException(error.message);
  if (error instanceof NotFoundError) return new NotFoundException(error.message);
  if (error instanceof InvalidObjectError) return new UnprocessableEntityException(error.message);
  if (error instanceof ForbiddenError) return new ForbiddenException(`the controller may not do this: ${error.message}`);
  if (error instanceof SourceUnavailableError) return new ServiceUnavailableException(error.message);
  return new HttpException(error.message, error.status >= 400 && error.status < 600 ? error.status : 502);
}
