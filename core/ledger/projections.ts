import { birthdayYearOf, type MemberState } from '../earn';
import { addMonths, localTime } from '../program/clock';
import { z } from 'zod';
import { monthDaySchema, type Program, type TierLevel } from '../program/schema';
import type { LedgerEntry } from './entry';

/**
 * Balances, stamps, spend, visits and tier are pure folds over a member's ledger entries.
 * Every fold first drops repeated ids (the first copy wins), so replaying an entry changes nothing.
 */

export function uniqueEntries<E extends Pick<LedgerEntry, 'id'>>(entries: Iterable<E>): E[] {
  const seen = new Set<string>();
  const out: E[] = [];
  for (const entry of entries) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    out.push(entry);
  }
  return out;
}

export function balanceOf(entries: Iterable<LedgerEntry>): number {
  return uniqueEntries(entries).reduce((sum, e) => sum + e.points, 0);
}

/** Stamps per card (stamps rule id = reason.ruleId). */
export function stampsByCard(entries: Iterable<LedgerEntry>): Record<string, number> {
  const cards: Record<string, number> = {};
  for (const e of uniqueEntries(entries)) {
    if (e.stamps === 0 || e.reason.ruleId === undefined) continue;
    cards[e.reason.ruleId] = (cards[e.reason.ruleId] ?? 0) + e.stamps;
  }
  return cards;
}

/** Net spend in minor units: sale totals minus refunds. */
export function lifetimeSpend(entries: Iterable<LedgerEntry>): number {
  return uniqueEntries(entries).reduce((sum, e) => sum + (e.spend ?? 0), 0);
}

type SaleSpend = { saleId: string; at: string; net: number };

/** Each sale's net spend, dated at the sale (a refund counts against the sale it refunds, not its own day). */
export function salesOf(entries: Iterable<LedgerEntry>): SaleSpend[] {
  const unique = uniqueEntries(entries);
  const bySale = new Map<string, SaleSpend>();
  for (const e of unique) {
    if (e.kind !== 'reversal' && e.reason.code === 'base' && e.saleId !== null) bySale.set(e.saleId, { saleId: e.saleId, at: e.at, net: e.spend ?? 0 });
  }
  for (const e of unique) {
    if (e.kind !== 'reversal' || e.spend === undefined || e.saleId === null) continue;
    const sale = bySale.get(e.saleId);
    if (sale) sale.net += e.spend;
  }
  return [...bySale.values()];
}

