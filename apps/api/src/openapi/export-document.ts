// Prints the admin API's OpenAPI document without serving anything, so clients (the dashboard's typed client) are
// generated from the code's own description: `node dist/openapi/export-document.js > openapi.json`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../app.js';
import { createLogger } from '../logging/logger.js';
import { buildOpenApiDocument } from './openapi-document.js';

const emptyManifests = await mkdtemp(path.join(os.tmpdir(), 'portico-openapi-'));
try {
  const { app } = await createApp({
    manifests: emptyManifests,
    adminToken: 'unused',
    proxyToken: 'unused',
    webDir: null,
    logger: createLogger('silent'),
  });
  process.stdout.write(JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
  await app.close();
} finally {
  await rm(emptyManifests, { recursive: true, force: true });
}
