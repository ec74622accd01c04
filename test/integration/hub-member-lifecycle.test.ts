// A member's life after joining, across real parts: a hub on loopback (SQLite, or PostgreSQL in the
// hub-postgres project) and two kiosks (KioskService + SyncClient + SQLite store on disk + till API
// each) syncing over Socket.IO. Points expire on the shop's clock (moved forward here) and every
// kiosk sees the new balance; the owner's erasure reaches both kiosks' replicas and ends the
// member's cookie; the owner's merge leaves one member every kiosk finds by either card code.
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { addMonths } from '../../core/program/clock';
import { demoProgram } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import type { MemberView } from '../../core/till-api';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { startTillApi, type TillApi } from '../../main/till/server';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { Phone, pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const WEDNESDAY = nextWednesdayMorning(new Date());
const running = clockStartingAt(WEDNESDAY);
/** The shop's one clock (hub and kiosks): tests move it forward. */
let shift = 0;
const now = (): Date => new Date(running().getTime() + shift);
const TOKEN = 'members-lifecycle-token-0123456789';

interface Kiosk {
  creds: KioskCredentials;
  store: KioskStore;
  service: KioskService;
  sync: SyncClient;
  till: TillApi;
}

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let a: Kiosk;
let b: Kiosk;

async function kiosk(name: string): Promise<Kiosk> {
  const creds = await pairedKiosk(hub, name);
  const store = openStore({ dir: `${tmp.dir}/${name}`, now });
  const service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url, now });
  const sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
  linkServiceToHub(service, sync);
  const till = await startTillApi({ port: service, token: TOKEN, listenPort: 0 });
  return { creds, store, service, sync, till };
}

