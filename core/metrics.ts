import type { LedgerEntry } from './ledger/entry';
import { uniqueEntries } from './ledger/projections';
import { addDays, daysBetween, localTime } from './program/clock';

/**
 * The owner's dashboard figures, pure: sales and ledger entries in, numbers out. No clock (the
 * period and "now" are arguments), no I/O. Definitions (docs/owner.md repeats them):
 *
 * - A sale is in the period when from <= at < to (and at the chosen location, if one is given).
 * - participation = member sales / all sales in the period (a member sale has a memberId).
 * - redemption rate = points redeemed / points earned, both in the period: redeemed = − sum of the
 *   points of 'redeem' entries; earned = sum of the positive points of 'earn' and 'bonus' entries.
 *   Reversals and expiry count in neither. With a location, an entry counts when its saleId is a
 *   sale rung up at that location (refunded since or not); entries without a sale (a voucher redeemed off-sale, a welcome bonus
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
 * - retention: the period P = [from, to) and the one just before it, P' = [from − (to − from), from),
 *   same length. A member is active in a period when they have at least one sale in it (at the chosen
 *   location, if one is given). retention = members active in both P' and P / members active in P'
 *   (null when nobody was active in P'). lapsed = active in P' but not in P; new = active in P but not in P'.
 * - locations: sales, member sales and revenue per location in the period (all locations, whatever
 *   the filter), so one page shows each location and the total.
 * - change against the previous period P': the KPIs (participation, redemption rate, repeat rate,
 *   average sale of members and of non-members, active members) worked out for P' by the same
 *   definitions (at the chosen location, if one is given); change = value in P − value in P'
 *   (for the rates in fraction points), null when either is null.
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
  activeDays: 30,
  loyalVisits: 4,
  premiumSpend: 20_000,
  platinumVisits: 8,
  platinumSpend: 40_000,
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
  /** Where every sale was rung up, refunded ones included (an entry counts at its sale's location); default: the locations of `sales`. */
  saleLocations?: readonly { saleId: string; location: string }[];
  inactiveDays?: number;
  topN?: number;
  segments?: Partial<SegmentThresholds>;
}

export interface CustomerFigures {
  memberId: string;
  name: string | null;
  visits: number;
  spend: number;
  lastAt: string;
  recencyDays: number;
  segment: Segment;
}
export interface RewardFigures {
  rewardId: string;
  label: string;
  redemptions: number;
  points: number;
  stamps: number;
}
export interface HeatCell {
  weekday: number;
  hour: number;
  sales: number;
  total: number;
}
export interface LocationFigures {
  location: string;
  sales: number;
  memberSales: number;
  revenue: number;
  participation: number | null;
  averageSale: number | null;
}
export interface RetentionFigures {
  previousActive: number;
  retained: number;
  lapsed: number;
  newActive: number;
  rate: number | null;
}

/** The sums of a period the KPIs are worked out from (the previous period's, for the change). */
export interface PeriodSums {
  memberSales: number;
  memberRevenue: number;
  anonymousSales: number;
  anonymousRevenue: number;
  /** Members with a sale in the period, and those of them with 2+. */
  activeMembers: number;
  repeatMembers: number;
  pointsEarned: number;
  pointsRedeemed: number;
}

/** A period with nothing in it, to add to. */
export function emptyPeriodSums(): PeriodSums {
  return { memberSales: 0, memberRevenue: 0, anonymousSales: 0, anonymousRevenue: 0, activeMembers: 0, repeatMembers: 0, pointsEarned: 0, pointsRedeemed: 0 };
}

export const KPIS = ['participation', 'redemptionRate', 'repeatRate', 'avgMembers', 'avgNonMembers', 'activeMembers'] as const;
export type Kpi = (typeof KPIS)[number];
export interface KpiFigure {
  value: number | null;
  previous: number | null;
  /** value − previous; null when either is null. */
  change: number | null;
}

export interface Dashboard {
  /** The KPI cards: this period, the previous one of the same length, and the change. */
  kpis: Record<Kpi, KpiFigure>;
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
  retention: RetentionFigures;
  /** The first `topN` (default 10) members by spend, then visits. */
  top: CustomerFigures[];
  segments: Record<Segment, number>;
  rewards: RewardFigures[];
  /** Only cells with a sale, by weekday then hour. */
  heatmap: HeatCell[];
  locations: LocationFigures[];
  inactive: { memberId: string; name: string | null; lastAt: string; days: number }[];
}

