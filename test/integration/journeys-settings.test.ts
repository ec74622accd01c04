// The shop's settings travel from the hub to kiosks in real processes (test/support/journey-shop.ts):
// the hub as `npm run hub`, two kiosks as `npm start -- --headless` printing to a VirtualPrinter that
// decodes the ESC/POS bytes back to text. The owner renames the shop and makes English its language
// through `POST /owner/settings` with the owner token, and gives kiosk A's location (a kiosk stands
// at the location named after it until the owner moves it) an address. Kiosk A, running all along,
// takes the change without a restart: its till API's health says so and its next receipt is headed
// with the new name and the address, in English. Kiosk B was not running while the owner saved: it gets the settings when it connects again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMessage } from '../../core/i18n/catalog';
import { receiptMessages } from '../../core/i18n/receipt';
import { demoProgram } from '../../core/program/demo';
import type { VirtualReceipt } from '../../hardware/printer/virtual-printer';
import { saveShopSettings } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';

const NEW_NAME = 'Piekarnia Złoty Kłos';
/** The kiosks start with the demo program, whose name is what they go by until the owner saves settings. */
const START_NAME = demoProgram().name;

let shop: JourneyShop;
let a: KioskProcess;
let b: KioskProcess;

beforeAll(async () => {
  shop = await startJourneyShop('journeys-settings');
  [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
}, 150_000);

afterAll(async () => {
  await shop?.stop();
});

/** The printed receipt of `tillSaleId` at `kiosk`, once it is there. */
async function printed(kiosk: KioskProcess, tillSaleId: string): Promise<VirtualReceipt> {
  await until(() => kiosk.receiptOf(tillSaleId) !== undefined, `kiosk ${kiosk.name}'s receipt for ${tillSaleId}`);
  return kiosk.receiptOf(tillSaleId)!;
}

/** A receipt headed with `header` (the shop's name, then its address), "earned" in `locale`'s words and no other shop's name. */
function expectHeadedBy(receipt: VirtualReceipt, header: string[], other: string, locale: 'pl' | 'en'): void {
  const lines = receipt.lines.map((l) => l.trim());
  expect(lines.slice(0, header.length)).toEqual(header);
  // The line after the header is the receipt's own (no other address line from anywhere).
  expect(lines[header.length]).not.toMatch(/Rynek|Kraków/);
  const text = lines.join('\n');
  expect(text).not.toContain(other);
  expect(text).toContain(formatMessage(receiptMessages, locale, 'earned'));
  expect(text).not.toContain(formatMessage(receiptMessages, locale === 'en' ? 'pl' : 'en', 'earned'));
}

describe('journey: shop settings reach the kiosks', () => {
  it('the owner renames the shop and makes it English: running kiosk A shows the new name and prints it, in English, without a restart', async () => {
    // Before the owner saved anything the kiosk goes by its program: its name, Polish receipts.
    expect((await a.health()).shop).toEqual({ name: START_NAME, locale: 'pl', location: null, fromHub: false });
    await a.sale('A-1', 1840);
    expectHeadedBy(await printed(a, 'A-1'), [START_NAME], NEW_NAME, 'pl');

    // Kiosk B is switched off while the owner changes the settings.
    await b.stop();
    const pid = a.child.proc.pid;
    const saved = await saveShopSettings(shop.hub, {
      name: NEW_NAME,
      locale: 'en',
      languages: ['pl', 'en'],
      locationName: 'Till A',
      locationAddress: 'Rynek Główny 5\nKraków',
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    const onHub = JSON.parse((await shop.hub.owner('GET', '/owner/settings')).text) as { configured: boolean; settings: { name: string; locale: string } };
    expect(onHub).toMatchObject({ configured: true, settings: { name: NEW_NAME, locale: 'en' } });

    await until(async () => (await a.health()).shop.name === NEW_NAME, "kiosk A's till API to show the new name");
    expect((await a.health()).shop).toEqual({ name: NEW_NAME, locale: 'en', location: 'Till A', fromHub: true });
    expect(a.child.lines).toContain(`shop settings from the hub: ${NEW_NAME} (en, Europe/Warsaw)`);
    // The same process: nothing was restarted.
    expect(a.child.proc.pid).toBe(pid);
    expect(a.child.proc.exitCode).toBeNull();

    await a.sale('A-2', 2500);
    expectHeadedBy(await printed(a, 'A-2'), [NEW_NAME, 'Rynek Główny 5', 'Kraków'], START_NAME, 'en');
  });

  it('kiosk B, off while the owner saved, gets the settings when it connects again: its till API and its next receipt show them', async () => {
    // Started again on its data dir (paired already): what it held from before is its start-up settings.
    await b.start(shop.hub);
    await until(async () => (await b.hubState()) === 'online', 'kiosk B online with the hub again');
    await until(async () => (await b.health()).shop.fromHub, "the hub's settings at kiosk B");
    expect((await b.health()).shop).toEqual({ name: NEW_NAME, locale: 'en', location: 'Till B', fromHub: true });

    // Its location has no address in the settings: the new name alone heads its receipt.
    await b.sale('B-1', 990);
    expectHeadedBy(await printed(b, 'B-1'), [NEW_NAME], START_NAME, 'en');
    // A kiosk started on a loaded 2-core machine takes seconds; the waits inside bound each step.
  }, 90_000);
});
