import { earnForSale, type MemberState } from './earn';
import { negate, type LedgerEntry, type Reason } from './ledger/entry';
import type { Money } from './money';
import { isProRata, reversedShare } from './ledger/reverse';
import type { ScanMessage } from './i18n/scan';
import type { Program } from './program/schema';
import type { ClaimRefused } from './sync-protocol';

/**
 * A claim's ledger entries, built in one place for the hub (phone and online staff claims) and the
 * kiosk (a staff claim made while the hub is down), so the two sides cannot drift.
 */

/** The stamp card a claim's stamps go on: the program's first stamps rule (a claim token carries a count, not a card). */
export function claimStampCard(program: Program): string | undefined {
  return program.rules.find((rule) => rule.type === 'stamps')?.id;
}

/**
 * What a sale's QR still pays after a refund at the kiosk: the token's points and stamps less the
 * refunded share (floor, the rule of core/ledger/reverse); nothing after a full refund or a void.
 */
export function claimDue(
  points: number,
  stamps: number,
  reversal: { total: number; refunded: number; full: boolean } | undefined,
): { points: number; stamps: number } | undefined {
  if (!reversal) return { points, stamps };
  if (reversal.full || reversal.refunded >= reversal.total) return undefined;
  return {
    points: points - reversedShare(points, reversal.refunded, reversal.total),
    stamps: stamps - reversedShare(stamps, reversal.refunded, reversal.total),
  };
}

/**
 * The id of a claim's entry. The hub writes `claim:<saleKey>` when it decides the claim; a kiosk that
 * claims while the hub is down writes `claim:<saleKey>:offline`, so that when a phone claimed the same
 * QR on the hub meanwhile, both entries can stand side by side in both ledgers (the loser's reversed).
 */
export function claimEntryId(saleKey: string, via: ClaimVia): string {
  return via === 'offline' ? `claim:${saleKey}:offline` : `claim:${saleKey}`;
}

export type ClaimVia = 'phone' | 'staff' | 'offline';

export interface ClaimEntryInput {
  program: Program;
  saleKey: string;
  memberId: string;
  via: ClaimVia;
  /** Already reduced by claimDue. */
  points: number;
  stamps: number;
  /** The sale's total in minor units (null when the token did not carry it). */
  spend: number | null;
  at: string;
}

/**
 * A claim is written as the sale's base entry (code `base`, the sale's amount as `spend`, its stamps
 * on the program's first stamp card), so refunds and tiers read it like any sale.
 */
export function claimEntry(input: ClaimEntryInput): LedgerEntry {
  const card = input.stamps > 0 ? claimStampCard(input.program) : undefined;
  const reason: Reason = { code: 'base', label: input.via === 'phone' ? 'QR' : 'scan', ...(card ? { ruleId: card } : {}) };
  return {
    id: claimEntryId(input.saleKey, input.via),
    memberId: input.memberId,
    kind: 'earn',
    points: input.points,
    stamps: input.stamps,
    saleId: input.saleKey,
    reverses: null,
    reason,
    ...(input.spend !== null ? { spend: input.spend } : {}),
    at: input.at,
  };
}

/** What a claim of a sale's QR earns for a member: the inputs of claimEarnEntries. */
export interface ClaimEarnInput {
  program: Program;
  /** The member's state before this claim (core/ledger/projections memberStateFromEntries). */
  member: MemberState;
  saleKey: string;
  via: ClaimVia;
  /** The sale's total as the token carries it; a token without one earns only what it carries. */
  total: Money | undefined;
  /** The token's points and stamps (the kiosk's anonymous figures, before any refund). */
  points: number;
  stamps: number;
  /**
   * The sale's stamps per card as its kiosk recorded them when it was rung (from its lines'
   * categories: till lines, keypad keys, passthrough item patterns). Absent for a sale recorded
   * before sales kept them: then the first card. For a sale the hub has not been told of yet, the
   * hub claims with no stamps when they could go on more than one card (claimStampsWait).
   */
  stampsByCard?: Readonly<Record<string, number>> | undefined;
  /** A refund or void at the sale's kiosk before the claim (claimDue). */
  reversal: { total: number; refunded: number; full: boolean } | undefined;
  /** The claim's instant: the rules (campaigns, birthday window, tier) are read at it. */
  at: Date;
}

