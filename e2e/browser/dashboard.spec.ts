import { expect, test } from '@playwright/test';

test('the dashboard served by the API shows the generation the proxy applied', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Portico' })).toBeVisible();
  await expect(page.getByTestId('generation')).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId('propagation')).toHaveText('applied to 1/1 proxy', { timeout: 10_000 });
  expect(errors).toEqual([]);
});
