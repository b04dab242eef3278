/**
 * Typed failures of a source's requests (reads and writes). The admin API maps them to HTTP answers; the messages are
 * the server's own (they name the object and the reason) and never contain Secret data.
 */
export class SourceRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status the source answered (or 503 when it could not be reached). */
    readonly status: number,
    /** The Kubernetes `Status.reason` (`Conflict`, `NotFound`, `Invalid` …), or a local one. */
    readonly reason: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 409 Conflict: the object changed since it was read (stale `resourceVersion`). Nothing was written. */
export class ConflictError extends SourceRequestError {}

/** 409 AlreadyExists: a create named an object that exists. */
export class AlreadyExistsError extends SourceRequestError {}

/** 404: the object (or its namespace) does not exist. */
export class NotFoundError extends SourceRequestError {}

/** 400/422: the object was refused as invalid, or the request is not allowed on it (e.g. a non-TLS Secret). */
export class InvalidObjectError extends SourceRequestError {}

/** 401/403: the controller's credentials may not do this (RBAC). */
export class ForbiddenError extends SourceRequestError {}

/** 5xx, 429, a timeout or a connection failure: the source is unavailable; the request may be retried. */
export class SourceUnavailableError extends SourceRequestError {}
