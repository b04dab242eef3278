export * from './certificates.js';
export * from './grpc-greeter.js';
export * from './kube-emulator/index.js';
export * from './sse-client.js';
