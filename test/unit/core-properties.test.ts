import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { earnForSale } from '../../core/earn';
import type { LedgerEntry } from '../../core/ledger/entry';
import { LoyaltyError } from '../../core/ledger/errors';
import { balanceOf, lifetimeSpend, memberStateFromEntries, projectTier, stampsByCard } from '../../core/ledger/projections';
import { redeemReward } from '../../core/ledger/redeem';
import { reverseSale } from '../../core/ledger/reverse';
import { CURRENCIES, money } from '../../core/money';
import type { Program } from '../../core/program/schema';
import { programArbitrary } from './core-arbitraries';
import { program as cafe, sequentialIds } from './core-fixtures';

const MEMBERS = [
  { id: 'ann', joinedAt: '2025-01-01T00:00:00Z', birthday: '03-14' },
  { id: 'bob', joinedAt: '2025-01-01T00:00:00Z', referredBy: 'ann' },
  { id: 'cyd', joinedAt: '2025-01-01T00:00:00Z', birthday: '02-29', referredBy: 'bob' },
];

const op = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('sale' as const),
      member: fc.nat(2),
      amount: fc.integer({ min: 1, max: 40_000 }),
      coffees: fc.nat(4),
      hours: fc.integer({ min: 0, max: 24 * 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      sale: fc.nat(),
      share: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
      hours: fc.nat(48),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeem' as const), member: fc.nat(2), reward: fc.nat(2), hours: fc.nat(48) }) },
);

/** Runs a random day-to-day history through the real rules; refusals (insufficient points, nothing left to refund) are skipped. */
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function simulate(p: Program, ops: readonly Op[]): LedgerEntry[] {
  const ceiling = p.maxSale ?? CURRENCIES[p.currency].saleCeiling;
  const ledger: LedgerEntry[] = [];
  const ids = sequentialIds('h');
  const sales: string[] = [];
  let clock = Date.parse('2025-01-06T08:00:00Z');
  for (const o of ops) {
    clock += o.hours * 3_600_000;
    const at = new Date(clock);
    try {
      if (o.kind === 'sale') {
        const profile = MEMBERS[o.member]!;
        const state = memberStateFromEntries(p, profile, ledger, at);
        const saleId = `sale-${sales.length}`;
        const lines = o.coffees > 0 ? [{ category: 'coffee', quantity: o.coffees }] : [];
        ledger.push(...earnForSale(p, state, { id: saleId, total: money(1 + ((o.amount - 1) % ceiling), p.currency), lines }, at, ids).entries);
        sales.push(saleId);
      } else if (o.kind === 'refund' && sales.length > 0) {
        // Mostly one of the last few sales, so refunds often follow a redemption of their points.
        const saleId = sales[sales.length - 1 - (o.sale % Math.min(3, sales.length))]!;
        const saleEntries = ledger.filter((e) => e.saleId === saleId);
        const total = saleEntries.find((e) => e.reason.code === 'base')?.spend ?? 0;
        const share = o.share;
        const refund = share === undefined ? 'full' : money(Math.max(1, Math.floor((total * share) / 100)), p.currency);
        ledger.push(...reverseSale({ program: p, saleId, saleEntries, memberEntries: ledger, refund, at, ids }).entries);
      } else if (o.kind === 'redeem') {
        const reward = p.rewards[o.reward % Math.max(1, p.rewards.length)];
        if (reward) ledger.push(...redeemReward({ program: p, memberId: MEMBERS[o.member]!.id, memberEntries: ledger, rewardId: reward.id, at, ids }).entries);
      }
    } catch (error) {
      if (!(error instanceof LoyaltyError)) throw error;
    }
  }
  return ledger;
}

type Projection = { balance: number; stamps: Record<string, number>; spend: number; tier: string | undefined };

function project(p: Program, ledger: readonly LedgerEntry[], memberId: string, at: Date): Projection {
  const own = ledger.filter((e) => e.memberId === memberId);
  const stamps = Object.fromEntries(Object.entries(stampsByCard(own)).filter(([, n]) => n !== 0));
  return { balance: balanceOf(own), stamps, spend: lifetimeSpend(own), tier: projectTier(p, own, at)?.id };
}

const END = new Date('2030-01-01T00:00:00Z');

describe('ledger properties', () => {
  it('replaying any entries again, in any order, changes no projection', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 25 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        fc.infiniteStream(fc.nat()),
        (ops, replays, shuffle) => {
          const p = cafe();
          const ledger = simulate(p, ops);
          fc.pre(ledger.length > 0);
          const replayed = [...ledger, ...replays.map((i) => ledger[i % ledger.length]!)];
          const order = shuffle.take(replayed.length);
          const shuffled = replayed
            .map((e, i) => ({ e, k: order.next().value as number, i }))
            .sort((a, b) => a.k - b.k || a.i - b.i)
            .map((x) => x.e);
          for (const member of MEMBERS) {
            const at = new Date('2025-06-01T00:00:00Z');
            expect(project(p, shuffled, member.id, at)).toEqual(project(p, ledger, member.id, at));
            expect(memberStateFromEntries(p, member, shuffled, END)).toEqual(memberStateFromEntries(p, member, ledger, END));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the balance is the sum of the distinct entries, and never goes below zero', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (ops, replays) => {
        const p = cafe();
        const ledger = simulate(p, ops);
        const withReplays = [...ledger, ...replays.flatMap((i) => (ledger.length > 0 ? [ledger[i % ledger.length]!] : []))];
        for (const member of MEMBERS) {
          const own = ledger.filter((e) => e.memberId === member.id);
          const sum = own.reduce((s, e) => s + e.points, 0);
          expect(balanceOf(withReplays.filter((e) => e.memberId === member.id))).toBe(sum);
          expect(balanceOf(own)).toBeGreaterThanOrEqual(0);
          // At every prefix too: no operation took anyone below zero.
          let running = 0;
          for (const e of own) {
            running += e.points;
            expect(running).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('clawback: a refund after spending never goes below zero, and taken + shortfall is exactly what the sale gave', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 8 }),
        fc.integer({ min: 1, max: 40_000 }),
        fc.nat(4),
        fc.array(fc.nat(2), { maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        (ops, amount, coffees, redemptions, share) => {
          const p = cafe();
          const at = new Date('2026-03-03T10:00:00Z');
          let ledger = simulate(p, ops);
          const member = MEMBERS[1]!;
          const lines = coffees > 0 ? [{ category: 'coffee', quantity: coffees }] : [];
          const earned = earnForSale(
            p,
            memberStateFromEntries(p, member, ledger, at),
            { id: 'the-sale', total: money(amount, 'PLN'), lines },
            at,
            sequentialIds('n'),
          ).entries;
          ledger = [...ledger, ...earned];
          for (const [i, r] of redemptions.entries()) {
            try {
              ledger.push(
                ...redeemReward({ program: p, memberId: member.id, memberEntries: ledger, rewardId: p.rewards[r]!.id, at, ids: sequentialIds(`x${i}-`) })
                  .entries,
              );
            } catch (error) {
              if (!(error instanceof LoyaltyError)) throw error;
            }
          }
          const refund = share === undefined ? ('full' as const) : money(Math.max(1, Math.floor((amount * share) / 100)), 'PLN');
          const result = reverseSale({ program: p, saleId: 'the-sale', saleEntries: earned, memberEntries: ledger, refund, at, ids: sequentialIds('r') });
          const after = [...ledger, ...result.entries];
          for (const m of MEMBERS) {
            const own = after.filter((e) => e.memberId === m.id);
            expect(balanceOf(own)).toBeGreaterThanOrEqual(0);
            for (const n of Object.values(stampsByCard(own))) expect(n).toBeGreaterThanOrEqual(0);
          }
          if (share === undefined) {
            for (const m of MEMBERS) {
              const gave = earned.filter((e) => e.memberId === m.id).reduce((sum, e) => sum + e.points, 0);
              const taken = -result.entries.filter((e) => e.memberId === m.id).reduce((sum, e) => sum + e.points, 0);
              const missing = result.shortfalls.find((s) => s.memberId === m.id)?.points ?? 0;
              expect(taken + missing).toBe(gave);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('earn then full refund leaves balance, stamps and tier exactly as before (any program, any history)', () => {
    fc.assert(
      fc.property(
        programArbitrary,
        fc.array(op, { maxLength: 15 }),
        fc.nat(2),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.nat(4),
        fc.integer({ min: 0, max: 24 * 365 }),
        (p, ops, who, rawAmount, coffees, hours) => {
          const ceiling = p.maxSale ?? CURRENCIES[p.currency].saleCeiling;
          const amount = 1 + (rawAmount % ceiling);
          const history = simulate(p, ops);
          const at = new Date(Date.parse('2026-03-01T00:00:00Z') + hours * 3_600_000);
          const member = MEMBERS[who]!;
          const lines = coffees > 0 ? [{ category: 'coffee', quantity: coffees }] : [];
          const earned = earnForSale(
            p,
            memberStateFromEntries(p, member, history, at),
            { id: 'the-sale', total: money(amount, p.currency), lines },
            at,
            sequentialIds('n'),
          ).entries;
          const afterEarn = [...history, ...earned];
          const refund = reverseSale({
            program: p,
            saleId: 'the-sale',
            saleEntries: earned,
            memberEntries: afterEarn,
            refund: 'full',
            at: new Date(at.getTime() + 60_000),
            ids: sequentialIds('r'),
          });
          expect(refund.shortfalls).toEqual([]);
          const after = [...afterEarn, ...refund.entries];
          for (const m of MEMBERS) {
            for (const when of [at, new Date(at.getTime() + 86_400_000)]) {
              expect(project(p, after, m.id, when)).toEqual(project(p, history, m.id, when));
            }
            const { visits, firstPurchaseDone, tierId } = memberStateFromEntries(p, m, after, at);
            const before = memberStateFromEntries(p, m, history, at);
            expect({ visits, tierId }).toEqual({ visits: before.visits, tierId: before.tierId });
            expect(firstPurchaseDone || !before.firstPurchaseDone).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