/** A member's sums in a period and in the previous one of the same length: what the member figures are folded from. */
export interface MemberPeriod {
  memberId: string;
  visits: number;
  spend: number;
  /** ISO instant of the member's last sale in the period; null without one. */
  lastAt: string | null;
  previousVisits: number;
  previousSpend: number;
}

/**
 * The members' part of the dashboard folded into counts by bucket: whatever the number of members,
 * a few numbers. A store may keep it per period and add or take away the members whose sums change
 * (`foldMember` with sign −1 for the old sums, +1 for the new), so a page reads it without reading
 * every member.
 */
export interface MemberSummary {
  /** Members with a sale in the period, those with 2+, their sales and spend. */
  active: number;
  repeat: number;
  sales: number;
  revenue: number;
  segments: Record<Segment, number>;
  /** Active in the period and in the previous one. */
  retained: number;
  previous: { active: number; repeat: number; sales: number; revenue: number };
}

export function emptyMemberSummary(): MemberSummary {
  return {
    active: 0,
    repeat: 0,
    sales: 0,
    revenue: 0,
    segments: { Standard: 0, Loyal: 0, Premium: 0, Platinum: 0 },
    retained: 0,
    previous: { active: 0, repeat: 0, sales: 0, revenue: 0 },
  };
}

/** A member with a sale in the period as the top list shows them: recency to the period's end and segment. */
export function customerFigures(
  m: { memberId: string; name: string | null; visits: number; spend: number; lastAt: string },
  to: Date,
  thresholds: SegmentThresholds,
): CustomerFigures {
  const recencyDays = daysBetween(new Date(m.lastAt), to);
  return { ...m, recencyDays, segment: segmentOf({ visits: m.visits, spend: m.spend, recencyDays }, thresholds) };
}

/** Adds (sign 1) or takes away (sign −1) one member's sums; `to` is the period's end (recency for the segment). */
export function foldMember(summary: MemberSummary, m: MemberPeriod, sign: 1 | -1, to: Date, thresholds: SegmentThresholds): void {
  if (m.previousVisits > 0) {
    summary.previous.active += sign;
    if (m.previousVisits >= 2) summary.previous.repeat += sign;
    summary.previous.sales += sign * m.previousVisits;
    summary.previous.revenue += sign * m.previousSpend;
  }
  if (m.visits === 0 || m.lastAt === null) return;
  summary.active += sign;
  if (m.visits >= 2) summary.repeat += sign;
  summary.sales += sign * m.visits;
  summary.revenue += sign * m.spend;
  if (m.previousVisits > 0) summary.retained += sign;
  const { segment } = customerFigures({ memberId: m.memberId, name: null, visits: m.visits, spend: m.spend, lastAt: m.lastAt }, to, thresholds);
  summary.segments[segment] += sign;
}

/** The top list's order: spend, then visits, high first; then member id. */
export function byTopOrder(a: { memberId: string; visits: number; spend: number }, b: { memberId: string; visits: number; spend: number }): number {
  return b.spend - a.spend || b.visits - a.visits || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);
}

/**
 * What the figures are folded from: sums and groups over the period's rows. `aggregate()` builds them
 * from sale and ledger facts in memory; a store may build the same with SQL (GROUP BY) and hand them
 * to `figures()`, which alone turns them into the dashboard. Both paths must agree (tested).
 */
export interface DashboardAggregates {
  /** The members with a sale in the period (at the location) and in the previous period, folded (`foldMember`). */
  members: MemberSummary;
  /** The first `topN` of them by `byTopOrder`. */
  top: CustomerFigures[];
  /** Sales without a member in the period (at the location). */
  anonymous: { sales: number; revenue: number };
  /** Sales per UTC quarter hour (floor(epoch ms / 900 000)): turned into local weekday × hour by `figures()`. */
  quarters: { quarter: number; sales: number; total: number }[];
  pointsEarned: number;
  pointsRedeemed: number;
  rewards: RewardFigures[];
  /** The previous period's anonymous sales and points (at the location), for the KPIs' change. */
  previous: Pick<PeriodSums, 'anonymousSales' | 'anonymousRevenue' | 'pointsEarned' | 'pointsRedeemed'>;
  /** Per location, all locations, in the period. */
  locations: { location: string; sales: number; memberSales: number; revenue: number }[];
  /** Last activity of members; may hold more members than are inactive (`figures()` filters precisely). */
  lastActivity: { memberId: string; name: string | null; lastAt: string }[];
}

