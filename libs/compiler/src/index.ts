export * from './options.js';
export * from './compile.js';
export { resolveTlsSettings, SETTING_KEYS, settingValue, type ResolvedTlsSettings } from './settings.js';
export { A as ANNOTATIONS } from './annotations.js';
export { parseBoolean } from './booleans.js';
export { isNamePattern, parseObjectRef } from './references.js';
export { ClassSelector } from './classes.js';
export { certificateCovers, dnsNames as certificateDnsNames } from './secrets.js';
