import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { checkAtWidths } from './support/widths.js';

/** The demo's hosts and the TLS modes each must be marked with (main mode first). */
const DEMO_MODES: Record<string, string[]> = {
  'demo.localhost': ['plain'],
  'secure.demo.localhost': ['terminated'],
  'tls.demo.localhost': ['terminated', 'https-upstream'],
  'passthrough.demo.localhost': ['passthrough'],
  'mtls.demo.localhost': ['terminated', 'mtls'],
};

const hostNode = (page: Page, host: string) => page.locator(`.react-flow__node[data-id="host:${host}"]`);
const modesOf = (page: Page, host: string) => hostNode(page, host).locator('[data-tls-mode]').evaluateAll((badges) => badges.map((b) => b.getAttribute('data-tls-mode')));

test('the route map shows every demo host with its TLS modes, down to the endpoints', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', '/routes');
  await expect(page.getByTestId('route-count')).toHaveText(/^5 hosts, generation \d+$/);
  for (const [host, modes] of Object.entries(DEMO_MODES)) {
    await expect(hostNode(page, host)).toBeVisible();
    expect(await modesOf(page, host), host).toEqual(modes);
  }
  // A passthrough host has one step (paths do not apply), to the TLS backend and its one pod.
  await expect(page.locator('.react-flow__node[data-id="route:passthrough.demo.localhost:passthrough"]')).toContainText('every TLS connection');
  await expect(page.locator('.react-flow__node[data-id="service:default/demo-tls:https"]')).toContainText('1/1 ready');
  await expect(page.locator('.react-flow__node[data-id="endpoint:127.0.0.1:18083"]')).toContainText('Pod demo-tls-1');
  await expect(page.getByRole('list', { name: 'TLS modes legend' })).toBeVisible();
  await checkAtWidths(page, testInfo, 'route-map', () => expect(hostNode(page, 'demo.localhost')).toBeVisible());
});

test('filters and the view live in the URL: a link opens the same view, Back undoes a filter', async ({ page, signIn }, testInfo) => {
  await signIn('viewer', '/routes');
  await page.getByRole('combobox', { name: 'TLS mode', exact: true }).or(page.getByRole('textbox', { name: 'TLS mode', exact: true })).click();
  await page.getByRole('option', { name: 'Passthrough' }).click();
  await expect(page).toHaveURL(/\/routes\?mode=passthrough$/);
  await expect(page.getByTestId('route-count')).toHaveText(/^1 of 5 hosts/);
  await expect(hostNode(page, 'passthrough.demo.localhost')).toBeVisible();
  await expect(hostNode(page, 'demo.localhost')).toHaveCount(0);
  await page.goBack();
  await expect(page.getByTestId('route-count')).toHaveText(/^5 hosts/);

  // A deep link to the table view, searched by a path: only the host with /httpbin.
  await page.goto('/routes?q=httpbin&view=table');
  await expect(page.getByRole('radio', { name: 'Table' })).toBeChecked();
  await expect(page.getByRole('textbox', { name: 'Search' })).toHaveValue('httpbin');
  const rows = page.getByTestId('route-table').locator('tbody tr');
  await expect(rows.first()).toHaveAttribute('data-host', 'demo.localhost');
  expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-host'))))).toEqual(new Set(['demo.localhost']));
  await expect(page.getByTestId('route-table')).toContainText('rewrite ^/httpbin/? → /');

  // Filters by namespace and mode together, in the table.
  await page.goto('/routes?namespace=default&mode=mtls&view=table');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-host', 'mtls.demo.localhost');
  await expect(rows.first().locator('[data-tls-mode]')).toHaveCount(2);

  await page.goto('/routes?q=no-such-thing');
  await expect(page.getByText('No host matches these filters')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/routes$/);

  await page.goto('/routes?view=table');
  await checkAtWidths(page, testInfo, 'route-table', () => expect(page.getByTestId('route-table')).toBeVisible());
});

test('the route map works from the keyboard: a host is a link that Enter opens', async ({ page, signIn }) => {
  await signIn('viewer', '/routes');
  const link = hostNode(page, 'tls.demo.localhost').getByRole('link', { name: 'tls.demo.localhost' });
  await link.focus();
  await expect(link).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/hosts\/tls\.demo\.localhost$/);
  await expect(page.getByRole('heading', { name: 'tls.demo.localhost', level: 1 })).toBeVisible();
  // And Tab moves from one host link to the next one.
  await page.goto('/routes');
  await hostNode(page, 'demo.localhost').getByRole('link').focus();
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAttribute('data-testid', 'graph-host');
});