export interface FigureOptions {
  to: Date;
  now: Date;
  timeZone: string;
  inactiveDays?: number;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const average = (sum: number, n: number): number | null => (n === 0 ? null : Math.round(sum / n));
const QUARTER_MS = 900_000;

/** The period just before [from, to), of the same length (retention compares the two). */
export function previousPeriod(from: Date, to: Date): { from: Date; to: Date } {
  return { from: new Date(2 * from.getTime() - to.getTime()), to: from };
}

/** The key a reward is counted under: the rule id, else its label, else the reason code. */
export function rewardKey(reason: LedgerEntry['reason']): { rewardId: string; label: string } {
  const rewardId = reason.ruleId ?? reason.label ?? reason.code;
  return { rewardId, label: reason.label ?? rewardId };
}

export function segmentOf(c: { visits: number; spend: number; recencyDays: number }, t: SegmentThresholds): Segment {
  const active = c.recencyDays <= t.activeDays;
  if (active && c.visits >= t.platinumVisits && c.spend >= t.platinumSpend) return 'Platinum';
  if (active && c.spend >= t.premiumSpend) return 'Premium';
  if (active && c.visits >= t.loyalVisits) return 'Loyal';
  return 'Standard';
}

const later = (a: string, b: string): string => (Date.parse(b) > Date.parse(a) ? b : a);

/** The sums and groups of the period, from sale and ledger facts in memory. */
export function aggregate(input: MetricsInput): DashboardAggregates {
  const from = input.from.getTime();
  const to = input.to.getTime();
  if (!(from < to)) throw new Error('the period must end after it starts');
  const location = input.location ?? null;
  const previousFrom = previousPeriod(input.from, input.to).from.getTime();
  const names = new Map(input.members.map((m) => [m.id, m.name]));
  const allSales = uniqueEntries(input.sales);
  const saleLocation = new Map(input.saleLocations?.map((s) => [s.saleId, s.location]) ?? allSales.map((s) => [s.id, s.location]));

  const byMember = new Map<string, { visits: number; spend: number; lastAt: string }>();
  const previousSums = new Map<string, { visits: number; spend: number }>();
  const before = { anonymousSales: 0, anonymousRevenue: 0, pointsEarned: 0, pointsRedeemed: 0 };
  const quarters = new Map<number, { quarter: number; sales: number; total: number }>();
  const locations = new Map<string, { location: string; sales: number; memberSales: number; revenue: number }>();
  const anonymous = { sales: 0, revenue: 0 };
  for (const sale of allSales) {
    const t = Date.parse(sale.at);
    if (t >= previousFrom && t < from && (location === null || sale.location === location)) {
      if (sale.memberId !== null) {
        const p = previousSums.get(sale.memberId) ?? { visits: 0, spend: 0 };
        p.visits++;
        p.spend += sale.total;
        previousSums.set(sale.memberId, p);
      } else {
        before.anonymousSales++;
        before.anonymousRevenue += sale.total;
      }
    }
    if (!(t >= from && t < to)) continue;
    const place = locations.get(sale.location) ?? { location: sale.location, sales: 0, memberSales: 0, revenue: 0 };
    place.sales++;
    place.revenue += sale.total;
    if (sale.memberId !== null) place.memberSales++;
    locations.set(sale.location, place);
    if (location !== null && sale.location !== location) continue;
    if (sale.memberId !== null) {
      const c = byMember.get(sale.memberId) ?? { visits: 0, spend: 0, lastAt: sale.at };
      c.visits++;
      c.spend += sale.total;
      c.lastAt = later(c.lastAt, sale.at);
      byMember.set(sale.memberId, c);
    } else {
      anonymous.sales++;
      anonymous.revenue += sale.total;
    }
    const quarter = Math.floor(t / QUARTER_MS);
    const q = quarters.get(quarter) ?? { quarter, sales: 0, total: 0 };
    q.sales++;
    q.total += sale.total;
    quarters.set(quarter, q);
  }

  let pointsEarned = 0;
  let pointsRedeemed = 0;
  const rewards = new Map<string, RewardFigures>();
  const allEntries = uniqueEntries(input.entries);
  for (const e of allEntries) {
    const t = Date.parse(e.at);
    if (!(t >= previousFrom && t < to)) continue;
    if (location !== null && (e.saleId === null || saleLocation.get(e.saleId) !== location)) continue;
    if (t < from) {
      if ((e.kind === 'earn' || e.kind === 'bonus') && e.points > 0) before.pointsEarned += e.points;
      if (e.kind === 'redeem') before.pointsRedeemed -= e.points;
      continue;
    }
    if ((e.kind === 'earn' || e.kind === 'bonus') && e.points > 0) pointsEarned += e.points;
    if (e.kind === 'redeem') {
      pointsRedeemed -= e.points;
      const { rewardId, label } = rewardKey(e.reason);
      const r = rewards.get(rewardId) ?? { rewardId, label, redemptions: 0, points: 0, stamps: 0 };
      r.redemptions++;
      r.points -= e.points;
      r.stamps -= e.stamps;
      rewards.set(rewardId, r);
    }
  }

  const lastActivity = new Map<string, string>();
  const touch = (memberId: string, at: string): void => {
    const seen = lastActivity.get(memberId);
    lastActivity.set(memberId, seen === undefined ? at : later(seen, at));
  };
  for (const m of input.members) touch(m.id, m.joinedAt);
  for (const s of allSales) if (s.memberId !== null) touch(s.memberId, s.at);
  for (const e of allEntries) touch(e.memberId, e.at);

  const thresholds = { ...DEFAULT_SEGMENTS, ...input.segments };
  const members = emptyMemberSummary();
  for (const id of new Set([...byMember.keys(), ...previousSums.keys()])) {
    const c = byMember.get(id);
    const p = previousSums.get(id);
    foldMember(
      members,
      { memberId: id, visits: c?.visits ?? 0, spend: c?.spend ?? 0, lastAt: c?.lastAt ?? null, previousVisits: p?.visits ?? 0, previousSpend: p?.spend ?? 0 },
      1,
      input.to,
      thresholds,
    );
  }
  const top = [...byMember]
    .map(([memberId, c]) => ({ memberId, name: names.get(memberId) ?? null, ...c }))
    .sort(byTopOrder)
    .slice(0, input.topN ?? 10)
    .map((c) => customerFigures(c, input.to, thresholds));

  return {
    members,
    top,
    anonymous,
    quarters: [...quarters.values()],
    pointsEarned,
    pointsRedeemed,
    rewards: [...rewards.values()],
    previous: before,
    locations: [...locations.values()],
    lastActivity: input.members.map((m) => ({ memberId: m.id, name: m.name, lastAt: lastActivity.get(m.id) ?? m.joinedAt })),
  };
}

// A quarter hour's local weekday and hour never change, and a page asks for the same ~3,000 of a
// month on every read: remembered, so Intl is asked once per quarter hour and zone, not per read.
const quarterCache = new Map<string, { weekday: number; hour: number }>();
function localQuarter(quarter: number, timeZone: string): { weekday: number; hour: number } {
  const key = `${timeZone} ${quarter}`;
  let local = quarterCache.get(key);
  if (!local) {
    const t = localTime(new Date(quarter * QUARTER_MS), timeZone);
    local = { weekday: t.weekday, hour: Number(t.time.slice(0, 2)) };
    if (quarterCache.size >= 200_000) quarterCache.clear();
    quarterCache.set(key, local);
  }
  return local;
}

/** The dashboard from the period's aggregates: the one definition of every figure. */
export function figures(agg: DashboardAggregates, options: FigureOptions): Dashboard {
  // Every zone's offset is a whole number of quarter hours, so weekday and hour are constant within a
  // UTC quarter hour: Intl is asked once per quarter hour, not once per sale.
  const cells = new Map<string, HeatCell>();
  for (const q of agg.quarters) {
    const { weekday, hour } = localQuarter(q.quarter, options.timeZone);
    const key = `${weekday}:${hour}`;
    const cell = cells.get(key) ?? { weekday, hour, sales: 0, total: 0 };
    cell.sales += q.sales;
    cell.total += q.total;
    cells.set(key, cell);
  }

  const m = agg.members;
  const memberSales = m.sales;
  const memberRevenue = m.revenue;
  const sales = memberSales + agg.anonymous.sales;
  const allRevenue = memberRevenue + agg.anonymous.revenue;
  const repeatMembers = m.repeat;

  const inactiveDays = options.inactiveDays ?? 60;
  const inactive = agg.lastActivity
    .map((m) => ({ memberId: m.memberId, name: m.name, lastAt: m.lastAt, days: daysBetween(new Date(m.lastAt), options.now) }))
    .filter((m) => m.days > inactiveDays)
    .sort((a, b) => b.days - a.days || a.memberId.localeCompare(b.memberId));

  const now: PeriodSums = {
    memberSales,
    memberRevenue,
    anonymousSales: agg.anonymous.sales,
    anonymousRevenue: agg.anonymous.revenue,
    activeMembers: m.active,
    repeatMembers,
    pointsEarned: agg.pointsEarned,
    pointsRedeemed: agg.pointsRedeemed,
  };
  const current = kpiValues(now);
  const before = kpiValues({
    ...agg.previous,
    memberSales: m.previous.sales,
    memberRevenue: m.previous.revenue,
    activeMembers: m.previous.active,
    repeatMembers: m.previous.repeat,
  });
  const kpis = Object.fromEntries(
    KPIS.map((k) => {
      const value = current[k];
      const previous = before[k];
      return [k, { value, previous, change: value === null || previous === null ? null : value - previous }];
    }),
  ) as Record<Kpi, KpiFigure>;

  return {
    kpis,
    sales,
    memberSales,
    nonMemberSales: agg.anonymous.sales,
    participation: ratio(memberSales, sales),
    pointsEarned: agg.pointsEarned,
    pointsRedeemed: agg.pointsRedeemed,
    redemptionRate: ratio(agg.pointsRedeemed, agg.pointsEarned),
    activeMembers: m.active,
    repeatMembers,
    repeatRate: ratio(repeatMembers, m.active),
    visitFrequency: ratio(memberSales, m.active),
    averageSale: {
      all: average(allRevenue, sales),
      members: average(memberRevenue, memberSales),
      nonMembers: average(agg.anonymous.revenue, agg.anonymous.sales),
    },
    revenue: { all: allRevenue, members: memberRevenue, nonMembers: agg.anonymous.revenue },
    retention: {
      previousActive: m.previous.active,
      retained: m.retained,
      lapsed: m.previous.active - m.retained,
      newActive: m.active - m.retained,
      rate: ratio(m.retained, m.previous.active),
    },
    top: agg.top,
    segments: { ...m.segments },
    rewards: [...agg.rewards].sort((a, b) => b.redemptions - a.redemptions || a.rewardId.localeCompare(b.rewardId)),
    heatmap: [...cells.values()].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour),
    locations: agg.locations
      .map((l) => ({ ...l, participation: ratio(l.memberSales, l.sales), averageSale: average(l.revenue, l.sales) }))
      .sort((a, b) => a.location.localeCompare(b.location)),
    inactive,
  };
}

