export * from './kube-objects.js';
export * from './diagnostic.js';
export * from './routing-table.js';
export * from './tls.js';
export * from './delivery.js';
export * from './traffic.js';
export * from './live-events.js';
