// Every sale is a sale to the till API, whatever path rang it: a receipt printed through the
// print-stream passthrough (over TCP, as a till prints), a sale from the till API and one from the
// staff keypad, in the one kiosk with its store on disk, listed in time order a page at a time and
// fetched one by one through the till HTTP API.
import { connect } from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';

const TOKEN = 'sales-list-test-token-0123';
// A Wednesday morning: no "x2 Tuesday" in the demo program.
const now = clockStartingAt(nextWednesdayMorning(new Date()));
const temp = tempDir('kiosk-sales');
let app: KioskApp;

function receipt(): Buffer {
  const text = ['Piekarnia Złoty Kłos', 'Chleb żytni      1 x 12,40', 'Drożdżówka        1 x 6,00', 'SUMA PLN          18,40', ''].join('\n');
  return Buffer.concat([Buffer.from([0x1b, 0x74, 18]), iconv.encode(text, 'cp852'), Buffer.from([0x1d, 0x56, 0x42, 0x00])]);
}

function printFromTill(address: string, bytes: Buffer): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) }, () => socket.end(bytes));
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

type Sale = Record<string, unknown> & { saleId: string; source: string; createdAt: string };

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${app.tillApi.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  app = await startKioskApp(
    {
      dataDir: temp.dir,
      apiHost: '127.0.0.1',
      apiPort: 0,
      apiToken: TOKEN,
      apiTokenGenerated: false,
      hubUrl: undefined,
      hubPort: 0,
      headless: true,
      printer: undefined,
      scanners: undefined,
      passthrough: { till: { kind: 'tcp', port: 0 }, locale: 'pl' },
    },
    now,
    () => {},
  );
});

afterAll(async () => {
  await app?.stop();
  temp.remove();
});

describe('GET /v1/sales: every sale, whatever path rang it', () => {
  const startedAt = new Date(now().getTime() - 60_000).toISOString();

  it('lists a passthrough, a till API and a keypad sale in time order, pages with a cursor, and answers each by id', async () => {
    const printed = app.virtualPrinter!.receipts;
    await printFromTill(app.passthroughAddress!, receipt());
    await until(() => printed.length > 0 && app.store.counts().sales === 1, 'the passthrough sale');

    // Rung at the till half a minute ago (before the passthrough sale), reported now.
    const tillAt = new Date(now().getTime() - 30_000).toISOString();
    const till = await call('POST', '/v1/sales', { tillSaleId: 'A-7', total: { amount: 2500, currency: 'PLN' }, at: tillAt });
    expect(till.status).toBe(201);
    expect((await call('POST', '/v1/sales/A-7/refunds', { refundId: 'R-7', amount: { amount: 500, currency: 'PLN' } })).status).toBe(201);
    const keypad = await app.ui.createSale({ total: { amount: 990, currency: 'PLN' } });

    const all = await call('GET', `/v1/sales?since=${encodeURIComponent(startedAt)}`);
    expect(all.status).toBe(200);
    const sales = all.json.sales as Sale[];
    expect(all.json.next).toBeNull();
    expect(sales.map((s) => s.source)).toEqual(['api', 'passthrough', 'keypad']);
    expect(sales.map((s) => s.createdAt)).toEqual([...sales.map((s) => s.createdAt)].sort());

    const [fromTill, passthrough, fromKeypad] = sales;
    expect(fromTill).toMatchObject({
      tillSaleId: 'A-7',
      createdAt: tillAt,
      total: { amount: 2500, currency: 'PLN' },
      refunded: { amount: 500, currency: 'PLN' },
      status: 'partially_refunded',
      claim: 'open',
      refunds: [{ kind: 'refund', amount: { amount: 500, currency: 'PLN' } }],
    });
    expect(passthrough).toMatchObject({
      tillSaleId: expect.stringMatching(/^P-/),
      total: { amount: 1840, currency: 'PLN' },
      status: 'open',
      claim: 'open',
      memberCode: null,
      points: 18,
      earned: [expect.objectContaining({ points: 18 })],
      claimUrl: expect.stringMatching(/\/C\/[A-Z2-7]+$/),
      refunds: [],
    });
    expect(fromKeypad).toMatchObject({ saleId: keypad.saleId, total: { amount: 990, currency: 'PLN' }, claim: 'open' });

    // Each answers by the id the list gives, the passthrough one by its till id too (it was a 404 before).
    for (const sale of sales) expect(await call('GET', `/v1/sales/${encodeURIComponent(sale.saleId)}`)).toEqual({ status: 200, json: sale });
    expect((await call('GET', `/v1/sales/${String(passthrough!.tillSaleId)}`)).json).toEqual(passthrough);
    expect((await call('GET', '/v1/sales/A-7')).json).toEqual(fromTill);

    // Two pages of two: the cursor carries on where the page before ended, and the last page says so.
    const first = await call('GET', `/v1/sales?since=${encodeURIComponent(startedAt)}&limit=2`);
    expect((first.json.sales as Sale[]).map((s) => s.saleId)).toEqual([fromTill!.saleId, passthrough!.saleId]);
    expect(first.json.next).toEqual(expect.any(String));
    const second = await call('GET', `/v1/sales?since=${encodeURIComponent(startedAt)}&limit=2&cursor=${String(first.json.next)}`);
    expect((second.json.sales as Sale[]).map((s) => s.saleId)).toEqual([fromKeypad!.saleId]);
    expect(second.json.next).toBeNull();

    // `since` leaves out what came before it.
    const later = await call('GET', `/v1/sales?since=${encodeURIComponent(passthrough!.createdAt)}`);
    expect((later.json.sales as Sale[]).map((s) => s.source)).toEqual(['passthrough', 'keypad']);
  });

  it('refuses a bad since, limit or cursor with 400 naming it, and no token with 401', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?since=yesterday', /^since: an ISO 8601 instant/],
      ['?since=2026-13-45T10:00:00Z', /^since: /],
      ['?limit=0', /^limit: a whole number from 1 to 500/],
      ['?limit=501', /^limit: a whole number from 1 to 500/],
      ['?limit=ten', /^limit: a whole number from 1 to 500/],
      ['?limit=-1', /^limit: /],
      ['?cursor=not-a-cursor', /^cursor: not a cursor this kiosk gave/],
      ['?sinse=2026-01-01T00:00:00Z', /Unrecognized key/],
    ];
    for (const [query, message] of cases) {
      const res = await call('GET', `/v1/sales${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect({ query, message: (res.json.error as { message: string }).message }).toEqual({ query, message: expect.stringMatching(message) });
    }
    expect((await fetch(`${app.tillApi.url}/v1/sales`)).status).toBe(401);
    expect((await call('GET', '/v1/sales/NO-SUCH-SALE')).status).toBe(404);
  });
});
