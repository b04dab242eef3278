import { adminApi, removeIfPresent, throughProxy } from './admin-api.js';
import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

const NAME = 'e2e-editor';
const HOST = 'editor.localhost';

test.afterEach(async () => {
  await removeIfPresent(`/api/v1/ingresses/default/${NAME}`);
  await removeIfPresent('/api/v1/ingresses/default/e2e-bad-path');
});

test('an Ingress made in the editor is previewed, saved, and then served by the proxy', async ({ page, signIn }, testInfo) => {
  await signIn('admin', '/ingresses');
  await page.getByRole('button', { name: 'New Ingress' }).click();
  await expect(page).toHaveURL(/\/ingresses\/new$/);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(NAME);
  await page.getByRole('textbox', { name: 'Host' }).fill(HOST);
  await page.getByRole('textbox', { name: 'Path', exact: true }).fill('/');
  await page.getByRole('textbox', { name: 'Service' }).first().fill('demo');
  await page.getByRole('textbox', { name: 'Port' }).first().fill('80');

  // Both views edit the same object: what the form holds is in the YAML.
  await page.getByRole('tab', { name: 'YAML' }).click();
  await expect(page.getByLabel('Ingress YAML')).toHaveValue(new RegExp(`host: ${HOST.replace('.', '\\.')}`));
  await page.getByRole('tab', { name: 'Form' }).click();

  await expect(page.getByRole('button', { name: 'Create Ingress' })).toBeDisabled();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  const preview = page.getByTestId('route-preview');
  await expect(preview).toContainText('1 route added');
  await expect(preview.locator('table[data-change="added"] tbody tr')).toHaveText([new RegExp(`^${HOST}/Prefixdefault/demo`)]);
  expect((await adminApi('GET', `/api/v1/ingresses/default/${NAME}`)).status, 'the preview wrote nothing').toBe(404);
  await checkAtWidths(page, testInfo, 'ingress-editor', () => expect(preview).toBeVisible());

  await page.getByRole('button', { name: 'Create Ingress' }).click();
  await expect(page).toHaveURL(new RegExp(`/ingresses/default/${NAME}$`));
  await expect(page.getByRole('heading', { name: `Ingress default/${NAME}` })).toBeVisible();
  await expect(page.getByTestId('applied')).toHaveText(/applied by 1 of 1 connected proxy/, { timeout: 10_000 });

  // The proxy serves the new route: a real HTTP client with the new Host.
  await expect.poll(async () => (await throughProxy(HOST, '/hi')).status, { timeout: 10_000 }).toBe(200);
  expect((await throughProxy(HOST, '/hi')).body).toContain('Hi');
  await checkAtWidths(page, testInfo, 'ingress-detail');

  // Edit it as YAML: an Exact /extra path. Preview shows the one added route; Save replaces the Ingress (PUT).
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = page.getByLabel('Ingress YAML');
  const text = await yaml.inputValue();
  expect(text).toContain('resourceVersion:');
  await yaml.fill(
    text.replace(
      /( +)- path: \/\n/,
      (line, indent: string) => `${indent}- path: /extra\n${indent}  pathType: Exact\n${indent}  backend:\n${indent}    service:\n${indent}      name: demo\n${indent}      port:\n${indent}        number: 80\n${line}`,
    ),
  );
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(preview).toContainText('1 route added');
  await expect(preview.locator('table[data-change="added"] tbody tr')).toHaveText([new RegExp(`^${HOST}/extraExactdefault/demo`)]);
  await page.getByRole('button', { name: 'Save changes' }).click();
  // The prefix / would serve /extra too, so the table says which route serves it: the new Exact one.
  await expect(page.getByRole('region', { name: 'Routes served (2)' }).locator('tbody tr')).toHaveText([new RegExp(`^${HOST}/extraExact`), new RegExp(`^${HOST}/Prefix`)], { timeout: 10_000 });

  // The list finds it by host.
  await page.goto(`/ingresses?host=${HOST}`);
  await expect(page.getByRole('link', { name: `default/${NAME}` })).toBeVisible();
  await checkAtWidths(page, testInfo, 'ingress-list');

  // Delete it from its page: the route goes away.
  await page.getByRole('link', { name: `default/${NAME}` }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/ingresses$/);
  await expect.poll(async () => (await throughProxy(HOST, '/hi')).status, { timeout: 10_000 }).toBe(404);
});

test.describe('validation', () => {
  // The API's 422 for the bad path is the point of the test; the browser logs it.
  test.use({ allowedConsoleErrors: [/status of 422/] });

  test('a path the compiler refuses is shown at the Path field, and nothing is written', async ({ page, signIn }) => {
    await signIn('admin', '/ingresses/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('e2e-bad-path');
    await page.getByRole('textbox', { name: 'Host' }).fill('bad-path.localhost');
    await page.getByRole('textbox', { name: 'Path', exact: true }).fill('no-leading-slash');
    await page.getByRole('textbox', { name: 'Service' }).first().fill('demo');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const path = page.getByRole('textbox', { name: 'Path', exact: true });
    await expect(path).toHaveAttribute('aria-invalid', 'true');
    const errorId = (await path.getAttribute('aria-describedby'))?.split(' ').find((id) => id.includes('error'));
    expect(errorId, 'the Path input is described by its error').toBeTruthy();
    await expect(page.locator(`[id="${errorId}"]`)).toContainText(/path/i);
    await expect(page.getByRole('alert')).toContainText('Fix the fields marked above.');
    await expect(page.getByRole('button', { name: 'Create Ingress' })).toBeDisabled();
    expect((await adminApi('GET', '/api/v1/ingresses/default/e2e-bad-path')).status).toBe(404);
  });
});
