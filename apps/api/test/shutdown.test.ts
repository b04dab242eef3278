import { describe, expect, it } from 'vitest';
import { CONFIG_STREAM_PATH } from '@portico/model';
import { startApi } from '../src/index.js';
import { fakeCompile } from './fakes.js';
import { makeTempDir, silentLogger, waitFor } from './helpers.js';
import { NdjsonClient } from './ndjson-client.js';

describe('closing the API', () => {
  it('ends open config streams and releases the port promptly', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const api = await startApi({ manifests: dir, port: 0, bind: '127.0.0.1', adminToken: 'a', proxyToken: 'p', webDir: null, logger: silentLogger(), compile: fakeCompile });
      const proxy = await NdjsonClient.open(`${api.url}${CONFIG_STREAM_PATH}?proxyId=x`, 'p');
      await proxy.next((m) => m.type === 'config', 'the first table');
      const started = Date.now();
      await api.close();
      expect(Date.now() - started).toBeLessThan(3000);
      await waitFor(() => proxy.ended, 'the stream to end');
      await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
    } finally {
      await remove();
    }
  });
});
