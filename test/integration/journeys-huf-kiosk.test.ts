// A Hungarian shop's kiosk keys and rings up forints, in real processes (test/support/journey-shop.ts):
// the hub as `npm run hub`, one kiosk as `npm start` serving its screen over the local bridge (no
// Electron binary here) with its receipts printed over TCP to a VirtualPrinter that decodes the ESC/POS
// bytes back to text. The owner makes the shop Hungarian (settings, then a forint program, as
// journeys-receipts does); the kiosk's own page in Chromium: staff sign in with the PIN, key 1 2 5 5,
// the keypad shows 1 255 Ft (whole forints, no ",00"), the sale is recorded as 125500 minor units of
// HUF, the customer screen shows it, and the printed receipt says 1255 Ft. Then the hub stops and the
// kiosk is started again on its data dir: offline from its first moment, it still counts in forints
// (the program it stored), never in the demo's złoty.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaleList, SaleRecord } from '../../core/till-api';
import type { VirtualReceipt } from '../../hardware/printer/virtual-printer';
import { launchChromium } from '../support/chromium';
import { saveShopSettings } from '../support/hub-harness';
import { publishShopProgram, startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { text, typeKeys, unlockStaff } from '../support/kiosk-page';
import { ensureRendererBuilt } from '../support/renderer-build';
import { until } from '../support/until';

const PIN = '5821';

let shop: JourneyShop;
let kiosk: KioskProcess;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

beforeAll(async () => {
  // The kiosk process serves the renderer build; build it once here rather than in the child.
  await ensureRendererBuilt();
  shop = await startJourneyShop('journeys-huf', ['Till H'], { screen: true, kioskEnv: { KIOSK_STAFF_PIN: PIN } });
  kiosk = shop.kiosks[0]!;
  await saveShopSettings(shop.hub, {
    name: 'Kávézó a Hídnál',
    country: 'HU',
    currency: 'HUF',
    locale: 'hu',
    timeZone: 'Europe/Budapest',
    languages: ['hu'],
    locationName: 'Till H',
    locationAddress: 'Fő utca 1, Budapest',
  });
  // One point per 5 Ft.
  await publishShopProgram(shop, 'Till H', { currency: 'HUF', locale: 'hu', timeZone: 'Europe/Budapest' }, 500);
  await until(async () => (await kiosk.health()).shop.locale === 'hu', "the shop's Hungarian settings at the kiosk");
  browser = await launchChromium({ width: 1024, height: 600 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
});

/** The kiosk's own screen, as the kiosk process printed its address (with the bridge's launch secret). */
async function kioskScreen(): Promise<Page> {
  const page = await browser!.context.newPage();
  // Generous: Chromium shares two cores with the hub and the kiosk process.
  page.setDefaultTimeout(20_000);
  await page.goto(kiosk.uiUrl);
  await page.waitForSelector('[data-screen=idle]');
  return page;
}

/** Every sale the kiosk holds, as the till API lists them. */
async function sales(): Promise<SaleRecord[]> {
  const res = await kiosk.till('GET', '/v1/sales');
  expect(res.status).toBe(200);
  return (res.json as unknown as SaleList).sales;
}

/** The decoded receipt of `tillSaleId`, once the printer has it. */
async function printed(tillSaleId: string): Promise<string> {
  await until(() => kiosk.receiptOf(tillSaleId) !== undefined, `the kiosk's receipt for ${tillSaleId}`);
  return (kiosk.receiptOf(tillSaleId) as VirtualReceipt).lines.join('\n');
}

/**
 * Staff unlock the kiosk's screen and key 1 2 5 5: whole forints, grouped as Hungarian writes them (not
 * 12,55 Ft, not 1 255,00 Ft), on the keypad and, once rung up, on the customer's screen.
 */
async function keyForintSale(page: Page): Promise<void> {
  await unlockStaff(page, PIN);
  await typeKeys(page, '1255');
  expect(await text(page, '[data-testid=amount-entry]')).toBe('1 255 Ft');
  await page.click('[data-action=create-sale]');
  await page.waitForSelector('[data-screen=sale] svg.qr');
  expect(await text(page, '[data-testid=amount]')).toBe('1 255 Ft');
}

describe('journey: a Hungarian shop keys and rings up forints on the real kiosk', () => {
  it('staff key 1 2 5 5 on the keypad: 1 255 Ft on both screens, recorded as 125500 HUF, printed as 1255 Ft', async () => {
    const page = await kioskScreen();
    await keyForintSale(page);

    const keyed = (await sales()).filter((s) => s.source === 'keypad');
    expect(keyed).toHaveLength(1);
    const sale = keyed[0]!;
    expect(sale.total).toEqual({ amount: 125500, currency: 'HUF' });
    // The forint program's rule (one point per 5 Ft), not the demo's.
    expect(sale.points).toBe(251);

    const receipt = await printed(sale.tillSaleId);
    expect(receipt).toMatch(/Összesen +1255 Ft/);
    expect(receipt).toMatch(/Szerzett +\+251\b/);
    expect(receipt).not.toMatch(/zł|PLN|1255,00|12,55/);
    await page.close();
  }, 120_000);

  it('restarted on its data dir with the hub stopped, the kiosk still counts in forints from its first moment', async () => {
    await shop.hub.stop();
    await kiosk.stop();
    await kiosk.start(shop.hub);
    // Its new process's own words, at start, before any hub could have told it anything.
    expect(kiosk.child.lines).toContain('program: Shop HUF (HUF), as stored from the hub');
    const health = await kiosk.health();
    expect(health.services).toMatchObject({ program: 'ok' });
    expect(health.services.hub).not.toBe('online');
    expect(health.shop).toMatchObject({ name: 'Kávézó a Hídnál', locale: 'hu', fromHub: true });

    // The keypad, on the restarted kiosk's screen, keys whole forints too.
    const page = await kioskScreen();
    await keyForintSale(page);
    const keyed = (await sales()).filter((s) => s.source === 'keypad');
    expect(keyed.map((s) => s.total)).toEqual([
      { amount: 125500, currency: 'HUF' },
      { amount: 125500, currency: 'HUF' },
    ]);
    await page.close();

    // The till: forints are taken, złoty refused (nothing recorded).
    const zloty = await kiosk.till('POST', '/v1/sales', { tillSaleId: 'H-PLN-1', total: { amount: 1840, currency: 'PLN' } });
    expect(zloty.status).toBe(400);
    expect(JSON.stringify(zloty.json)).toContain('counts in HUF');
    const forint = await kiosk.till('POST', '/v1/sales', { tillSaleId: 'H-HUF-1', total: { amount: 125500, currency: 'HUF' } });
    expect(forint.status, JSON.stringify(forint.json)).toBe(201);
    expect(forint.json).toMatchObject({ total: { amount: 125500, currency: 'HUF' }, points: 251 });
    expect((await sales()).map((s) => s.tillSaleId)).not.toContain('H-PLN-1');
    expect(await printed('H-HUF-1')).toMatch(/Összesen +1255 Ft/);
  }, 180_000);
});
