// Receipts as customers take them home, in real processes (test/support/journey-shop.ts): the hub as
// `npm run hub`, two kiosks as `npm start -- --headless` printing ESC/POS over TCP to a VirtualPrinter
// on loopback that decodes the bytes back to text, the till over each kiosk's HTTP API, a serial scanner
// on a socat pair, a phone speaking HTTP. An unclaimed sale of a customer who is not a member yet
// prints its claim QR (she joins from the QR read off the paper); her next sale, rung with her card
// code, prints her first name, what she earned (once), her balance and the progress line; a sale at
// kiosk B nobody claims prints its own QR and nothing about a member; staff scan her card on an open
// sale and the slip prints again with her name, balance and progress. Then the owner makes it a
// Hungarian shop (its settings, then a forint program), and a Czech shop of its own starts (a shop's
// currency stays once a program is published): a till sale paid in cash prints the cash-rounded amount
// as paid in cash, once (1 253 Ft → 1 255 Ft, 99,50 Kč → 100 Kč), and earns on it; a card sale prints its total.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLabel } from '../../core/earn';
import { formatMessage } from '../../core/i18n/catalog';
import { receiptMessages } from '../../core/i18n/receipt';
import { demoProgram } from '../../core/program/demo';
import { progressToReward } from '../../core/program/progress';
import type { MemberView } from '../../core/till-api';
import type { VirtualReceipt } from '../../hardware/printer/virtual-printer';
import { Phone, saveShopSettings } from '../support/hub-harness';
import { publishShopProgram, startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';

let shop: JourneyShop;
let a: KioskProcess;
let b: KioskProcess;
const phone = new Phone();
let anna: MemberView;

beforeAll(async () => {
  shop = await startJourneyShop('journeys-receipts');
  [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
}, 150_000);

afterAll(async () => {
  await shop?.stop();
});

/** Her balance as her phone's card shows it (the hub's). */
async function cardBalance(): Promise<number> {
  const card = await phone.get(`${shop.hub.url}/m`);
  expect(card.status).toBe(200);
  return Number(/id="balance">(\d+)</.exec(card.text)?.[1]);
}

const textOf = (receipt: VirtualReceipt): string => receipt.lines.join('\n');

/** The progress line the receipt must carry for this balance (the demo program is the hub's program; one stamp card). */
function progressLine(member: MemberView): string {
  const next = progressToReward(demoProgram(), { points: member.points, stampsByCard: { 'coffee-card': member.stamps } })!;
  return next.ready
    ? formatMessage(receiptMessages, 'pl', 'rewardReady', { reward: next.rewardName })
    : formatMessage(receiptMessages, 'pl', next.unit === 'stamps' ? 'progressStamps' : 'progressPoints', { n: next.remaining, reward: next.rewardName });
}

/** A member slip: first name only, "Zdobyte" once with the sale's points, the balance and the progress line, no claim QR. */
function expectMemberSlip(receipt: VirtualReceipt, member: MemberView, earned: number): void {
  const text = textOf(receipt);
  expect(text).toContain('Klient: Anna');
  expect(text).not.toContain('Kowalska');
  expect(text.match(/Zdobyte/g)).toHaveLength(1);
  expect(text).toMatch(new RegExp(`Zdobyte +\\+${earned}\\b`));
  expect(text).toMatch(new RegExp(`Saldo +${member.points} punkt`));
  expect(receipt.lines.map((l) => l.trim())).toContain(progressLine(member));
  expect(text).not.toMatch(/\[QR |Ważne do/);
  expect(receipt.commands.at(-1)).toBe('cut');
}

describe('journey: receipts decoded back to text', () => {
  it('an unclaimed sale of a non-member prints earned once and its claim QR, no name or balance; she joins from the QR on the paper', async () => {
    const sale = await a.sale('A-1', 1840);
    await until(() => a.receiptOf('A-1') !== undefined, "kiosk A's receipt for A-1");
    const receipt = a.receiptOf('A-1')!;
    const text = textOf(receipt);
    // The decoder writes a printed QR as "[QR <payload>]"; the payload is the claim URL in QR-friendly capitals.
    const qr = receipt.lines.find((l) => l.startsWith('[QR '));
    expect(qr?.toUpperCase()).toBe(`[QR ${sale.claimUrl.toUpperCase()}]`);
    expect(text).toContain('Zeskanuj, aby odebrać punkty');
    expect(text).toMatch(/Ważne do \d\d\.\d\d\.\d{4}/);
    expect(text.match(/Zdobyte/g)).toHaveLength(1);
    expect(text).toMatch(new RegExp(`Zdobyte +\\+${sale.points}\\b`));
    expect(text).not.toMatch(/Saldo|Klient|Jeszcze|Nagroda/);
    expect(receipt.commands.at(-1)).toBe('cut');

    // Her phone reads the QR off the paper and she joins: the sale's points are hers.
    const payload = qr!.slice('[QR '.length, -1);
    expect((await phone.join(payload, '600 100 200', 'Anna Kowalska')).status).toBe(303);
    // (Her welcome bonus waits for her number to be proven: this hub has no SMS sender.)
    expect(await cardBalance()).toBe(sale.points);
  });

  it('a member sale at kiosk A, rung with her card code, prints her first name, earned once, the balance and the progress line', async () => {
    // The hub's balance is the one of record: wait until kiosk A's replica has all of it (the join's claim).
    const onCard = await cardBalance();
    await until(async () => (await a.search('600 100 200'))[0]?.points === onCard, 'kiosk A to have her points');
    const before = (await a.search('600 100 200'))[0]!;
    const sale = await a.sale('A-2', 4000, { memberCode: before.code });
    expect(sale.points).toBeGreaterThan(0);
    await until(() => a.receiptOf('A-2') !== undefined, "kiosk A's receipt for A-2");
    anna = (await a.till('GET', `/v1/members/${before.code}`)).json as unknown as MemberView;
    expect(anna.points).toBe(before.points + sale.points);
    expectMemberSlip(a.receiptOf('A-2')!, anna, sale.points);
  });

  it('a non-member sale at kiosk B that nobody claims prints earned once and its own claim QR, nothing about a member', async () => {
    const sale = await b.sale('B-1', 990);
    await until(() => b.receiptOf('B-1') !== undefined, "kiosk B's receipt for B-1");
    const receipt = b.receiptOf('B-1')!;
    const text = textOf(receipt);
    expect(receipt.lines.find((l) => l.startsWith('[QR '))?.toUpperCase()).toBe(`[QR ${sale.claimUrl.toUpperCase()}]`);
    expect(text.match(/Zdobyte/g)).toHaveLength(1);
    expect(text).toMatch(new RegExp(`Zdobyte +\\+${sale.points}\\b`));
    expect(text).not.toMatch(/Saldo|Klient|Jeszcze|Nagroda/);
  });

  it("staff scan her card on an open sale at kiosk A: the slip prints again with her first name, earned once, the hub's balance and progress", async () => {
    const sale = await a.sale('A-3', 2500);
    await until(() => a.receiptOf('A-3') !== undefined, "kiosk A's first receipt for A-3");
    expect(a.receiptOf('A-3')!.lines.some((l) => l.startsWith('[QR '))).toBe(true);

    a.scan(anna.code);
    const memberSlip = (): VirtualReceipt | undefined =>
      a.printer.receipts.find((r) => r.lines.some((l) => l.includes(' A-3 ') || l.endsWith(' A-3')) && r.lines.some((l) => l.includes('Klient: Anna')));
    await until(() => memberSlip() !== undefined, "kiosk A's member slip for A-3");
    // The slip prints the balance the hub answered; the till's member view follows when the claim's entries reach
    // kiosk A's replica, a moment later on a loaded machine.
    const memberView = async (): Promise<MemberView> => (await a.till('GET', `/v1/members/${anna.code}`)).json as unknown as MemberView;
    await until(async () => (await memberView()).points === anna.points + sale.points, "kiosk A's member view with the claim's points");
    const after = await memberView();
    expectMemberSlip(memberSlip()!, after, sale.points);
  });

  it('a member sale at kiosk B for her (she joined at A): no second welcome; the receipt prints her full balance and her coffee card across kiosks', async () => {
    const coffees = (quantity: number, amount: number): unknown[] => [{ name: 'Latte', quantity, total: { amount, currency: 'PLN' }, category: 'coffee' }];
    const atB = async (): Promise<MemberView> => (await b.till('GET', `/v1/members/${anna.code}`)).json as unknown as MemberView;
    // Five coffees at A: B's replica gets them with her history (she has never bought at B).
    await a.sale('A-4', 5000, { memberCode: anna.code, lines: coffees(5, 5000) });
    await until(async () => (await atB()).stamps === 5 && (await atB()).points === (await cardBalance()), "kiosk B's replica to have her sale at A");
    const before = await atB();

    const sale = await b.sale('B-2', 4000, { memberCode: anna.code, lines: coffees(4, 4000) });
    // What B earned is a returning member's sale: no welcome line (she was welcomed when she joined at A).
    const welcome = defaultLabel(demoProgram(), 'welcome');
    const earned = ((await b.till('GET', '/v1/sales/B-2')).json.earned as { reason: string }[]).map((line) => line.reason);
    expect(earned.length).toBeGreaterThan(0);
    expect(earned.filter((reason) => reason.includes(welcome))).toEqual([]);

    // The receipt prints her full balance (the till's), and 5 + 4 = 9 stamps: the free coffee is ready.
    await until(() => b.receiptOf('B-2') !== undefined, "kiosk B's receipt for B-2");
    const after = await atB();
    expect(after.points).toBe(before.points + sale.points);
    expect(after.stamps).toBe(9);
    expect(progressLine(after)).toBe(formatMessage(receiptMessages, 'pl', 'rewardReady', { reward: 'Free coffee' }));
    expectMemberSlip(b.receiptOf('B-2')!, after, sale.points);
    // The hub took the sale as B reported it (nothing refused): her card shows the same balance.
    await until(async () => (await cardBalance()) === after.points, 'the hub to have her sale at B');
  });

  it('a Hungarian shop: a till sale paid in cash counts and prints 1 255 Ft for 1 253 Ft, "paid in cash" once; a retry answers the same', async () => {
    // The shop's currency is its settings' (nothing is published yet, so it may still change there); the program follows.
    await saveShopSettings(shop.hub, { country: 'HU', currency: 'HUF', locale: 'hu', timeZone: 'Europe/Budapest', languages: ['hu'] });
    await publishShopProgram(shop, 'Till B', { currency: 'HUF', locale: 'hu', timeZone: 'Europe/Budapest' }, 500);
    const body = { tillSaleId: 'B-HUF-1', total: { amount: 125300, currency: 'HUF' }, payment: 'cash' };
    const sale = await b.till('POST', '/v1/sales', body);
    expect(sale.status, JSON.stringify(sale.json)).toBe(201);
    // One point per 5 Ft: 1 255 Ft earns 251 (1 253 Ft would earn 250).
    expect(sale.json).toMatchObject({ total: { amount: 125500, currency: 'HUF' }, payment: 'cash', points: 251 });
    expect(await b.till('POST', '/v1/sales', body)).toEqual({ status: 200, json: sale.json });

    await until(() => b.receiptOf('B-HUF-1') !== undefined, "kiosk B's receipt for B-HUF-1");
    const text = textOf(b.receiptOf('B-HUF-1')!);
    expect(text).toMatch(/Készpénzzel fizetve +1255 Ft/);
    expect(text.match(/Készpénz/g)).toHaveLength(1);
    expect(text).not.toMatch(/Összesen|1253/);
    expect(text).toMatch(/Szerzett +\+251\b/);
  });

  it('a Czech shop: a till sale of 99,50 Kč paid in cash counts and prints 100 Kč; a card sale prints its total as sent', async () => {
    // The shop above counts in forint for good now (its published program does): a Czech shop is a hub and a kiosk of its own.
    const czech = await startJourneyShop('journeys-receipts-cz', ['Till C']);
    try {
      const c = czech.kiosks[0]!;
      await saveShopSettings(czech.hub, { country: 'CZ', currency: 'CZK', locale: 'cs', timeZone: 'Europe/Prague', languages: ['cs'] });
      await publishShopProgram(czech, 'Till C', { currency: 'CZK', locale: 'cs', timeZone: 'Europe/Prague' }, 100);
      const cash = await c.till('POST', '/v1/sales', { tillSaleId: 'C-CZK-1', total: { amount: 9950, currency: 'CZK' }, payment: 'cash' });
      expect(cash.status, JSON.stringify(cash.json)).toBe(201);
      expect(cash.json).toMatchObject({ total: { amount: 10000, currency: 'CZK' }, payment: 'cash', points: 100 });
      await until(() => c.receiptOf('C-CZK-1') !== undefined, "kiosk C's receipt for C-CZK-1");
      const text = textOf(c.receiptOf('C-CZK-1')!);
      expect(text).toMatch(/Zaplaceno hotově +100 Kč/);
      expect(text.match(/hotově/g)).toHaveLength(1);
      expect(text).not.toMatch(/Celkem|99,50/);

      const card = await c.till('POST', '/v1/sales', { tillSaleId: 'C-CZK-2', total: { amount: 9950, currency: 'CZK' }, payment: 'card' });
      expect(card.json).toMatchObject({ total: { amount: 9950, currency: 'CZK' }, payment: 'card', points: 99 });
      await until(() => c.receiptOf('C-CZK-2') !== undefined, "kiosk C's receipt for C-CZK-2");
      expect(textOf(c.receiptOf('C-CZK-2')!)).toMatch(/Celkem +99,50 Kč/);
      expect(textOf(c.receiptOf('C-CZK-2')!)).not.toContain('hotově');
    } finally {
      await czech.stop();
    }
  }, 180_000);
});
