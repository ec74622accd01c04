// The till API end to end with real parts: the kiosk store on disk, the sale service, the HTTP API,
// a hub on loopback with a paired kiosk syncing, and a phone claiming a sale's QR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskCredentials } from '../../core/sync-protocol';
import { demoProgram } from '../../core/program/demo';
import { stampsByCard } from '../../core/ledger/projections';
import type { LedgerEntry } from '../../core/ledger/entry';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { startTillApi, type TillApi } from '../../main/till/server';
import { pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';

const TOKEN = 'till-token-0123456789abcdef';
// A Wednesday in Warsaw: no "x2 Tuesday".
const WEDNESDAY = nextWednesdayMorning(new Date());
/** The one clock of this file's hub, kiosk and sync client: it starts on that Wednesday. */
const now = clockStartingAt(WEDNESDAY);

let temp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let api: TillApi;
let sync: SyncClient;

async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function sale(tillSaleId: string, amount: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { tillSaleId, total: { amount, currency: 'PLN' }, at: WEDNESDAY, ...extra };
}

beforeAll(async () => {
  temp = tempDir('till');
  hub = await testHub(temp.dir, { now });
  creds = await pairedKiosk(hub);
  store = openStore({ now: now, dir: `${temp.dir}/kiosk`, maxSaleAmount: { PLN: 500_000 } });
  service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url, ceilings: { PLN: 500_000 }, now });
  api = await startTillApi({ port: service, token: TOKEN, listenPort: 0 });
  sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, now }).start();
  linkServiceToHub(service, sync);
  store.createMember({
    id: 'member-ewa',
    code: 'MEWA0001',
    name: 'Ewa',
    phone: '+48600100200',
    consentAt: WEDNESDAY,
    consentText: 'privacy-v1',
    locale: 'pl',
    createdAt: new Date(Date.parse(WEDNESDAY) - 300 * 86_400_000).toISOString(),
  });
});

afterAll(async () => {
  sync?.stop();
  await api?.close();
  store?.close();
  await hub?.close();
  temp?.remove();
});

