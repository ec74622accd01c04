// Staff claims with the hub down (KioskService.claimSaleOffline): written on the kiosk at once, sent
// as saleClaimed when the hub is back, exactly once in effect; a phone that claimed the same QR on the
// hub first wins, and the kiosk takes its own claim back with the hub's rows (claimRefused).
// Real parts: the hub on loopback (stopped and restarted on the same port), the kiosk store on disk,
// KioskService, SyncClient.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { memberCodeFor } from '../../core/codes';
import { claimEntryId, refusedClaimNotice, refusedClaimReversalId } from '../../core/claims';
import { formatMessage } from '../../core/i18n/catalog';
import { negate } from '../../core/ledger/entry';
import { scanMessages } from '../../core/i18n/scan';
import { staffMessages } from '../../core/i18n/staff';
import { KioskError } from '../../core/contract';
import { peekClaimToken } from '../../core/tokens';
import { demoProgram } from '../../core/program/demo';
import type { ClaimRefused, KioskCredentials } from '../../core/sync-protocol';
import { KioskService } from '../../main/kiosk/service';
import { staffClaim } from '../../main/kiosk/staff-claim';
import { openStore, type KioskStore } from '../../main/store';
import { HubOfflineError, SyncClient } from '../../main/sync/client';
import { Phone, pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';

// A Wednesday in Warsaw: 25.50 zł with two coffees: 25 points, 2 stamps. A claim earns member-aware
// (core/claims claimEarnEntries): Anna's first purchase also pays the welcome bonus of 50.
const WEDNESDAY = nextWednesdayMorning(new Date());
/** The one clock of this file's hub, kiosk and sync client: it starts on that Wednesday. */
const now = clockStartingAt(WEDNESDAY);
const ANNA = 'member-anna';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub | undefined;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient;
const refusals: ClaimRefused[] = [];

beforeEach(async () => {
  tmp = tempDir('hub-offline-claim');
  hub = await testHub(tmp.dir, { now });
  creds = await pairedKiosk(hub);
  store = openStore({ now: now, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url, now });
  sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
  linkServiceToHub(service, sync);
  service.on('claimRefused', (refused) => refusals.push(refused));
  refusals.length = 0;
  // Anna has a member card: known on the kiosk and on the hub.
  store.createMember({
    id: ANNA,
    code: 'ANNA0001',
    name: 'Anna',
    phone: '+48600100700',
    consentAt: WEDNESDAY,
    consentText: 'loyalty v1',
    locale: 'pl',
    createdAt: WEDNESDAY,
  });
  await hub.store.joinMember(creds.shopNo, { id: ANNA, name: 'Anna', phone: '+48600100700', email: null, consentAt: WEDNESDAY, consentText: null }, now());
  await until(() => sync.connected, 'kiosk online');
});

afterEach(async () => {
  sync.stop();
  store.close();
  await hub?.close();
  tmp.remove();
});

function liveHub(): Hub {
  if (!hub) throw new Error('hub is down');
  return hub;
}

async function sale(tillSaleId: string) {
  const { sale: view } = await service.createSale({
    tillSaleId,
    total: { amount: 2550, currency: 'PLN' },
    at: WEDNESDAY,
    lines: [{ name: 'Latte', quantity: 2, total: { amount: 2550, currency: 'PLN' }, category: 'coffee' }],
  });
  expect(view).toMatchObject({ points: 25, stamps: 2, status: 'open' });
  return { ...view, token: view.claimUrl!.split('/C/')[1]! };
}

async function hubDown(): Promise<number> {
  const port = liveHub().port;
  await liveHub().close();
  hub = undefined;
  await until(() => !sync.connected, 'kiosk to notice the hub is gone');
  return port;
}

async function hubUp(port: number): Promise<Hub> {
  hub = await testHub(tmp.dir, { port, now });
  return hub;
}

const drained = (): Promise<void> => until(() => store.pendingOutbox(10).length === 0, 'kiosk outbox to drain');

type Row = { id: string; memberId: string; kind: string; points: number; stamps: number; spend: number | null };
/** Every ledger row of a sale on each side, in a comparable form. */
async function hubRows(saleId: string): Promise<Row[]> {
  return (await liveHub().store.saleEntries(saleId))
    .map((e) => ({ id: e.id, memberId: e.memberId, kind: e.kind, points: e.points, stamps: e.stamps, spend: e.spend ?? null }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
/** A claim's rows as claimEarnEntries writes them: base points, the welcome bonus, the QR's stamps on the coffee card. */
function claimRows(baseId: string, memberId: string): Row[] {
  return [
    { id: baseId, memberId, kind: 'earn', points: 25, stamps: 0, spend: 2550 },
    { id: `${baseId}:1`, memberId, kind: 'bonus', points: 50, stamps: 0, spend: null },
    { id: `${baseId}:2`, memberId, kind: 'earn', points: 0, stamps: 2, spend: null },
  ];
}
const byId = (rows: Row[]): Row[] => [...rows].sort((a, b) => a.id.localeCompare(b.id));
function kioskRows(saleId: string): Row[] {
  return store
    .entriesForSale(saleId)
    .map((e) => ({ id: e.id, memberId: e.memberId, kind: e.kind, points: e.points, stamps: e.stamps, spend: e.spend ?? null }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('a staff claim with the hub down', () => {
  it('is written on the kiosk at once and reaches the hub when it is back: the same rows on both sides, Anna credited once', async () => {
    const port = await hubDown();
    const view = await sale('OFF-1');
    await expect(sync.claimSale(view.token, ANNA)).rejects.toBeInstanceOf(HubOfflineError);

    const outcome = await staffClaim({ sync, service }, { saleId: view.saleId, token: view.token, memberId: ANNA });
    if (outcome.via !== 'offline') throw new Error(`expected an offline claim, got ${outcome.via}`);
    const thanks = outcome.claim;
    expect(thanks).toMatchObject({
      saleId: view.saleId,
      created: true,
      member: { id: ANNA, code: 'ANNA0001', name: 'Anna' },
      points: 75,
      stamps: 2,
      balance: { points: 75, stamps: 2 },
    });
    expect(service.getSaleById(view.saleId)).toMatchObject({ status: 'claimed', memberCode: 'ANNA0001', claimUrl: null });
    expect(store.pendingOutbox(10).map((m) => m.topic)).toEqual(['saleCreated', 'saleClaimed']);
    expect(store.balance(ANNA)).toMatchObject({ points: 75, stamps: 2 });
    expect(formatMessage(scanMessages, 'pl', 'claimOfflineSaved', { saleNo: thanks.saleNo, name: 'Anna' })).toContain(
      'Hub offline — punkty za sprzedaż 1 przyznano tu klientowi Anna',
    );
    // Refused in words, nothing written: an unknown member, a sale attached at the till, an expired QR.
    expect(() => service.claimSaleOffline({ saleId: view.saleId, memberId: 'nobody' })).toThrow(/no member/);
    const later = new KioskService({
      store,
      program: demoProgram(),
      identity: creds,
      hubPublicUrl: 'http://127.0.0.1:1',
      now: () => new Date(Date.parse(WEDNESDAY) + 8 * 86_400_000),
    });
    const old = await sale('OFF-OLD');
    expect(() => later.claimSaleOffline({ saleId: old.saleId, memberId: ANNA })).toThrow(/expired/);
    expect(service.getSaleById(old.saleId)).toMatchObject({ status: 'open' });
    // Scanning the card again is no second claim.
    expect(service.claimSaleOffline({ saleId: view.saleId, memberId: ANNA })).toMatchObject({ created: false, points: 75 });
    expect(store.pendingOutbox(10).map((m) => m.topic)).toEqual(['saleCreated', 'saleClaimed', 'saleCreated']);

    const back = await hubUp(port);
    await drained();
    expect(await back.store.balance(ANNA)).toMatchObject({ points: 75, stamps: 2 });
    expect(await hubRows(view.saleId)).toEqual(kioskRows(view.saleId));
    expect(kioskRows(view.saleId)).toEqual(byId(claimRows(claimEntryId(view.saleId, 'offline'), ANNA)));
    expect(await back.store.claimOf(view.saleId)).toMatchObject({ memberId: ANNA, via: 'offline' });
    // The QR is taken: a phone is told so, and nothing more is written.
    const phone = new Phone('en-GB');
    const late = await phone.join(view.claimUrl!, '+48 600 100 800', 'Ola');
    expect(late.status).toBe(409);
    expect(late.text).toContain('already been collected');
    expect(await back.store.ledgerCount()).toBe(store.counts().ledger);
    expect(refusals).toEqual([]);
  });

  it('with the hub up, staffClaim asks the hub and the hub entry joins the kiosk ledger (no saleClaimed)', async () => {
    const view = await sale('ON-1');
    await drained();
    const outcome = await staffClaim({ sync, service }, { saleId: view.saleId, token: view.token, memberId: ANNA });
    expect(outcome).toMatchObject({ via: 'hub', accepted: { points: 75, stamps: 2, via: 'staff', balance: { points: 75, stamps: 2 } } });
    expect(store.pendingOutbox(10)).toEqual([]);
    expect(kioskRows(view.saleId)).toEqual(await hubRows(view.saleId));
    expect(kioskRows(view.saleId)).toEqual(byId(claimRows(claimEntryId(view.saleId, 'staff'), ANNA)));
    expect(service.getSaleById(view.saleId)).toMatchObject({ status: 'claimed', memberCode: 'ANNA0001' });
    // A second scan is refused by the hub in words; nothing changes.
    expect(await staffClaim({ sync, service }, { saleId: view.saleId, token: view.token, memberId: ANNA })).toMatchObject({
      via: 'refused',
      reason: 'already-claimed',
    });
    expect(store.balance(ANNA)).toMatchObject({ points: 75, stamps: 2 });
  });

  it('loses to a phone that claimed the same QR first: one claim stands (the phone), both ledgers end equal, Anna gets nothing', async () => {
    const view = await sale('RACE-1');
    await drained();
    sync.stop();
    // The phone claims on the hub while the kiosk is cut off…
    const phone = new Phone('pl-PL');
    expect((await phone.join(view.claimUrl!, '+48 600 100 900', 'Basia')).status).toBe(303);
    const basia = (await liveHub().store.memberByContact(creds.shopNo, { phone: '+48600100900', email: null }))!;
    // …and staff claim it offline for Anna.
    expect(service.claimSaleOffline({ saleId: view.saleId, memberId: ANNA })).toMatchObject({ points: 75, balance: { points: 75, stamps: 2 } });

    sync.start();
    await until(
      async () => refusals.length === 1 && store.pendingOutbox(10).length === 0 && (await liveHub().store.pendingDeliveries(creds.kioskNo)).length === 0,
      'claimRefused applied on the kiosk',
    );

    const refused = refusals[0]!;
    expect(refused).toMatchObject({ saleKey: view.saleId, refusedMemberId: ANNA, winner: { id: basia.id, name: 'Basia' } });
    expect(await liveHub().store.claimOf(view.saleId)).toMatchObject({ memberId: basia.id, via: 'phone' });
    const offlineId = claimEntryId(view.saleId, 'offline');
    const annaRows = claimRows(offlineId, ANNA);
    expect(await hubRows(view.saleId)).toEqual(
      byId([
        // Basia joined with this QR: her welcome waits for the code sent to her number.
        { id: claimEntryId(view.saleId, 'phone'), memberId: basia.id, kind: 'earn', points: 25, stamps: 0, spend: 2550 },
        { id: `${claimEntryId(view.saleId, 'phone')}:1`, memberId: basia.id, kind: 'earn', points: 0, stamps: 2, spend: null },
        ...annaRows,
        ...annaRows.map((r) => ({
          ...r,
          id: refusedClaimReversalId(r.id),
          kind: 'reversal',
          points: negate(r.points),
          stamps: negate(r.stamps),
          spend: r.spend === null ? null : negate(r.spend),
        })),
      ]),
    );
    expect(kioskRows(view.saleId)).toEqual(await hubRows(view.saleId));
    expect(await liveHub().store.ledgerCount()).toBe(store.counts().ledger);
    // Anna: nothing on either side; Basia: her claim on both (her welcome bonus waits for the code sent to her number).
    expect(await liveHub().store.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
    expect(store.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
    expect(await liveHub().store.balance(basia.id)).toMatchObject({ points: 25, stamps: 2 });
    expect(store.balance(basia.id)).toMatchObject({ points: 25, stamps: 2 });
    const notice = refusedClaimNotice(refused, 'Anna');
    expect(formatMessage(scanMessages, 'de', notice.key, notice.values)).toBe(
      'Verkauf 1 war bereits von einem anderen Kunden eingelöst worden, während der Hub offline war — die Anna gutgeschriebenen Punkte wurden zurückgebucht.',
    );

    // The sale is Basia's on the kiosk too: voiding it takes back her claim on both sides, not Anna's again.
    // The kiosk knows Basia from the hub's member directory (she joined by phone): the sale shows her card code.
    await until(() => store.hubView(basia.id) !== undefined, 'Basia in the kiosk replica');
    expect(service.getSaleById(view.saleId)).toMatchObject({ status: 'claimed', memberCode: memberCodeFor(basia.no) });
    expect(await service.voidSale('RACE-1')).toMatchObject({ pointsReversed: 25, stampsReversed: 2 });
    await drained();
    expect(kioskRows(view.saleId)).toEqual(await hubRows(view.saleId));
    for (const side of [liveHub().store, store]) {
      expect(await side.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
      expect(await side.balance(basia.id)).toMatchObject({ points: 0, stamps: 0 });
    }
  });

  it('the same member credited twice (an online staff claim whose answer was lost, then offline): the second is taken back', async () => {
    const view = await sale('TWICE-1');
    await drained();
    // The hub accepts Anna's online claim; the answer never reaches the kiosk (not applied here).
    expect(await sync.claimSale(view.token, ANNA)).toMatchObject({ ok: true });
    const port = await hubDown();
    service.claimSaleOffline({ saleId: view.saleId, memberId: ANNA });
    expect(store.balance(ANNA)).toMatchObject({ points: 75 });
    await hubUp(port);
    await until(
      async () => refusals.length === 1 && store.pendingOutbox(10).length === 0 && (await liveHub().store.pendingDeliveries(creds.kioskNo)).length === 0,
      'claimRefused applied on the kiosk',
    );
    expect(refusals[0]).toMatchObject({ refusedMemberId: ANNA, winner: { id: ANNA, name: 'Anna' } });
    const offline = claimRows(claimEntryId(view.saleId, 'offline'), ANNA);
    expect((await hubRows(view.saleId)).map((r) => [r.id, r.points])).toEqual(
      byId([
        ...claimRows(claimEntryId(view.saleId, 'staff'), ANNA),
        ...offline,
        ...offline.map((r) => ({ ...r, id: refusedClaimReversalId(r.id), points: negate(r.points) })),
      ]).map((r) => [r.id, r.points]),
    );
    expect(kioskRows(view.saleId)).toEqual(await hubRows(view.saleId));
    expect(await liveHub().store.balance(ANNA)).toMatchObject({ points: 75, stamps: 2 });
    expect(store.balance(ANNA)).toMatchObject({ points: 75, stamps: 2 });
    const notice = refusedClaimNotice(refusals[0]!, 'Anna');
    expect(formatMessage(scanMessages, 'en', notice.key, notice.values)).toBe(
      'Sale 1 had already been credited to Anna — the second credit made while the hub was offline was taken back.',
    );
  });

  it('replaying the saleClaimed message, or sending it again under a new id, changes nothing', async () => {
    const port = await hubDown();
    const view = await sale('REPLAY-1');
    service.claimSaleOffline({ saleId: view.saleId, memberId: ANNA });
    const messages = service.outbox().pending(10);
    const claimed = messages.find((m) => m.type === 'saleClaimed')!;
    const back = await hubUp(port);
    await drained();
    const before = { ledger: await back.store.ledgerCount(), balance: await back.store.balance(ANNA), rows: await hubRows(view.saleId) };
    const kiosk = (await back.store.kiosk(creds.kioskId))!;

    await back.store.applyOutbox(kiosk, messages, now());
    await back.store.applyOutbox(kiosk, [claimed], now());
    expect({ ledger: await back.store.ledgerCount(), balance: await back.store.balance(ANNA), rows: await hubRows(view.saleId) }).toEqual(before);

    // The same claim under another message id (a kiosk store restored from a copy): the sale is
    // already Anna's by this very claim, so nothing is written and nothing is taken back.
    await back.store.applyOutbox(kiosk, [{ ...claimed, id: `${claimed.id}-copy` }], now());
    expect({ ledger: await back.store.ledgerCount(), balance: await back.store.balance(ANNA), rows: await hubRows(view.saleId) }).toEqual(before);
    expect(before.balance).toMatchObject({ points: 75, stamps: 2 });
    expect(await back.store.pendingDeliveries(creds.kioskNo)).toEqual([]);
    expect(await hubRows(view.saleId)).toEqual(kioskRows(view.saleId));
  });
});

describe('a staff claim the hub refuses', () => {
  it('of a sale the hub knows was refunded: staff are told it earns no points, and nothing changes', async () => {
    const view = await sale('REFUNDED-1');
    await drained();
    // The hub holds a full refund of the sale that this kiosk's store does not show (its refund reached
    // the hub, and the kiosk's store was then restored from an older copy): the hub's word decides.
    const token = peekClaimToken(view.token);
    if (!token.ok) throw new Error('the sale has no readable claim token');
    const kiosk = (await liveHub().store.kiosk(creds.kioskId))!;
    await liveHub().store.applyOutbox(
      kiosk,
      [
        {
          id: 'refund-elsewhere-1',
          at: now().toISOString(),
          type: 'saleReversed',
          payload: { saleId: view.saleId, saleNo: token.data.saleNo, total: view.total, refunded: view.total, full: true },
        },
      ],
      now(),
    );

    const refused = service.attachMemberToSale(view.saleId, ANNA, sync);
    await expect(refused).rejects.toBeInstanceOf(KioskError);
    await expect(refused).rejects.toMatchObject({ reason: 'saleRefunded', message: expect.stringMatching(/refunded/) });
    expect(formatMessage(staffMessages, 'pl', 'saleRefunded')).toBe('Ta sprzedaż została zwrócona — nie daje punktów');
    expect(store.getSale(view.saleId)?.memberId).toBeNull();
    expect(store.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
    expect(await liveHub().store.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
  });

  it('while the hub tells this kiosk to slow down: staff are told to wait and try again, and nothing changes', async () => {
    const view = await sale('BUSY-1');
    await drained();
    // The same hub with a tight per-kiosk limit (a token every ~17 minutes after a burst of 3).
    const port = await hubDown();
    hub = await testHub(tmp.dir, { port, now, kioskLimits: { burst: 3, perSecond: 0.001 } });
    await until(() => sync.connected, 'kiosk back online');
    let answer: Awaited<ReturnType<SyncClient['claimSale']>> | undefined;
    for (let i = 0; i < 10 && !(answer?.ok === false && answer.reason === 'too-many-attempts'); i++) answer = await sync.claimSale('not-a-token', ANNA);
    expect(answer).toMatchObject({ ok: false, reason: 'too-many-attempts' });

    const refused = service.attachMemberToSale(view.saleId, ANNA, sync);
    await expect(refused).rejects.toBeInstanceOf(KioskError);
    await expect(refused).rejects.toMatchObject({ reason: 'hubBusy', message: expect.stringMatching(/wait a few seconds and try again/) });
    expect(formatMessage(staffMessages, 'en', 'hubBusy')).toBe('The hub is busy — wait a few seconds and try again');
    expect(store.getSale(view.saleId)?.memberId).toBeNull();
    expect(store.pendingOutbox(10).filter((m) => m.topic === 'saleClaimed')).toEqual([]);
    expect(await liveHub().store.balance(ANNA)).toMatchObject({ points: 0, stamps: 0 });
  });
});
