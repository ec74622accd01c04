import { defaultLabel } from '../earn';
import { formatMoney, money, type Money } from '../money';
import type { Program } from '../program/schema';
import type { LedgerEntry, Reason } from './entry';
import { LoyaltyError } from './errors';
import { negate } from './entry';
import { balanceOf, stampsByCard, uniqueEntries } from './projections';

/**
 * Refunds and voids. A refund reverses exactly the entries of its sale, each by a reversal entry that
 * names it (`reverses`).
 *
 * Pro rata with floor, cumulatively: after refunds totalling R of a sale of T, each amount-driven entry
 * (base, tier, campaign, stamps) has had floor(points × R / T) reversed in all; a refund reverses the
 * difference to what earlier refunds reversed. So the member keeps a rounding point until the last
 * refund, and a refund of everything that is left reverses everything. Flat bonuses (welcome, birthday,
 * win-back, milestone, referral, spend threshold) are reversed only when the sale is refunded in full.
 *
 * Clawback rule (the same for points and for stamps, and for every member a sale paid, referrer included):
 * a reversal never takes a balance below zero. It takes what is there and the rest is a shortfall that
 * is returned for the staff screen and written into the reversal's reason label
 * ("refund; 12 already spent, not taken back"). Later refunds do not try to collect it again.
 */

const PRO_RATA = new Set(['base', 'tier', 'campaign', 'stamps']);

/** Whether an entry of this reason code is amount-driven (reversed pro rata) rather than a flat bonus (reversed only in full). */
export const isProRata = (code: string): boolean => PRO_RATA.has(code);

export type RefundRequest = 'full' | Money;

/** What refunds totalling `refunded` of a sale of `total` take back of an amount-driven `n`: floor(n × refunded / total). */
export function reversedShare(n: number, refunded: number, total: number): number {
  return refunded >= total ? n : Number((BigInt(n) * BigInt(refunded)) / BigInt(total));
}

export type Shortfall = { memberId: string; points: number; stamps: Record<string, number> };

export type ReverseResult = {
  entries: LedgerEntry[];
  /** Refunded by this call and in all, and what is left of the sale. */
  refunded: Money;
  refundedTotal: Money;
  remaining: Money;
  fullyRefunded: boolean;
  /** Points or stamps the reversal could not take back because they were already spent (empty if none). */
  shortfalls: Shortfall[];
};

export type ReverseSaleInput = {
  program: Program;
  saleId: string;
  /** Every entry of the sale (saleId), earlier reversals included. */
  saleEntries: readonly LedgerEntry[];
  /** Every ledger entry of the members those entries belong to (for the clawback cap). */
  memberEntries: readonly LedgerEntry[];
  /** 'full' for a void or a refund of whatever is left; or the refunded amount. */
  refund: RefundRequest;
  at: Date;
  ids: () => string;
};

function reason(code: string, ruleId: string | undefined, label: string): Reason {
  return ruleId === undefined ? { code, label } : { code, ruleId, label };
}

/**
 * Takes back from `originals` what refunds totalling `refundedAfter` of a sale of `total` owe beyond
 * what `refundedBefore` already took, under the clawback rule (never below zero; the rest a shortfall).
 * The reversal of `base` carries the refunded `amount` as its spend.
 */
function takeBack(input: {
  program: Program;
  saleId: string;
  originals: readonly LedgerEntry[];
  memberEntries: readonly LedgerEntry[];
  total: number;
  refundedBefore: number;
  refundedAfter: number;
  base: LedgerEntry | undefined;
  amount: number;
  at: Date;
  ids: () => string;
}): { entries: LedgerEntry[]; shortfalls: Shortfall[] } {
  const { program, saleId, total, refundedBefore, refundedAfter, base, ids } = input;
  // What each member still has, lowered as this reversal takes from it.
  const members = uniqueEntries(input.memberEntries);
  const points = new Map<string, number>();
  const stamps = new Map<string, Record<string, number>>();
  const holdings = (memberId: string): { points: number; stamps: Record<string, number> } => {
    if (!points.has(memberId)) {
      const own = members.filter((e) => e.memberId === memberId);
      points.set(memberId, balanceOf(own));
      stamps.set(memberId, stampsByCard(own));
    }
    return { points: points.get(memberId) ?? 0, stamps: stamps.get(memberId) ?? {} };
  };

  const entries: LedgerEntry[] = [];
  const shortfalls = new Map<string, Shortfall>();
  const when = input.at.toISOString();
  for (const e of input.originals) {
    const share = (n: number, refunded: number): number => (PRO_RATA.has(e.reason.code) ? reversedShare(n, refunded, total) : refunded === total ? n : 0);
    const duePoints = share(e.points, refundedAfter) - share(e.points, refundedBefore);
    const dueStamps = share(e.stamps, refundedAfter) - share(e.stamps, refundedBefore);
    if (duePoints === 0 && dueStamps === 0 && e !== base) continue;

    const held = holdings(e.memberId);
    const card = e.reason.ruleId ?? '';
    const takePoints = Math.max(0, Math.min(duePoints, held.points));
    const takeStamps = Math.max(0, Math.min(dueStamps, held.stamps[card] ?? 0));
    points.set(e.memberId, held.points - takePoints);
    if (takeStamps > 0) held.stamps[card] = (held.stamps[card] ?? 0) - takeStamps;

    const missingPoints = duePoints - takePoints;
    const missingStamps = dueStamps - takeStamps;
    if (missingPoints > 0 || missingStamps > 0) {
      const s = shortfalls.get(e.memberId) ?? { memberId: e.memberId, points: 0, stamps: {} };
      s.points += missingPoints;
      if (missingStamps > 0) s.stamps[card] = (s.stamps[card] ?? 0) + missingStamps;
      shortfalls.set(e.memberId, s);
    }
    const label =
      missingPoints > 0 || missingStamps > 0
        ? defaultLabel(program, 'refundShortfall', { n: missingPoints > 0 ? missingPoints : missingStamps })
        : defaultLabel(program, 'refund');
    const reversal: LedgerEntry = {
      id: ids(),
      memberId: e.memberId,
      kind: 'reversal',
      points: negate(takePoints),
      stamps: negate(takeStamps),
      saleId,
      reverses: e.id,
      reason: reason('reversal', e.reason.ruleId, label),
      at: when,
    };
    if (e === base) reversal.spend = negate(input.amount);
    entries.push(reversal);
  }
  return { entries, shortfalls: [...shortfalls.values()] };
}

