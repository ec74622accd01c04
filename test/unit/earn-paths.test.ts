// One member-aware earn on every path: for random programs, member states and sales, a till sale
// with the member attached (earnForSale), and a sale rung without a member whose QR is then claimed —
// by phone on the hub, by a staff scan on the hub, by staff on a kiosk with the hub down, or rung on
// the keypad (no lines) and claimed — give the same ledger entries from the same state (ids aside:
// each path has its own stable ids). A sale with lines of several categories is claimed with the
// stamps per card its kiosk recorded (the sales row), so each card gets its own stamps. The claim paths go through core/claims claimEarnEntries, as
// cloud/member-earn.ts (hub) and KioskService.claimSaleOffline (kiosk) do.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimEarnEntries, claimEntryId, type ClaimVia } from '../../core/claims';
import { earnForSale, type MemberState, type SaleLine } from '../../core/earn';
import type { LedgerEntry } from '../../core/ledger/entry';
import { reverseSale } from '../../core/ledger/reverse';
import { CURRENCIES, money } from '../../core/money';
import type { Program } from '../../core/program/schema';
import { programArbitrary } from './core-arbitraries';

const DAY = 86_400_000;

/** What a kiosk's claim QR carries for a sale rung without a member (KioskService's anonymous earn). */
function tokenFigures(
  program: Program,
  sale: { id: string; amount: number; lines?: SaleLine[] },
  at: Date,
): { points: number; stamps: number; stampsByCard: Record<string, number> } {
  const anonymous: MemberState = { id: 'anonymous', joinedAt: at.toISOString(), visits: 1, firstPurchaseDone: true };
  const earned = earnForSale(
    program,
    anonymous,
    { id: sale.id, total: money(sale.amount, program.currency), ...(sale.lines ? { lines: sale.lines } : {}) },
    at,
    () => 'x',
  );
  return {
    points: earned.summary.points,
    stamps: Object.values(earned.summary.stamps).reduce((a, b) => a + b, 0),
    stampsByCard: earned.summary.stamps,
  };
}

/** An entry as the rules decide it, without the id its writer chose. */
const decided = (entries: readonly LedgerEntry[]) => entries.map(({ id: _id, ...rest }) => rest);
/** Points and stamps per member, reason and card: what a member is left with, whatever the entries' ids. */
function holdings(entries: readonly LedgerEntry[]): Record<string, { points: number; stamps: number }> {
  const sums: Record<string, { points: number; stamps: number }> = {};
  for (const e of entries) {
    const code = e.kind === 'reversal' ? entries.find((o) => o.id === e.reverses)!.reason.code : e.reason.code;
    const key = `${e.memberId} ${code} ${e.reason.ruleId ?? ''}`;
    const sum = (sums[key] ??= { points: 0, stamps: 0 });
    sum.points += e.points;
    sum.stamps += e.stamps;
  }
  return sums;
}

const memberArbitrary = (program: Program, at: Date): fc.Arbitrary<MemberState> =>
  fc
    .record({
      visits: fc.nat(30),
      lastVisitDaysAgo: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
      tier: fc.option(fc.constantFrom(...(program.tiers?.levels.map((l) => l.id) ?? ['none'])), { nil: undefined }),
      birthdayDaysAgo: fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }),
      birthdayRewardedThisYear: fc.boolean(),
      firstPurchaseDone: fc.boolean(),
      referred: fc.boolean(),
      joinedDaysAgo: fc.integer({ min: 0, max: 1000 }),
    })
    .map((m) => {
      const state: MemberState = {
        id: 'member-1',
        joinedAt: new Date(at.getTime() - m.joinedDaysAgo * DAY).toISOString(),
        visits: m.firstPurchaseDone ? m.visits : 0,
        firstPurchaseDone: m.firstPurchaseDone,
      };
      if (m.firstPurchaseDone && m.lastVisitDaysAgo !== undefined) state.lastVisitAt = new Date(at.getTime() - m.lastVisitDaysAgo * DAY).toISOString();
      if (m.tier !== undefined && m.tier !== 'none') state.tierId = m.tier;
      if (m.birthdayDaysAgo !== undefined) state.birthday = new Date(at.getTime() - m.birthdayDaysAgo * DAY).toISOString().slice(5, 10);
      if (m.birthdayRewardedThisYear) state.lastBirthdayRewardYear = at.getUTCFullYear();
      if (m.referred) state.referredBy = 'member-friend';
      return state;
    });

