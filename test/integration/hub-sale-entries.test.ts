// Entries the hub derives for a kiosk's sale after the sale reaches it — the referral a friend's till
// sale pays, the stamps of a phone claim that waited for the sale's report — reach that kiosk's ledger
// (saleEntriesDerived), so a refund at the kiosk reverses them by the core refund rules, also when the
// refund came first. Real parts: the kiosk store on disk, KioskService, the sync client, the hub on loopback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { recordReferral } from '../../cloud/referrals';
import { memberCodeFor } from '../../core/codes';
import type { LedgerEntry } from '../../core/ledger/entry';
import { stampsByCard } from '../../core/ledger/projections';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { parseProgram, type Program } from '../../core/program/schema';
import type { KioskCredentials, SaleEntriesDerived } from '../../core/sync-protocol';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { joinProven, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const WEDNESDAY = nextWednesdayMorning(new Date());
const now = clockStartingAt(WEDNESDAY);

// The demo program (1 point a złoty, a coffee card, welcome 50) with a bread card beside the coffee card
// (so a claim made before its sale's report waits for the cards) and a referral rule.
const DOCUMENT = {
  ...structuredClone(DEMO_PROGRAM_DOCUMENT),
  rules: [
    ...DEMO_PROGRAM_DOCUMENT.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' },
    { type: 'referral', id: 'referral', referrerPoints: 40, referredPoints: 20 },
  ],
};
const program = ((): Program => {
  const parsed = parseProgram(structuredClone(DOCUMENT));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.program;
})();

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient | undefined;

beforeEach(async () => {
  tmp = tempDir('hub-sale-entries');
  hub = await testHub(tmp.dir, { now });
  await hub.store.setProgram(1, structuredClone(DOCUMENT));
  creds = await pairedKiosk(hub);
  store = openStore({ now, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ store, program, identity: creds, hubPublicUrl: hub.url, now });
  sync = undefined;
});

afterEach(async () => {
  sync?.stop();
  store.close();
  await hub.close();
  tmp.remove();
});

/** Starts the kiosk's sync client; `before` listens to the hub's events ahead of the kiosk service. */
function connect(before?: (client: SyncClient) => void): SyncClient {
  sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now });
  before?.(sync);
  linkServiceToHub(service, sync);
  return sync.start();
}

/** The first saleEntriesDerived the kiosk receives fails to apply (no ack), so the hub sends it again 5 s later. */
function dropFirstDelivery(client: SyncClient, dropped: SaleEntriesDerived[]): void {
  client.on('saleEntriesDerived', (derived) => {
    if (dropped.length > 0) return;
    dropped.push(derived);
    throw new Error('the kiosk went away before storing it');
  });
}

const drained = (): Promise<void> => until(() => store.pendingOutbox(10).length === 0, 'kiosk outbox to drain');
const sumOf = (entries: readonly LedgerEntry[], memberId: string) => ({
  points: entries.filter((e) => e.memberId === memberId).reduce((sum, e) => sum + e.points, 0),
  // Cards emptied by reversals are left out.
  stamps: Object.fromEntries(Object.entries(stampsByCard(entries.filter((e) => e.memberId === memberId))).filter(([, n]) => n !== 0)),
});
/** What the hub's ledger holds of a sale for a member (every row of the sale, reversals included). */
const hubSale = async (memberId: string, saleId: string) => (await hub.store.entries(memberId)).filter((e) => e.saleId === saleId);

