// Accessibility in Debian Chromium with axe-core (@axe-core/playwright): no serious or critical
// violation on the counter screen, every staff tab, the phone's join page and card, and every
// back-office page; then the back office by keyboard alone (Tab, Shift+Tab, Enter, Space).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { seriousViolations } from '../support/axe';
import { launchChromium } from '../support/chromium';
import { joinProven, pairedKiosk, Phone, saleToken, tempDir, testHub } from '../support/hub-harness';
import { ringUp, startKioskPage, unlockStaff } from '../support/kiosk-page';

describe('the kiosk screens pass axe', () => {
  it('counter screen (idle, sale, thank-you), PIN pad and every staff tab', async () => {
    const k = await startKioskPage({ viewport: { width: 800, height: 480 } });
    try {
      const { page, fake } = k;
      const found: Record<string, string[]> = {};
      const check = async (name: string): Promise<void> => {
        const violations = await seriousViolations(page);
        if (violations.length > 0) found[name] = violations;
      };
      await check('counter: idle');
      await page.click('[data-action=staff]');
      await page.waitForSelector('[data-screen=pin]');
      await check('staff: PIN pad');
      await page.click('[data-action=close]');
      await page.waitForSelector('[data-screen=idle]');
      await unlockStaff(page);
      for (const tab of ['sale', 'member', 'redeem', 'refund', 'devices', 'today']) {
        await page.click(`[data-tab=${tab}]`);
        await page.waitForSelector(`[data-screen=staff-${tab}]`);
        await check(`staff: ${tab} tab`);
      }
      await page.click('[data-tab=sale]');
      await page.waitForSelector('[data-screen=staff-sale]');
      await ringUp(page, '1840');
      await check('counter: sale with its QR');
      const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
      fake.claim(sale.saleId, 'm-1');
      await page.waitForSelector('[data-screen=thanks]');
      await check('counter: thank-you');
      expect(found).toEqual({});
    } finally {
      await k.close();
    }
  }, 180_000);
});

describe('the hub pages pass axe', () => {
  const NOW = new Date();
  let hub: Hub;
  let remove: () => void;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    const temp = tempDir('a11y');
    remove = temp.remove;
    hub = await testHub(temp.dir);
    browser = await launchChromium({ width: 1280, height: 900 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    remove?.();
  });

  it('phone: join form, the code page, the card', async () => {
    const till = await pairedKiosk(hub);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    const found: Record<string, string[]> = {};
    const check = async (name: string): Promise<void> => {
      const violations = await seriousViolations(page);
      if (violations.length > 0) found[name] = violations;
    };
    await page.goto(`${hub.url}/C/${saleToken(till, 1, 18, NOW)}`);
    await page.waitForSelector('form');
    await check('phone: join form');
    await page.fill('input[name=contact]', '+48 600 100 200');
    await page.check('input[name=consent]');
    await page.click('form button[type=submit] >> nth=-1');
    await page.waitForURL(/\/m\?claimed=/);
    await check('phone: card after joining (the code to type)');
    await page.goto(`${hub.url}/m`);
    await page.waitForSelector('#balance');
    await check('phone: card');
    expect(found).toEqual({});
  }, 120_000);

  it('back office: every page', async () => {
    const till = await pairedKiosk(hub);
    const anna = new Phone();
    expect((await joinProven(hub, anna, `${hub.url}/C/${saleToken(till, 2, 18, NOW)}`, '+48 600 100 201', 'Anna', NOW)).status).toBe(303);
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    const found: Record<string, string[]> = {};
    const check = async (name: string, path?: string): Promise<void> => {
      if (path) await page.goto(`${hub.url}${path}`);
      await page.waitForLoadState();
      const violations = await seriousViolations(page);
      if (violations.length > 0) found[name] = violations;
    };
    await check('sign-in', '/owner/login');
    await page.goto(hub.setupLink!);
    await check('set-up link');
    await page.fill('input[name=name]', 'owner@example.com');
    await page.fill('input[name=password]', 'a long and good password 2026');
    await page.click('form button');
    await page.waitForURL(/\/owner\/welcome$/);
    await check('welcome wizard: step 1');
    await page.fill('#name', 'Kawiarnia Anna');
    await page.selectOption('#country', 'PL');
    await page.click('#next');
    await page.waitForSelector('#wizard');
    await check('welcome wizard: step 2');
    await check('overview', '/owner');
    await check('members', '/owner/members');
    const member = await page.locator('#members a, table a[href^="/owner/members/"]').first().getAttribute('href');
    await check('member', member ?? '/owner/members/unknown');
    await check('program editor (rewards, tiers, campaigns)', '/owner/program/edit');
    await check('kiosks', '/owner/kiosks');
    await check('messages', '/owner/messages');
    await check('message texts', '/owner/messages/texts');
    await check('offer to members', '/owner/messages/campaign');
    await check('win-back', '/owner/messages/winback');
    await check('settings', '/owner/settings');
    await check('accounts', '/owner/accounts');
    expect(found).toEqual({});
  }, 180_000);

  it('back office by keyboard only: the navigation, then settings saved with Tab and Enter', async () => {
    // The session of the set-up link above is in the browser's cookies.
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    await page.goto(`${hub.url}/owner`);
    await page.waitForSelector('nav');
    await tabTo(page, 'nav a[href="/owner/members"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/owner\/members$/);
    await tabTo(page, 'nav a[href="/owner/settings"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/owner\/settings$/);
    await page.waitForSelector('#settings');
    await tabTo(page, '#name');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Kawiarnia pod Lipą');
    await tabTo(page, '#save');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/owner\/settings\?saved=1$/);
    expect(await page.inputValue('#name')).toBe('Kawiarnia pod Lipą');
    const saved = await fetch(`${hub.url}/owner/settings`, { headers: { authorization: `Bearer ${hub.ownerToken}` } });
    expect(((await saved.json()) as { settings: { name: string } }).settings.name).toBe('Kawiarnia pod Lipą');
    await page.close();
  }, 60_000);
});

/**
 * Presses Tab until `selector` has the focus (at most `max` times), checking on the way that every
 * element the focus lands on shows it (an outline or a box shadow), as a sighted keyboard user needs.
 */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate((target) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { here: false, visible: true, what: 'body' };
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
      return { here: el.matches(target), visible, what: el.outerHTML.slice(0, 80) };
    }, selector);
    expect(focus.visible, `focus shown on ${focus.what}`).toBe(true);
    if (focus.here) return;
  }
  throw new Error(`${selector} not reached with ${max} presses of Tab`);
}
