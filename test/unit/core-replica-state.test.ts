// The member's earn state a kiosk replica holds (core/ledger/replica-state): the hub's state merged with
// the kiosk's own entries the hub does not count yet gives what the whole history gives, each sale once.
import { describe, expect, it } from 'vitest';
import { earnForSale } from '../../core/earn';
import type { LedgerEntry } from '../../core/ledger/entry';
import { memberStateFromEntries } from '../../core/ledger/projections';
import { hubEarnState, hubStampCards, mergedMemberState, RECENT_SALES } from '../../core/ledger/replica-state';
import { program, sequentialIds } from './core-fixtures';

const cafe = program();
const profile = { id: 'm1', joinedAt: '2026-01-01T10:00:00.000Z' };
const DAY = 86_400_000;
const start = Date.parse('2026-01-05T09:00:00.000Z');

/** `n` sales of the member, `gapDays` apart, each earned with the state her history gives. */
function history(n: number, gapDays: number, amount = 4000): { entries: LedgerEntry[]; at: Date } {
  const ids = sequentialIds('h');
  const entries: LedgerEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(start + i * gapDays * DAY);
    const state = memberStateFromEntries(cafe, profile, entries, at);
    const sale = { id: `K1-S${i + 1}`, total: { amount, currency: 'PLN' as const }, lines: [{ category: 'coffee', quantity: 1 }] };
    entries.push(...earnForSale(cafe, state, sale, at, ids).entries);
  }
  return { entries, at: new Date(start + n * gapDays * DAY) };
}

const saleOf = (e: LedgerEntry): number => Number(e.saleId!.split('-S')[1]);

describe('the replica earn state', () => {
  it('the hub knows the first k sales, the kiosk holds the rest unacknowledged: the merged state is the whole history', () => {
    for (const [n, gap] of [
      [3, 1],
      [8, 20],
      [30, 9],
      [45, 2],
    ] as const) {
      const { entries, at } = history(n, gap, 9000);
      const whole = memberStateFromEntries(cafe, profile, entries, at);
      for (let k = 0; k <= n; k++) {
        const hubKnows = entries.filter((e) => saleOf(e) <= k);
        const hub = hubEarnState(cafe, profile, hubKnows, new Date(start + Math.max(0, k - 1) * gap * DAY + 1000));
        const pending = new Set(entries.filter((e) => saleOf(e) > k).map((e) => e.id));
        // The kiosk's own ledger holds every entry; only those after sale k are unacknowledged.
        expect(mergedMemberState(cafe, profile, hub, entries, pending, at), `${n} sales, hub knows ${k}`).toEqual(whole);
      }
    }
  });

  it('a kiosk that holds none of her history (she joined elsewhere) gets no second welcome and her visits and tier', () => {
    const { entries, at } = history(12, 30, 20000);
    const hub = hubEarnState(cafe, profile, entries, at);
    expect(hub.firstPurchaseDone).toBe(true);
    expect(hub.complete).toBe(hub.sales.length === 12);
    const state = mergedMemberState(cafe, profile, hub, [], new Set(), at);
    expect(state).toEqual(memberStateFromEntries(cafe, profile, entries, at));
    expect(state.tierId).toBe('gold');
    const next = earnForSale(cafe, state, { id: 'K2-S1', total: { amount: 1840, currency: 'PLN' as const } }, at, sequentialIds('b'));
    expect(next.entries.map((e) => e.reason.code)).not.toContain('welcome');
  });

  it('an entry of a sale the hub lists is never counted twice, even still unacknowledged (a lost ack)', () => {
    const { entries, at } = history(4, 3);
    const hub = hubEarnState(cafe, profile, entries, at);
    const all = new Set(entries.map((e) => e.id));
    expect(mergedMemberState(cafe, profile, hub, entries, all, at)).toEqual(memberStateFromEntries(cafe, profile, entries, at));
  });

  it('a claim the hub delivered before its directory caught up counts once; older entries the hub has are not counted again', () => {
    const { entries, at } = history(RECENT_SALES + 10, 40);
    const hub = hubEarnState(
      cafe,
      { ...profile },
      entries.filter((e) => saleOf(e) <= RECENT_SALES + 9),
      at,
    );
    expect(hub.complete).toBe(false);
    // Not pending: the kiosk's ledger has all of them (some delivered by the hub); the last sale is newer than the hub's list.
    expect(mergedMemberState(cafe, profile, hub, entries, new Set(), at)).toEqual(memberStateFromEntries(cafe, profile, entries, at));
  });

  it('stamps per card', () => {
    const { entries } = history(5, 1);
    expect(hubStampCards('m1', entries)).toEqual({ 'coffee-card': 5, 'visit-card': 5 });
  });
});
