import type { LedgerEntry } from './ledger/entry';
import { uniqueEntries } from './ledger/projections';
import { daysBetween, localTime } from './program/clock';

/**
 * The owner's dashboard figures, pure: sales and ledger entries in, numbers out. No clock (the
 * period and "now" are arguments), no I/O. Definitions (the README repeats them):
 *
 * - A sale is in the period when from <= at < to (and at the chosen location, if one is given).
 * - participation = member sales / all sales in the period (a member sale has a memberId).
 * - redemption rate = points redeemed / points earned, both in the period: redeemed = − sum of the
 *   points of 'redeem' entries; earned = sum of the positive points of 'earn' and 'bonus' entries.
 *   Reversals and expiry count in neither. With a location, an entry counts when its saleId is a
 *   sale of that location; entries without a sale (a voucher redeemed off-sale, a welcome bonus
 *   with no sale) count only in the all-locations figures.
 * - repeat-purchase rate of members = members with 2+ sales in the period / members with 1+.
 *   visit frequency of members = member sales / distinct members with a sale. Neither exists for
 *   non-members: their sales are anonymous, so only their count and average are measurable.
 * - average sale = sum of totals / count, rounded half up to a whole minor unit (null for none).
 * - segments, over the members with a sale in the period (frequency = their sales in it, spend =
 *   their total, recency = whole days from their last sale to `to`), first that fits:
 *   Platinum (visits >= platinumVisits and spend >= platinumSpend and recency <= activeDays),
 *   Premium (spend >= premiumSpend and recency <= activeDays), Loyal (visits >= loyalVisits and
 *   recency <= activeDays), else Standard.
 * - reward popularity: redeem entries in the period by reward (reason.ruleId, label for display).
 * - heatmap: sales count and total per ISO weekday (1 Monday … 7 Sunday) × hour in the shop's time zone.
 * - inactive: members whose last activity (joining, a sale, or any ledger entry) is more than
 *   inactiveDays whole days before `now`, oldest first. Not limited to the period or location.
 */

export interface SaleFact {
  id: string;
  /** Minor units. */
  total: number;
  /** ISO 8601 instant. */
  at: string;
  memberId: string | null;
  /** The location (kiosk) the sale was rung up at. */
  location: string;
}

export interface MemberFact {
  id: string;
  name: string | null;
  /** ISO 8601 instant the member joined. */
  joinedAt: string;
}

export interface SegmentThresholds {
  activeDays: number;
  loyalVisits: number;
  premiumSpend: number;
  platinumVisits: number;
  platinumSpend: number;
}

export const DEFAULT_SEGMENTS: SegmentThresholds = {
  activeDays: 30, loyalVisits: 4, premiumSpend: 20_000, platinumVisits: 8, platinumSpend: 40_000,
};

