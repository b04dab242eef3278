import { expect, test } from '@playwright/test';

test('the API documentation renders in Chromium', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  await page.goto('/api/docs');
  await expect(page.locator('.swagger-ui .info .title')).toContainText('Portico');
  // Every tag group is rendered from the served document.
  await expect(page.locator('.opblock-tag').first()).toBeVisible();
  await expect(page.getByText('/api/v1/routes').first()).toBeVisible();
  expect(errors).toEqual([]);
});