const scenario = programArbitrary.chain((program) => {
  const at = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2034-12-31T00:00:00Z'), noInvalidDate: true });
  return at.chain((instant) => {
    const cards = program.rules.filter((r) => r.type === 'stamps');
    const categories = [...new Set(cards.flatMap((r) => (r.type === 'stamps' && r.category ? [r.category] : [])))];
    // A claim QR carries a stamp count, not the lines (core/tokens); the sale's stamps per card come from its record.
    const line = fc.record({ category: fc.option(fc.constantFrom('other', ...categories), { nil: undefined }), quantity: fc.integer({ min: 1, max: 5 }) });
    const lines = fc.option(fc.array(line, { minLength: 1, maxLength: 4 }), { nil: undefined });
    const ceiling = program.maxSale ?? CURRENCIES[program.currency].saleCeiling;
    return fc.record({
      program: fc.constant(program),
      at: fc.constant(instant),
      member: memberArbitrary(program, instant),
      amount: fc.integer({ min: 1, max: Math.min(ceiling, 500_000) }),
      lines: lines.map((l) => l?.map((x) => ({ quantity: x.quantity, ...(x.category ? { category: x.category } : {}) }))),
    });
  });
});

describe('every earn path gives the same entries from the same state', () => {
  it('till sale with the member = phone claim = staff scan = offline claim = keypad sale claimed', () => {
    fc.assert(
      fc.property(scenario, ({ program, at, member, amount, lines }) => {
        const saleId = 'K1-S7';
        const total = money(amount, program.currency);
        let n = 0;
        const till = earnForSale(program, member, { id: saleId, total, ...(lines ? { lines } : {}) }, at, () => `till-${n++}`).entries;
        const token = tokenFigures(program, { id: saleId, amount, ...(lines ? { lines } : {}) }, at);
        const claim = (via: ClaimVia, figures = token) =>
          claimEarnEntries({
            program,
            member,
            saleKey: saleId,
            via,
            total,
            points: figures.points,
            stamps: figures.stamps,
            stampsByCard: figures.stampsByCard,
            reversal: undefined,
            at,
          })!;
        for (const via of ['phone', 'staff', 'offline'] as const) {
          const entries = claim(via);
          expect(decided(entries)).toEqual(decided(till));
          // Stable ids: the base entry is the claim's, the rest follow it; the same claim again writes the same ids.
          expect(entries[0]!.id).toBe(claimEntryId(saleId, via));
          expect(claim(via).map((e) => e.id)).toEqual(entries.map((e) => e.id));
          expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
        }
        // The keypad rings an amount with no lines; its QR claimed earns as a till sale of that amount.
        const keypadTill = earnForSale(program, member, { id: saleId, total }, at, () => 'k').entries;
        expect(decided(claim('phone', tokenFigures(program, { id: saleId, amount }, at)))).toEqual(decided(keypadTill));
      }),
      { numRuns: 300 },
    );
  });

  it('a refund before the claim leaves the member what a refund after it would (claim, then reverseSale); a full refund earns nothing', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 99 }), ({ program, at, member, amount }, percent) => {
        fc.pre(amount > 1);
        const refunded = Math.max(1, Math.floor((amount * percent) / 100));
        fc.pre(refunded < amount);
        const token = tokenFigures(program, { id: 'K1-S1', amount }, at);
        const input = { program, member, saleKey: 'K1-S1', via: 'phone' as const, total: money(amount, program.currency), ...token, at };
        const whole = claimEarnEntries({ ...input, reversal: undefined })!;
        let n = 0;
        const after = reverseSale({
          program,
          saleId: 'K1-S1',
          saleEntries: whole,
          memberEntries: whole,
          refund: money(refunded, program.currency),
          at,
          ids: () => `rev-${n++}`,
        });
        const partly = claimEarnEntries({ ...input, reversal: { total: amount, refunded, full: false } })!;
        expect(holdings(partly)).toEqual(holdings([...whole, ...after.entries]));
        expect(claimEarnEntries({ ...input, reversal: { total: amount, refunded: amount, full: true } })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
