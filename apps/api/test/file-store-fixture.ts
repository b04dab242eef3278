import { afterEach, beforeEach } from 'vitest';
import { FileStore, type FileStoreOptions } from '../src/sources/file-store/file-store.js';
import { makeTempDir, silentLogger } from './helpers.js';

/**
 * A fresh manifests directory per test and a store over it, stopped and removed after the test. Call inside a
 * `describe`: it registers the hooks there. `start` uses short timings so tests settle quickly.
 */
export function useFileStore() {
  let remove: () => Promise<void> = async () => undefined;
  let store: FileStore | undefined;
  const fixture = {
    dir: '',
    start: async (options: Partial<FileStoreOptions> = {}): Promise<FileStore> => {
      store = new FileStore({ directory: fixture.dir, logger: silentLogger(), debounceMs: 10, reattachIntervalMs: 50, ...options });
      await store.start();
      return store;
    },
  };
  beforeEach(async () => {
    ({ dir: fixture.dir, remove } = await makeTempDir());
  });
  afterEach(async () => {
    await store?.stop();
    store = undefined;
    await remove();
  });
  return fixture;
}
