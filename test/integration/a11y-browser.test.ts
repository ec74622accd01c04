// Accessibility in Debian Chromium with axe-core (@axe-core/playwright): no serious or critical
// violation on the counter screen, every staff tab, the phone's join page and card, and every
// back-office page (a kiosk's refused reports too); then the back office by keyboard alone (Tab, Shift+Tab, Enter, Space);
// then every back-office page at 390 and 1440 px wide with full tables: none scrolls sideways.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { KioskCredentials, OutboxMessage } from '../../core/sync-protocol';
import { claimSaleKey, rewardKeyOf } from '../../core/tokens';
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

/** Widths the back office is made for (issue 18: from a phone at 390 px to a desktop at 1440 px). */
const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

/**
 * What makes the page scroll sideways, or null: the widest element that reaches past the right edge
 * (or whose text does) and is not inside a box that scrolls or clips sideways itself (a table in its
 * .table-wrap), named by its path, with its width and the page's.
 */
async function sidewaysScroll(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const root = document.scrollingElement!;
    if (root.scrollWidth <= root.clientWidth) return null;
    const edge = root.clientWidth;
    const inScroller = (el: Element): boolean => {
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return true;
      return false;
    };
    const name = (el: Element): string => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + [...el.classList].map((c) => `.${c}`).join('');
    // An element's box, or the text in it that runs out of its box (a long word or address does not widen its paragraph).
    const extent = (el: Element): { right: number; width: number } => {
      const box = el.getBoundingClientRect();
      let { right, width } = box;
      for (const child of el.childNodes) {
        if (child.nodeType !== Node.TEXT_NODE) continue;
        const range = document.createRange();
        range.selectNodeContents(child);
        const text = range.getBoundingClientRect();
        if (text.right > right) [right, width] = [text.right, text.right - Math.min(box.left, text.left)];
      }
      return { right, width };
    };
    let widest: { el: Element; width: number } | null = null;
    // In document order, so of equally wide elements the innermost (the one that is wide itself) is kept.
    for (const el of document.body.querySelectorAll('*')) {
      const { right, width } = extent(el);
      if (right <= edge + 0.5 || inScroller(el)) continue;
      if (!widest || width >= widest.width) widest = { el, width };
    }
    if (!widest) return `page ${root.scrollWidth} px wide in ${edge} px, no element found past the edge`;
    const path: string[] = [];
    for (let up: Element | null = widest.el; up && up !== document.body; up = up.parentElement) path.unshift(name(up));
    const text = (widest.el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60);
    return `page ${root.scrollWidth} px wide in ${edge} px: ${path.join(' > ')} is ${Math.round(widest.width)} px wide ("${text}")`;
  });
}