describe('till API', () => {
  it('records a sale with its points and a claim URL, and a retry counts once', async () => {
    const first = await call('POST', '/v1/sales', sale('A-1001', 1840));
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ tillSaleId: 'A-1001', points: 18, status: 'open' });
    expect(String(first.json.claimUrl)).toMatch(/^HTTP:\/\/127\.0\.0\.1:\d+\/C\/[A-Z2-7]+$/);

    const retry = await call('POST', '/v1/sales', sale('A-1001', 1840));
    expect(retry.status).toBe(200);
    expect(retry.json.saleId).toBe(first.json.saleId);
    expect(store.counts().sales).toBe(1);
    // The retry (and a later look-up) answers the same earned lines as the first answer, not [].
    expect(first.json.earned).toEqual([{ points: 18, stamps: 0, reason: expect.stringMatching(/^\+18/) }]);
    expect(retry.json.earned).toEqual(first.json.earned);

    const got = await call('GET', '/v1/sales/A-1001');
    expect(got.json).toMatchObject({ saleId: first.json.saleId, points: 18 });
    expect(got.json.earned).toEqual(first.json.earned);
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    // Settled first: the sale of the test before reaches the hub while this one runs otherwise.
    await until(() => store.counts().outboxPending === 0, 'the outbox to drain');
    const before = store.counts();
    const cases: Array<[string, string, unknown, number, RegExp, string?]> = [
      ['POST', '/v1/sales', '{"tillSaleId": "A-2",', 400, /malformed JSON/],
      ['POST', '/v1/sales', sale('A-2', 18.4), 400, /total\.amount: amount must be an integer/],
      ['POST', '/v1/sales', { tillSaleId: 'A-2', total: { amount: 1840, currency: 'XYZ' } }, 400, /unknown currency "XYZ"/],
      ['POST', '/v1/sales', sale('A-2', 0), 400, /more than zero|positive/],
      ['POST', '/v1/sales', sale('A-2', -5), 400, /more than zero|positive/],
      ['POST', '/v1/sales', sale('A-2', 900_000), 422, /ceiling|over/i],
      ['POST', '/v1/sales', { tillSaleId: 'A-2', total: { amount: 1840, currency: 'EUR' } }, 400, /counts in PLN/],
      ['POST', '/v1/sales', sale('A-1001', 9999), 409, /already recorded with another total/],
      ['POST', '/v1/sales', sale('A-2', 1840, { memberCode: 'MNOBODY1' }), 404, /no member with code/],
      ['POST', '/v1/sales', sale('A-2', 1840, { extra: true }), 400, /Unrecognized key|extra/],
      ['POST', '/v1/sales', sale('A-2', 1840), 401, /bearer token/, 'wrong-token-0123456789'],
      ['POST', '/v1/sales/NOPE/refunds', {}, 404, /no sale with tillSaleId "NOPE"/],
      ['POST', '/v1/sales/A-1001/refunds', { refundId: 'R-1', amount: { amount: 5000, currency: 'PLN' } }, 422, /more than the 1840 left/],
      ['POST', '/v1/sales/A-1001/refunds', { amount: { amount: 100, currency: 'PLN' } }, 400, /refundId: required for a partial refund/],
      ['GET', '/v1/members/MNOBODY1', undefined, 404, /no member/],
    ];
    for (const [method, path, body, status, message, token] of cases) {
      const res = await call(method, path, body, token);
      expect({ path, body, status: res.status }).toEqual({ path, body, status });
      expect((res.json.error as { message: string }).message).toMatch(message);
    }
    expect(store.counts()).toEqual(before);
  });

  it('credits a member attached by code, and a partial refund then a void take the points back exactly', async () => {
    const created = await call('POST', '/v1/sales', sale('B-1', 4000, { memberCode: 'MEWA0001' }));
    expect(created.status).toBe(201);
    // 40 points, plus the welcome bonus of a first purchase.
    expect(created.json.points).toBe(90);
    expect((await call('GET', '/v1/members/MEWA0001')).json).toMatchObject({ name: 'Ewa', points: 90 });

    const half = await call('POST', '/v1/sales/B-1/refunds', { refundId: 'R-B1', amount: { amount: 2000, currency: 'PLN' } });
    expect(half.status).toBe(201);
    expect(half.json).toMatchObject({ pointsReversed: 20, pointsNotRecovered: 0 });
    const again = await call('POST', '/v1/sales/B-1/refunds', { refundId: 'R-B1', amount: { amount: 2000, currency: 'PLN' } });
    expect(again.json.refundId).toBe(half.json.refundId);
    expect((await call('GET', '/v1/members/MEWA0001')).json.points).toBe(70);

    const voided = await call('POST', '/v1/sales/B-1/void');
    expect(voided.status).toBe(201);
    expect(voided.json).toMatchObject({ pointsReversed: 70 });
    expect((await call('GET', '/v1/members/MEWA0001')).json.points).toBe(0);
    expect((await call('GET', '/v1/sales/B-1')).json.status).toBe('voided');
    expect((await call('POST', '/v1/sales/B-1/void')).status).toBe(201);
    expect(store.balance('member-ewa').points).toBe(0);
  });

  it('a phone claims the QR on the hub and the kiosk gets the thank-you and the entries', async () => {
    const thanks = new Promise<{ name: string | null; points: number }>((resolve) => {
      service.once('claimAccepted', (claim) => resolve({ name: claim.member.name, points: claim.points }));
    });
    const created = await call('POST', '/v1/sales', sale('C-1', 2550));
    const phone = new Phone();
    const joined = await phone.join(String(created.json.claimUrl), 'anna@example.com', 'Anna');
    expect(joined.status).toBeLessThan(400);
    await expect(thanks).resolves.toEqual({ name: 'Anna', points: 25 });
    expect((await call('GET', '/v1/sales/C-1')).json).toMatchObject({ status: 'claimed', claimUrl: null });
    // The claim; the welcome bonus waits for the code sent to her contact and then names no sale (test/security/hub-join.test.ts).
    expect(
      store
        .entriesForSale(String(created.json.saleId))
        .map((e) => e.reason.code)
        .sort(),
    ).toEqual(['base']);
  });

  it('publishes an OpenAPI document made from the request schemas, and health without a token', async () => {
    const doc = (await fetch(`${api.url}/v1/openapi.json`).then((r) => r.json())) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/sales', '/v1/sales/{tillSaleId}/refunds', '/v1/members/{code}']));
    expect(JSON.stringify(doc.paths['/v1/sales'])).toContain('"tillSaleId"');
    const health = (await fetch(`${api.url}/v1/health`).then((r) => r.json())) as { status: string };
    expect(health.status).toMatch(/ok|degraded/);
  });

  it('the OpenAPI document is generated from the routes the server serves: each documented operation exists and is guarded as documented', async () => {
    type Operation = { security?: unknown[]; parameters?: Array<{ in: string; name: string }> };
    const doc = (await fetch(`${api.url}/v1/openapi.json`).then((r) => r.json())) as {
      security: unknown[];
      paths: Record<string, Record<string, Operation>>;
    };
    expect(doc.security).toEqual([{ bearer: [] }]);
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual(
      expect.arrayContaining(['GET /v1/sales', 'GET /v1/sales/{tillSaleId}', 'POST /v1/sales/{tillSaleId}/void', 'POST /v1/vouchers/{code}/redeem']),
    );
    const before = store.counts();
    for (const { path, method, op } of operations) {
      const url = path.replace(/\{[^}]+\}/g, 'NO-SUCH-THING');
      const res = await fetch(`${api.url}${url}`, { method: method.toUpperCase() });
      const open = Array.isArray(op.security) && op.security.length === 0;
      // Without a token a guarded route answers 401 (an undeclared one would too, so the open ones below prove the list is the server's).
      expect({ path, method, status: res.status }).toEqual({ path, method, status: open ? 200 : 401 });
      // With the token no documented operation is unknown to the router (its 404s name a sale, member or reward, not a route).
      const authed = await fetch(`${api.url}${url}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${TOKEN}` } });
      if (authed.status === 404) expect(((await authed.json()) as { error: { message: string } }).error.message).not.toMatch(/^no route/);
    }
    expect(store.counts()).toEqual(before);
    // The path parameters the document names are the ones the routes take.
    expect(doc.paths['/v1/sales/{tillSaleId}']!.get!.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'tillSaleId' })]);
    expect(doc.paths['/v1/sales']!.get!.parameters!.map((p) => p.name)).toEqual(['since', 'limit', 'cursor']);
  });
});

