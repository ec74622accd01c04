// End to end with the REAL services (not the test double): a kiosk app on a temp store with its own
// local hub, the virtual printer and scanner, served by the real bridge to Debian Chromium; a second
// Chromium with a phone viewport plays the customer on the hub's claim page.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureRendererBuilt } from '../../main/app/dev-build';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { startBrowserShell, type BrowserShell } from '../../main/app/ui-shell';
import { launchChromium } from '../support/chromium';
import { tempDir } from '../support/hub-harness';
import { ringUp, text, unlockStaff } from '../support/kiosk-page';
import { systemClock } from '../../core/clock';

const temp = tempDir('ui-e2e');
let app: KioskApp;
let shell: BrowserShell;
let kioskBrowser: Awaited<ReturnType<typeof launchChromium>>;
let phoneBrowser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const pageErrors: string[] = [];

async function openStaff(tab: string): Promise<void> {
  if (await page.locator('[data-action=staff]').count()) await page.click('[data-action=staff]');
  await page.click(`[data-tab=${tab}]`);
  await page.waitForSelector(`[data-screen=staff-${tab}]`);
}

async function closeStaff(): Promise<void> {
  await page.click('[data-action=close]');
  await page.waitForSelector('main.customer');
}

beforeAll(async () => {
  const config = loadKioskConfig({ KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: 'ui-e2e-token-0123456789' }, []);
  app = await startKioskApp(config, systemClock, () => {});
  await app.ui.setLocale({ locale: 'en' });
  shell = await startBrowserShell(app, await ensureRendererBuilt(), { dev: true, log: () => {}, onRefusal: () => {} });
  kioskBrowser = await launchChromium({ width: 1024, height: 600 });
  phoneBrowser = await launchChromium({ width: 390, height: 844 });
  page = await kioskBrowser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(shell.pageUrl('?thanksMs=600000'));
  await page.waitForSelector('[data-screen=idle]');
  const deadline = Date.now() + 15_000;
  while (!app.sync.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}, 120_000);

afterAll(async () => {
  await kioskBrowser?.close();
  await phoneBrowser?.close();
  await shell?.close();
  await app?.stop();
  temp.remove();
});

describe('kiosk end to end with the real services', () => {
  it('sale on the keypad → QR → the phone claims it on the hub → the kiosk shows the thank-you', async () => {
    await unlockStaff(page, app.staffPin.pin);
    await page.waitForSelector('[data-screen=staff-sale]');
    await ringUp(page, '1840');
    expect(await text(page, '[data-testid=amount]')).toContain('18.40');
    const sale = (await app.ui.getStatus()).currentSale!;
    expect(sale.total.amount).toBe(1840);
    expect(app.store.getSale(sale.saleId)?.source).toBe('keypad');
    // The QR on the screen carries the sale's claim URL.
    expect(await page.locator('[data-screen=sale] svg.qr').count()).toBe(1);

    const phone = await phoneBrowser.context.newPage();
    await phone.goto(sale.claimUrl);
    await phone.fill('#name', 'Ewa');
    await phone.fill('#contact', '+48 600 100 200');
    await phone.check('#consent');
    await phone.click('#join');
    // A first-time member also gets the welcome bonus (&welcome=50).
    await phone.waitForURL(/\/m\?claimed=K\d+-S\d+$/);
    await phone.close();

    await page.waitForSelector('[data-screen=thanks]');
    expect(await text(page, '.thanks-title')).toBe('Thank you, Ewa!');
    expect(await text(page, '.plus')).toContain(String(sale.points));
    expect(app.store.getSale(sale.saleId)?.claimedAt).not.toBeNull();
  });

  it('staff enrol a member at the till; a scan of their card on the virtual scanner attaches them to the next sale', async () => {
    await openStaff('member');
    await page.click('[data-action=enroll]');
    await page.fill('input[name=name]', 'Jan Nowak');
    await page.fill('input[name=phone]', '601 200 300');
    await page.check('input[name=consent]');
    await page.click('[data-action=enroll-submit]');
    await page.waitForSelector('[data-testid=notice]');
    const member = app.store.searchMembers('nowak')[0]!;
    expect(await text(page, '[data-testid=notice]')).toContain(member.code);

    await page.click('[data-tab=sale]');
    await ringUp(page, '25000');
    const sale = (await app.ui.getStatus()).currentSale!;
    app.scanners.virtual!.scan(member.code);
    await page.waitForSelector('[data-screen=thanks]');
    expect(await text(page, '.thanks-title')).toBe('Thank you, Jan!');
    expect(app.store.getSale(sale.saleId)?.memberId).toBe(member.id);
    // The sale's points and, on his first purchase, the demo program's welcome bonus of 50 (enrolled in front of staff: no code to wait for).
    expect(app.store.balance(member.id).points).toBe(sale.points + 50);
  });

  it('staff redeem a reward for the member and are told plainly which discount to key in', async () => {
    await openStaff('member');
    await page.fill('input[name=query]', 'Nowak');
    await page.click('[data-action=search]');
    await page.waitForSelector('li.member');
    const before = app.store.balance(app.store.searchMembers('nowak')[0]!.id).points;
    await page.click('[data-tab=redeem]');
    await page.waitForSelector('[data-reward=ten-off] [data-action=redeem]:not([disabled])');
    expect(await page.locator('[data-reward=free-coffee] [data-action=redeem]').isDisabled()).toBe(true);
    await page.click('[data-reward=ten-off] [data-action=redeem]');
    await page.waitForSelector('[data-testid=instruction]');
    expect(await text(page, '[data-testid=instruction]')).toBe('Key this discount into the till: 10 %');
    expect(app.store.balance(app.store.searchMembers('nowak')[0]!.id).points).toBe(before - 100);
  });

  it('staff refund the first sale from the recent sales list', async () => {
    const first = app.store.recentSales(10).find((s) => s.total.amount === 1840)!;
    await openStaff('refund');
    await page.click(`[data-sale="${first.id}"] [data-action=refund]`);
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('PLN 18.40');
    await page.click('[data-action=refund-next]');
    expect(await text(page, '[data-testid=refund-confirm] .question')).toMatch(/^Refund PLN 18\.40 and take back \d+ points?\?$/);
    await page.click('[data-action=refund-confirm]');
    await page.waitForSelector(`[data-sale="${first.id}"][data-state=held]`);
    expect(await text(page, '[data-testid=notice]')).toMatch(/^PLN 18\.40 is refunded at .+\. Until then you can undo it\.$/);
    expect(app.store.getSale(first.id)?.status).toBe('recorded');
    // The minute is over (recorded as the timer would), and the list shows the sale refunded.
    app.ui.recordHeldReversals(new Date(Date.now() + 120_000));
    expect(app.store.getSale(first.id)?.status).toBe('refunded');
    await page.click('[data-tab=today]');
    await page.click('[data-tab=refund]');
    await page.waitForSelector(`[data-sale="${first.id}"][data-state=refunded]`);
    await closeStaff();
  });

  it('a scan that means nothing here is explained to staff in words', async () => {
    await openStaff('sale');
    app.scanners.virtual!.scan('5901234123457');
    await page.waitForSelector('[data-testid=notice]');
    expect(await text(page, '[data-testid=notice]')).toBe('That is a product barcode — scan it at the till.');
    await closeStaff();
  });

  it('paper out on the virtual printer (from the developer panel) is shown to staff in words', async () => {
    const panel = await kioskBrowser.context.newPage();
    await panel.goto(shell.devUrl!);
    await panel.waitForSelector('#receipt-img:not([hidden])');
    await panel.screenshot({ path: resolve('test-artifacts/screens/dev-panel.png'), fullPage: true });
    await panel.click('[data-dev=paper-out]');
    await openStaff('devices');
    await page.waitForFunction(() => document.querySelector('[data-device=printer]')?.classList.contains('fault'), undefined, { timeout: 20_000 });
    expect(await text(page, '[data-device=printer] dd')).toBe('Paper out — refill and press Reprint');
    // The panel shows the printer's fault too (in the printer's staff language).
    await panel.waitForSelector('#state dd.fault', { timeout: 5000 });
    await panel.click('[data-dev=paper-in]');
    await page.waitForFunction(() => document.querySelector('[data-device=printer]')?.classList.contains('ready'), undefined, { timeout: 20_000 });
    await panel.close();
    expect(pageErrors).toEqual([]);
  });

  it('the hub and the scanner taken away in the developer panel show as faults to staff, and recover', async () => {
    const panel = await kioskBrowser.context.newPage();
    await panel.goto(shell.devUrl!);
    await panel.click('[data-dev=hub-off]');
    await panel.click('[data-dev=scanner-off]');
    await page.waitForFunction(() => document.querySelector('[data-device=hub]')?.classList.contains('fault'), undefined, { timeout: 20_000 });
    expect(await text(page, '[data-device=hub] dd')).toContain('Offline — sales are kept and sent later');
    await page.waitForFunction(() => document.querySelector('[data-device=scanner]')?.classList.contains('fault'));
    expect(await text(page, '[data-device=scanner] dd')).toBe('Not connected — plug the scanner in');
    // With the hub away a member is still added: the kiosk claims offline and the hub settles it later.
    const member = app.store.searchMembers('nowak')[0]!;
    const sale = await app.ui.createSale({ total: { amount: 990, currency: 'PLN' } });
    const claim = await app.ui.attachMember({ saleId: sale.saleId, memberId: member.id });
    expect(claim.pointsEarned).toBe(sale.points);
    expect(app.store.getSale(sale.saleId)?.memberId).toBe(member.id);
    expect(app.store.pendingOutbox(500).some((m) => m.topic === 'saleClaimed')).toBe(true);

    await page.click('[data-tab=devices]'); // the member scan switched staff to the member tab
    await panel.click('[data-dev=hub-on]');
    await panel.click('[data-dev=scanner-on]');
    await page.waitForFunction(() => document.querySelector('[data-device=hub]')?.classList.contains('ready'), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('[data-device=scanner]')?.classList.contains('ready'));
    await expect.poll(() => app.store.pendingOutbox(500).some((m) => m.topic === 'saleClaimed'), { timeout: 20_000 }).toBe(false);
    await panel.close();
  });
});