export const SEGMENTS = ['Standard', 'Loyal', 'Premium', 'Platinum'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface MetricsInput {
  sales: readonly SaleFact[];
  entries: readonly LedgerEntry[];
  members: readonly MemberFact[];
  from: Date;
  to: Date;
  now: Date;
  timeZone: string;
  location?: string | null;
  inactiveDays?: number;
  topN?: number;
  segments?: Partial<SegmentThresholds>;
}

export interface CustomerFigures { memberId: string; name: string | null; visits: number; spend: number; lastAt: string; recencyDays: number; segment: Segment }
export interface RewardFigures { rewardId: string; label: string; redemptions: number; points: number; stamps: number }
export interface HeatCell { weekday: number; hour: number; sales: number; total: number }

export interface Dashboard {
  sales: number;
  memberSales: number;
  nonMemberSales: number;
  /** memberSales / sales, null without sales. */
  participation: number | null;
  pointsEarned: number;
  pointsRedeemed: number;
  /** pointsRedeemed / pointsEarned, null when nothing was earned. */
  redemptionRate: number | null;
  activeMembers: number;
  repeatMembers: number;
  repeatRate: number | null;
  visitFrequency: number | null;
  averageSale: { all: number | null; members: number | null; nonMembers: number | null };
  revenue: { all: number; members: number; nonMembers: number };
  customers: CustomerFigures[];
  top: CustomerFigures[];
  segments: Record<Segment, number>;
  rewards: RewardFigures[];
  /** Only cells with a sale, by weekday then hour. */
  heatmap: HeatCell[];
  inactive: { memberId: string; name: string | null; lastAt: string; days: number }[];
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const average = (sum: number, n: number): number | null => (n === 0 ? null : Math.round(sum / n));

export function segmentOf(c: { visits: number; spend: number; recencyDays: number }, t: SegmentThresholds): Segment {
  const active = c.recencyDays <= t.activeDays;
  if (active && c.visits >= t.platinumVisits && c.spend >= t.platinumSpend) return 'Platinum';
  if (active && c.spend >= t.premiumSpend) return 'Premium';
  if (active && c.visits >= t.loyalVisits) return 'Loyal';
  return 'Standard';
}

export function dashboard(input: MetricsInput): Dashboard {
  const from = input.from.getTime();
  const to = input.to.getTime();
  if (!(from < to)) throw new Error('the period must end after it starts');
  const thresholds = { ...DEFAULT_SEGMENTS, ...input.segments };
  const location = input.location ?? null;
  const inPeriod = (at: string): boolean => {
    const t = Date.parse(at);
    return t >= from && t < to;
  };
  const names = new Map(input.members.map((m) => [m.id, m.name]));
  const saleLocation = new Map(input.sales.map((s) => [s.id, s.location]));
  const sales = uniqueEntries(input.sales).filter((s) => inPeriod(s.at) && (location === null || s.location === location));

  // Every zone's offset is a whole number of quarter hours, so weekday and hour are constant within a
  // UTC quarter hour: Intl is asked once per quarter hour, not once per sale.
  const slots = new Map<number, { weekday: number; hour: number }>();
  const slotOf = (t: number): { weekday: number; hour: number } => {
    const quarter = Math.floor(t / 900_000);
    let slot = slots.get(quarter);
    if (!slot) {
      const local = localTime(new Date(quarter * 900_000), input.timeZone);
      slot = { weekday: local.weekday, hour: Number(local.time.slice(0, 2)) };
      slots.set(quarter, slot);
    }
    return slot;
  };

  let memberRevenue = 0;
  let memberSales = 0;
  let allRevenue = 0;
  const byMember = new Map<string, { visits: number; spend: number; last: string }>();
  const cells = new Map<string, HeatCell>();
  for (const sale of sales) {
    allRevenue += sale.total;
    if (sale.memberId !== null) {
      memberSales++;
      memberRevenue += sale.total;
      const c = byMember.get(sale.memberId) ?? { visits: 0, spend: 0, last: sale.at };
      c.visits++;
      c.spend += sale.total;
      if (Date.parse(sale.at) > Date.parse(c.last)) c.last = sale.at;
      byMember.set(sale.memberId, c);
    }
    const { weekday, hour } = slotOf(Date.parse(sale.at));
    const key = `${weekday}:${hour}`;
    const cell = cells.get(key) ?? { weekday, hour, sales: 0, total: 0 };
    cell.sales++;
    cell.total += sale.total;
    cells.set(key, cell);
  }
  const nonMemberSales = sales.length - memberSales;

  const customers: CustomerFigures[] = [...byMember].map(([memberId, c]) => {
    const recencyDays = daysBetween(new Date(c.last), input.to);
    return { memberId, name: names.get(memberId) ?? null, visits: c.visits, spend: c.spend, lastAt: c.last, recencyDays,
      segment: segmentOf({ visits: c.visits, spend: c.spend, recencyDays }, thresholds) };
  }).sort((a, b) => b.spend - a.spend || b.visits - a.visits || a.memberId.localeCompare(b.memberId));
  const segments = Object.fromEntries(SEGMENTS.map((s) => [s, 0])) as Record<Segment, number>;
  for (const c of customers) segments[c.segment]++;

  let earned = 0;
  let redeemed = 0;
  const rewards = new Map<string, RewardFigures>();
  const allEntries = uniqueEntries(input.entries);
  for (const e of allEntries) {
    if (!inPeriod(e.at)) continue;
    if (location !== null && (e.saleId === null || saleLocation.get(e.saleId) !== location)) continue;
    if ((e.kind === 'earn' || e.kind === 'bonus') && e.points > 0) earned += e.points;
    if (e.kind === 'redeem') {
      redeemed -= e.points;
      const rewardId = e.reason.ruleId ?? e.reason.label ?? e.reason.code;
      const r = rewards.get(rewardId) ?? { rewardId, label: e.reason.label ?? rewardId, redemptions: 0, points: 0, stamps: 0 };
      r.redemptions++;
      r.points -= e.points;
      r.stamps -= e.stamps;
      rewards.set(rewardId, r);
    }
  }

  const lastActivity = new Map<string, string>();
  const touch = (memberId: string, at: string): void => {
    const seen = lastActivity.get(memberId);
    if (seen === undefined || Date.parse(at) > Date.parse(seen)) lastActivity.set(memberId, at);
  };
  for (const m of input.members) touch(m.id, m.joinedAt);
  for (const s of input.sales) if (s.memberId !== null) touch(s.memberId, s.at);
  for (const e of allEntries) touch(e.memberId, e.at);
  const inactiveDays = input.inactiveDays ?? 60;
  const inactive = input.members
    .map((m) => {
      const lastAt = lastActivity.get(m.id) ?? m.joinedAt;
      return { memberId: m.id, name: m.name, lastAt, days: daysBetween(new Date(lastAt), input.now) };
    })
    .filter((m) => m.days > inactiveDays)
    .sort((a, b) => b.days - a.days || a.memberId.localeCompare(b.memberId));

  return {
    sales: sales.length, memberSales, nonMemberSales,
    participation: ratio(memberSales, sales.length),
    pointsEarned: earned, pointsRedeemed: redeemed, redemptionRate: ratio(redeemed, earned),
    activeMembers: customers.length,
    repeatMembers: customers.filter((c) => c.visits >= 2).length,
    repeatRate: ratio(customers.filter((c) => c.visits >= 2).length, customers.length),
    visitFrequency: ratio(memberSales, customers.length),
    averageSale: { all: average(allRevenue, sales.length), members: average(memberRevenue, memberSales),
      nonMembers: average(allRevenue - memberRevenue, nonMemberSales) },
    revenue: { all: allRevenue, members: memberRevenue, nonMembers: allRevenue - memberRevenue },
    customers,
    top: customers.slice(0, input.topN ?? 10),
    segments,
    rewards: [...rewards.values()].sort((a, b) => b.redemptions - a.redemptions || a.rewardId.localeCompare(b.rewardId)),
    heatmap: [...cells.values()].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour),
    inactive,
  };
}

/** The instant a calendar date (YYYY-MM-DD) begins in an IANA time zone (DST-safe: corrects by the zone's offset twice). */
export function zonedMidnight(date: string, timeZone: string): Date {
  const utc = Date.parse(`${date}T00:00:00Z`);
  const offsetAt = (t: number): number => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - t;
  };
  let guess = utc - offsetAt(utc);
  guess = utc - offsetAt(guess);
  return new Date(guess);
}