describe('stamp cards by category', () => {
  it('a till sale with lines of two categories fills two cards: claimed by phone on the hub, with a member at the till, by a staff scan', async () => {
    // The owner publishes a bread card beside the coffee card (from now); the kiosk gets it over sync. The sales are rung now.
    const demo = demoProgram();
    const document = {
      ...demo,
      rules: [...demo.rules, { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' }],
    };
    const put = await fetch(`${hub.url}/owner/program`, {
      method: 'PUT',
      body: JSON.stringify(document),
      headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/json' },
    });
    expect(put.status).toBe(200);
    await until(() => service.program.rules.some((r) => r.id === 'bread-card'), 'the new program at the kiosk');
    const lines = [
      { name: 'Latte', quantity: 2, total: { amount: 1800, currency: 'PLN' }, category: 'coffee' },
      { name: 'Chleb żytni', quantity: 1, total: { amount: 1240, currency: 'PLN' }, category: 'bread' },
    ];
    const cards = { 'coffee-card': 2, 'bread-card': 1 };

    // Rung without a member, its QR claimed by phone: the hub stamps the cards the sale reported.
    const created = await call('POST', '/v1/sales', sale('D-1', 3040, { lines, at: now().toISOString() }));
    expect(created.status).toBe(201);
    expect(created.json.stamps).toBe(3);
    await until(
      async () =>
        (await hub.store.db.selectFrom('sales').select('stamps_by_card').where('id', '=', String(created.json.saleId)).executeTakeFirst()) !== undefined,
      'the sale at the hub',
    );
    const row = await hub.store.db
      .selectFrom('sales')
      .select(['points', 'stamps', 'stamps_by_card'])
      .where('id', '=', String(created.json.saleId))
      .executeTakeFirstOrThrow();
    expect({ ...row, stamps_by_card: JSON.parse(row.stamps_by_card!) as unknown }).toEqual({ points: 30, stamps: 3, stamps_by_card: cards });
    const phone = new Phone();
    expect((await phone.join(String(created.json.claimUrl), 'jan@example.com', 'Jan')).status).toBeLessThan(400);
    const claimed = (await hub.store.claimOf(String(created.json.saleId)))!;
    const onSale = (entries: readonly LedgerEntry[], saleId: unknown) => stampsByCard(entries.filter((e) => e.saleId === saleId));
    expect(onSale(await hub.store.entries(claimed.memberId), created.json.saleId)).toEqual(cards);

    // With a member at the till: the sale's own lines stamp both cards.
    const withMember = await call('POST', '/v1/sales', sale('D-2', 3040, { lines, memberCode: 'MEWA0001', at: now().toISOString() }));
    expect(withMember.status).toBe(201);
    expect(onSale(store.entriesForMember('member-ewa'), withMember.json.saleId)).toEqual(cards);

    // Rung without a member, then staff attach Jan (known to this kiosk from the hub's directory): the hub decides, same cards.
    await until(() => store.getMember(claimed.memberId) !== undefined, "Jan in the kiosk's replica");
    const third = await call('POST', '/v1/sales', sale('D-3', 3040, { lines, at: now().toISOString() }));
    await until(() => store.counts().outboxPending === 0, 'the sale reported to the hub');
    const staff = await service.attachMemberToSale(String(third.json.saleId), claimed.memberId, sync);
    expect(staff.stamps).toBe(3);
    expect(onSale(await hub.store.entries(claimed.memberId), third.json.saleId)).toEqual(cards);
  });
});
