import type { Page, TestInfo } from '@playwright/test';
import { expectAccessible, saveScreenshot } from './fixtures.js';

/** The widths the dashboard must read well at: a laptop and a phone. */
export const WIDTHS = [1280, 390] as const;

/**
 * Checks accessibility and saves a screenshot at each width (`<name>-1280`, `<name>-390`), then restores the first.
 * `ready` waits for what the page must show at that width before the checks.
 */
export async function checkAtWidths(page: Page, testInfo: TestInfo, name: string, ready: () => Promise<void> = async () => {}): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await ready();
    await expectAccessible(page);
    await saveScreenshot(page, testInfo, `${name}-${width}`);
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 800 });
}
