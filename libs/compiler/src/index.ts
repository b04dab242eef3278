export * from './options.js';
export * from './compile.js';