describe('a referral paid when a friend’s till sale syncs', () => {
  /** Anna referred Eve; Eve's card is known at the kiosk. Answers their ids and Eve's card code. */
  async function referredFriend(): Promise<{ annaId: string; eveId: string; eveCode: string }> {
    const anna = await hub.store.joinMember(1, { name: 'Anna', phone: '+48600100601', email: null, consentAt: now().toISOString(), consentText: null }, now());
    const eve = await hub.store.joinMember(1, { name: 'Eve', phone: '+48600100602', email: null, consentAt: now().toISOString(), consentText: null }, now());
    // The referral as /m/verify records it for a friend who joined through Anna's link (test/integration/hub-referral.test.ts plays that).
    expect(
      await hub.store.db
        .transaction()
        .execute((trx) => recordReferral(trx, { memberId: eve.id, shopNo: 1, contact: '+48600100602', referrerId: anna.id }, now())),
    ).toBe(true);
    const eveCode = memberCodeFor(eve.no);
    await until(() => service.findMember(eveCode) !== undefined, 'Eve in the kiosk replica');
    return { annaId: anna.id, eveId: eve.id, eveCode };
  }

  const tillSale = async (tillSaleId: string, memberCode: string) =>
    (
      await service.createSale({
        tillSaleId,
        total: { amount: 2550, currency: 'PLN' },
        at: WEDNESDAY,
        memberCode,
        lines: [{ name: 'Latte', quantity: 2, total: { amount: 2550, currency: 'PLN' }, category: 'coffee' }],
      })
    ).sale;

  it('reaches the kiosk ledger; a partial refund there keeps it (a flat bonus), the refund of the rest takes it back on both sides', async () => {
    connect();
    const { annaId, eveId, eveCode } = await referredFriend();
    const annaBefore = (await hub.store.balance(annaId)).points;

    const sale = await tillSale('R-1', eveCode);
    await drained();
    const referralIds = [`referral:${sale.saleId}:0`, `referral:${sale.saleId}:1`];
    await until(() => referralIds.every((id) => store.getEntry(id) !== undefined), 'the referral entries in the kiosk ledger');
    expect(referralIds.map((id) => store.getEntry(id)).map((e) => [e?.memberId, e?.points])).toEqual([
      [eveId, 20],
      [annaId, 40],
    ]);
    expect((await hub.store.balance(annaId)).points).toBe(annaBefore + 40);

    // A partial refund: the base points pro rata, the referral (a flat bonus) stays.
    const partial = await service.refundSale('R-1', { amount: { amount: 1000, currency: 'PLN' }, refundId: 'p1' });
    expect(partial.pointsReversed).toBe(9); // floor(25 × 1000 / 2550)
    expect(store.entriesForSale(sale.saleId).filter((e) => e.kind === 'reversal' && referralIds.includes(e.reverses ?? ''))).toEqual([]);

    // The rest: everything of the sale goes, the referral of both members included.
    await service.refundSale('R-1', { refundId: 'rest' });
    const reversedHere = store.entriesForSale(sale.saleId).filter((e) => e.kind === 'reversal' && referralIds.includes(e.reverses ?? ''));
    expect(reversedHere.map((e) => [e.memberId, e.points])).toEqual(
      expect.arrayContaining([
        [eveId, -20],
        [annaId, -40],
      ]),
    );
    await drained();
    expect(await hub.store.kioskRefusals()).toEqual([]);
    expect((await hub.store.balance(annaId)).points).toBe(annaBefore);
    expect(sumOf(await hubSale(eveId, sale.saleId), eveId).points).toBe(0);
    expect(sumOf(await hubSale(annaId, sale.saleId), annaId).points).toBe(0);
    // Both ledgers hold the same rows of the sale.
    const hubIds = [...(await hubSale(eveId, sale.saleId)), ...(await hubSale(annaId, sale.saleId))].map((e) => e.id).sort();
    expect(
      store
        .entriesForSale(sale.saleId)
        .map((e) => e.id)
        .sort(),
    ).toEqual(hubIds);
  });

  it('arriving after the kiosk refunded the sale in full, it is taken back at once, on both sides, and a second delivery adds nothing', async () => {
    const dropped: SaleEntriesDerived[] = [];
    connect((client) => dropFirstDelivery(client, dropped));
    const { annaId, eveId, eveCode } = await referredFriend();
    const annaBefore = (await hub.store.balance(annaId)).points;

    const sale = await tillSale('R-2', eveCode);
    await until(() => dropped.length === 1, 'the first delivery of the referral (not stored)');
    expect(store.getEntry(`referral:${sale.saleId}:1`)).toBeUndefined();
    await service.voidSale('R-2');
    // The hub sends it again: the kiosk keeps it and reverses it in full, as the void would have.
    await until(() => store.getEntry(`referral:${sale.saleId}:1`) !== undefined, 'the referral delivered again', 15_000);
    expect(sumOf(store.entriesForSale(sale.saleId), annaId).points).toBe(0);
    expect(sumOf(store.entriesForSale(sale.saleId), eveId).points).toBe(0);
    await drained();
    expect(await hub.store.kioskRefusals()).toEqual([]);
    expect((await hub.store.balance(annaId)).points).toBe(annaBefore);
    expect(sumOf(await hubSale(eveId, sale.saleId), eveId).points).toBe(0);

    // The same delivery once more (a lost ack): nothing changes.
    const rows = store.entriesForSale(sale.saleId).length;
    service.applySaleEntriesDerived(dropped[0]!);
    expect(store.entriesForSale(sale.saleId)).toHaveLength(rows);
    expect(store.pendingOutbox(10)).toEqual([]);
  }, 30_000);
});