export function reverseSale(input: ReverseSaleInput): ReverseResult {
  const { program, saleId, at, ids } = input;
  const saleEntries = uniqueEntries(input.saleEntries).filter((e) => e.saleId === saleId);
  const originals = saleEntries.filter((e) => e.kind !== 'reversal');
  const base = originals.find((e) => e.reason.code === 'base' && e.spend !== undefined);
  if (!base || base.spend === undefined) throw new LoyaltyError('unknown_sale', `no sale ${JSON.stringify(saleId)} in the ledger: check the sale id`);
  const total = base.spend;
  const refundedBefore = refundedOf(saleEntries, base);
  const left = total - refundedBefore;
  const show = (amount: number): string => formatMoney(money(amount, program.currency), 'en');

  let amount: number;
  if (input.refund === 'full') {
    if (left <= 0) throw new LoyaltyError('already_refunded', `sale ${JSON.stringify(saleId)} is already refunded in full`);
    amount = left;
  } else {
    if (input.refund.currency !== program.currency) {
      throw new LoyaltyError('currency_mismatch', `refund is in ${input.refund.currency} but the sale was in ${program.currency}`);
    }
    amount = input.refund.amount;
    if (!Number.isSafeInteger(amount) || amount <= 0)
      throw new LoyaltyError('bad_refund', `refund amount must be more than zero, got ${JSON.stringify(amount)}`);
    if (amount > left) {
      throw new LoyaltyError(
        'refund_too_large',
        `refund of ${show(amount)} is more than the ${show(left)} left of sale ${JSON.stringify(saleId)} (sold ${show(total)})`,
      );
    }
  }
  const refundedAfter = refundedBefore + amount;
  const fullAfter = refundedAfter === total;

  const { entries, shortfalls } = takeBack({
    program,
    saleId,
    originals,
    memberEntries: input.memberEntries,
    total,
    refundedBefore,
    refundedAfter,
    base,
    amount,
    at,
    ids,
  });

  return {
    entries,
    refunded: money(amount, program.currency),
    refundedTotal: money(refundedAfter, program.currency),
    remaining: money(total - refundedAfter, program.currency),
    fullyRefunded: fullAfter,
    shortfalls,
  };
}

/** The amount refunded so far of a sale: the spend its base entry's reversals took back. */
function refundedOf(saleEntries: readonly LedgerEntry[], base: LedgerEntry): number {
  return -saleEntries.filter((e) => e.kind === 'reversal' && e.reverses === base.id).reduce((sum, e) => sum + (e.spend ?? 0), 0);
}

/**
 * Entries that joined a sale after some of it was refunded (the hub derived them once the sale reached
 * it: a referral bonus, stamps that waited for the sale's report): what the refunds already taken would
 * have reversed of them, by the same rules as reverseSale — pro rata (floor) of what was refunded so
 * far, flat bonuses only once it is refunded in full, never below zero. Later refunds then treat them
 * like the sale's other entries. Nothing when the sale has no refund yet or no base entry here.
 */
export function reverseLateEntries(input: {
  program: Program;
  saleId: string;
  /** Every entry of the sale already held (earlier reversals included), without the late ones. */
  saleEntries: readonly LedgerEntry[];
  late: readonly LedgerEntry[];
  /** Every ledger entry of the members the late entries belong to (for the clawback cap). */
  memberEntries: readonly LedgerEntry[];
  at: Date;
  ids: () => string;
}): { entries: LedgerEntry[]; shortfalls: Shortfall[] } {
  const saleEntries = uniqueEntries(input.saleEntries).filter((e) => e.saleId === input.saleId);
  const base = saleEntries.find((e) => e.kind !== 'reversal' && e.reason.code === 'base' && e.spend !== undefined);
  const refunded = base === undefined ? 0 : refundedOf(saleEntries, base);
  if (base?.spend === undefined || refunded <= 0) return { entries: [], shortfalls: [] };
  return takeBack({
    program: input.program,
    saleId: input.saleId,
    originals: input.late.filter((e) => e.kind !== 'reversal' && e.saleId === input.saleId && e !== base),
    memberEntries: [...input.memberEntries, ...input.late],
    total: base.spend,
    refundedBefore: 0,
    refundedAfter: refunded,
    base: undefined,
    amount: 0,
    at: input.at,
    ids: input.ids,
  });
}
