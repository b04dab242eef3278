import { defineConfig } from '@playwright/test';
import { STACK } from './browser/support/stack.js';

/** The dashboard is tested in Debian's Chromium against the real standalone stack (`npm start`'s launcher, the demo). */
export default defineConfig({
  testDir: './browser',
  outputDir: './test-results/artifacts', // Playwright wipes outputDir at start; the JSON report lives outside it.
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  // One stack serves every test, and some tests change it: run them one at a time.
  workers: 1,
  timeout: 45_000,
  use: {
    baseURL: STACK.adminUrl,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: [
      'node browser/support/serve-stack.mjs',
      STACK.dataDir,
      `--skip-build --admin-port ${STACK.adminPort} --http-port ${STACK.httpPort} --https-port ${STACK.httpsPort} --proxy-admin-port ${STACK.proxyAdminPort}`,
    ].join(' '),
    // /readyz answers 503 until the proxy has applied the first generation, so tests start on a settled stack.
    url: `${STACK.adminUrl}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
  },
});