/**
 * A claim's ledger entries, member-aware: the sale earns through earnForSale for this member's state
 * (tier multiplier, campaigns, welcome, birthday, win-back, milestone, referral), as a till sale with
 * the member attached would, at the claim's instant. Used by the hub (phone and staff claims) and the
 * kiosk (a staff claim while the hub is down), so every path earns the same. Rules:
 *  - entry ids: `claimEntryId(saleKey, via)` for the base entry, `<that>:<n>` for the others, so a
 *    replay writes nothing twice;
 *  - a partly refunded sale earns as the whole sale less the refunded share of each amount-driven entry
 *    (floor, as reverseSale takes it back; flat bonuses stay); the base entry's spend is what is left; a
 *    void or full refund earns nothing (undefined);
 *  - stamps: a QR carries a stamp count, not the lines. With the sale's `stampsByCard` (saleCards:
 *    cards of this program summing to the token's count) each card gets its count less its refunded
 *    share; without, the count earnForSale gives for the amount alone stands when it agrees with the
 *    token, else the token's count (less the refunded share) goes on the program's first stamp card;
 *  - a token without an amount pays its own figures on one base entry (claimEntry).
 * Refuses (LoyaltyError/MoneyError from earnForSale) a sale the program does not earn, e.g. another currency.
 */
export function claimEarnEntries(input: ClaimEarnInput): LedgerEntry[] | undefined {
  const due = claimDue(input.points, input.stamps, input.reversal);
  if (!due) return undefined;
  const baseId = claimEntryId(input.saleKey, input.via);
  if (!input.total) {
    return [
      claimEntry({
        program: input.program,
        saleKey: input.saleKey,
        memberId: input.member.id,
        via: input.via,
        points: due.points,
        stamps: due.stamps,
        spend: null,
        at: input.at.toISOString(),
      }),
    ];
  }
  const total = input.total.amount;
  const refunded = input.reversal?.refunded ?? 0;
  let n = 0;
  const ids = (): string => (n++ === 0 ? baseId : `${baseId}:${n - 1}`);
  // Earned on the whole sale, then less the refunded share as reverseSale would take it back: a refund
  // before the claim and a refund after it leave the member with the same entries, and the page's
  // promise (claimDue of the token) is what an anonymous claim pays.
  const whole = earnForSale(input.program, input.member, { id: input.saleKey, total: { amount: total, currency: input.total.currency } }, input.at, ids);
  const earned = {
    entries: whole.entries.map((e): LedgerEntry => {
      if (refunded === 0 || !isProRata(e.reason.code)) return e;
      return {
        ...e,
        points: e.points - reversedShare(e.points, refunded, total),
        stamps: e.stamps - reversedShare(e.stamps, refunded, total),
        ...(e.spend !== undefined ? { spend: e.spend - refunded } : {}),
      };
    }),
  };
  const stampEntries = earned.entries.filter((e) => e.reason.code === 'stamps');
  const counted = stampEntries.reduce((sum, e) => sum + e.stamps, 0);
  const cards = saleCards(input.program, input.stampsByCard, input.stamps);
  if (!cards && counted === due.stamps) return earned.entries;
  const entries = earned.entries.filter((e) => e.reason.code !== 'stamps');
  const first = claimStampCard(input.program);
  const perCard = cards ? cardsDue(cards, input.reversal) : first !== undefined ? { [first]: due.stamps } : {};
  entries.push(...cardStampEntries(input.program, { memberId: input.member.id, saleKey: input.saleKey, at: input.at.toISOString() }, perCard, () => ids()));
  return entries;
}

/** Each card's stamps less its refunded share (claimDue per card): nothing after a void or full refund. */
export function cardsDue(cards: Readonly<Record<string, number>>, reversal: ClaimEarnInput['reversal']): Record<string, number> {
  return Object.fromEntries(Object.entries(cards).map(([card, n]) => [card, claimDue(0, n, reversal)?.stamps ?? 0]));
}

/** A claim's stamp entries, one per card with stamps (code `stamps`, the card's rule id and label). */
export function cardStampEntries(
  program: Program,
  of: { memberId: string; saleKey: string; at: string },
  perCard: Readonly<Record<string, number>>,
  ids: (card: string) => string,
): LedgerEntry[] {
  return Object.entries(perCard).flatMap(([card, n]): LedgerEntry[] => {
    if (n <= 0) return [];
    const rule = program.rules.find((r) => r.id === card);
    return [
      {
        id: ids(card),
        memberId: of.memberId,
        kind: 'earn',
        points: 0,
        stamps: n,
        saleId: of.saleKey,
        reverses: null,
        reason: { code: 'stamps', ruleId: card, label: (rule?.type === 'stamps' ? rule.label : undefined) ?? card },
        at: of.at,
      },
    ];
  });
}

