import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { makeTempDir, silentLogger } from './helpers.js';

describe('a malformed JSON body', () => {
  let api: ApiHandle;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: 'a', proxyToken: 'p', webDir: null, logger: silentLogger() });
  });
  afterAll(async () => {
    await api?.close();
    await remove?.();
  });

  it('is a 400 problem that never quotes the body back (it may hold a private key)', async () => {
    const res = await fetch(`${api.url}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: 'Bearer a', 'content-type': 'application/json' },
      body: '{"namespace":"default","name":"x","privateKeyPem":MIGHAgEAMBMGByqGSM49AgEGCCqGSM49}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const text = await res.text();
    expect(text).toContain('not valid JSON');
    expect(text).not.toContain('MIGHAgEAMB');
  });
});
