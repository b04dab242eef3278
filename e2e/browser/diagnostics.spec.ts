import { adminApi, demoIngress, removeIfPresent } from './admin-api.js';
import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

const NAME = 'e2e-diagnosed';

test.afterEach(async () => {
  await removeIfPresent(`/api/v1/ingresses/default/${NAME}`);
});

test('an Ingress naming a missing Service shows up on the diagnostics page, filtered, grouped and linked, and leaves with it', async ({ page, signIn }, testInfo) => {
  // A missing Service does not block the write; it is a warning on the Ingress.
  expect((await adminApi('POST', '/api/v1/ingresses', demoIngress(NAME, 'diagnosed.localhost', 'no-such-service'))).status).toBe(201);
  await signIn('viewer', '/diagnostics?severity=warning&group=object');
  const card = page.locator('[data-diagnostic="ServiceNotFound"]', { hasText: `default/${NAME}` });
  await expect(card).toBeVisible({ timeout: 10_000 });
  await expect(card).toContainText('no-such-service');
  await expect(page.getByRole('region', { name: new RegExp(`^Ingress default/${NAME} \\(1\\)$`) })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: /^warning/ })).toBeChecked();
  await checkAtWidths(page, testInfo, 'diagnostics', () => expect(card).toBeVisible());

  // Filtering by text narrows to the object; the link opens the Ingress.
  await page.getByRole('textbox', { name: 'Object or text' }).fill(NAME);
  await expect(page.locator('[data-diagnostic]')).toHaveCount(1);
  expect(new URL(page.url()).searchParams.get('q')).toBe(NAME);
  await card.getByRole('link', { name: `Ingress default/${NAME}` }).click();
  await expect(page).toHaveURL(new RegExp(`/ingresses/default/${NAME}$`));
  await expect(page.getByText('ServiceNotFound').first()).toBeVisible();

  // Fixed by deleting it: the diagnostic goes away without a reload.
  await page.goto(`/diagnostics?q=${NAME}`);
  await expect(page.locator('[data-diagnostic]')).toHaveCount(1);
  await removeIfPresent(`/api/v1/ingresses/default/${NAME}`);
  await expect(page.locator('[data-diagnostic]')).toHaveCount(0, { timeout: 10_000 });
  // Other specs may have left diagnostics of their own: either way the page says so in words.
  await expect(page.getByText(/^(No diagnostic matches these filters|No diagnostics)$/)).toBeVisible();
});
