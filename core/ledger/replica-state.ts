import { z } from 'zod';
import type { MemberState } from '../earn';
import type { Program } from '../program/schema';
import type { LedgerEntry } from './entry';
import { memberStateFromEntries, salesOf, stampsByCard, type MemberProfile } from './projections';

/**
 * A member's earn state as the hub's ledger has it, carried by the member directory to every kiosk's
 * replica (core/sync-protocol MemberChange.earn), so that a kiosk that holds none of the member's
 * history computes a sale with the same `core/earn` inputs as the kiosk where she joined: welcome
 * once, visits, tier, last visit, birthday year.
 *
 * The tier window slides, so the hub sends the member's sales inside the tier window (and at least
 * the last RECENT_SALES): the kiosk recomputes the tier at the sale's time from them, and knows by
 * their ids which of its own entries the hub already counts.
 */
export const RECENT_SALES = 20;
/** Most sales one state carries (a member with more inside the tier window: the newest ones). */
const MAX_SALES = 1000;

export const hubEarnStateSchema = z
  .object({
    /** A sale of this member exists (welcome and referral are paid on the first). */
    firstPurchaseDone: z.boolean(),
    /** Sales not refunded in full. */
    visits: z.number().int().nonnegative(),
    lastVisitAt: z.string().datetime({ offset: true }).nullable(),
    lastBirthdayRewardYear: z.number().int().nullable(),
    /** Each sale (id, instant, net spend) inside the tier window and at least the last RECENT_SALES, oldest first. */
    sales: z.array(z.object({ saleId: z.string().min(1).max(100), at: z.string().datetime({ offset: true }), net: z.number().int() }).strict()).max(MAX_SALES),
    /** `sales` holds every sale of the member (no older one exists). */
    complete: z.boolean(),
  })
  .strict();
export type HubEarnState = z.infer<typeof hubEarnStateSchema>;

/** What the hub replicates of a member's history, from her entries at `at` (the program gives the tier window). */
export function hubEarnState(program: Program, profile: MemberProfile, entries: Iterable<LedgerEntry>, at: Date): HubEarnState {
  const own = [...entries].filter((e) => e.memberId === profile.id);
  const state = memberStateFromEntries(program, profile, own, at);
  const all = salesOf(own).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.saleId.localeCompare(b.saleId));
  const windowStart = at.getTime() - (program.tiers?.windowDays ?? 0) * 86_400_000;
  const inWindow = all.findIndex((s) => Date.parse(s.at) > windowStart);
  const firstKept = Math.max(0, Math.min(inWindow === -1 ? all.length : inWindow, all.length - RECENT_SALES), all.length - MAX_SALES);
  const sales = all.slice(firstKept).map((s) => ({ saleId: s.saleId, at: s.at, net: s.net }));
  return {
    firstPurchaseDone: state.firstPurchaseDone,
    visits: state.visits,
    lastVisitAt: state.lastVisitAt ?? null,
    lastBirthdayRewardYear: state.lastBirthdayRewardYear ?? null,
    sales,
    complete: firstKept === 0,
  };
}

/** Stamps per card of the member, as the hub replicates them (cards with none left out). */
export function hubStampCards(memberId: string, entries: Iterable<LedgerEntry>): Record<string, number> {
  const cards = stampsByCard([...entries].filter((e) => e.memberId === memberId));
  return Object.fromEntries(Object.entries(cards).filter(([, n]) => n !== 0));
}

/**
 * The member state for a sale at a kiosk: the hub's state, plus the kiosk's own entries the hub does
 * not count yet, each once. `local` are the member's entries in the kiosk's ledger, `pending` the ids
 * of those not yet acknowledged by the hub. An entry counts when it is pending (an offline kiosk's
 * own sales), or when its sale is not among the hub's sales and is newer than the oldest of them
 * (a claim the hub delivered before the directory caught up); an entry of a sale the hub lists is
 * the hub's already (a base entry is never counted twice, even pending after a lost ack).
 */
export function mergedMemberState(
  program: Program,
  profile: MemberProfile,
  hub: HubEarnState,
  local: readonly LedgerEntry[],
  pending: ReadonlySet<string>,
  at: Date,
): MemberState {
  const hubSales = new Set(hub.sales.map((s) => s.saleId));
  const oldest = hub.sales[0] === undefined ? Number.NEGATIVE_INFINITY : Date.parse(hub.sales[0].at);
  const extra = local.filter((e) => {
    if (e.saleId === null) return false;
    if (hubSales.has(e.saleId)) return pending.has(e.id) && e.kind === 'reversal';
    return pending.has(e.id) || hub.complete || Date.parse(e.at) > oldest;
  });
  // The hub's sales as base entries carrying their net spend: the tier window is counted over them and the kiosk's extra.
  const synthetic: LedgerEntry[] = hub.sales.map((s) => ({
    id: `hub-sale:${s.saleId}`,
    memberId: profile.id,
    kind: 'earn',
    points: 0,
    stamps: 0,
    saleId: s.saleId,
    reverses: null,
    reason: { code: 'base' },
    at: s.at,
    spend: s.net,
  }));
  const window = memberStateFromEntries(program, profile, [...synthetic, ...extra], at);
  const own = memberStateFromEntries(
    program,
    profile,
    extra.filter((e) => !hubSales.has(e.saleId!)),
    at,
  );
  const state: MemberState = {
    ...window,
    visits: hub.visits + own.visits,
    firstPurchaseDone: hub.firstPurchaseDone || own.firstPurchaseDone,
  };
  // The referral pays once (core/earn referralPaid): a kiosk holds only part of her ledger, so a member
  // with a sale anywhere counts as paid here; the hub pays a referral recorded after her first purchase on a claim.
  if (state.referredBy !== undefined && hub.firstPurchaseDone) state.referralPaid = true;
  const last = [hub.lastVisitAt, own.lastVisitAt].filter((t): t is string => typeof t === 'string').sort((x, y) => Date.parse(x) - Date.parse(y));
  if (last.length > 0) state.lastVisitAt = last.at(-1)!;
  else delete state.lastVisitAt;
  const year = Math.max(hub.lastBirthdayRewardYear ?? Number.NEGATIVE_INFINITY, own.lastBirthdayRewardYear ?? Number.NEGATIVE_INFINITY);
  if (Number.isFinite(year)) state.lastBirthdayRewardYear = year;
  else delete state.lastBirthdayRewardYear;
  return state;
}