async function api(k: Kiosk, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${k.till.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function member(k: Kiosk, codeOrPhone: string): Promise<MemberView | undefined> {
  const res = await api(k, `/v1/members/${encodeURIComponent(codeOrPhone)}`);
  return res.status === 200 ? (res.body as MemberView) : undefined;
}

async function search(k: Kiosk, query: string): Promise<MemberView[]> {
  const res = await api(k, `/v1/members?query=${encodeURIComponent(query)}`);
  expect(res.status).toBe(200);
  return (res.body as { members: MemberView[] }).members;
}

/** The owner's routes with the bearer token (a script; no CSRF token needed, no browser sends it). */
async function owner(path: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${hub.url}${path}`, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: res.status, text: await res.text() };
}

/** A phone joins at kiosk `k`'s counter QR for a sale of `amount`; its hub member id. */
async function phoneJoins(k: Kiosk, tillSaleId: string, amount: number, contact: string, name: string): Promise<{ phone: Phone; id: string }> {
  const { sale } = await k.service.createSale({ tillSaleId, total: { amount, currency: 'PLN' }, at: now().toISOString() });
  const phone = new Phone();
  expect((await phone.join(sale.claimUrl!, contact, name)).status).toBe(303);
  const found = (await hub.store.searchMembers(k.creds.shopNo, name)).find((m) => m.name === name)!;
  return { phone, id: found.id };
}

const expiryRows = async (memberId: string): Promise<number> =>
  Number(
    (
      await hub.store.db
        .selectFrom('ledger')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('member_id', '=', memberId)
        .where('kind', '=', 'expiry')
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  tmp = tempDir('hub-member-lifecycle');
  hub = await testHub(tmp.dir, { now });
  a = await kiosk('till-a');
  b = await kiosk('till-b');
  await until(() => a.sync.connected && b.sync.connected, 'both kiosks online');
});

afterAll(async () => {
  for (const k of [a, b]) {
    k?.sync.stop();
    await k?.till.close();
    k?.store.close();
  }
  await hub?.close();
  tmp?.remove();
});

describe('points expire on the shop clock, once, and every kiosk sees it', () => {
  it('the card says what expires when; a year and a month later the daily job writes them off once', async () => {
    const joinedAt = now();
    const { phone, id } = await phoneJoins(a, 'E-1', 2500, '+48 602 300 400', 'Ewa Expiry');
    const earned = (await hub.store.balance(id)).points;
    expect(earned).toBeGreaterThan(0);
    await until(async () => (await member(b, '602300400'))?.points === earned, 'kiosk B to see her points', 10_000);

    // The phone card: "N punktów wygasa <date>" with the shop's date (Warsaw) of the 12-month expiry.
    const card = await phone.get(`${hub.url}/m`);
    const day = new Intl.DateTimeFormat('pl-PL', { dateStyle: 'long', timeZone: 'Europe/Warsaw' }).format(addMonths(joinedAt, 12));
    const expiring = /<p class="muted" id="expiring">([^<]*)<\/p>/.exec(card.text)?.[1];
    expect(expiring).toContain(`${earned} `);
    expect(expiring).toContain(day);

    // Nothing is due yet: running the job changes nothing.
    expect((await hub.expirePoints()).points).toBe(0);
    expect(await expiryRows(id)).toBe(0);

    shift = addMonths(joinedAt, 13).getTime() - joinedAt.getTime();
    const first = await hub.expirePoints();
    const second = await hub.expirePoints();
    expect(first).toEqual({ members: 1, points: earned });
    expect(second).toEqual({ members: 0, points: 0 });
    expect(await expiryRows(id)).toBe(1);
    expect((await hub.store.balance(id)).points).toBe(0);
    await until(async () => (await member(b, '602300400'))?.points === 0, 'kiosk B to see the points expired', 10_000);
    expect((await member(a, '+48602300400'))?.points).toBe(0);
    expect((await phone.get(`${hub.url}/m`)).text).not.toContain('id="expiring"');
  });
});

describe("erasure reaches every kiosk and ends the member's sessions", () => {
  it('a member who joined by phone: both kiosks forget her (offline too) and her cookie opens nothing', async () => {
    const { phone, id } = await phoneJoins(a, 'G-1', 1840, '+48 603 400 500', 'Greta Gdpr');
    await until(async () => (await search(b, 'greta')).length === 1, 'kiosk B to know Greta', 10_000);
    const code = (await member(b, '603400500'))!.code;
    expect((await phone.get(`${hub.url}/m`)).status).toBe(200);

    expect((await owner(`/owner/members/${encodeURIComponent(id)}/erase`, { confirm: 'ERASE' })).status).toBe(303);
    await until(async () => (await search(b, 'greta')).length === 0, 'kiosk B to forget Greta', 10_000);
    await until(async () => (await search(a, 'greta')).length === 0, 'kiosk A to forget Greta', 10_000);
    for (const k of [a, b]) {
      expect(await member(k, '603400500')).toBeUndefined();
      expect(await member(k, code)).toBeUndefined();
    }
    // The replica on disk holds no trace of her personal data.
    expect(b.store.getMember(id)).toMatchObject({ name: null, phone: null, email: null });
    // The signed cookie still verifies, but it no longer opens the card.
    const card = await phone.get(`${hub.url}/m`);
    expect(card.status).toBe(401);
    expect(card.text).not.toContain('Greta');
  });

  it('a member enrolled at a till (an id with ":") can be exported and erased by the owner', async () => {
    const enrolled = await api(a, '/v1/members', { method: 'POST', body: { contact: 'tilda@example.com', name: 'Tilda Till' } });
    expect(enrolled.status).toBe(201);
    await until(async () => (await hub.store.searchMembers(a.creds.shopNo, 'Tilda')).length === 1, 'the hub to know Tilda');
    const id = (await hub.store.searchMembers(a.creds.shopNo, 'Tilda'))[0]!.id;
    expect(id).toContain(':');
    await until(async () => (await search(b, 'tilda')).length === 1, 'kiosk B to know Tilda', 10_000);

    const exported = await owner(`/owner/members/${encodeURIComponent(id)}/export.json`);
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.text)).toMatchObject({ member: { id, name: 'Tilda Till', email: 'tilda@example.com' } });
    expect((await owner(`/owner/members/${encodeURIComponent(id)}`)).status).toBe(200);

    expect((await owner(`/owner/members/${encodeURIComponent(id)}/erase`, { confirm: 'ERASE' })).status).toBe(303);
    await until(async () => (await search(b, 'tilda')).length === 0, 'kiosk B to forget Tilda', 10_000);
    await until(async () => (await search(a, 'tilda')).length === 0, 'kiosk A to forget Tilda', 10_000);
    expect(await member(a, 'tilda@example.com')).toBeUndefined();
    expect(JSON.parse((await owner(`/owner/members/${encodeURIComponent(id)}/export.json`)).text)).toMatchObject({ member: { id, name: null, email: null } });
    // A path segment that is no member id the hub or a kiosk mints fails the route's schema, and reads nothing.
    const malformed = await owner(`/owner/members/${encodeURIComponent('a:b:c')}/export.json`);
    expect(malformed.status).toBe(400);
    expect(malformed.text).not.toContain('Tilda');
  });
});

describe('the owner merges a duplicate: one member, found at every kiosk by either code', () => {
  it('points add up, both card codes and the old cookie lead to the survivor, later sales with the old code land there', async () => {
    const survivor = await phoneJoins(a, 'M-1', 1840, '+48 604 500 600', 'Marek Merge');
    const duplicate = await phoneJoins(b, 'M-2', 3000, '+48 605 600 700', 'Marek M');
    await until(async () => (await search(b, 'marek')).length === 2 && (await search(a, 'marek')).length === 2, 'both kiosks to know both', 10_000);
    const survivorCode = (await member(b, '604500600'))!.code;
    const duplicateCode = (await member(a, '605600700'))!.code;
    const sum = (await hub.store.balance(survivor.id)).points + (await hub.store.balance(duplicate.id)).points;
    const duplicateNo = (await hub.store.member(duplicate.id))!.no;

    const before = await owner(`/owner/members/${encodeURIComponent(survivor.id)}`);
    expect(before.text).toMatch(/<form (?=[^>]*method="post")(?=[^>]*action="[^"]+\/merge")[^>]*id="merge"[^>]*>/);
    // Styles come from the owner's stylesheet only (the CSP has no 'unsafe-inline').
    expect(before.text).not.toMatch(/<style>|\sstyle="/);
    const merged = await owner(`/owner/members/${encodeURIComponent(survivor.id)}/merge`, { other: `#${duplicateNo}` });
    expect(merged.status).toBe(303);
    expect((await hub.store.balance(survivor.id)).points).toBe(sum);

    for (const k of [a, b]) {
      await until(async () => (await member(k, duplicateCode))?.code === survivorCode, 'the kiosk to lead the old code to the survivor', 10_000);
      await until(async () => (await member(k, survivorCode))?.points === sum, 'the kiosk to see the summed balance', 10_000);
      expect(await member(k, duplicateCode)).toEqual(await member(k, survivorCode));
      // The survivor keeps its own phone number (one per member); the duplicate's is not kept.
      expect((await member(k, '604500600'))?.code).toBe(survivorCode);
      expect(await member(k, '605600700')).toBeUndefined();
      expect((await search(k, 'marek')).map((m) => m.code)).toEqual([survivorCode]);
    }
    // The duplicate's phone cookie opens the survivor's card, with the survivor's own code for staff to scan.
    const card = await duplicate.phone.get(`${hub.url}/m`);
    expect(card.status).toBe(200);
    expect(/id="balance">(\d+)</.exec(card.text)?.[1]).toBe(String(sum));
    const shownCode = /id="member-code">([^<]+)</.exec(card.text)?.[1];
    expect(shownCode).toBeDefined();
    expect(card.text).toContain(await QRCode.toString(shownCode!, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    for (const k of [a, b]) expect((await member(k, shownCode!))?.code).toBe(survivorCode);

    // A till sale at A with the old code is the survivor's, at the kiosk and on the hub.
    const sale = await api(a, '/v1/sales', {
      method: 'POST',
      body: { tillSaleId: 'M-3', total: { amount: 1000, currency: 'PLN' }, memberCode: duplicateCode },
    });
    expect(sale.status).toBe(201);
    const earned = (sale.body as { points: number }).points;
    expect(earned).toBeGreaterThan(0);
    await until(async () => (await hub.store.balance(survivor.id)).points === sum + earned, 'the hub to credit the survivor', 10_000);
    expect((await hub.store.balance(duplicate.id)).points).toBe(0);

    // An old link to the duplicate's page shows the survivor.
    const oldLink = await owner(`/owner/members/${encodeURIComponent(duplicate.id)}`);
    expect(oldLink.status).toBe(200);
    expect(oldLink.text).toContain(`/owner/members/${encodeURIComponent(survivor.id)}/merge`);

    // Merging again, or merging a member into itself, is refused with the reason and changes nothing.
    const again = await owner(`/owner/members/${encodeURIComponent(survivor.id)}/merge`, { other: String(duplicateNo) });
    expect(again.status).toBe(400);
    expect(again.text).toContain('already merged');
    expect((await hub.store.balance(survivor.id)).points).toBe(sum + earned);
  });
});
