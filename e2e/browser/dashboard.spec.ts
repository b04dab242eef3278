import { expect, expectAccessible, saveScreenshot, test } from './support/fixtures.js';

test.describe('signing in', () => {
  test.use({ allowedConsoleErrors: [/status of 401/] });

  test('a wrong token is refused in words, on an accessible sign-in form', async ({ page }, testInfo) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sign in to Portico' })).toBeVisible();
    await expectAccessible(page);
    await saveScreenshot(page, testInfo, 'sign-in');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText(/Check the token and try again/)).toBeVisible();
  });
});

test('the overview shows the generation the proxy applied', async ({ page, signIn }, testInfo) => {
  await signIn('admin');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('generation')).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId('propagation')).toHaveText('applied to 1/1 proxy', { timeout: 10_000 });
  await expect(page.getByTestId('live-connection')).toHaveText('live');
  await expectAccessible(page);
  await saveScreenshot(page, testInfo, 'overview');
});

test('a deep link survives signing in, and the token is not left in the address bar', async ({ page, signIn }) => {
  await signIn('viewer', '/diagnostics');
  await expect(page.getByRole('heading', { name: 'Diagnostics' })).toBeVisible();
  expect(new URL(page.url()).hash).toBe('');
  expect(new URL(page.url()).pathname).toBe('/diagnostics');
});
