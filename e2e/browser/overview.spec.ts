import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from '../support/http-client.js';
import { ingress, serviceWithPods } from '../support/manifests.js';
import { expect, test } from './support/fixtures.js';
import { STACK } from './support/stack.js';
import { checkAtWidths } from './support/widths.js';

test('the overview counts the demo, says how fast the proxy applied it and shows live traffic', async ({ page, signIn }, testInfo) => {
  await signIn('viewer');
  // The demo: 5 hosts (plain, terminated, HTTPS upstream, passthrough, mTLS), its 3 Secrets and the one proxy.
  await expect(page.getByTestId('tally-hosts').getByTestId('tally-count')).toHaveText('5');
  await expect(page.getByTestId('tally-certificates').getByTestId('tally-count')).toHaveText('3');
  await expect(page.getByTestId('tally-proxies').getByTestId('tally-count')).toHaveText('1');
  await expect(page.getByTestId('tally-backends').getByTestId('tally-problems')).toHaveText('no problems');
  await expect(page.getByTestId('propagation')).toHaveText('applied to 1/1 proxy', { timeout: 10_000 });
  await expect(page.getByTestId('propagation-time')).toHaveText(/^ in \d+(\.\d)? (ms|s)$/);

  // Real requests through the proxy show up as a rate once the proxy reports (every 5 s) and the page polls (5 s).
  for (let i = 0; i < 20; i++) expect((await get(STACK.httpPort, 'demo.localhost', '/hi')).status).toBe(200);
  await expect(page.getByTestId('request-rate')).not.toHaveText('0.00', { timeout: 20_000 });
  await expect(page.getByTestId('error-rate')).toHaveText('0.0%');

  await checkAtWidths(page, testInfo, 'overview', () => expect(page.getByTestId('tally-hosts')).toBeVisible());
});

test('a backend without a ready endpoint is counted as a problem that links to where it shows', async ({ page, signIn }) => {
  const file = join(STACK.manifestsDir, 'overview-problem.yaml');
  await signIn('viewer');
  await expect(page.getByTestId('tally-backends').getByTestId('tally-problems')).toHaveText('no problems');
  try {
    writeFileSync(file, [serviceWithPods('nowhere', [{ pod: 'down', port: 18099, ready: false }]), ingress('overview-problem', [{ host: 'problem.demo.localhost', paths: [{ path: '/', service: 'nowhere' }] }])].join('---\n'));
    const problems = page.getByTestId('tally-backends').getByRole('link', { name: '1 without a ready endpoint' });
    await expect(problems).toBeVisible({ timeout: 5000 });
    await problems.click();
    await expect(page).toHaveURL(/\/routes\?view=table$/);
    await expect(page.getByTestId('route-table').locator('tr[data-host="problem.demo.localhost"]')).toContainText('0/1 ready');
  } finally {
    rmSync(file, { force: true });
  }
  await expect(page.getByTestId('route-table').locator('tr[data-host="problem.demo.localhost"]')).toHaveCount(0, { timeout: 5000 });
});
