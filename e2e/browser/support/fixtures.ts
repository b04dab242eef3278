import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stackToken, type Role } from './stack.js';

interface Fixtures {
  /** Console messages a test expects (e.g. the browser's own line for a refused 401); anything else fails the test. */
  allowedConsoleErrors: RegExp[];
  /** Every console error and uncaught page error of the test; asserted empty (after `allowedConsoleErrors`) at the end. */
  consoleErrors: string[];
  /** Opens the dashboard signed in with the role's token (through the `#token=` link `npm start` prints). */
  signIn: (role?: Role, path?: string) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use(errors);
      expect(errors.filter((text) => !allowedConsoleErrors.some((allowed) => allowed.test(text))), 'console errors').toEqual([]);
    },
    { auto: true },
  ],
  signIn: async ({ page }, use) => {
    await use(async (role = 'admin', path = '/') => {
      await page.goto(`${path}#token=${stackToken(role)}`);
      await expect(page.getByTestId('role')).toHaveText(role);
    });
  },
});

export { expect };

/** Fails on any serious or critical accessibility violation axe finds on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    'serious accessibility violations',
  ).toEqual([]);
}

/** Saves a full-page screenshot as a test artifact (attached to the report and kept under test-results/screenshots). */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const dir = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const body = await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}
