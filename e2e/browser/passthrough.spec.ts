import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { presentedCertificate } from '../support/tls-clients.js';
import { expect, test } from './support/fixtures.js';
import { STACK, stackToken } from './support/stack.js';
import { checkAtWidths } from './support/widths.js';

const HOST = 'tls.demo.localhost';
/** The fingerprints of the certificates the launcher made for the demo: Portico's and the TLS backend's own. */
const fingerprint = (name: string) => new X509Certificate(readFileSync(join(STACK.dataDir, 'demo-tls', `${name}.crt`))).fingerprint256;

/** Whatever happens in the test, the host is terminated again afterwards: other specs share the stack. */
test.afterEach(async () => {
  await fetch(`${STACK.adminUrl}/api/v1/hosts/${HOST}/passthrough`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${stackToken('admin')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: false }),
  });
});

async function toggle(page: Page, action: string, confirm: string) {
  await page.getByRole('button', { name: `${action}…` }).click();
  const preview = page.getByTestId('passthrough-preview');
  await expect(preview).toBeVisible();
  return {
    preview,
    confirm: async () => {
      await preview.getByRole('button', { name: confirm }).click();
      await expect(page.getByTestId('passthrough-applied')).toHaveText(/generation \d+ applied by 1\/1 proxy in \d+(\.\d)? (ms|s)/, { timeout: 10_000 });
    },
  };
}

test('passthrough on a host: preview, confirm, the proxy acknowledges, and a TLS client sees the backend; then back to Portico', async ({ page, signIn }, testInfo) => {
  const portico = fingerprint('portico');
  const backend = fingerprint('backend');
  expect(portico).not.toBe(backend);
  expect((await presentedCertificate(STACK.httpsPort, HOST)).fingerprint256).toBe(portico);

  await signIn('admin', `/hosts/${HOST}`);
  const on = await toggle(page, 'Turn passthrough on', 'Confirm: pass through');
  await expect(on.preview).toContainText('The backend must speak TLS');
  await expect(on.preview).toContainText(`It must present a certificate valid for ${HOST}`);
  await expect(on.preview).toContainText('Forwarded headers the backend no longer gets');
  await expect(on.preview).toContainText('X-Forwarded-For');
  await expect(on.preview).toContainText('default/demo-certificate');
  await checkAtWidths(page, testInfo, 'passthrough-preview', () => expect(on.preview).toBeVisible());
  // The preview was a dry run: nothing changed yet.
  expect((await presentedCertificate(STACK.httpsPort, HOST)).fingerprint256).toBe(portico);
  await on.confirm();
  // The page follows by itself (live events): passthrough alone, no HTTPS upstream any more.
  await expect(page.getByTestId('host-modes').locator('[data-tls-mode]')).toHaveCount(1);
  await expect(page.getByTestId('host-modes').locator('[data-tls-mode]')).toHaveAttribute('data-tls-mode', 'passthrough');
  await expect(page.getByText('none from Portico: the TLS bytes go untouched to default/demo-tls, which ends TLS itself')).toBeVisible();
  const passed = await presentedCertificate(STACK.httpsPort, HOST);
  expect(passed.fingerprint256).toBe(backend);
  expect(passed.subjectCN).toBe(HOST);
  await checkAtWidths(page, testInfo, 'host-passthrough', () => expect(page.getByTestId('passthrough-applied')).toBeVisible());

  const off = await toggle(page, 'Turn passthrough off', 'Confirm: terminate again');
  await expect(off.preview).toContainText(`terminates TLS for ${HOST} with the certificate of spec.tls again`);
  await off.confirm();
  await expect(page.getByTestId('host-modes').locator('[data-tls-mode]')).toHaveCount(2);
  await expect(page.getByTestId('host-modes').locator('[data-tls-mode]').first()).toHaveAttribute('data-tls-mode', 'terminated');
  expect((await presentedCertificate(STACK.httpsPort, HOST)).fingerprint256).toBe(portico);
});

test('cancelling the preview changes nothing', async ({ page, signIn }) => {
  await signIn('admin', `/hosts/${HOST}`);
  const on = await toggle(page, 'Turn passthrough on', 'Confirm: pass through');
  await on.preview.getByRole('button', { name: 'Cancel' }).click();
  await expect(on.preview).toHaveCount(0);
  await expect(page.getByTestId('passthrough-state')).toContainText('Off:');
  expect((await presentedCertificate(STACK.httpsPort, HOST)).fingerprint256).toBe(fingerprint('portico'));
});