/**
 * Whether a claim's stamps wait for its sale's report: a QR carries a stamp count, not the lines, so
 * with more than one stamp card the hub cannot tell which cards the sale fills until its kiosk reports
 * the sale's stamps per card (saleCreated). The claim pays everything else at once; the stamps land
 * on their cards when the report comes (HubStore, cloud/store/sales.ts landWaitingStamps).
 */
export function claimStampsWait(program: Program, stamps: number, reported: boolean): boolean {
  return !reported && stamps > 0 && program.rules.filter((rule) => rule.type === 'stamps').length > 1;
}

/** The id of a stamp entry the hub writes for a claim whose stamps waited for the sale's report (the hub's `claim:` namespace). */
export const waitingStampsEntryId = (saleKey: string, card: string): string => `claim:${saleKey}:card:${card}`;

/**
 * A sale's stamps per card if they can stand for this program and token: every card a stamps rule of
 * the program, counts positive whole numbers summing to the token's (signed) count; in the program's
 * rule order. Undefined otherwise (a program changed since, a sale recorded before cards were kept).
 */
export function saleCards(program: Program, stampsByCard: Readonly<Record<string, number>> | undefined, stamps: number): Record<string, number> | undefined {
  if (!stampsByCard) return undefined;
  const cards = program.rules.filter((r) => r.type === 'stamps').map((r) => r.id);
  const given = Object.entries(stampsByCard).filter(([, n]) => n !== 0);
  if (given.some(([card, n]) => !cards.includes(card) || !Number.isInteger(n) || n < 0)) return undefined;
  if (given.reduce((sum, [, n]) => sum + n, 0) !== stamps) return undefined;
  return Object.fromEntries(cards.flatMap((card) => (Object.hasOwn(stampsByCard, card) && stampsByCard[card]! > 0 ? [[card, stampsByCard[card]!]] : [])));
}

/** The points and stamps a claim's entries give the claiming member (a referrer's bonus is not theirs). */
export function claimTotals(entries: readonly LedgerEntry[], memberId: string): { points: number; stamps: number } {
  const own = entries.filter((e) => e.memberId === memberId);
  return { points: own.reduce((s, e) => s + e.points, 0), stamps: own.reduce((s, e) => s + e.stamps, 0) };
}

/** The id of the entry that takes back a claim the hub refused because another claim of the sale came first. */
export const refusedClaimReversalId = (entryId: string): string => `refused:${entryId}`;

/**
 * Takes back all of a refused claim's entry (never clamped: the member was never owed it, so points
 * spent meanwhile leave a negative balance), with its spend and on the same stamp card.
 */
export function refusedClaimReversal(entry: LedgerEntry, at: string): LedgerEntry {
  return {
    id: refusedClaimReversalId(entry.id),
    memberId: entry.memberId,
    kind: 'reversal',
    points: negate(entry.points),
    stamps: negate(entry.stamps),
    saleId: entry.saleId,
    reverses: entry.id,
    reason: { code: 'reversal', label: 'claim refused: claimed first by another member', ...(entry.reason.ruleId ? { ruleId: entry.reason.ruleId } : {}) },
    ...(entry.spend !== undefined ? { spend: negate(entry.spend) } : {}),
    at,
  };
}

/**
 * A sale's entries without refused claims (an offline claim that lost, and the reversal that took it
 * back): what a later refund of the sale reverses — the winner's entries only.
 */
export function withoutRefusedClaims(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const refused = new Set(
    entries.filter((e) => e.kind === 'reversal' && e.reverses !== null && e.id === refusedClaimReversalId(e.reverses)).flatMap((e) => [e.id, e.reverses!]),
  );
  return entries.filter((e) => !refused.has(e.id));
}

/** What staff are told when the hub refused a claim made here offline (scan catalog keys). */
export function refusedClaimNotice(refused: ClaimRefused, refusedName: string): ScanMessage {
  return {
    key: refused.winner.id === refused.refusedMemberId ? 'claimOfflineDuplicate' : 'claimOfflineRefused',
    values: { saleNo: refused.saleNo, name: refusedName },
  };
}
