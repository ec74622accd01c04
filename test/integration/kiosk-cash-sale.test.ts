// A sale paid in cash, through the real path: the till's HTTP API, the sale service, the kiosk store
// on disk and the one receipt builder. A Hungarian shop's cash sale of 1 253 Ft counts and prints
// 1 255 Ft, a Czech one's 99,50 Kč 100 Kč, a Polish one's 18,43 zł stays as it is; a retry answers the
// same; an unknown payment kind or a retry with another payment changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrencyCode } from '../../core/money';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { parseProgram, type Program } from '../../core/program/schema';
import { buildReceiptDocument } from '../../core/receipt/document';
import { layoutReceipt } from '../../core/receipt/layout';
import type { SaleView } from '../../core/till-api';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { startTillApi, type TillApi } from '../../main/till/server';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { tempDir } from '../support/hub-harness';

const TOKEN = 'cash-sale-test-token-0123';
const now = clockStartingAt(nextWednesdayMorning(new Date()));

/** A shop counting one point per `unit` minor units, in `currency`, with its receipts in `locale`. */
function shopProgram(currency: CurrencyCode, locale: 'hu' | 'cs' | 'pl', unit: number): Program {
  const parsed = parseProgram({
    ...structuredClone(DEMO_PROGRAM_DOCUMENT),
    currency,
    locale,
    rules: [{ type: 'points', id: 'points', unit, bands: [{ points: 1 }], rounding: 'floor' }],
    tiers: undefined,
    rewards: [{ kind: 'percentOff', id: 'ten-off', name: '10% off', percent: 10, cost: { points: 100 } }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.program;
}

interface Kiosk {
  store: KioskStore;
  service: KioskService;
  api: TillApi;
  temp: ReturnType<typeof tempDir>;
}

async function startKiosk(program: Program): Promise<Kiosk> {
  const temp = tempDir(`cash-${program.currency}`);
  const store = openStore({ now, dir: temp.dir });
  const identity = { kioskId: 'k1', kioskNo: 1, shopNo: 3, secret: '00'.repeat(32) };
  const service = new KioskService({ store, program, identity, hubPublicUrl: 'http://127.0.0.1:9', now });
  const api = await startTillApi({ port: service, token: TOKEN, listenPort: 0 });
  return { store, service, api, temp };
}

async function call(kiosk: Kiosk, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${kiosk.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The receipt the kiosk prints for a sale, as text (the one receipt builder, 80 mm paper). */
function receiptText(kiosk: Kiosk, sale: SaleView): string {
  return layoutReceipt(buildReceiptDocument(kiosk.service.saleReceipt(sale)), 48)
    .flatMap((line) => (line.kind === 'text' ? [line.text] : []))
    .join('\n');
}

const cases = [
  // 1 253 Ft in cash is 1 255 Ft (the Hungarian rule: last digit 3–7 → 5); one point per 5 Ft.
  {
    currency: 'HUF',
    locale: 'hu',
    unit: 500,
    rung: 125300,
    paid: 125500,
    pointsCash: 251,
    pointsCard: 250,
    paidLine: /Készpénzzel fizetve +1255\u00a0Ft/,
    totalWord: 'Összesen',
    // A refund of 1 003 Ft pays back 1 005 Ft in cash; 2 Ft rounds to nothing.
    refundAsked: 100300,
    refundPaid: 100500,
    roundsToNothing: 200 as number | null,
  },
  // 99,50 Kč in cash is 100 Kč (halves up to a whole koruna); one point per koruna.
  {
    currency: 'CZK',
    locale: 'cs',
    unit: 100,
    rung: 9950,
    paid: 10000,
    pointsCash: 100,
    pointsCard: 99,
    paidLine: /Zaplaceno hotově +100\u00a0Kč/,
    totalWord: 'Celkem',
    // 40,50 Kč pays back 41 Kč (halves up); 0,49 Kč rounds to nothing.
    refundAsked: 4050,
    refundPaid: 4100,
    roundsToNothing: 49 as number | null,
  },
  // The złoty has no cash rounding: 18,43 zł is 18,43 zł in cash too.
  {
    currency: 'PLN',
    locale: 'pl',
    unit: 100,
    rung: 1843,
    paid: 1843,
    pointsCash: 18,
    pointsCard: 18,
    paidLine: /Zapłacono gotówką +18,43\u00a0zł/,
    totalWord: 'Suma',
    refundAsked: 1001,
    refundPaid: 1001,
    roundsToNothing: null as number | null,
  },
] as const;

describe.each(cases)('a cash sale in $currency', (c) => {
  let kiosk: Kiosk;
  const total = (amount: number) => ({ amount, currency: c.currency });

  beforeAll(async () => {
    kiosk = await startKiosk(shopProgram(c.currency, c.locale, c.unit));
  });

  afterAll(async () => {
    await kiosk?.api.close();
    kiosk?.store.close();
    kiosk?.temp.remove();
  });

  it('counts and prints the cash-rounded amount, says once that it was paid in cash, and a retry answers the same', async () => {
    const body = { tillSaleId: 'C-1', total: total(c.rung), payment: 'cash' };
    const first = await call(kiosk, 'POST', '/v1/sales', body);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.json).toMatchObject({ total: total(c.paid), payment: 'cash', points: c.pointsCash });

    const retry = await call(kiosk, 'POST', '/v1/sales', body);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    const listed = await call(kiosk, 'GET', '/v1/sales/C-1');
    expect(listed.json).toMatchObject({ total: total(c.paid), payment: 'cash', points: c.pointsCash });

    const text = receiptText(kiosk, first.json as unknown as SaleView);
    expect(text).toMatch(c.paidLine);
    expect(text.match(new RegExp(c.paidLine.source.split(' +')[0]!, 'g'))).toHaveLength(1);
    expect(text).not.toContain(c.totalWord);
  });

  it('a card sale, or one that says nothing, counts and prints the total as sent', async () => {
    for (const [tillSaleId, extra] of [
      ['K-1', { payment: 'card' }],
      ['K-2', {}],
    ] as const) {
      const res = await call(kiosk, 'POST', '/v1/sales', { tillSaleId, total: total(c.rung), ...extra });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      expect(res.json).toMatchObject({ total: total(c.rung), payment: 'payment' in extra ? 'card' : null, points: c.pointsCard });
      const text = receiptText(kiosk, res.json as unknown as SaleView);
      expect(text).toContain(c.totalWord);
      expect(text).not.toMatch(c.paidLine);
    }
  });

  it('a partial refund of a cash sale pays back a cash-rounded amount, the rest exactly what is left: together what was paid', async () => {
    const sale = await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'R-1', total: total(c.rung), payment: 'cash' });
    expect(sale.status, JSON.stringify(sale.json)).toBe(201);
    const ask = { refundId: 'R-1-a', amount: total(c.refundAsked) };
    const part = await call(kiosk, 'POST', '/v1/sales/R-1/refunds', ask);
    expect(part.status, JSON.stringify(part.json)).toBe(201);
    expect(part.json.amount).toEqual(total(c.refundPaid));
    // A retry of the same request answers the same refund, not a conflict with what was paid back.
    const retry = await call(kiosk, 'POST', '/v1/sales/R-1/refunds', ask);
    expect(retry.status, JSON.stringify(retry.json)).toBeLessThan(300);
    expect(retry.json.amount).toEqual(total(c.refundPaid));

    if (c.roundsToNothing !== null) {
      const before = kiosk.store.refundsForSale(String(sale.json.saleId)).length;
      const tiny = await call(kiosk, 'POST', '/v1/sales/R-1/refunds', { refundId: 'R-1-tiny', amount: total(c.roundsToNothing) });
      expect(tiny.status).toBe(400);
      expect((tiny.json.error as { message: string }).message).toMatch(/rounds to nothing in cash/);
      expect(kiosk.store.refundsForSale(String(sale.json.saleId))).toHaveLength(before);
    }

    const rest = await call(kiosk, 'POST', '/v1/sales/R-1/refunds', {});
    expect(rest.status, JSON.stringify(rest.json)).toBe(201);
    expect(rest.json.amount).toEqual(total(c.paid - c.refundPaid));
    const after = await call(kiosk, 'GET', '/v1/sales/R-1');
    const refunds = after.json.refunds as { amount: { amount: number } }[];
    expect(refunds.map((r) => r.amount.amount)).toEqual([c.refundPaid, c.paid - c.refundPaid]);
    expect(refunds.reduce((sum, r) => sum + r.amount.amount, 0)).toBe(c.paid);
  });

  it('on the staff screen path, the refund staff confirm is what is paid back, and one that rounds to nothing is refused in words', async () => {
    const sale = await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'S-1', total: total(c.rung), payment: 'cash' });
    const saleId = String(sale.json.saleId);
    const preview = kiosk.service.previewReversalById(saleId, 'refund', total(c.refundAsked));
    expect(preview.amount).toEqual(total(c.refundPaid));
    if (c.roundsToNothing !== null) {
      expect(() => kiosk.service.previewReversalById(saleId, 'refund', total(c.roundsToNothing!))).toThrow(
        expect.objectContaining({ reason: 'refundBelowCashStep' }),
      );
      expect(() => kiosk.service.reverseSaleById(saleId, 'refund', total(c.roundsToNothing!))).toThrow(
        expect.objectContaining({ reason: 'refundBelowCashStep' }),
      );
      expect(kiosk.store.refundsForSale(saleId)).toHaveLength(0);
    }
    const done = kiosk.service.reverseSaleById(saleId, 'refund', preview.amount);
    expect(done.amount).toEqual(total(c.refundPaid));
    // The whole sale pays back exactly what was paid.
    const other = await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'S-2', total: total(c.rung), payment: 'cash' });
    expect(kiosk.service.previewReversalById(String(other.json.saleId), 'refund').amount).toEqual(total(c.paid));
    expect(kiosk.service.previewReversalById(String(other.json.saleId), 'refund', total(c.paid)).amount).toEqual(total(c.paid));
  });

  it('a refund of a card sale pays back the amount asked, unrounded', async () => {
    await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'K-9', total: total(c.rung), payment: 'card' });
    const asked = c.refundAsked + (c.currency === 'PLN' ? 0 : 1);
    const part = await call(kiosk, 'POST', '/v1/sales/K-9/refunds', { refundId: 'K-9-a', amount: total(asked) });
    expect(part.status, JSON.stringify(part.json)).toBe(201);
    expect(part.json.amount).toEqual(total(asked));
  });

  it('refuses an unknown payment kind, and a retry with another payment, and changes nothing', async () => {
    const before = kiosk.store.recentSales(50).length;
    const cheque = await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'X-1', total: total(c.rung), payment: 'cheque' });
    expect(cheque.status).toBe(400);
    expect((cheque.json.error as { message: string }).message).toBe('payment: "cheque" is not a payment kind: use "cash" or "card", or leave it out');
    expect((await call(kiosk, 'GET', '/v1/sales/X-1')).status).toBe(404);

    // C-1 was paid in cash: the same till id said to be by card is another sale, refused.
    const asCard = await call(kiosk, 'POST', '/v1/sales', { tillSaleId: 'C-1', total: total(c.paid), payment: 'card' });
    expect(asCard.status).toBe(409);
    expect(String((asCard.json.error as { message: string }).message)).toMatch(/payment|total/);
    expect(kiosk.store.recentSales(50)).toHaveLength(before);
    expect((await call(kiosk, 'GET', '/v1/sales/C-1')).json).toMatchObject({ total: total(c.paid), payment: 'cash' });
  });
});
