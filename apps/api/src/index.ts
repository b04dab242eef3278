export { startApi, createApp, type CreatedApp } from './app.js';
export type { ApiHandle, ApiOptions } from './config/api-options.js';
export type { ConfigSource, SourceChange, SourceLocation } from './sources/config-source.js';
