import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

test('a host page says which certificate is served and why, and the TLS policies behind its mode', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', '/hosts/tls.demo.localhost');
  await expect(page.getByRole('heading', { name: 'tls.demo.localhost', level: 1 })).toBeVisible();
  await expect(page.getByTestId('host-modes').locator('[data-tls-mode]')).toHaveCount(2);
  const certificate = page.getByTestId('certificate-choice');
  await expect(certificate.getByRole('link', { name: 'default/demo-certificate' })).toHaveAttribute('href', '/certificates/default/demo-certificate');
  await expect(certificate).toContainText('tls.demo.localhost names Secret default/demo-certificate in spec.tls');
  await expect(page.getByTestId('upstream-tls')).toHaveText('default/demo-tls:https: HTTPS to tls.demo.localhost, verified against CN=tls.demo.localhost');
  await expect(page.getByText('redirected to HTTPS (308)')).toBeVisible();
  const rules = page.getByTestId('host-rules');
  await expect(rules.locator('tbody tr')).toHaveCount(1);
  await expect(rules.locator('tbody tr').first()).toContainText('/Prefixdefault/demo-tls:https—round-robin');
  await expect(page.getByText('No diagnostics: nothing wrong is known about this host.')).toBeVisible();
  await checkAtWidths(page, testInfo, 'host-tls', () => expect(page.getByTestId('certificate-choice')).toBeVisible());
});

test('the mTLS host names its client CA and depth; the plain host its rewrite and balancer per rule', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', '/hosts/mtls.demo.localhost');
  await expect(page.getByTestId('client-verification')).toHaveText('required, from CN=Portico demo client CA (verify depth 1)');
  await page.goto('/hosts/demo.localhost');
  const row = page.getByTestId('host-rules').locator('tbody tr', { hasText: '/httpbin' });
  await expect(row).toContainText('^/httpbin/? → /');
  await expect(row).toContainText('hashing');
  await expect(page.getByTestId('host-rules').locator('tbody tr')).toHaveCount(3);
  await checkAtWidths(page, testInfo, 'host-plain', () => expect(page.getByTestId('host-rules')).toBeVisible());
});

test('a viewer cannot toggle passthrough, and is told why', async ({ page, signIn }) => {
  await signIn('viewer', '/hosts/tls.demo.localhost');
  const toggle = page.getByRole('button', { name: 'Turn passthrough on…' });
  await expect(toggle).toBeDisabled();
  await expect(page.getByTestId('passthrough-disabled-reason')).toHaveText('Signed in as a viewer: changes need the admin token.');
  await toggle.click({ force: true });
  await expect(page.getByTestId('passthrough-preview')).toHaveCount(0);
});

test.describe('a missing host', () => {
  // The API's 404 for the host is the answer the page explains; the browser logs it as a failed resource.
  test.use({ allowedConsoleErrors: [/status of 404/] });

  test('says so in words', async ({ page, signIn }) => {
    await signIn('viewer', '/hosts/nobody.example');
    await expect(page.getByText('No host nobody.example')).toBeVisible();
  });
});
