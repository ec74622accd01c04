import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/lib/chromium/chromium';

/** A fresh Debian Chromium profile in a temp dir; close() removes it. */
export async function launchChromium(viewport = { width: 1024, height: 600 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-ui-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs `page` in to the hub's back office as the owner, the way the owner does: the token typed on
 * the sign-in form. The page is left on the dashboard, its session cookie in the browser.
 */
export async function signInAsOwner(page: Page, hub: { url: string; ownerToken: string }): Promise<void> {
  await page.goto(`${hub.url}/owner/login`);
  await page.fill('input[name=token]', hub.ownerToken);
  await page.click('#token-login button');
  await page.waitForURL(/\/owner$/);
}
