export { startKubeEmulator } from './emulator.js';
export { KubeApiError, type KubeStatus } from './status.js';
export type { GoneWatchMode, KubeEmulator, KubeEmulatorOptions, KubeObject, KubeObjectMeta, KubeRequestLogEntry } from './types.js';
