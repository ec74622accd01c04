// A phone claim that reaches the hub before its kiosk's sale report, in a shop with two stamp cards:
// the QR carries a stamp count, not the lines, so the claim pays its points at once and its stamps
// wait; the report names the cards (saleCreated stampsByCard) and the stamps land on them, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { Kiosk } from '../../cloud/store/kiosks';
import type { LedgerEntry } from '../../core/ledger/entry';
import { stampsByCard } from '../../core/ledger/projections';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { hexToBytes, type KioskCredentials, type OutboxMessage } from '../../core/sync-protocol';
import { createClaimToken } from '../../core/tokens';
import { joinProven, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let kiosk: Kiosk;

beforeAll(async () => {
  tmp = tempDir('claim-stamps');
  hub = await testHub(tmp.dir);
  // The demo program (a coffee card) with a bread card beside it, without its Tuesday campaign (the system clock).
  const rules = [
    ...DEMO_PROGRAM_DOCUMENT.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' },
  ];
  await hub.store.setProgram(1, { ...structuredClone(DEMO_PROGRAM_DOCUMENT), rules });
  creds = await pairedKiosk(hub);
  kiosk = (await hub.store.kiosk(creds.kioskId))!;
}, 60_000);

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

/** The QR of a sale of 30.40 zł (2 coffees, 1 bread: 3 stamps), as the kiosk signs it. */
const claimUrl = (saleNo: number): string =>
  `${hub.url}/C/${createClaimToken(
    {
      shopNo: creds.shopNo,
      kioskNo: creds.kioskNo,
      saleNo,
      points: 30,
      stamps: 3,
      total: { amount: 3040, currency: 'PLN' },
      expiresAt: new Date(Date.now() + 86_400_000),
    },
    hexToBytes(creds.secret),
  )}`;

/** The kiosk's report of that sale, rung with no member (stamps per card from its lines' categories). */
const report = (saleNo: number, id = `report-${saleNo}`): OutboxMessage => ({
  id,
  at: new Date().toISOString(),
  type: 'saleCreated',
  payload: {
    saleId: `K${creds.kioskNo}-S${saleNo}`,
    saleNo,
    total: { amount: 3040, currency: 'PLN' },
    points: 30,
    stamps: 3,
    stampsByCard: { 'coffee-card': 2, 'bread-card': 1 },
    memberId: null,
    entries: [],
  },
});

const onSale = (entries: readonly LedgerEntry[], saleKey: string) => entries.filter((e) => e.saleId === saleKey);

describe('a phone claim before the sale report, two stamp cards', () => {
  it('pays the points at once and lands the stamps on the cards the report names, once', async () => {
    const saleKey = `K${creds.kioskNo}-S1`;
    const phone = new Phone('en');
    expect((await joinProven(hub, phone, claimUrl(1), 'jan@example.com', 'Jan')).location).toBe(`/m?claimed=${saleKey}`);
    const memberId = (await hub.store.claimOf(saleKey))!.memberId;
    // The hub has no report: the points, no stamps on any card yet (not all three on the coffee card).
    expect(onSale(await hub.store.entries(memberId), saleKey).reduce((sum, e) => sum + e.points, 0)).toBe(30);
    expect(stampsByCard(await hub.store.entries(memberId))).toEqual({});

    // The report arrives: the stamps land per card, in the hub's claim namespace.
    expect((await hub.store.applyOutbox(kiosk, [report(1)], new Date())).refused).toEqual([]);
    const entries = onSale(await hub.store.entries(memberId), saleKey);
    expect(stampsByCard(entries)).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    expect(entries.filter((e) => e.stamps > 0).map((e) => e.id)).toEqual([`claim:${saleKey}:card:coffee-card`, `claim:${saleKey}:card:bread-card`]);
    expect(await hub.store.balance(memberId)).toMatchObject({ stamps: 3 });

    // The report again (a lost ack), and under another message id: nothing more.
    await hub.store.applyOutbox(kiosk, [report(1), report(1, 'report-1-again')], new Date());
    expect(stampsByCard(await hub.store.entries(memberId))).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    expect(await hub.store.balance(memberId)).toMatchObject({ stamps: 3 });
  });

  it('a claim after the report stamps the reported cards at once (nothing waits)', async () => {
    const saleKey = `K${creds.kioskNo}-S2`;
    await hub.store.applyOutbox(kiosk, [report(2)], new Date());
    const phone = new Phone('en');
    expect((await joinProven(hub, phone, claimUrl(2), 'ola@example.com', 'Ola')).location).toBe(`/m?claimed=${saleKey}`);
    const memberId = (await hub.store.claimOf(saleKey))!.memberId;
    const entries = onSale(await hub.store.entries(memberId), saleKey);
    expect(stampsByCard(entries)).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    expect(entries.some((e) => e.id.includes(':card:'))).toBe(false);
  });
});
