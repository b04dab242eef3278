import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';

const REASON = 'Signed in as a viewer: changes need the admin token.';

/** Every request the page sends that could change something (explain is a read sent as POST). */
function writesSent(page: Page): string[] {
  const writes: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/v1/') && request.method() !== 'GET' && url.pathname !== '/api/v1/explain') writes.push(`${request.method()} ${url.pathname}`);
  });
  return writes;
}

/** The control is shown, marked disabled with the reason, and clicking it does nothing. */
async function expectRefused(page: Page, name: string) {
  const button = page.getByRole('button', { name, exact: true });
  await expect(button).toHaveAttribute('aria-disabled', 'true');
  await expect(button).toHaveAccessibleDescription(REASON);
  // Playwright waits for an aria-disabled button to be enabled: force the click, as a determined user would.
  await button.click({ force: true });
}

test('a viewer sees every change control disabled with the reason, and no write request is sent', async ({ page, signIn }) => {
  const writes = writesSent(page);
  await signIn('viewer', '/certificates');
  await expectRefused(page, 'Upload certificate');
  await expectRefused(page, 'Generate self-signed');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.getByRole('button', { name: 'Upload certificate' }).hover();
  await expect(page.getByRole('tooltip').filter({ hasText: REASON }).first()).toBeVisible();

  await page.goto('/certificates/default/demo-certificate');
  await expectRefused(page, 'Delete');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.goto('/ingresses');
  await expectRefused(page, 'New Ingress');
  await expect(page).toHaveURL(/\/ingresses$/);

  await page.goto('/ingresses/default/demo');
  await expect(page.getByRole('heading', { name: 'Ingress default/demo' })).toBeVisible();
  await expectRefused(page, 'Delete');
  await page.getByRole('textbox', { name: 'Host' }).first().fill('changed-by-viewer.localhost');
  await expectRefused(page, 'Preview changes');
  await expectRefused(page, 'Save changes');
  await expect(page.getByTestId('route-preview')).toHaveCount(0);

  expect(writes, 'write requests sent by a viewer').toEqual([]);
});
