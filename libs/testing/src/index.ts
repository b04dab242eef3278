export * from './certificates.js';
export * from './grpc-greeter.js';
