import { X509Certificate } from 'node:crypto';
import { certificateAuthority } from '@portico/testing';
import { removeIfPresent } from './admin-api.js';
import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

const UPLOADED = 'e2e-uploaded';
const SELF_SIGNED = 'e2e-self-signed';
const DAY = 86_400_000;

test.afterEach(async () => {
  for (const name of [UPLOADED, SELF_SIGNED, 'e2e-mismatch']) await removeIfPresent(`/api/v1/certificates/default/${name}?force=true`);
});

test('an uploaded certificate is listed with its expiry in days, its detail never shows the key, and it can be deleted', async ({ page, signIn }, testInfo) => {
  const ca = await certificateAuthority('E2E Upload CA');
  const leaf = await ca.issue(['upload.e2e.localhost', 'www.upload.e2e.localhost']);
  const daysLeft = Math.floor((Date.parse(new X509Certificate(leaf.certPem).validTo) - Date.now()) / DAY);

  await signIn('admin', '/certificates');
  await expect(page.getByRole('heading', { name: 'CA bundles' })).toBeVisible();
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Upload a certificate and key' });
  await dialog.getByRole('textbox', { name: 'Secret name' }).fill(UPLOADED);
  await dialog.getByRole('textbox', { name: /Certificate chain/ }).fill(leaf.certPem);
  await dialog.getByRole('textbox', { name: /Private key/ }).fill(leaf.keyPem);
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Stored' })).toContainText(`expires in ${daysLeft} days`);

  const row = page.locator(`tr[data-certificate="default/${UPLOADED}"]`);
  await expect(row).toContainText('upload.e2e.localhost, www.upload.e2e.localhost', { timeout: 10_000 });
  await expect(row).toContainText('CN=E2E Upload CA');
  await expect(row.locator('[data-expiry]')).toHaveText(`expires in ${daysLeft} days`);
  // 30-day test certificates are inside the 21-day warning window only near their end: fine here.
  await expect(row.locator('[data-expiry]')).toHaveAttribute('data-expiry', daysLeft < 21 ? 'soon' : 'fine');
  await checkAtWidths(page, testInfo, 'certificates', () => expect(row).toBeVisible());

  await row.getByRole('link', { name: `default/${UPLOADED}` }).click();
  await expect(page).toHaveURL(new RegExp(`/certificates/default/${UPLOADED}$`));
  await expect(page.getByText('DNS:upload.e2e.localhost, DNS:www.upload.e2e.localhost')).toBeVisible();
  await expect(page.getByText('has a private key (never shown)')).toBeVisible();
  await expect(page.getByText('Nothing refers to this Secret.')).toBeVisible();
  const keyBody = leaf.keyPem.split('\n')[1]!;
  expect(await page.content(), 'no line of the private key is on the page').not.toContain(keyBody);
  await checkAtWidths(page, testInfo, 'certificate-detail');

  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/certificates$/);
  await expect(row).toHaveCount(0, { timeout: 10_000 });
});

test('a self-signed certificate is generated for the hosts given, with the validity asked for', async ({ page, signIn }) => {
  await signIn('admin', '/certificates');
  await page.getByRole('button', { name: 'Generate self-signed' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate a self-signed certificate' });
  await dialog.getByRole('textbox', { name: 'Secret name' }).fill(SELF_SIGNED);
  await dialog.getByRole('textbox', { name: 'Hosts' }).fill('self.e2e.localhost, *.self.e2e.localhost');
  await dialog.getByRole('textbox', { name: 'Valid for (days)' }).fill('10');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator(`tr[data-certificate="default/${SELF_SIGNED}"]`);
  await expect(row).toContainText('*.self.e2e.localhost, self.e2e.localhost', { timeout: 10_000 });
  // Ten days is inside the warning window: yellow, and said in words.
  await expect(row.locator('[data-expiry]')).toHaveAttribute('data-expiry', 'soon');
  await expect(row.locator('[data-expiry]')).toHaveText(/^expires in (9|10) days$/);
  await expect(row).toContainText('valid, self-signed');
});

test.describe('a key that does not match', () => {
  test.use({ allowedConsoleErrors: [/status of 422/] });

  test('is refused in words, and nothing is stored', async ({ page, signIn }) => {
    const ca = await certificateAuthority('E2E Mismatch CA');
    const [one, other] = [await ca.issue(['one.e2e.localhost']), await ca.issue(['other.e2e.localhost'])];
    await signIn('admin', '/certificates');
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Upload a certificate and key' });
    await dialog.getByRole('textbox', { name: 'Secret name' }).fill('e2e-mismatch');
    await dialog.getByRole('textbox', { name: /Certificate chain/ }).fill(one.certPem);
    await dialog.getByRole('textbox', { name: /Private key/ }).fill(other.keyPem);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await expect(dialog.getByRole('alert')).toContainText(/does not belong to the first certificate/);
    expect(await dialog.getByRole('alert').textContent()).not.toContain(other.keyPem.split('\n')[1]!);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('tr[data-certificate="default/e2e-mismatch"]')).toHaveCount(0);
  });
});

test('the CA bundles the demo trusts are listed apart from serving certificates, with what trusts them', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', '/certificates');
  const bundles = page.getByRole('region', { name: /CA bundles/ });
  await expect(bundles.locator('tbody tr').first()).toBeVisible();
  await bundles.locator('tbody tr a').first().click();
  await expect(page.getByRole('heading', { name: 'CA bundle (ca.crt)' })).toBeVisible();
  await expect(page.getByText(/trusted for client certificates|upstream TLS \(CA or client certificate\)/).first()).toBeVisible();
  await checkAtWidths(page, testInfo, 'certificate-ca-bundle');
});
