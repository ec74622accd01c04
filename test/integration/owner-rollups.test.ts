// The dashboard's roll-ups against the raw ledger: for random shops (member and anonymous sales at
// three tills in two locations, sales known only from a claim, claims that come after the sale,
// refunds of claimed and unclaimed sales, bonuses and redemptions with and without a sale, erasures,
// rows arriving in any order with dashboard reads in between), the figures read from the roll-ups
// equal core/metrics' dashboard() over every raw row (HubStore.ownerFacts), for periods cut at the
// shop's midnights and at any instant. The compared periods are also read between the writes, so the
// member sums kept for them (cloud/owner-member-periods.ts) must follow the later writes. The default
// period prepared ahead in chunks (one member each) gets writes, reads of other periods (refreshes)
// and a read of itself landing between its chunks, and must still equal the raw ledger.
// On SQLite here, on PostgreSQL in the hub-postgres project.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { dashboard, defaultPeriod, figures, zonedMidnight, type Dashboard } from '../../core/metrics';
import type { KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';

/** The hub's clock: Tue 3 Nov 2026 12:00Z; the shop's history runs 40 days back, over the end of summer time (25 Oct). */
const NOW = new Date('2026-11-03T12:00:00Z');
/**
 * The zone a run reads in: Warsaw, or one whose midnight cuts a UTC hour (Kathmandu, +5:45; Adelaide, +9:30/+10:30
 * with its summer time from 4 Oct), so the roll-ups' pieces of an hour in two days are summed too. Another zone than
 * the last run's makes the read rebuild the roll-ups (the migration's grouped pass).
 */
const ZONES = ['Europe/Warsaw', 'Europe/Warsaw', 'Asia/Kathmandu', 'Australia/Adelaide'] as const;
let zone: string = ZONES[0];
const MEMBERS = ['pm-0', 'pm-1', 'pm-2', 'pm-3', 'pm-4'];
const HISTORY_MINUTES = 40 * 24 * 60;

let hub: Hub;
let tills: KioskCredentials[];
let remove: () => void;

beforeAll(async () => {
  const temp = tempDir('owner-rollups');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  tills = [await pairedKiosk(hub, 'Till 1'), await pairedKiosk(hub, 'Till 2'), await pairedKiosk(hub, 'Till 3')];
  await hub.owner.setKioskLocation(1, tills[0]!.kioskId, 'Rynek', 'test', NOW);
  await hub.owner.setKioskLocation(1, tills[1]!.kioskId, 'Rynek', 'test', NOW);
  await hub.owner.setKioskLocation(1, tills[2]!.kioskId, 'Kazimierz', 'test', NOW);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

const at = (minutesBack: number): string => new Date(NOW.getTime() - minutesBack * 60_000).toISOString();

const saleArb = fc.record({
  till: fc.integer({ min: 0, max: 2 }),
  amount: fc.integer({ min: 1, max: 9000 }),
  minutesBack: fc.integer({ min: 0, max: HISTORY_MINUTES }),
  member: fc.option(fc.integer({ min: 0, max: MEMBERS.length - 1 }), { nil: null }),
  // How the member comes to the sale: on the till's sale, by a later claim, or only by a claim (no kiosk sale row).
  via: fc.constantFrom('till', 'claim', 'claimOnly'),
  claimDelay: fc.integer({ min: 0, max: 3 * 24 * 60 }),
  refund: fc.option(fc.integer({ min: 1, max: 9000 }), { nil: null }),
  refundDelay: fc.integer({ min: 0, max: 5 * 24 * 60 }),
});
const entryArb = fc.record({
  member: fc.integer({ min: 0, max: MEMBERS.length - 1 }),
  kind: fc.constantFrom('bonus', 'redeem', 'expiry', 'adjust'),
  points: fc.integer({ min: 1, max: 200 }),
  reward: fc.constantFrom('five-zl', 'coffee', null),
  sale: fc.option(fc.nat(), { nil: null }),
  minutesBack: fc.integer({ min: 0, max: HISTORY_MINUTES }),
});
const shopArb = fc.record({
  sales: fc.array(saleArb, { minLength: 5, maxLength: 25 }),
  entries: fc.array(entryArb, { maxLength: 15 }),
  erase: fc.subarray(MEMBERS.map((_, i) => i)),
  /** The owner merges a duplicate into a survivor (rows change member: no insert trigger sees it). */
  merge: fc.option(fc.tuple(fc.nat({ max: MEMBERS.length - 1 }), fc.nat({ max: MEMBERS.length - 1 }))),
  /** A dashboard read (which brings the roll-ups up to date) after this many writes, so later writes land on kept roll-ups. */
  readAfter: fc.array(fc.nat({ max: 60 }), { maxLength: 3 }),
  order: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
  zone: fc.constantFrom(...ZONES),
});
const periodArb = fc.record({
  aligned: fc.boolean(),
  fromBack: fc.integer({ min: -2 * 24 * 60, max: HISTORY_MINUTES + 24 * 60 }),
  length: fc.integer({ min: 60, max: 25 * 24 * 60 }),
  location: fc.constantFrom(null, 'Rynek', 'Kazimierz'),
  inactiveDays: fc.constantFrom(0, 3, 20),
  topN: fc.constantFrom(1, 3, 10),
});

type Write = () => Promise<unknown>;
type Shop = typeof shopArb extends fc.Arbitrary<infer T> ? T : never;
type Period = typeof periodArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Found by the property in CI: a period shorter than two days that holds no whole day yet crosses a midnight
 * (Warsaw, 23:59 to 18:10 the next day), kept by a read while the shop was empty; a member's sale then lands
 * on its second day. The kept member sums missed it: only the first day of such an edge piece counted as an edge.
 */
const unsold = { till: 0, amount: 1, minutesBack: 0, member: null, via: 'till' as const, claimDelay: 0, refund: null, refundDelay: 0 };
const lastHour: Period = { aligned: false, fromBack: 0, length: 60, location: null, inactiveDays: 0, topN: 1 };
const acrossMidnight: [Shop, Period[]] = [
  {
    sales: [{ ...unsold, till: 2, minutesBack: 37_191, member: 0 }, unsold, unsold, unsold, unsold],
    entries: [],
    erase: [],
    merge: null,
    readAfter: [0],
    order: Array.from({ length: 60 }, () => 0),
    zone: 'Europe/Warsaw',
  },
  [{ aligned: false, fromBack: 38_281, length: 1091, location: null, inactiveDays: 0, topN: 1 }, lastHour, lastHour],
];

/** The shop's writes, each one statement or owner call as the hub makes them. */
function writesOf(shop: Shop, run: number): Write[] {
  const db = hub.store.db;
  const writes: Write[] = [];
  const members = MEMBERS.map((m) => `${m}-r${run}`);
  members.forEach((id, i) =>
    writes.push(() =>
      db
        .insertInto('members')
        .values({ id, shop_no: 1, name: `Member ${i}`, phone: `+4860090${run % 1000}${i}`, email: null, created_at: at(HISTORY_MINUTES + 60 * i) })
        .execute(),
    ),
  );
  const saleIds: string[] = [];
  shop.sales.forEach((s, i) => {
    const till = tills[s.till]!;
    const saleNo = run * 100 + i;
    const id = claimSaleKey({ kioskNo: till.kioskNo, saleNo });
    saleIds.push(id);
    const saleAt = at(s.minutesBack);
    const memberId = s.member === null ? null : members[s.member]!;
    const claimAt = at(Math.max(0, s.minutesBack - s.claimDelay));
    const claimed = memberId !== null && s.via !== 'till';
    if (!(claimed && s.via === 'claimOnly'))
      writes.push(() =>
        db
          .insertInto('sales')
          .values({
            id,
            kiosk_no: till.kioskNo,
            sale_no: saleNo,
            amount: s.amount,
            currency: 'PLN',
            points: Math.floor(s.amount / 100),
            member_id: claimed ? null : memberId,
            at: saleAt,
          })
          .execute(),
      );
    if (memberId !== null) {
      const entryId = claimed ? `claim:${id}` : `till:${id}`;
      const entryAt = claimed ? claimAt : saleAt;
      writes.push(() =>
        db
          .insertInto('ledger')
          .values({
            id: entryId,
            member_id: memberId,
            kind: 'earn',
            points: Math.floor(s.amount / 100),
            stamps: 0,
            sale_id: id,
            reverses: null,
            reason_json: '{"code":"base"}',
            at: entryAt,
            kiosk_no: till.kioskNo,
            spend: s.amount,
          })
          .execute(),
      );
      if (claimed)
        writes.push(() =>
          db
            .insertInto('claims')
            .values({ sale_key: id, kiosk_no: till.kioskNo, sale_no: saleNo, member_id: memberId, via: 'phone', points: 1, stamps: 0, at: claimAt })
            .execute(),
        );
      if (s.refund !== null) {
        // A claimed sale's refund: a reversal entry with the refunded spend.
        const refunded = Math.min(s.refund, s.amount);
        writes.push(() =>
          db
            .insertInto('ledger')
            .values({
              id: `rev:${id}`,
              member_id: memberId,
              kind: 'reversal',
              points: -Math.floor(refunded / 100),
              stamps: 0,
              sale_id: id,
              reverses: entryId,
              reason_json: '{"code":"refund"}',
              at: at(Math.max(0, s.minutesBack - s.refundDelay)),
              kiosk_no: till.kioskNo,
              spend: -refunded,
            })
            .execute(),
        );
      }
    } else if (s.refund !== null) {
      // An unclaimed sale's refund, as the kiosk reports it.
      const refunded = Math.min(s.refund, s.amount);
      writes.push(() =>
        db
          .insertInto('sale_reversals')
          .values({
            sale_key: id,
            kiosk_no: till.kioskNo,
            total: s.amount,
            refunded,
            full_refund: refunded === s.amount ? 1 : 0,
            at: at(Math.max(0, s.minutesBack - s.refundDelay)),
          })
          .execute(),
      );
    }
  });
  shop.entries.forEach((e, i) => {
    const reward = e.reward === null ? {} : { ruleId: e.reward, label: e.reward === 'coffee' ? 'Free coffee' : '5 zł off' };
    const negative = e.kind === 'redeem' || e.kind === 'expiry';
    writes.push(() =>
      db
        .insertInto('ledger')
        .values({
          id: `e-${run}-${i}`,
          member_id: members[e.member]!,
          kind: e.kind,
          points: negative ? -e.points : e.points,
          stamps: e.kind === 'redeem' ? -1 : 0,
          sale_id: e.sale === null || saleIds.length === 0 ? null : saleIds[e.sale % saleIds.length]!,
          reverses: null,
          reason_json: JSON.stringify({ code: e.kind, ...reward }),
          at: at(e.minutesBack),
          kiosk_no: null,
          spend: null,
        })
        .execute(),
    );
  });
  for (const i of shop.erase) writes.push(() => hub.owner.eraseMember(1, members[i]!, 'test', NOW));
  // Any order: a sale after its entries, a claim after the refund, an erasure before the member's sales.
  // The members come first only because a ledger entry's shop is found through its member.
  const rest = writes.splice(members.length);
  const keyed = rest.map((w, i) => ({ w, k: shop.order[i % shop.order.length]! * 1000 + i }));
  keyed.sort((a, b) => a.k - b.k);
  // The merge comes last: after it, the hub writes what names the duplicate to the survivor (its alias), never to the duplicate.
  // Refused (same, erased or already merged member), it writes nothing; either way the figures must still match.
  const merge: Write[] = shop.merge ? [() => hub.owner.mergeMembers(1, members[shop.merge![0]]!, members[shop.merge![1]]!, 'test', NOW)] : [];
  return [...writes, ...keyed.map((x) => x.w), ...merge];
}

async function fromRollups(from: Date, to: Date, location: string | null, inactiveDays: number, topN = 10): Promise<Dashboard> {
  const agg = await hub.owner.dashboardAggregates(1, {
    from,
    to,
    location,
    inactiveBefore: new Date(NOW.getTime() - inactiveDays * 86_400_000),
    timeZone: zone,
    topN,
  });
  return figures(agg, { to, now: NOW, timeZone: zone, inactiveDays });
}

async function fromRawLedger(from: Date, to: Date, location: string | null, inactiveDays: number, topN = 10): Promise<Dashboard> {
  const facts = await hub.store.ownerFacts(1);
  const where = new Map((await hub.owner.kioskLocations(1)).map((k) => [String(k.no), k.location]));
  return dashboard({
    ...facts,
    sales: facts.sales.map((s) => ({ ...s, location: where.get(s.location)! })),
    saleLocations: facts.saleKiosks.map((s) => ({ saleId: s.saleId, location: where.get(s.location)! })),
    from,
    to,
    now: NOW,
    timeZone: zone,
    location,
    inactiveDays,
    topN,
  });
}

/** Empties the shop's summed tables between runs (a test's reset, not something the hub does). */
async function emptyShop(): Promise<void> {
  const db = hub.store.db;
  for (const table of ['sales', 'claims', 'sale_reversals', 'ledger', 'balances', 'member_changes', 'owner_audit', 'members'] as const)
    await sql`DELETE FROM ${sql.table(table)}`.execute(db);
  for (const table of [
    'rollup_marks',
    'rollup_members',
    'rollup_sales',
    'rollup_points',
    'rollup_rewards',
    'member_activity',
    'member_periods',
    'member_period_sums',
  ] as const)
    await sql`DELETE FROM ${sql.table(table)}`.execute(db);
}

const localDate = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(d);
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The kept member sums of the periods whose key is like `key`, in a fixed order. */
async function keptSums(key: string): Promise<unknown[]> {
  const rows = await sql<{ member_id: string; visits: unknown; spend: unknown; last_at: string | null; previous_visits: unknown; previous_spend: unknown }>`
    SELECT member_id, visits, spend, last_at, previous_visits, previous_spend FROM member_period_sums WHERE period LIKE ${key}
    ORDER BY period, member_id`.execute(hub.store.db);
  return rows.rows.map((r) => [r.member_id, Number(r.visits), Number(r.spend), r.last_at, Number(r.previous_visits), Number(r.previous_spend)]);
}

describe('roll-ups equal the raw ledger', () => {
  let run = 0;
  it('for random shops, writes in any order, reads in between, and any period', async () => {
    let compared = 0;
    let withSales = 0;
    let shiftedReads = 0;
    await fc.assert(
      fc.asyncProperty(shopArb, fc.array(periodArb, { minLength: 3, maxLength: 3 }), async (shop, periods) => {
        run++;
        zone = shop.zone;
        await emptyShop();
        const cut = periods.map((p) => {
          let from = new Date(NOW.getTime() - p.fromBack * 60_000);
          let to = new Date(from.getTime() + p.length * 60_000);
          if (p.aligned) {
            const day = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(d);
            from = zonedMidnight(day(from), zone);
            to = zonedMidnight(day(new Date(to.getTime() + 86_400_000)), zone);
          }
          return { ...p, from, to };
        });
        const writes = writesOf(shop, run);
        for (const [i, write] of writes.entries()) {
          await write();
          // A read keeps the period's member sums (cloud/owner-member-periods.ts); the later writes must update them.
          if (shop.readAfter.includes(i)) {
            await fromRollups(new Date(NOW.getTime() - 30 * 86_400_000), NOW, null, 20);
            for (const p of cut) await fromRollups(p.from, p.to, p.location, p.inactiveDays, p.topN);
          }
        }
        for (const p of cut) {
          const rolled = await fromRollups(p.from, p.to, p.location, p.inactiveDays, p.topN);
          expect(rolled).toEqual(await fromRawLedger(p.from, p.to, p.location, p.inactiveDays, p.topN));
          compared++;
          if (rolled.sales > 0) withSales++;
        }
        // The same periods a day and three days later (whole days: the next day's default period is one): their member sums
        // are shifted from the kept ones (days taken away and added), and must equal both the raw ledger and a build from scratch.
        for (const p of cut.filter((c) => c.aligned))
          for (const days of [1, 3]) {
            const later = (d: Date): Date => zonedMidnight(addDays(localDate(d), days), zone);
            const [from, to] = [later(p.from), later(p.to)];
            const key = `${JSON.stringify([from.toISOString(), to.toISOString()]).slice(0, -1)},%`;
            // Not kept already (for another location either), so the read below shifts or builds it.
            await sql`DELETE FROM member_period_sums WHERE period LIKE ${key}`.execute(hub.store.db);
            await sql`DELETE FROM member_periods WHERE period LIKE ${key}`.execute(hub.store.db);
            const rolled = await fromRollups(from, to, p.location, p.inactiveDays, p.topN);
            expect(rolled).toEqual(await fromRawLedger(from, to, p.location, p.inactiveDays, p.topN));
            const shifted = await keptSums(key);
            await sql`DELETE FROM member_period_sums`.execute(hub.store.db);
            await sql`DELETE FROM member_periods`.execute(hub.store.db);
            expect(await fromRollups(from, to, p.location, p.inactiveDays, p.topN)).toEqual(rolled);
            expect(await keptSums(key)).toEqual(shifted);
            shiftedReads++;
          }
        const kept = await sql<{ n: unknown }>`SELECT count(*) AS n FROM member_periods`.execute(hub.store.db);
        expect(Number(kept.rows[0]!.n)).toBeGreaterThan(0);
      }),
      { numRuns: 40, examples: [acrossMidnight] },
    );
    // Not a vacuous match: most periods hold sales.
    expect(withSales).toBeGreaterThan(compared / 4);
    expect(shiftedReads).toBeGreaterThan(0);
  }, 300_000);
});

describe('the default period prepared in chunks', () => {
  let run = 1000;
  const CHUNKS = 8; // 5 members, one a chunk: 6 chunks, the last one unbounded
  const preparedArb = fc.record({
    shop: shopArb,
    /** Writes before the preparation starts (after the members, whose ids bound the chunks). */
    before: fc.nat({ max: 60 }),
    /** Writes landing after each chunk. */
    afterChunk: fc.array(fc.nat({ max: 6 }), { minLength: CHUNKS, maxLength: CHUNKS }),
    /** A read of another period after that chunk: a refresh, which rewrites the changed members of every kept period, the building one too. */
    refreshAfterChunk: fc.array(fc.boolean(), { minLength: CHUNKS, maxLength: CHUNKS }),
    /** A page read of the period itself after that chunk: it finishes the period at once, and the preparation stops. */
    // Half the runs without a page read, so the counts of chunked and shifted preparations asserted below are not left to chance (1 in 5 by default: 4 % of runs of 30 had no shifted one).
    pageReadAfterChunk: fc.option(fc.nat({ max: CHUNKS - 1 }), { nil: null, freq: 2 }),
    /** Yesterday's default period kept: the chunks are shifted from it, else built. */
    fromYesterday: fc.boolean(),
    /** The hub closing after that chunk: the preparation stops with the period building, and the next one (the hub's next start) finishes it. */
    stopAfterChunk: fc.option(fc.nat({ max: CHUNKS - 1 }), { nil: null }),
  });

  it('equals the raw ledger whatever lands between its chunks, and the page then finds it kept', async () => {
    let chunked = 0;
    let shifted = 0;
    let stoppedThenFinished = 0;
    await fc.assert(
      fc.asyncProperty(preparedArb, async (p) => {
        run++;
        zone = p.shop.zone;
        await emptyShop();
        const writes = writesOf(p.shop, run);
        let written = 0;
        const write = async (count: number): Promise<void> => {
          for (const end = Math.min(writes.length, written + count); written < end; written++) await writes[written]!();
        };
        await write(MEMBERS.length + p.before);
        const period = defaultPeriod(NOW, zone);
        if (p.fromYesterday) {
          const yesterday = defaultPeriod(new Date(NOW.getTime() - 86_400_000), zone);
          await fromRollups(yesterday.from, yesterday.to, null, 20);
        }
        let chunk = 0;
        const between = async (): Promise<void> => {
          await write(p.afterChunk[chunk] ?? 0);
          if (p.refreshAfterChunk[chunk]) await fromRollups(new Date(NOW.getTime() - 3 * 86_400_000 - 17 * 60_000), NOW, 'Rynek', 3);
          if (p.pageReadAfterChunk === chunk) await fromRollups(period.from, period.to, null, 20);
          chunk++;
        };
        const stopped = (): boolean => p.stopAfterChunk === chunk - 1;
        let prepared = await hub.owner.prepareDefaultPeriod(1, zone, NOW, { membersPerStep: 1, chunkMs: 0, between, stopped });
        if (prepared.unfinished) {
          expect(prepared.chunks).toBe(p.stopAfterChunk! + 1);
          prepared = await hub.owner.prepareDefaultPeriod(1, zone, NOW, { membersPerStep: 1, chunkMs: 0, between: () => Promise.resolve() });
          expect(prepared.unfinished).toBeUndefined();
          stoppedThenFinished++;
        }
        if (p.pageReadAfterChunk === null) {
          expect(prepared.chunks).toBe(MEMBERS.length + 1);
          chunked++;
          if (prepared.made === 'shifted') shifted++;
        }
        await write(writes.length);
        const readsBefore = hub.owner.periodsMade.onRead;
        const rolled = await fromRollups(period.from, period.to, null, 20);
        expect(hub.owner.periodsMade.onRead).toBe(readsBefore);
        expect(rolled).toEqual(await fromRawLedger(period.from, period.to, null, 20));
        // And the kept sums are those of a build from scratch.
        const key = `${JSON.stringify([period.from.toISOString(), period.to.toISOString()]).slice(0, -1)},%`;
        const kept = await keptSums(key);
        await sql`DELETE FROM member_period_sums`.execute(hub.store.db);
        await sql`DELETE FROM member_periods`.execute(hub.store.db);
        expect(await fromRollups(period.from, period.to, null, 20)).toEqual(rolled);
        expect(await keptSums(key)).toEqual(kept);
      }),
      { numRuns: 30 },
    );
    expect(chunked).toBeGreaterThan(0);
    expect(shifted).toBeGreaterThan(0);
    expect(stoppedThenFinished).toBeGreaterThan(0);
  }, 300_000);
});
