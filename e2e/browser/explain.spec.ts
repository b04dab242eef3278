import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

test('a deep link explains a rewritten request: the route, the candidates it beat, the rewrite and the endpoint policy', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', `/explain?url=${encodeURIComponent('http://demo.localhost/httpbin/hi')}`);
  const explanation = page.getByTestId('explanation');
  await expect(explanation.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'proxied');
  await expect(page.getByTestId('matched-route')).toContainText('path /httpbin');
  await expect(page.getByTestId('matched-route').getByRole('link', { name: 'Ingress default/demo-rewrite' })).toHaveAttribute('href', '/ingresses/default/demo-rewrite');
  await expect(explanation.locator('tr[data-verdict="chosen"]')).toHaveCount(1);
  await expect(explanation.locator('tr[data-verdict="beaten"]').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Upstream path' })).toContainText('The upstream receives /hi.');
  await expect(page.getByRole('region', { name: 'Backend and endpoint policy' })).toContainText('hashing');
  await expect(page.getByRole('textbox', { name: 'URL' })).toHaveValue('http://demo.localhost/httpbin/hi');
  await checkAtWidths(page, testInfo, 'explain', () => expect(explanation).toBeVisible());
});

test('typing a URL and an SNI explains a TLS decision, and puts the inputs in the address', async ({ page, signIn }) => {
  await signIn('viewer', '/explain');
  await expect(page.getByText('Type a URL to explain')).toBeVisible();
  await page.getByRole('textbox', { name: 'URL' }).fill('https://mtls.demo.localhost/');
  await page.getByRole('button', { name: 'SNI, headers, client IP' }).click();
  await page.getByRole('textbox', { name: 'SNI' }).fill('mtls.demo.localhost');
  await page.getByRole('textbox', { name: 'Client IP' }).fill('203.0.113.7');
  await page.getByRole('textbox', { name: 'URL' }).press('Enter');
  const tls = page.getByRole('region', { name: 'TLS' });
  await expect(tls).toContainText('Portico terminates TLS');
  await expect(tls).toContainText(/Client certificate\s*required/);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toEqual({ url: 'https://mtls.demo.localhost/', sni: 'mtls.demo.localhost', clientIp: '203.0.113.7' });
  await expect(page.getByText(/from 203\.0\.113\.7/)).toBeVisible();
});
