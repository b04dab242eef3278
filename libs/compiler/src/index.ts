export * from './options.js';
export * from './compile.js';
export { SETTING_KEYS } from './settings.js';
export { A as ANNOTATIONS } from './annotations.js';
