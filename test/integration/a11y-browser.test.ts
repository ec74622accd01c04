// Accessibility in Debian Chromium with axe-core (@axe-core/playwright): no serious or critical
// violation on the counter screen, every staff tab, the phone's join page and card, and every
// back-office page (a kiosk's refused reports too); then the back office by keyboard alone (Tab, Shift+Tab, Enter, Space).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { seriousViolations } from '../support/axe';
import { launchChromium } from '../support/chromium';
import { joinProven, pairedKiosk, Phone, saleToken, tempDir, testHub } from '../support/hub-harness';
import { startKioskPage } from '../support/kiosk-page';
import { kioskTour } from '../support/kiosk-tour';

describe('the kiosk screens pass axe', () => {
  it('counter screen (idle, sale, thank-you), PIN pad and every staff tab', async () => {
    const k = await startKioskPage({ viewport: { width: 800, height: 480 } });
    try {
      const { page } = k;
      const found: Record<string, string[]> = {};
      const check = async (name: string): Promise<void> => {
        const violations = await seriousViolations(page);
        if (violations.length > 0) found[name] = violations;
      };
      await kioskTour(k, check);
      expect(found).toEqual({});
    } finally {
      await k.close();
    }
  }, 600_000);
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
  }, 300_000);

  // One signed-in page for the back-office checks below, in order: the set-up link signs the owner in.
  let owner: Page;

  it('back office: sign-in, the set-up link, both steps of the welcome wizard', async () => {
    const till = await pairedKiosk(hub);
    const anna = new Phone();
    expect((await joinProven(hub, anna, `${hub.url}/C/${saleToken(till, 2, 18, NOW)}`, '+48 600 100 201', 'Anna', NOW)).status).toBe(303);
    owner = await browser.context.newPage();
    await owner.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    const found: Record<string, string[]> = {};
    const check = async (name: string): Promise<void> => {
      const violations = await seriousViolations(owner);
      if (violations.length > 0) found[name] = violations;
    };
    await owner.goto(`${hub.url}/owner/login`);
    await check('sign-in');
    await owner.goto(hub.setupLink!);
    await check('set-up link');
    await owner.fill('input[name=name]', 'owner@example.com');
    await owner.fill('input[name=password]', 'a long and good password 2026');
    await owner.click('form button');
    await owner.waitForURL(/\/owner\/welcome$/);
    await check('welcome wizard: step 1');
    await owner.fill('#name', 'Kawiarnia Anna');
    await owner.selectOption('#country', 'PL');
    await owner.click('#next');
    await owner.waitForSelector('#wizard');
    await check('welcome wizard: step 2');
    expect(found).toEqual({});
  }, 300_000);

  // Every page of the navigation and the pages they lead to. Rewards, tiers and campaigns are edited
  // in the program editor; the Rewards section shows the rewards' use and the open vouchers.
  it.each([
    ['overview', '/owner', '#kpis'],
    ['members', '/owner/members', 'table'],
    ['program editor (rewards, tiers, campaigns)', '/owner/program/edit', '#editor'],
    ['rewards', '/owner/rewards', 'h1'],
    ['kiosks', '/owner/kiosks', 'h1'],
    ['messages', '/owner/messages', 'h1'],
    ['message texts', '/owner/messages/texts', 'h1'],
    ['offer to members', '/owner/messages/campaign', 'h1'],
    ['win-back', '/owner/messages/winback', 'h1'],
    ['settings', '/owner/settings', '#settings'],
    ['accounts', '/owner/accounts', 'h1'],
  ])(
    'back office: %s',
    async (_name, path, shown) => {
      const answer = await owner.goto(`${hub.url}${path}`);
      expect(answer?.status()).toBe(200);
      await owner.waitForSelector(shown);
      expect(await seriousViolations(owner)).toEqual([]);
    },
    180_000,
  );

  it("back office: a member's page", async () => {
    await owner.goto(`${hub.url}/owner/members?q=Anna`);
    await owner.click('table a[href^="/owner/members/"]');
    await owner.waitForSelector('#history');
    expect(await seriousViolations(owner)).toEqual([]);
  }, 180_000);

  it("back office: a kiosk's refused reports", async () => {
    const till = await pairedKiosk(hub, 'Till 2');
    await hub.store.recordKioskRefusal(
      till.kioskNo,
      { id: 'msg-a11y-1', type: 'ledgerAppended', code: 'over-earn', reason: 'more points than the program gives' },
      NOW,
    );
    expect((await owner.goto(`${hub.url}/owner/kiosks/${till.kioskId}/refusals`))?.status()).toBe(200);
    await owner.waitForSelector('#refusals tbody tr');
    expect(await seriousViolations(owner)).toEqual([]);
  }, 180_000);

  it('back office at 390 px: the members table keeps each column header on one line and scrolls in its box', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    await page.goto(`${hub.url}/owner/members`);
    await page.waitForSelector('.table-wrap table thead th');
    const layout = await page.evaluate(() => {
      // The line boxes of each header's text: more than one means the header broke ("E-" / "mail").
      const lines = [...document.querySelectorAll('.table-wrap thead th')].map((th) => {
        const range = document.createRange();
        range.selectNodeContents(th);
        return { text: th.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
      });
      const box = document.querySelector('.table-wrap')!;
      return { lines, page: document.documentElement.scrollWidth, box: box.clientWidth, table: box.scrollWidth };
    });
    expect(layout.lines.map((h) => h.text)).toContain('E-mail');
    expect(layout.lines.filter((h) => h.lines !== 1)).toEqual([]);
    expect(layout.page).toBeLessThanOrEqual(390);
    expect(layout.table).toBeGreaterThanOrEqual(layout.box);
    await page.close();
  }, 60_000);

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
