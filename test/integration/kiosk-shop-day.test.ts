// The staff screen's "Today" counts the shop's day: the day of the time zone in the shop settings the
// hub sent, not the program's. A kiosk service on a real store, its clock moved around midnight.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { zonedInstant, localTime, addDays } from '../../core/program/clock';
import { demoProgram } from '../../core/program/demo';
import type { ShopSettings } from '../../core/shop-settings';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { tempDir } from '../support/hub-harness';
import { nextWednesdayMorning } from '../support/dates';

const WARSAW = 'Europe/Warsaw';
const LONDON = 'Europe/London';

let store: KioskStore | undefined;
let remove: (() => void) | undefined;
afterEach(() => {
  store?.close();
  remove?.();
});

describe("the kiosk's Today on the shop's clock", () => {
  it('counts a sale rung at 23:45 in Warsaw as today in a shop whose settings say London, where it is still that evening', async () => {
    const temp = tempDir('kiosk-shop-day');
    remove = temp.remove;
    // The demo program counts in Warsaw; the shop's settings (from the hub) put the shop in London, an hour behind.
    const wednesday = localTime(new Date(nextWednesdayMorning(new Date())), WARSAW).date;
    const lateTuesday = zonedInstant(addDays(wednesday, -1), '23:45', WARSAW);
    const justAfterWarsawMidnight = zonedInstant(wednesday, '00:30', WARSAW);
    let clock = lateTuesday;
    const now = (): Date => clock;
    store = openStore({ now, dir: `${temp.dir}/kiosk` });
    const program = demoProgram();
    expect(program.timeZone).toBe(WARSAW);
    const service = new KioskService({
      store,
      program,
      identity: { kioskId: 'K1', kioskNo: 1, shopNo: 1, secret: randomBytes(32).toString('hex') },
      hubPublicUrl: 'http://127.0.0.1:1',
      now,
    });
    await service.createSale({ tillSaleId: 'T-1', total: { amount: 1840, currency: 'PLN' } });
    clock = justAfterWarsawMidnight;

    // Before any settings reached the kiosk, its shop day is the program's: in Warsaw that sale was yesterday.
    expect(service.todayFigures().sales).toBe(0);

    const settings: ShopSettings = { name: 'Corner Café', country: 'PL', currency: 'PLN', locale: 'pl', timeZone: LONDON, languages: ['pl'], locations: [] };
    expect(service.applyShopSettings({ updatedAt: lateTuesday.toISOString(), settings, location: null })).toBe(true);
    // In London it is 23:30 on the same Tuesday: the sale is today's.
    expect(localTime(clock, LONDON).date).toBe(addDays(wednesday, -1));
    const today = service.todayFigures();
    expect(today.sales).toBe(1);
    expect(today.salesTotal).toBe(1840);
  });
});
