import { defineConfig } from '@playwright/test';
import { join } from 'node:path';

/** The dashboard is tested against the real standalone stack (`npm start`'s launcher) on its own ports. */
export const ADMIN_PORT = 19090;

export default defineConfig({
  testDir: './browser',
  outputDir: './test-results/artifacts', // Playwright wipes outputDir at start; the JSON report lives outside it.
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  workers: 1,
  use: {
    baseURL: `http://127.0.0.1:${ADMIN_PORT}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `node ../tools/start.mjs --skip-build --manifests ../examples/demo --admin-port ${ADMIN_PORT} --http-port 18000 --https-port 18444 --proxy-admin-port 19091`,
    // /readyz answers 503 until the proxy has applied the first generation, so tests start on a settled stack.
    url: `http://127.0.0.1:${ADMIN_PORT}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    // Tokens and proxy state of this run stay inside the (git-ignored) results folder.
    env: { PORTICO_DATA_DIR: join(import.meta.dirname, 'test-results', 'standalone-data') },
  },
});
