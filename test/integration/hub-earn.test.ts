// A claim of a sale's QR on the hub earns member-aware (core/claims claimEarnEntries): the tier
// multiplier for a gold member claiming by phone, the birthday bonus once a year inside the program's
// window and not outside it, the birthday given on the join form and changed on the card.
// Real parts: the hub on loopback (SQLite, or PostgreSQL with --project hub-postgres), phones as HTTP
// clients keeping their cookie, the hub's clock injected and moved by whole days.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { localTime } from '../../core/program/clock';
import type { KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { saleClaimUrl } from '../../main/sync/claims';
import { nextWednesdayMorning } from '../support/dates';
import { Phone, pairedKiosk, tempDir, testHub } from '../support/hub-harness';

const DAY = 86_400_000;
const START = Date.parse(nextWednesdayMorning(new Date()));

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let clock = START;
const now = (): Date => new Date(clock);
let saleNo = 0;

/** The demo program without "x2 Tuesday" (days move in these tests), with a birthday week worth 30 points. */
function program() {
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT) as unknown as { rules: { type: string }[] };
  document.rules = [
    ...document.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'birthday', id: 'birthday-week', points: 30, window: 'week' } as never,
  ];
  return document;
}

/** A sale's claim QR as the kiosk makes it (points: the kiosk's anonymous figure, 1 per zł). */
function sale(amount: number): { url: string; key: string } {
  saleNo += 1;
  const made = saleClaimUrl(creds, hub.url, { saleNo, points: Math.floor(amount / 100), stamps: 0, total: { amount, currency: 'PLN' } }, now());
  return { url: made.url, key: claimSaleKey({ kioskNo: creds.kioskNo, saleNo }) };
}

async function claimed(key: string): Promise<{ points: number; codes: string[] }> {
  const entries = await hub.store.saleEntries(key);
  return { points: (await hub.store.claimOf(key))!.points, codes: entries.map((e) => e.reason.code) };
}

/** MM-DD of the shop's local date `days` from the clock's day. */
const monthDayIn = (days: number): { day: number; month: number } => {
  const [, month, day] = localTime(new Date(clock + days * DAY), 'Europe/Warsaw')
    .date.split('-')
    .map(Number) as [number, number, number];
  return { day, month };
};

beforeEach(async () => {
  clock = START;
  saleNo = 0;
  tmp = tempDir('hub-earn');
  hub = await testHub(tmp.dir, { now });
  for (const shop of await hub.store.db.selectFrom('shops').select('no').execute()) await hub.store.setProgram(shop.no, program());
  creds = await pairedKiosk(hub);
});

afterEach(async () => {
  await hub.close();
  tmp.remove();
});

describe('a phone claim earns member-aware', () => {
  it('a gold member claiming by phone gets the tier multiplier', async () => {
    const phone = new Phone('en-GB');
    // 1500.40 zł: 1500 points, 20 over 100 zł; the spend makes her gold (1500 zł in a year). The welcome
    // bonus is held by the one earn until her number is proven (cloud/join-verification.ts).
    const big = sale(150_040);
    expect((await phone.join(big.url, '+48 600 300 400', 'Gosia')).status).toBe(303);
    expect(await claimed(big.key)).toEqual({ points: 1520, codes: ['base', 'spendBonus'] });
    // Her number proven (as the code does): what the core welcome rule pays, once, whoever asks again.
    const gosia = (await hub.store.claimOf(big.key))!.memberId;
    expect(await hub.store.payHeldWelcome(gosia, now())).toMatchObject({ id: `welcome:${gosia}`, points: 50, reason: { code: 'welcome' } });
    expect(await hub.store.payHeldWelcome(gosia, now())).toBeNull();

    clock += DAY;
    const small = sale(1840);
    expect((await phone.post(small.url, { mode: 'member' })).status).toBe(303);
    // 18 points × 1.5 (gold) = 27: the tier's 9 on their own entry; the kiosk's QR said 18.
    // No second welcome now that it is paid.
    expect(await claimed(small.key)).toEqual({ points: 27, codes: ['base', 'tier'] });
    expect((await hub.store.entries(gosia)).filter((e) => e.reason.code === 'welcome')).toHaveLength(1);
    const tier = (await hub.store.saleEntries(small.key)).find((e) => e.reason.code === 'tier');
    expect(tier).toMatchObject({ points: 9, reason: { ruleId: 'gold' } });
    const card = await phone.get(`${hub.url}/m`);
    expect(card.text).toContain('Gold');
  });
});

describe('birthday', () => {
  it('given on the join form, pays its bonus once inside the week from the birthday, not before or after', async () => {
    const phone = new Phone('en-GB');
    const { day, month } = monthDayIn(10);
    const first = sale(1840);
    const joined = await phone.post(first.url, {
      mode: 'join',
      name: 'Bea',
      contact: 'bea@example.com',
      consent: 'yes',
      birthDay: String(day),
      birthMonth: String(month),
    });
    expect(joined.status).toBe(303);
    // Ten days before the birthday: no bonus.
    expect((await claimed(first.key)).codes).not.toContain('birthday');
    const card = await phone.get(`${hub.url}/m`);
    expect(card.text).toMatch(new RegExp(`<option value="${day}" selected>${day}</option>`));

    // Two days after the birthday, inside the week: the bonus, once.
    clock += 12 * DAY;
    const inWindow = sale(1840);
    expect((await phone.post(inWindow.url, { mode: 'member' })).status).toBe(303);
    expect(await claimed(inWindow.key)).toEqual({ points: 48, codes: ['base', 'birthday'] });

    clock += DAY;
    const again = sale(1840);
    expect((await phone.post(again.url, { mode: 'member' })).status).toBe(303);
    expect(await claimed(again.key)).toEqual({ points: 18, codes: ['base'] });
  });

  it('outside the window there is no bonus; a birthday set on the card counts from the next claim', async () => {
    const phone = new Phone('en-GB');
    const first = sale(1840);
    expect((await phone.join(first.url, 'cyd@example.com', 'Cyd')).status).toBe(303);
    // The card's form: a day that month does not have is refused, nothing saved.
    const csrf = /name="csrf" value="([^"]+)"/.exec((await phone.get(`${hub.url}/m`)).text)![1]!;
    const bad = await phone.post(`${hub.url}/m/birthday`, { csrf, birthDay: '31', birthMonth: '4' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Pick a real day and month');
    // The birthday was eight days ago: the week is over.
    const past = monthDayIn(-8);
    const saved = await phone.post(`${hub.url}/m/birthday`, { csrf, birthDay: String(past.day), birthMonth: String(past.month) });
    expect(saved.status).toBe(303);
    expect((await phone.get(`${hub.url}/m?birthday=saved`)).text).toContain('Your birthday is saved.');
    clock += DAY;
    const late = sale(1840);
    expect((await phone.post(late.url, { mode: 'member' })).status).toBe(303);
    expect((await claimed(late.key)).codes).toEqual(['base']);
    // 29 February is a birthday like any other (paid on 28 February in other years).
    expect((await phone.post(`${hub.url}/m/birthday`, { csrf, birthDay: '29', birthMonth: '2' })).status).toBe(303);
  });
});
