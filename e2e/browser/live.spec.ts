import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingress } from '../support/manifests.js';
import { expect, test } from './support/fixtures.js';
import { STACK } from './support/stack.js';

test('a manifest edit appears on the route map within a second, and its removal too, without a reload', async ({ page, signIn }) => {
  const file = join(STACK.manifestsDir, 'live-edit.yaml');
  await signIn('viewer', '/routes');
  await expect(page.getByTestId('route-count')).toHaveText(/^5 hosts/);
  // Anything kept on the window survives only if the page is not reloaded.
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
  const node = page.locator('.react-flow__node[data-id="host:live.demo.localhost"]');
  try {
    writeFileSync(file, ingress('live-edit', [{ host: 'live.demo.localhost', paths: [{ path: '/live', service: 'demo' }] }]));
    await expect(node).toBeVisible({ timeout: 1000 });
    // The graph fits itself again, so the new host is on screen, not only in the DOM.
    await expect(node).toBeInViewport();
    await expect(page.locator('.react-flow__node[data-id^="route:live.demo.localhost:"]')).toContainText('/live');
    await expect(page.getByTestId('route-count')).toHaveText(/^6 hosts/);
  } finally {
    rmSync(file, { force: true });
  }
  await expect(node).toHaveCount(0, { timeout: 1000 });
  await expect(page.getByTestId('route-count')).toHaveText(/^5 hosts/);
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});
