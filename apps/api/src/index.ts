export { startApi, createApp, type CreatedApp } from './app.js';
export type { ApiHandle, ApiOptions } from './config/api-options.js';
export type { ConfigSource, SourceChange, SourceLocation } from './sources/config-source.js';
export type { WritableSource, WritableKind, WriteTarget, WriteOptions, SourceStatus } from './sources/config-source.js';
export {
  SourceRequestError,
  ConflictError,
  AlreadyExistsError,
  NotFoundError,
  InvalidObjectError,
  ForbiddenError,
  SourceUnavailableError,
} from './sources/write-errors.js';
