// Voids and refunds reach the hub: an unclaimed sale's QR pays nothing after a void or full refund
// and only what is left after a partial one; a claimed sale's reversal takes the points back on the
// hub. Real parts: the kiosk store on disk, KioskService, the sync client, the hub on loopback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Hub } from '../../cloud/hub';
import { DEMO_PROGRAM_DOCUMENT, demoProgram } from '../../core/program/demo';
import type { ClaimAccepted, KioskCredentials } from '../../core/sync-protocol';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { joinProven, Phone, pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';

// A Wednesday in Warsaw: no "x2 Tuesday". 25.50 zł with two coffees: 25 points, 2 stamps.
const WEDNESDAY = nextWednesdayMorning(new Date());
/** The one clock of this file's hub, kiosk and sync client: it starts on that Wednesday. */
const now = clockStartingAt(WEDNESDAY);
const REFUNDED_PL = 'Te zakupy zostały zwrócone lub anulowane, więc nie ma za nie punktów do odebrania.';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient;
const thanks: ClaimAccepted[] = [];

beforeEach(async () => {
  tmp = tempDir('hub-reversal');
  hub = await testHub(tmp.dir, { now });
  creds = await pairedKiosk(hub);
  store = openStore({ now: now, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url, now });
  sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
  linkServiceToHub(service, sync);
  service.on('claimAccepted', (claim) => thanks.push(claim));
  thanks.length = 0;
});

afterEach(async () => {
  sync.stop();
  store.close();
  await hub.close();
  tmp.remove();
});

async function sale(tillSaleId: string, amount = 2550) {
  const { sale: view } = await service.createSale({
    tillSaleId,
    total: { amount, currency: 'PLN' },
    at: WEDNESDAY,
    lines: [{ name: 'Latte', quantity: 2, total: { amount, currency: 'PLN' }, category: 'coffee' }],
  });
  expect(view).toMatchObject({ points: 25, stamps: 2, status: 'open' });
  return view;
}

const drained = (): Promise<void> => until(() => store.pendingOutbox(10).length === 0, 'kiosk outbox to drain');
/** A count query on the hub's database, the same SQL on both engines (PostgreSQL's count is a bigint string). */
const hubCount = async (text: string): Promise<number> => Number((await sql.raw<{ n: unknown }>(text).execute(hub.store.db)).rows[0]!.n);

describe('a reversed sale on the hub', () => {
  it('a voided unclaimed sale: its QR is refused in the phone language and nothing is written; the kiosk sent saleReversed', async () => {
    const view = await sale('V-1');
    await service.voidSale('V-1');
    expect(store.pendingOutbox(10).map((m) => m.topic)).toContain('saleReversed');
    await drained();
    expect(await hub.store.saleReversal(view.saleId)).toEqual({ total: 2550, refunded: 2550, full: true });

    const phone = new Phone('pl-PL');
    const page = await phone.get(view.claimUrl!);
    expect(page.status).toBe(410);
    expect(page.text).toContain(REFUNDED_PL);
    const posted = await phone.join(view.claimUrl!, '+48 600 100 300', 'Ola');
    expect(posted.status).toBe(410);
    await expect(new Phone('de-DE').get(view.claimUrl!)).resolves.toMatchObject({ text: expect.stringContaining('erstattet oder storniert') });
    // A staff scan of the receipt is refused too.
    const member = await hub.store.joinMember(1, { name: 'Ewa', phone: '+48600100400', email: null, consentAt: null, consentText: null }, now());
    const token = view.claimUrl!.split('/C/')[1]!;
    await until(() => sync.connected, 'kiosk online');
    expect(await sync.claimSale(token, member.id)).toMatchObject({
      ok: false,
      reason: 'sale-refunded',
      message: expect.stringContaining('refunded or cancelled'),
    });
    expect({
      claims: await hubCount('SELECT count(*) AS n FROM claims'),
      ledger: await hub.store.ledgerCount(),
      members: await hubCount('SELECT count(*) AS n FROM members'),
    }).toEqual({ claims: 0, ledger: 0, members: 1 });
  });

  it('a partly refunded unclaimed sale pays what is left, pro rata with floor; a full refund after it closes the QR', async () => {
    const view = await sale('P-1');
    await service.refundSale('P-1', { amount: { amount: 1000, currency: 'PLN' }, refundId: 'r1' });
    await drained();
    expect(await hub.store.saleReversal(view.saleId)).toEqual({ total: 2550, refunded: 1000, full: false });
    // 25 − floor(25 × 1000 / 2550) = 25 − 9 = 16 points; 2 − floor(2 × 1000 / 2550) = 2 stamps.
    const phone = new Phone('en-GB');
    expect((await phone.get(view.claimUrl!)).text).toContain('16 points for your purchase');

    const other = await sale('P-2');
    await service.refundSale('P-2', { amount: { amount: 1000, currency: 'PLN' }, refundId: 'r1' });
    await service.refundSale('P-2', { amount: { amount: 1550, currency: 'PLN' }, refundId: 'r2' });
    await drained();
    expect(await hub.store.saleReversal(other.saleId)).toMatchObject({ refunded: 2550, full: true });
    expect((await phone.get(other.claimUrl!)).status).toBe(410);

    const joined = await phone.join(view.claimUrl!, 'kim@example.com', 'Kim');
    expect(joined.location).toMatch(/^\/m\?claimed=K\d+-S\d+$/);
    await until(() => thanks.length === 1, 'thank-you on the kiosk');
    // Kim's welcome bonus waits for the code sent to her (test/security/hub-join.test.ts): the sale's points only.
    expect(thanks[0]).toMatchObject({ points: 16, stamps: 2, balance: { points: 16, stamps: 2 } });
    expect((await phone.get(`${hub.url}/m`)).text).toMatch(/id="balance">16</);
  });

  it('a claimed sale voided at the kiosk (KioskService.voidSale): the reversal reaches the hub and the card shows the balance back', async () => {
    const view = await sale('C-1');
    const phone = new Phone('pl-PL');
    // Her welcome bonus waits for the code sent to her number: the sale's points only.
    expect((await phone.join(view.claimUrl!, '+48 600 100 500', 'Anna')).status).toBe(303);
    await until(() => thanks.length === 1 && service.getSaleById(view.saleId)?.status === 'claimed', 'claim on the kiosk');
    const memberId = thanks[0]!.member.id;
    expect(await hub.store.balance(memberId)).toMatchObject({ points: 25, stamps: 2 });
    expect((await phone.get(`${hub.url}/m`)).text).toMatch(/id="balance">25</);

    const refund = await service.voidSale('C-1');
    expect(refund).toMatchObject({ pointsReversed: 25, stampsReversed: 2 });
    // Claimed at the kiosk: the reversal entries travel as ledgerAppended, no saleReversed.
    const topics = store.pendingOutbox(10).map((m) => m.topic);
    expect(topics).toContain('ledgerAppended');
    expect(topics).not.toContain('saleReversed');
    await drained();
    expect(await hub.store.saleReversal(view.saleId)).toBeUndefined();
    expect(await hub.store.balance(memberId)).toMatchObject({ points: 0, stamps: 0 });
    const card = await phone.get(`${hub.url}/m`);
    expect(card.text).toMatch(/id="balance">0</);
    expect(card.text).toMatch(/id="stamps">0</);
    expect(card.text).toContain('Jeszcze 9 pieczątek do: Free coffee');
    // The QR stays taken.
    const again = await phone.post(view.claimUrl!, { mode: 'member' });
    expect(again.status).toBe(409);
    // The claim's base entry and its stamps entry, each reversed once.
    expect(await hub.store.ledgerCount()).toBe(4);
  });
});

describe('welcome bonus for a phone join', () => {
  it('is paid once, to a member who joined with a claim and proved the contact, as welcome:<memberId> on no sale; not with a program without a welcome rule', async () => {
    const phone = new Phone('cs-CZ');
    const first = await sale('W-1');
    const joined = await joinProven(hub, phone, first.claimUrl!, 'jana@example.cz', 'Jana', now());
    expect(joined.location).toMatch(/^\/m\?claimed=K\d+-S\d+$/);
    const card = await phone.get(`${hub.url}${joined.location!}`);
    expect(card.text).toMatch(/id="balance">75</);
    await until(() => thanks.length === 1, 'thank-you');
    const memberId = thanks[0]!.member.id;
    // The sale's thank-you carries the claim; the bonus rewards the proven contact, on no sale (a refund does not take it back).
    expect(thanks[0]!.entries.map((e) => [e.id, e.kind, e.points, e.reason.code])).toEqual([
      [`claim:${first.saleId}`, 'earn', 25, 'base'],
      [`claim:${first.saleId}:1`, 'earn', 0, 'stamps'],
    ]);
    expect((await hub.store.entries(memberId)).filter((e) => e.reason.code === 'welcome').map((e) => [e.id, e.points, e.saleId])).toEqual([
      [`welcome:${memberId}`, 50, null],
    ]);

    // The same e-mail typed again on another phone: the sale goes to Jana's card, no second bonus, and no
    // session on that phone (typing a contact proves nothing: test/security/hub-phone-owner.test.ts).
    const second = await sale('W-2');
    const again = await joinProven(hub, new Phone('cs-CZ'), second.claimUrl!, 'jana@example.cz', 'Jana', now());
    expect([again.status, again.location]).toEqual([200, null]);
    expect((await hub.store.balance(memberId)).points).toBe(100);
    expect(await hubCount("SELECT count(*) AS n FROM ledger WHERE kind = 'bonus'")).toBe(1);

    // The owner's program without a welcome rule: a new member gets the sale's points only.
    await hub.store.setProgram(1, { ...DEMO_PROGRAM_DOCUMENT, rules: DEMO_PROGRAM_DOCUMENT.rules.filter((r) => r.type !== 'welcome') });
    const third = await sale('W-3');
    expect((await joinProven(hub, new Phone('de-DE'), third.claimUrl!, 'max@example.de', 'Max', now())).location).toMatch(/^\/m\?claimed=K\d+-S\d+$/);
    expect(await hubCount("SELECT count(*) AS n FROM ledger WHERE kind = 'bonus'")).toBe(1);
    // A bad program document is refused and changes nothing.
    await expect(hub.store.setProgram(1, { ...DEMO_PROGRAM_DOCUMENT, currency: 'XXX' })).rejects.toThrow(/currency/);
    expect((await hub.store.shop(1))!.program.rules.some((r) => r.type === 'welcome')).toBe(false);
  });
});

describe('a claim the hub accepted while the kiosk was offline, and the kiosk voided the sale meanwhile', () => {
  it('the hub takes the points back when the saleReversed arrives; the kiosk takes the late thank-you without failing', async () => {
    const view = await sale('R-1');
    sync.stop();
    const phone = new Phone('pl-PL');
    const joined = await phone.join(view.claimUrl!, '+48 600 100 600', 'Basia');
    expect(joined.location).toMatch(/^\/m\?claimed=K\d+-S\d+$/);
    const memberId = (await hub.store.memberByContact(1, { phone: '+48600100600', email: null }))!.id;
    expect((await hub.store.balance(memberId)).points).toBe(25);

    await service.voidSale('R-1'); // offline: the kiosk does not know of the claim
    expect(
      store
        .pendingOutbox(10)
        .map((m) => m.topic)
        .at(-1),
    ).toBe('saleReversed');
    sync.start();
    await drained();
    await until(async () => thanks.length === 1 && (await hub.store.pendingDeliveries(creds.kioskNo)).length === 0, 'late thank-you');
    // Full void: the sale's points and stamps are reversed by the core rules, once each (her welcome bonus was never paid: no code).
    expect(await hub.store.balance(memberId)).toMatchObject({ points: 0, stamps: 0 });
    expect(await hubCount("SELECT count(*) AS n FROM ledger WHERE kind = 'reversal'")).toBe(2);
    expect((await phone.get(`${hub.url}/m`)).text).toMatch(/id="balance">0</);
    expect(service.getSaleById(view.saleId)?.status).toBe('voided');
    // The kiosk took the late claim back itself, with the hub's ids: both ledgers agree.
    const kioskIds = store
      .entriesForMember(memberId)
      .map((e) => e.id)
      .sort();
    const hubIds = (await hub.store.entries(memberId)).map((e) => e.id).sort();
    expect(kioskIds).toEqual(hubIds);
    expect(kioskIds.filter((id) => id.startsWith('reversal:'))).toEqual([`reversal:${view.saleId}:2550:0`, `reversal:${view.saleId}:2550:1`]);
    expect(store.balance(memberId)).toMatchObject({ points: 0, stamps: 0 });
    // The same thank-you delivered again changes nothing.
    service.applyClaimAccepted(thanks[0]!);
    expect(store.entriesForMember(memberId)).toHaveLength(4);
  });
});

describe('the shop program on the hub', () => {
  it('the owner reads and replaces it over HTTP; a bad document is refused with field paths and changes nothing', async () => {
    const auth = { authorization: `Bearer ${hub.ownerToken}` };
    const got = await fetch(`${hub.url}/owner/program`, { headers: auth });
    expect(await got.json()).toMatchObject({ name: 'Kawiarnia Pod Lipą', rewards: [{ id: 'free-coffee' }, { id: 'ten-off' }, { id: 'five-zl' }] });
    const bad = await fetch(`${hub.url}/owner/program`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({
        ...DEMO_PROGRAM_DOCUMENT,
        rewards: [{ kind: 'freeProduct', id: 'x', name: 'Tea', product: 'tea', cost: { stamps: 5, card: 'tea-card' } }],
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ issues: [{ path: 'rewards.0.cost.card', message: 'no stamps rule with id "tea-card"' }] });
    expect((await fetch(`${hub.url}/owner/program`, { method: 'PUT', body: '{}' })).status).toBe(401);
    expect((await hub.store.shop(1))!.program.rewards).toHaveLength(3);

    const smaller = {
      ...DEMO_PROGRAM_DOCUMENT,
      rewards: [{ kind: 'freeProduct', id: 'free-coffee', name: 'Darmowa kawa', product: 'coffee', cost: { stamps: 5, card: 'coffee-card' } }],
    };
    const ok = await fetch(`${hub.url}/owner/program`, { method: 'PUT', headers: auth, body: JSON.stringify(smaller) });
    expect(ok.status).toBe(200);
    // The member card follows the new program at once.
    const view = await sale('O-1');
    const phone = new Phone('pl-PL');
    const joined = await phone.join(view.claimUrl!, '+48 600 100 700', 'Ola');
    const card = await phone.get(`${hub.url}${joined.location!}`);
    expect(card.text).toContain('Jeszcze 3 pieczątki do: Darmowa kawa');
    expect(card.text).not.toContain('10% off');
  });

  it('a SQLite hub file from before the Kysely store is refused with what to do, and left untouched', async () => {
    // SQLite only (also in the PostgreSQL run): the old hub wrote only SQLite files.
    const old = tempDir('hub-old');
    try {
      const Database = (await import('better-sqlite3')).default;
      const { mkdirSync } = await import('node:fs');
      mkdirSync(`${old.dir}/hub`);
      const db = new Database(`${old.dir}/hub/hub.sqlite`);
      db.exec("CREATE TABLE ledger (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, points INTEGER NOT NULL); INSERT INTO ledger VALUES ('e-1', 'm-1', 5)");
      db.pragma('user_version = 3');
      db.close();
      await expect(testHub(old.dir, { databaseUrl: undefined })).rejects.toThrow(/written by an older hub \(schema version 3.*move it away/);
      const after = new Database(`${old.dir}/hub/hub.sqlite`, { readonly: true });
      expect(after.pragma('user_version', { simple: true })).toBe(3);
      expect(after.prepare('SELECT name FROM sqlite_master ORDER BY name').all()).toEqual([{ name: 'ledger' }, { name: 'sqlite_autoindex_ledger_1' }]);
      after.close();
    } finally {
      old.remove();
    }
  });
});
