export * from './normalize-path.js';
export * from './normalize-host.js';
export * from './route-index.js';
