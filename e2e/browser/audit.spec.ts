import { adminApi, demoIngress, removeIfPresent } from './admin-api.js';
import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

const NAME = 'e2e-audited';

test.afterEach(async () => {
  await removeIfPresent(`/api/v1/ingresses/default/${NAME}`);
});

test('the audit log shows who changed what and when, with the fields changed and before/after', async ({ page, signIn }, testInfo) => {
  const created = await adminApi('POST', '/api/v1/ingresses', demoIngress(NAME, 'audited.localhost'));
  expect(created.status).toBe(201);
  // Replace it as a user would: after reading it back once the source has it.
  await expect.poll(async () => (await adminApi('GET', `/api/v1/ingresses/default/${NAME}`)).body?.pending, { timeout: 10_000 }).toBe(false);
  const patched = await adminApi('PUT', `/api/v1/ingresses/default/${NAME}`, {
    ...demoIngress(NAME, 'audited-2.localhost'),
    metadata: { name: NAME, namespace: 'default', resourceVersion: created.body.object.metadata.resourceVersion },
  });
  expect(patched.status).toBe(200);

  await signIn('viewer', '/audit');
  const replace = page.locator('[data-audit-action="replace"]', { hasText: `Ingress default/${NAME}` }).first();
  const create = page.locator('[data-audit-action="create"]', { hasText: `Ingress default/${NAME}` }).first();
  await expect(replace).toBeVisible();
  await expect(create).toBeVisible();
  await expect(replace).toContainText('admin');
  // Newest first: the replace is above the create.
  expect((await replace.boundingBox())!.y).toBeLessThan((await create.boundingBox())!.y);

  await replace.getByRole('button').first().click();
  await expect(replace.getByText('Changed: spec.rules[0].host')).toBeVisible();
  await expect(replace.getByRole('region', { name: 'Before (YAML)' })).toContainText('host: audited.localhost');
  await expect(replace.getByRole('region', { name: 'After (YAML)' })).toContainText('host: audited-2.localhost');
  await expect(replace.getByRole('link', { name: `Open Ingress default/${NAME}` })).toHaveAttribute('href', `/ingresses/default/${NAME}`);
  await checkAtWidths(page, testInfo, 'audit', () => expect(replace.getByText('Changed: spec.rules[0].host')).toBeVisible());

  await create.getByRole('button').first().click();
  await expect(create.getByText('Created.')).toBeVisible();
});