/** Sales not refunded in full. */
export function visitsOf(entries: Iterable<LedgerEntry>): SaleSpend[] {
  return salesOf(entries)
    .filter((s) => s.net > 0)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

const DAY_MS = 86_400_000;

/** Spend or visits in the tier window ending at `at` (sales dated at, or within windowDays before, `at`). */
export function tierMetrics(program: Program, entries: Iterable<LedgerEntry>, at: Date): { spend: number; visits: number } {
  const windowDays = program.tiers?.windowDays ?? 0;
  const end = at.getTime();
  const start = end - windowDays * DAY_MS;
  let spend = 0;
  let visits = 0;
  for (const sale of salesOf(entries)) {
    const t = Date.parse(sale.at);
    if (t <= start || t > end) continue;
    spend += sale.net;
    if (sale.net > 0) visits += 1;
  }
  return { spend, visits };
}

/** The highest tier level whose threshold the member's spend or visits in the rolling window reach. */
export function projectTier(program: Program, entries: Iterable<LedgerEntry>, at: Date): TierLevel | undefined {
  if (!program.tiers) return undefined;
  const metrics = tierMetrics(program, entries, at);
  const value = program.tiers.basis === 'spend' ? metrics.spend : metrics.visits;
  let reached: TierLevel | undefined;
  for (const level of program.tiers.levels) if (value >= level.threshold) reached = level;
  return reached;
}

/** What the store keeps about a member that the rules read. */
export const memberProfileSchema = z
  .object({
    id: z.string().min(1).max(100),
    joinedAt: z.string().datetime({ offset: true }),
    birthday: monthDaySchema.optional(),
    referredBy: z.string().min(1).max(100).optional(),
  })
  .strict();
export type MemberProfile = z.infer<typeof memberProfileSchema>;

/** Everything earnForSale needs, from the member's profile and ledger entries, as of `at`. */
export function memberStateFromEntries(program: Program, profile: MemberProfile, entries: Iterable<LedgerEntry>, at: Date): MemberState {
  const list = uniqueEntries(entries).filter((e) => e.memberId === profile.id);
  const visits = visitsOf(list);
  const metrics = tierMetrics(program, list, at);
  const state: MemberState = {
    id: profile.id,
    joinedAt: profile.joinedAt,
    visits: visits.length,
    firstPurchaseDone: salesOf(list).length > 0,
    windowSpend: metrics.spend,
    windowVisits: metrics.visits,
  };
  if (profile.birthday !== undefined) state.birthday = profile.birthday;
  if (profile.referredBy !== undefined) {
    state.referredBy = profile.referredBy;
    if (list.some((e) => e.kind === 'bonus' && e.reason.code === 'referred')) state.referralPaid = true;
  }
  const last = visits.at(-1);
  if (last) state.lastVisitAt = last.at;
  const tier = projectTier(program, list, at);
  if (tier) state.tierId = tier.id;
  const birthdays = list.filter((e) => e.kind === 'bonus' && e.reason.code === 'birthday' && !isReversed(e, list));
  if (birthdays.length > 0) {
    state.lastBirthdayRewardYear = Math.max(
      ...birthdays.map((e) => {
        const local = localTime(new Date(e.at), program.timeZone);
        return profile.birthday ? birthdayYearOf(profile.birthday, local.date) : local.year;
      }),
    );
  }
  return state;
}

function isReversed(entry: LedgerEntry, entries: readonly LedgerEntry[]): boolean {
  return entries.some((e) => e.kind === 'reversal' && e.reverses === entry.id);
}

type Lot = { id: string; remaining: number; expiresAt: number };

/**
 * The unspent points of each lot (a positive entry) and when it expires: lots expire
 * `program.expiry.months` calendar months after they were earned; every debit uses up the oldest
 * lots first (a reversal first takes from the very entry it reverses). Empty without expiry.
 */
function remainingLots(program: Program, entries: Iterable<LedgerEntry>): Lot[] {
  if (!program.expiry) return [];
  const months = program.expiry.months;
  const ordered = uniqueEntries(entries).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id));
  const lots: Lot[] = [];
  for (const e of ordered) {
    if (e.points > 0) {
      lots.push({ id: e.id, remaining: e.points, expiresAt: addMonths(new Date(e.at), months).getTime() });
      continue;
    }
    let debit = -e.points;
    const own = e.reverses === null ? undefined : lots.find((lot) => lot.id === e.reverses);
    if (own) {
      const take = Math.min(own.remaining, debit);
      own.remaining -= take;
      debit -= take;
    }
    for (const lot of lots) {
      if (debit <= 0) break;
      const take = Math.min(lot.remaining, debit);
      lot.remaining -= take;
      debit -= take;
    }
  }
  return lots;
}

/** Points that have passed their expiry and are still unspent at `at` (see remainingLots). */
export function pointsDueToExpire(program: Program, entries: Iterable<LedgerEntry>, at: Date): number {
  const now = at.getTime();
  return remainingLots(program, entries).reduce((sum, lot) => sum + (lot.expiresAt <= now ? lot.remaining : 0), 0);
}

/**
 * The next points to expire after `at`: the unspent points of the earliest expiry instant still
 * ahead (lots earned at the same instant expire together), or null (no expiry, nothing unspent).
 * The card says "N points expire on D" from it.
 */
export function nextExpiry(program: Program, entries: Iterable<LedgerEntry>, at: Date): { points: number; at: string } | null {
  const now = at.getTime();
  const ahead = remainingLots(program, entries).filter((lot) => lot.remaining > 0 && lot.expiresAt > now);
  if (ahead.length === 0) return null;
  const first = Math.min(...ahead.map((lot) => lot.expiresAt));
  const points = ahead.filter((lot) => lot.expiresAt === first).reduce((sum, lot) => sum + lot.remaining, 0);
  return { points, at: new Date(first).toISOString() };
}

export type MemberSummary = {
  balance: number;
  stamps: Record<string, number>;
  lifetimeSpend: number;
  visits: number;
  tier?: { id: string; name: string; discountPercent?: number };
  /** Points past their expiry not yet written off (expiryEntry writes them off). */
  dueToExpire: number;
};

/** One member's projections at `at`, for the staff screen, the receipt and GET /v1/members/{code}. */
export function memberSummary(program: Program, memberId: string, entries: Iterable<LedgerEntry>, at: Date): MemberSummary {
  const own = uniqueEntries(entries).filter((e) => e.memberId === memberId);
  const summary: MemberSummary = {
    balance: balanceOf(own),
    stamps: stampsByCard(own),
    lifetimeSpend: lifetimeSpend(own),
    visits: visitsOf(own).length,
    dueToExpire: pointsDueToExpire(program, own, at),
  };
  const tier = projectTier(program, own, at);
  if (tier) {
    summary.tier = { id: tier.id, name: tier.name };
    if (tier.discountPercent !== undefined) summary.tier.discountPercent = tier.discountPercent;
  }
  return summary;
}