/** The KPIs of a period from its sums: the same definitions as the dashboard's figures above. */
export function kpiValues(p: PeriodSums): Record<Kpi, number | null> {
  return {
    participation: ratio(p.memberSales, p.memberSales + p.anonymousSales),
    redemptionRate: ratio(p.pointsRedeemed, p.pointsEarned),
    repeatRate: ratio(p.repeatMembers, p.activeMembers),
    avgMembers: average(p.memberRevenue, p.memberSales),
    avgNonMembers: average(p.anonymousRevenue, p.anonymousSales),
    activeMembers: p.activeMembers,
  };
}

export function dashboard(input: MetricsInput): Dashboard {
  return figures(aggregate(input), input);
}

/** The instant a calendar date (YYYY-MM-DD) begins in an IANA time zone (DST-safe: corrects by the zone's offset twice). */
export function zonedMidnight(date: string, timeZone: string): Date {
  const utc = Date.parse(`${date}T00:00:00Z`);
  const offsetAt = (t: number): number => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .formatToParts(new Date(t))
        .map((p) => [p.type, p.value]),
    );
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - t;
  };
  let guess = utc - offsetAt(utc);
  guess = utc - offsetAt(guess);
  return new Date(guess);
}

/** The overview's period when the owner has not picked one: the last 30 of the shop's days and today. */
export const DEFAULT_PERIOD_DAYS = 30;

/**
 * The overview's default period at `now` in the shop's zone, as dates ([from, to), YYYY-MM-DD) and
 * as the instants the page reads: one definition for the page and for preparing it ahead.
 */
export function defaultPeriod(now: Date, timeZone: string): { fromDate: string; toDate: string; from: Date; to: Date } {
  const today = localTime(now, timeZone).date;
  const fromDate = addDays(today, -DEFAULT_PERIOD_DAYS);
  const toDate = addDays(today, 1);
  return { fromDate, toDate, from: zonedMidnight(fromDate, timeZone), to: zonedMidnight(toDate, timeZone) };
}