describe('the back office does not scroll sideways at 390 or 1440 px', () => {
  let hub: Hub;
  let remove: () => void;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let owner: Page;
  const now = new Date();
  const daysAgo = (days: number): string => new Date(now.getTime() - days * 86_400_000).toISOString();
  // Names as long as real ones get: two double-barrelled surnames, one long word, and a long e-mail address.
  const longName = (i: number): string => (i % 5 === 0 ? `Wolfeschlegelsteinhausenbergerdorff ${i}` : `Maria-Magdalena Wiśniewska-Grzybowska-Kowalczyk ${i}`);
  const longEmail = (i: number): string => `maria.magdalena.wisniewska.grzybowska.${i}@kawiarnia-pod-lipa-w-krakowie.example.com`;
  let tills: KioskCredentials[];
  let memberId: string;
  /** Each page state looked at: what it was, and what scrolled sideways at which width. */
  const found: Record<string, string> = {};

  /** Looks at the page loaded in `owner` at each width, the phone first (a chart drawn wide first would hide nothing). */
  const look = async (name: string): Promise<void> => {
    for (const viewport of WIDTHS) {
      await owner.setViewportSize(viewport);
      await owner.waitForFunction((w) => document.documentElement.clientWidth <= w, viewport.width);
      const problem = await sidewaysScroll(owner);
      if (problem) found[`${name} at ${viewport.width} px`] = problem;
    }
    await owner.setViewportSize(WIDTHS[0]);
  };
  const visit = async (name: string, path: string, shown: string): Promise<void> => {
    const answer = await owner.goto(`${hub.url}${path}`);
    expect(answer?.status(), name).toBeLessThan(300);
    await owner.waitForSelector(shown);
    await look(name);
  };

  beforeAll(async () => {
    const temp = tempDir('layout');
    remove = temp.remove;
    hub = await testHub(temp.dir);
    // Six rewards, three with long names.
    const program = structuredClone(DEMO_PROGRAM_DOCUMENT);
    program.rewards.push(
      { kind: 'amountOff', id: 'cake', name: 'Kawałek ciasta czekoladowego z bitą śmietaną i malinami', amount: 1500, cost: { points: 150 } },
      { kind: 'percentOff', id: 'table', name: 'Urodzinowy rabat na cały rachunek dla całego stolika', percent: 20, cost: { points: 40 } },
      { kind: 'amountOff', id: 'breakfast', name: 'Śniadanie dla dwojga w ogrodzie zimowym', amount: 4000, cost: { points: 30 } },
    );
    await hub.store.setProgram(1, program);
    tills = [await pairedKiosk(hub, 'Kasa przy oknie od strony ogrodu zimowego, pierwsze piętro'), await pairedKiosk(hub, 'Till 2')];
    await hub.owner.setKioskLocation(1, tills[0]!.kioskId, 'Rynek Główny 12, wejście od podwórza, parter', 'seed', now);
    const till = (await hub.store.kiosk(tills[0]!.kioskId))!;
    // 30 members: the first 20 bought this week, the last 10 not for 100 days (the inactive list); every third also used a reward.
    for (let i = 1; i <= 30; i++) {
      const id = `member-layout-${i}`;
      const at = i <= 20 ? daysAgo(i % 6) : daysAgo(100 + i);
      const enrolled: OutboxMessage = {
        id: `enrol-${i}`,
        at,
        type: 'memberEnrolled',
        payload: { id, name: longName(i), phone: `+4860020${String(i).padStart(4, '0')}`, email: i % 2 === 0 ? longEmail(i) : null, consentAt: at },
      };
      const messages: OutboxMessage[] = [enrolled];
      for (let s = 0; s < 3; s++) {
        const saleNo = i * 10 + s;
        const saleId = claimSaleKey({ kioskNo: tills[0]!.kioskNo, saleNo });
        const amount = 1840 + 1000 * s;
        const points = Math.floor(amount / 100);
        messages.push({
          id: `sale-${saleNo}`,
          at,
          type: 'saleCreated',
          payload: {
            saleId,
            saleNo,
            total: { amount, currency: 'PLN' },
            points,
            stamps: 0,
            memberId: id,
            entries: [
              { id: `till:${saleId}`, memberId: id, kind: 'earn', points, stamps: 0, saleId, reverses: null, reason: { code: 'base' }, at, spend: amount },
            ],
          },
        });
      }
      if (i % 3 === 0) {
        const entry = { id: `redeem-${i}`, memberId: id, kind: 'redeem' as const, points: -30, stamps: 0, saleId: null, reverses: null, at };
        messages.push({
          id: `redeem-${i}`,
          at,
          type: 'ledgerAppended',
          payload: { entries: [{ ...entry, reason: { code: 'redeem', ruleId: 'breakfast', label: 'Śniadanie dla dwojga w ogrodzie zimowym' } }] },
        });
      }
      await hub.store.applyOutbox(till, messages, new Date(at));
    }
    memberId = 'member-layout-5';
    // Open vouchers (the Rewards page lists them).
    for (const i of [1, 2, 4]) {
      const member = (await hub.store.member(`member-layout-${i}`))!;
      const issued = await hub.store.issueVoucher({
        voucherId: `voucher-layout-${i}`,
        member,
        rewardKey: rewardKeyOf('table'),
        costPoints: 40,
        costStamps: 0,
        expiresAt: new Date(now.getTime() + 30 * 86_400_000),
        now,
      });
      expect(issued.ok).toBe(true);
    }
    await hub.store.recordKioskRefusal(
      tills[1]!.kioskNo,
      { id: 'msg-layout-1', type: 'ledgerAppended', code: 'over-earn', reason: 'more points than the program gives for a sale of this amount at this till' },
      now,
    );
    browser = await launchChromium(WIDTHS[0]);
    owner = await browser.context.newPage();
    await owner.setExtraHTTPHeaders({ 'accept-language': 'pl-PL,pl;q=0.9' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    remove?.();
  });

  it('every page: sign-in, set-up link, wizard, every section and the pages they lead to', async () => {
    await visit('sign-in', '/owner/login', 'form');
    await visit('set-up link', new URL(hub.setupLink!).pathname, 'form');
    await owner.fill('input[name=name]', 'maria.magdalena@kawiarnia-pod-lipa-w-krakowie.example.com');
    await owner.fill('input[name=password]', 'a long and good password 2026');
    await owner.click('form button');
    await owner.waitForURL(/\/owner\/welcome$/);
    await look('welcome wizard: step 1');
    await owner.fill('#name', 'Kawiarnia Pod Lipą — Rynek Główny i Kazimierz');
    await owner.selectOption('#country', 'PL');
    await owner.click('#next');
    await owner.waitForSelector('#wizard');
    await look('welcome wizard: step 2');

    await visit('overview', '/owner', '#kpis');
    // The tables are full: the ten idle members, the rewards used, every member listed.
    expect(await owner.locator('#inactive tbody tr').count()).toBe(10);
    expect(await owner.locator('#rewards tbody tr').count()).toBeGreaterThan(0);
    await visit('members', '/owner/members', 'table');
    expect(await owner.locator('#members tbody tr').count()).toBe(30);
    await visit('members: a search', '/owner/members?q=Wolfeschlegel', 'table');
    await visit("a member's page", `/owner/members/${memberId}`, '#history');
    await visit('program editor', '/owner/program/edit', '#editor');
    await visit('rewards', '/owner/rewards', 'h1');
    expect([await owner.locator('#reward-catalog tbody tr').count(), await owner.locator('#open-vouchers tbody tr').count()]).toEqual([6, 3]);
    await visit('messages', '/owner/messages', 'h1');
    await visit('message texts', '/owner/messages/texts', 'h1');
    await visit('offer to members', '/owner/messages/campaign', 'h1');
    await visit('win-back', '/owner/messages/winback', 'h1');
    await visit('kiosks', '/owner/kiosks', 'h1');
    await visit("a kiosk's refused reports", `/owner/kiosks/${tills[1]!.kioskId}/refusals`, '#refusals tbody tr');
    await visit('settings', '/owner/settings', '#settings');
    await visit('accounts', '/owner/accounts', 'h1');
    // The accounts page with what its forms show once: a manager's invitation link, the two-step secret, a new API key.
    await owner.click('form[action="/owner/accounts/invite"] button');
    await owner.waitForSelector('#invite-link');
    await look('accounts: an invitation link');
    await owner.click('form[action="/owner/totp/start"] button');
    await owner.waitForSelector('#totp-secret');
    await look('accounts: two-step sign-in being set up');
    await owner.fill('form[action="/owner/api-keys"] input[name=name]', 'Kasa fiskalna w ogrodzie zimowym');
    await owner.click('form[action="/owner/api-keys"] button');
    await owner.waitForSelector('#new-key');
    await look('accounts: a new API key');
    // A page the owner meets by mistake: a member that does not exist.
    expect((await owner.goto(`${hub.url}/owner/members/no-such-member`))?.status()).toBe(404);
    await look('no such member');
    expect(found).toEqual({});
  }, 300_000);

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
});
