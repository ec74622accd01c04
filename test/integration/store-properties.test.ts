// Property-based tests on a real store file: the balance projection always equals the sum of the
// entries, and delivering any entry twice (in the same batch or later) changes nothing.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../core/ledger/entry';
import type { KioskStore } from '../../main/store';
import { openStore } from '../../main/store';
import { iso, T0 } from '../fixtures/store-data';
import { systemClock } from '../../core/clock';

let root: string;
let runs = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'store-prop-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function withStore<T>(fn: (s: KioskStore) => T): T {
  const store = openStore({ now: systemClock, dir: join(root, `run-${runs++}`) });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const MEMBERS = ['m-0', 'm-1', 'm-2'];
const CARDS = ['coffee', 'cake'];
const kinds = ['earn', 'bonus', 'redeem', 'reversal', 'expiry', 'adjust'] as const;

/** A history of entries with unique ids; some reverse an earlier one. */
const historyArb = fc
  .array(
    fc.record({
      member: fc.integer({ min: 0, max: MEMBERS.length - 1 }),
      kind: fc.constantFrom(...kinds),
      points: fc.integer({ min: -200, max: 500 }),
      stamps: fc.integer({ min: -3, max: 3 }),
      card: fc.integer({ min: 0, max: CARDS.length - 1 }),
      reverses: fc.option(fc.nat(), { nil: undefined }),
      minutes: fc.nat({ max: 60 * 24 * 400 }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map((s, i): LedgerEntry => ({
      id: `e-${i}`,
      memberId: MEMBERS[s.member]!,
      kind: s.kind,
      points: s.points,
      stamps: s.stamps,
      saleId: i % 3 === 0 ? null : `sale-${Math.floor(i / 3)}`,
      reverses: s.reverses !== undefined && i > 0 ? `e-${s.reverses % i}` : null,
      reason: { code: s.kind, ruleId: CARDS[s.card]! },
      at: iso(T0 + s.minutes * 60_000),
    })),
  );

/** The expected projection, computed from the entries alone (the card rule as docs/kiosk-store.md states it). */
function model(entries: readonly LedgerEntry[]): Map<string, { points: number; stamps: number; cards: Record<string, number> }> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const cardOf = (e: LedgerEntry): string => {
    const target = e.reverses === null ? undefined : byId.get(e.reverses);
    return target !== undefined && target.stamps !== 0 ? cardOf(target) : (e.reason.ruleId ?? '');
  };
  const out = new Map<string, { points: number; stamps: number; cards: Record<string, number> }>();
  for (const e of entries) {
    const b = out.get(e.memberId) ?? { points: 0, stamps: 0, cards: {} };
    b.points += e.points;
    b.stamps += e.stamps;
    if (e.stamps !== 0) b.cards[cardOf(e)] = (b.cards[cardOf(e)] ?? 0) + e.stamps;
    out.set(e.memberId, b);
  }
  for (const b of out.values()) for (const [card, n] of Object.entries(b.cards)) if (n === 0) delete b.cards[card];
  return out;
}

function state(store: KioskStore): unknown {
  return {
    counts: store.counts(),
    balances: MEMBERS.map((m) => store.balance(m)),
    histories: MEMBERS.map((m) => store.entriesForMember(m)),
    problems: store.checkProjections(),
  };
}

/** Delivers `entries` in batches, with some entries delivered again (same batch or later). */
const deliveryArb = historyArb.chain((entries) =>
  fc.record({
    entries: fc.constant(entries),
    replays: fc.array(fc.record({ which: fc.nat(), delay: fc.nat({ max: 10 }) }), { maxLength: 30 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
  }),
);

describe('store properties', () => {
  it("keeps every balance equal to the sum of the member's entries, per card too", () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 1, max: 7 }), (entries, batch) =>
        withStore((store) => {
          for (let i = 0; i < entries.length; i += batch) store.appendEntries(entries.slice(i, i + batch));
          const expected = model(entries);
          for (const m of MEMBERS) {
            const b = store.balance(m);
            const want = expected.get(m) ?? { points: 0, stamps: 0, cards: {} };
            expect({ points: b.points, stamps: b.stamps, cards: b.stampsByCard }).toEqual(want);
            expect(b.entries).toBe(entries.filter((e) => e.memberId === m).length);
          }
          expect(store.checkProjections()).toEqual([]);
        }),
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('replaying any entry twice changes nothing', () => {
    fc.assert(
      fc.property(deliveryArb, ({ entries, replays, batchSizes }) => {
        const once = withStore((store) => {
          store.appendEntries(entries);
          return state(store);
        });
        // The stream: each entry once, plus replays of entries inserted `delay` places after the original.
        const stream: LedgerEntry[] = [...entries];
        for (const r of replays) {
          const original = entries[r.which % entries.length]!;
          const at = stream.indexOf(original) + 1 + r.delay;
          stream.splice(Math.min(at, stream.length), 0, { ...original });
        }
        const twice = withStore((store) => {
          let duplicates = 0;
          for (let i = 0, b = 0; i < stream.length; b++) {
            const size = batchSizes[b % batchSizes.length]!;
            duplicates += store.appendEntries(stream.slice(i, i + size)).duplicates.length;
            i += size;
          }
          expect(duplicates).toBe(replays.length);
          return state(store);
        });
        expect(twice).toEqual(once);
      }),
      { numRuns: 30 },
    );
  }, 90_000);
});
