import type { Page } from 'playwright-core';
import { createDispatcher, type RefusalLogEntry } from '../../main/ipc/dispatcher';
import { startBridge, type Bridge } from '../../main/bridge/server';
import type { Locale } from '../../core/i18n/locales';
import { FakeKioskServices, type FakeOptions } from './fake-services';
import { launchChromium } from './chromium';
import { ensureRendererBuilt } from './renderer-build';

/** The browser shell against the test double: bridge + dispatcher + Chromium page. */
export async function startKioskPage(
  options: {
    thanksMs?: number;
    staffIdleMs?: number;
    viewport?: { width: number; height: number };
    fake?: FakeOptions;
    /** Another renderer build to serve (the pseudo-locale's, test/support/pseudo-locale.ts). */
    staticDir?: string;
  } = {},
) {
  const staticDir = options.staticDir ?? (await ensureRendererBuilt());
  const fake = new FakeKioskServices(options.fake);
  const refusals: RefusalLogEntry[] = [];
  const dispatcher = createDispatcher({ services: fake, log: (e) => refusals.push(e), ...(options.staffIdleMs ? { staffIdleMs: options.staffIdleMs } : {}) });
  const bridge: Bridge = await startBridge({ dispatcher, staticDir, log: () => {} });
  const browser = await launchChromium(options.viewport);
  const page = await browser.context.newPage();
  // Generous: the suites share two cores with Chromium, socat and child processes.
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const url = bridge.pageUrl(`?thanksMs=${options.thanksMs ?? 60_000}`);
  await page.goto(url);
  await page.waitForSelector('[data-screen=idle]');
  return {
    fake,
    bridge,
    page,
    refusals,
    pageErrors,
    url,
    async close() {
      await browser.close();
      await bridge.close();
      dispatcher.close();
    },
  };
}

export async function typeKeys(page: Page, digits: string): Promise<void> {
  for (const k of digits) await page.click(`.keypad [data-key="${k}"]`);
}

export async function unlockStaff(page: Page, pin = '1234'): Promise<void> {
  await page.click('[data-action=staff]');
  await page.waitForSelector('[data-screen=pin]');
  await typeKeys(page, pin);
  await page.click('[data-action=unlock]');
  // A key pressed before the staff panel replaces the PIN pad would be lost with the PIN screen.
  await page.waitForSelector('[data-screen^=staff-]');
}

/**
 * Ring up a sale on the staff keypad (staff must be unlocked on the sale tab); `digits` as staff key
 * them in the shop's currency (core/money.ts `keypadAmount`: '1840' is 18,40 zł, '1253' is 1 253 Ft).
 */
export async function ringUp(page: Page, digits: string): Promise<void> {
  await typeKeys(page, digits);
  await page.click('[data-action=create-sale]');
  await page.waitForSelector('[data-screen=sale] svg.qr');
}

export async function setCustomerLocale(page: Page, locale: Locale): Promise<void> {
  await page.click(`[data-locale=${locale}]`);
  await page.waitForSelector(`main[lang=${locale}]`);
}

/** Text of the first match with Intl's no-break spaces turned into plain spaces. */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? '').replace(/[\u00a0\u202f]/g, ' ');
}
