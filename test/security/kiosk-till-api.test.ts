// The till API under hostile or broken input, against the real HTTP server, sale service and store on
// disk: every refusal is a 4xx in words, never a 5xx or a reset connection, and nothing is written.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { demoProgram } from '../../core/program/demo';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { startTillApi, type TillApi } from '../../main/till/server';
import { tempDir } from '../support/hub-harness';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';

const TOKEN = 'till-token-0123456789abcdef';
const WEDNESDAY = nextWednesdayMorning(new Date());
const now = clockStartingAt(WEDNESDAY);
const IDENTITY = { shopNo: 1, kioskNo: 1, secret: '11'.repeat(32) } as const;

let temp: ReturnType<typeof tempDir>;
let store: KioskStore;
let api: TillApi;

beforeAll(async () => {
  temp = tempDir('till-security');
  store = openStore({ dir: `${temp.dir}/kiosk`, now });
  const service = new KioskService({ store, program: demoProgram(), identity: IDENTITY as never, hubPublicUrl: 'http://127.0.0.1:1', now });
  api = await startTillApi({ port: service, token: TOKEN, listenPort: 0 });
});

afterAll(async () => {
  await api?.close();
  store?.close();
  temp?.remove();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as never };
}

const sale = (tillSaleId: string, extra: Record<string, unknown> = {}) => ({ tillSaleId, total: { amount: 1840, currency: 'PLN' }, ...extra });
const minutesFromNow = (minutes: number): string => new Date(now().getTime() + minutes * 60_000).toISOString();

describe('till API bounds', () => {
  it('a body over 256 KiB gets a 413 that says why (the connection is not reset), and nothing is recorded', async () => {
    const before = store.counts();
    const big = JSON.stringify(sale('BIG-1', { lines: [{ name: 'x'.repeat(300 * 1024), quantity: 1, total: { amount: 1840, currency: 'PLN' } }] }));
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/v1/sales`,
        { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(big);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringContaining('256 KiB') } });
    expect(store.counts()).toEqual(before);
  });

  it('a broken %-escape in the path is a 400 naming the field', async () => {
    expect(await call('GET', '/v1/sales/%E0%A4%A')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request', message: expect.stringContaining('tillSaleId') } },
    });
    expect(await call('GET', '/v1/members/%ZZ')).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('member code') } } });
  });

  it('refuses more than 500 lines, more than 1,000 items on a line, and a basket worth more stamps than ten full cards', async () => {
    const before = store.counts();
    const line = (quantity: number) => ({ name: 'Latte', quantity, total: { amount: 1840, currency: 'PLN' }, category: 'coffee' });
    expect(await call('POST', '/v1/sales', sale('L-1', { lines: Array.from({ length: 501 }, () => line(1)) }))).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('at most 500 lines') } },
    });
    expect(await call('POST', '/v1/sales', sale('L-2', { lines: [line(1_001)] }))).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('at most 1000 items') } },
    });
    expect(
      await call(
        'POST',
        '/v1/sales',
        sale('L-3', { total: { amount: 100, currency: 'PLN' }, lines: [{ ...line(1_000), total: { amount: 100, currency: 'PLN' } }] }),
      ),
    ).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('ten full cards') } } });
    expect(store.counts()).toEqual(before);
    // A busy office order is still fine.
    expect(
      await call(
        'POST',
        '/v1/sales',
        sale('L-4', { total: { amount: 30_000, currency: 'PLN' }, lines: [{ ...line(20), total: { amount: 30_000, currency: 'PLN' } }] }),
      ),
    ).toMatchObject({ status: 201, json: { stamps: 20 } });
  });

  it('`at` must be within the skew of the kiosk clock: not in the future, not older than the claim window', async () => {
    const before = store.counts();
    expect(await call('POST', '/v1/sales', sale('T-1', { at: '2100-01-01T00:00:00Z' }))).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining("ahead of the kiosk's clock") } },
    });
    expect(await call('POST', '/v1/sales', sale('T-2', { at: minutesFromNow(-8 * 24 * 60) }))).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('more than 7 days ago') } },
    });
    expect(store.counts()).toEqual(before);
    expect((await call('POST', '/v1/sales', sale('T-3', { at: minutesFromNow(2) }))).status).toBe(201);
    expect((await call('POST', '/v1/sales', sale('T-4', { at: minutesFromNow(-3 * 24 * 60) }))).status).toBe(201);
  });

  it('a refund without an amount refunds the rest; a refundId reused with another amount is a 409 and changes nothing', async () => {
    await call('POST', '/v1/sales', sale('R-SALE'));
    expect(await call('POST', '/v1/sales/R-SALE/refunds', { refundId: 'R-1', amount: { amount: 840, currency: 'PLN' } })).toMatchObject({ status: 201 });
    const before = store.counts();
    expect(await call('POST', '/v1/sales/R-SALE/refunds', { refundId: 'R-1', amount: { amount: 500, currency: 'PLN' } })).toMatchObject({
      status: 409,
      json: { error: { code: 'conflict', message: expect.stringContaining('another amount') } },
    });
    expect(store.counts()).toEqual(before);
    // The same retry counts once.
    expect(await call('POST', '/v1/sales/R-SALE/refunds', { refundId: 'R-1', amount: { amount: 840, currency: 'PLN' } })).toMatchObject({ status: 201 });
    const rest = await call('POST', '/v1/sales/R-SALE/refunds', {});
    expect(rest).toMatchObject({
      status: 201,
      json: { amount: { amount: 1000, currency: 'PLN' }, sale: { status: 'refunded', refunded: { amount: 1840, currency: 'PLN' } } },
    });
  });

  it('fuzz: random JSON and random bytes never answer 5xx and never write from a refused body', async () => {
    const jsonBody = fc
      .oneof(
        fc.jsonValue(),
        fc.record(
          {
            tillSaleId: fc.oneof(fc.string(), fc.constant('F-1')),
            total: fc.record({ amount: fc.oneof(fc.integer(), fc.double()), currency: fc.string() }),
            lines: fc.array(fc.record({ name: fc.string(), quantity: fc.integer(), total: fc.jsonValue() }), { maxLength: 3 }),
            at: fc.string(),
          },
          { requiredKeys: [] },
        ),
      )
      .map((v) => JSON.stringify(v));
    const rawBody = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
    const path = fc.constantFrom('/v1/sales', '/v1/sales/F-1/refunds', '/v1/sales/F-1/void', '/v1/sales/%E0%A4%A/refunds');
    await fc.assert(
      fc.asyncProperty(path, fc.oneof(jsonBody, rawBody), async (target, body) => {
        const before = store.counts();
        const res = await fetch(`${api.url}${target}`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(store.counts()).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });
});