describe('stamps of a phone claim that waited for the sale’s report', () => {
  // 30.40 zł: two coffees (coffee card) and a bread (bread card): 30 points, 3 stamps.
  const sale = async (tillSaleId: string) =>
    (
      await service.createSale({
        tillSaleId,
        total: { amount: 3040, currency: 'PLN' },
        at: WEDNESDAY,
        lines: [
          { name: 'Latte', quantity: 2, total: { amount: 2540, currency: 'PLN' }, category: 'coffee' },
          { name: 'Bułka', quantity: 1, total: { amount: 500, currency: 'PLN' }, category: 'bread' },
        ],
      })
    ).sale;

  /** The kiosk offline: a sale, claimed by a phone before the kiosk reports it. Answers the sale and the member. */
  async function claimedBeforeReport(tillSaleId: string): Promise<{ saleId: string; memberId: string }> {
    const view = await sale(tillSaleId);
    expect(view).toMatchObject({ points: 30, stamps: 3 });
    expect((await joinProven(hub, new Phone('en'), view.claimUrl!, `${tillSaleId.toLowerCase()}@example.com`, 'Jan')).status).toBe(303);
    const memberId = (await hub.store.claimOf(view.saleId))!.memberId;
    // The hub has no report yet: the points, no stamps.
    expect(sumOf(await hubSale(memberId, view.saleId), memberId)).toEqual({ points: 30, stamps: {} });
    return { saleId: view.saleId, memberId };
  }

  it('land in the kiosk ledger with the report, and a void there takes them back on both sides', async () => {
    const { saleId, memberId } = await claimedBeforeReport('S-1');
    connect();
    await until(() => store.getEntry(`claim:${saleId}:card:bread-card`) !== undefined, 'the landed stamps in the kiosk ledger');
    expect(sumOf(store.entriesForSale(saleId), memberId)).toEqual({ points: 30, stamps: { 'coffee-card': 2, 'bread-card': 1 } });
    await until(() => service.getSaleById(saleId)?.status === 'claimed', 'the claim on the kiosk');

    expect(await service.voidSale('S-1')).toMatchObject({ pointsReversed: 30, stampsReversed: 3 });
    await drained();
    expect(await hub.store.kioskRefusals()).toEqual([]);
    expect(sumOf(await hubSale(memberId, saleId), memberId)).toEqual({ points: 0, stamps: {} });
    // Her welcome (paid when she proved her contact) is no entry of the sale: it stays.
    expect(await hub.store.balance(memberId)).toMatchObject({ stamps: 0 });
  });

  it('arriving after a partial refund at the kiosk, they lose its pro rata share at once; the rest refunded takes all back', async () => {
    const { saleId, memberId } = await claimedBeforeReport('S-2');
    const dropped: SaleEntriesDerived[] = [];
    connect((client) => dropFirstDelivery(client, dropped));
    await until(() => dropped.length === 1 && service.getSaleById(saleId)?.status === 'claimed', 'the claim here, the stamps not yet');
    // 2000 of 3040 refunded: floor(30 × 2000 / 3040) = 19 points; of the stamps still to come floor(2 × 2000 / 3040) = 1 coffee, 0 bread.
    expect(await service.refundSale('S-2', { amount: { amount: 2000, currency: 'PLN' }, refundId: 'p1' })).toMatchObject({ pointsReversed: 19 });
    await until(() => store.getEntry(`claim:${saleId}:card:bread-card`) !== undefined, 'the landed stamps delivered again', 15_000);
    expect(sumOf(store.entriesForSale(saleId), memberId)).toEqual({ points: 11, stamps: { 'coffee-card': 1, 'bread-card': 1 } });
    await drained();
    expect(sumOf(await hubSale(memberId, saleId), memberId)).toEqual({ points: 11, stamps: { 'coffee-card': 1, 'bread-card': 1 } });

    await service.refundSale('S-2', { refundId: 'rest' });
    await drained();
    expect(await hub.store.kioskRefusals()).toEqual([]);
    expect(sumOf(store.entriesForSale(saleId), memberId)).toEqual({ points: 0, stamps: {} });
    expect(sumOf(await hubSale(memberId, saleId), memberId)).toEqual({ points: 0, stamps: {} });
  }, 30_000);
});
