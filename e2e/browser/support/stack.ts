import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The standalone stack the browser tests run against: `npm start`'s launcher on its own ports, with the demo (seeded
 * into a fresh data directory, echo backends included) — started by playwright.config.ts's webServer.
 */
export const STACK = {
  adminPort: 19090,
  httpPort: 18000,
  httpsPort: 18444,
  proxyAdminPort: 19091,
  dataDir: join(import.meta.dirname, '..', '..', 'test-results', 'standalone-data'),
  get manifestsDir(): string {
    return join(this.dataDir, 'manifests');
  },
  get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPort}`;
  },
};

export type Role = 'admin' | 'viewer';

/** The tokens the launcher made for this run (it keeps them in the data directory). */
export function stackToken(role: Role): string {
  const tokens = JSON.parse(readFileSync(join(STACK.dataDir, 'tokens.json'), 'utf8')) as Record<Role, string>;
  return tokens[role];
}
