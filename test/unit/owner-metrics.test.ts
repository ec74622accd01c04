import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../core/ledger/entry';
import { aggregate, dashboard, figures, previousPeriod, zonedMidnight, type MemberFact, type SaleFact } from '../../core/metrics';

// A week in Kraków (Europe/Warsaw is UTC+1 in November): Monday 2 Nov 2026 00:00 to Monday 9 Nov 00:00.
const from = new Date('2026-11-02T00:00:00+01:00');
const to = new Date('2026-11-09T00:00:00+01:00'); // = 2026-11-08T23:00Z
const timeZone = 'Europe/Warsaw';

const members: MemberFact[] = [
  { id: 'A', name: 'Anna', joinedAt: '2026-10-01T09:00:00Z' },
  { id: 'B', name: 'Béla', joinedAt: '2026-10-15T09:00:00Z' },
  { id: 'C', name: 'Cyril', joinedAt: '2026-06-01T09:00:00Z' },
];

const sales: SaleFact[] = [
  { id: 's1', memberId: 'A', total: 1840, at: '2026-11-02T08:15:00Z', location: 'K1' }, // Mon 09:15 local
  { id: 's2', memberId: 'A', total: 2500, at: '2026-11-03T08:40:00Z', location: 'K1' }, // Tue 09:40
  { id: 's3', memberId: 'A', total: 20000, at: '2026-11-05T16:10:00Z', location: 'K2' }, // Thu 17:10
  { id: 's4', memberId: 'B', total: 1000, at: '2026-11-03T09:05:00Z', location: 'K1' }, // Tue 10:05
  { id: 's5', memberId: null, total: 1200, at: '2026-11-03T08:50:00Z', location: 'K1' }, // Tue 09:50
  { id: 's6', memberId: null, total: 800, at: '2026-11-07T10:30:00Z', location: 'K2' }, // Sat 11:30
  { id: 's7', memberId: 'A', total: 5000, at: '2026-10-20T10:00:00Z', location: 'K1' }, // before the period
  { id: 's8', memberId: null, total: 999, at: '2026-11-08T23:00:00Z', location: 'K1' }, // exactly `to`: outside
  { id: 's9', memberId: 'C', total: 700, at: '2026-08-01T10:00:00Z', location: 'K1' }, // Cyril's last visit
];

function entry(
  id: string,
  memberId: string,
  kind: LedgerEntry['kind'],
  points: number,
  saleId: string | null,
  at: string,
  extra: Partial<LedgerEntry> = {},
): LedgerEntry {
  return { id, memberId, kind, points, stamps: 0, saleId, reverses: null, reason: { code: kind }, at, ...extra };
}

const entries: LedgerEntry[] = [
  entry('e1', 'A', 'earn', 18, 's1', '2026-11-02T08:15:00Z'),
  entry('e2', 'A', 'earn', 25, 's2', '2026-11-03T08:40:00Z'),
  entry('e3', 'A', 'earn', 200, 's3', '2026-11-05T16:10:00Z'),
  entry('e4', 'A', 'bonus', 50, 's1', '2026-11-02T08:15:00Z', { reason: { code: 'welcome' } }),
  entry('e5', 'B', 'earn', 10, 's4', '2026-11-03T09:05:00Z'),
  entry('e6', 'A', 'redeem', -100, 's3', '2026-11-05T16:11:00Z', { reason: { code: 'redeem', ruleId: 'coffee', label: 'Free coffee' } }),
  entry('e7', 'B', 'redeem', 0, null, '2026-11-06T10:00:00Z', { stamps: -9, reason: { code: 'redeem', ruleId: 'card1', label: 'Free cake' } }),
  entry('e8', 'A', 'reversal', -25, 's2', '2026-11-04T10:00:00Z', { reverses: 'e2' }),
  entry('e9', 'A', 'earn', 50, 's7', '2026-10-20T10:00:00Z'),
  entry('e1', 'A', 'earn', 18, 's1', '2026-11-02T08:15:00Z'), // the same entry received twice
  entry('e10', 'C', 'earn', 7, 's9', '2026-08-01T10:00:00Z'),
];

const base = { sales, entries, members, from, to, now: to, timeZone };

describe('owner dashboard maths (hand-computed)', () => {
  const d = dashboard(base);

  it('counts the sales of the period and the share claimed by members', () => {
    // In [from, to): s1..s6 (s7 before, s8 at `to`, s9 in August) → 6 sales; members s1 s2 s3 s4 → 4.
    expect(d.sales).toBe(6);
    expect(d.memberSales).toBe(4);
    expect(d.nonMemberSales).toBe(2);
    expect(d.participation).toBeCloseTo(4 / 6, 12);
  });

  it('redemption rate = points redeemed / points earned in the period', () => {
    // earned: e1 18 + e2 25 + e3 200 + e4 50 + e5 10 = 303 (e1 once; e9 October; e8 a reversal, not earning).
    // redeemed: e6 100 (e7 costs stamps, 0 points) = 100 → 100 / 303.
    expect(d.pointsEarned).toBe(303);
    expect(d.pointsRedeemed).toBe(100);
    expect(d.redemptionRate).toBeCloseTo(100 / 303, 12);
  });

  it('repeat rate, visit frequency and average sale of members against non-members', () => {
    // Anna 3 sales, Béla 1 → 1 of 2 members came back: 0.5; 4 member sales / 2 members = 2 visits each.
    expect(d.activeMembers).toBe(2);
    expect(d.repeatMembers).toBe(1);
    expect(d.repeatRate).toBe(0.5);
    expect(d.visitFrequency).toBe(2);
    // all: 1840 + 2500 + 20000 + 1000 + 1200 + 800 = 27340; / 6 = 4556.67 → 4557
    // members: 1840 + 2500 + 20000 + 1000 = 25340; / 4 = 6335. non-members: 1200 + 800 = 2000; / 2 = 1000.
    expect(d.revenue).toEqual({ all: 27340, members: 25340, nonMembers: 2000 });
    expect(d.averageSale).toEqual({ all: 4557, members: 6335, nonMembers: 1000 });
  });

  it('top customers and segments by recency, frequency and spend', () => {
    // Anna: 3 visits, 1840 + 2500 + 20000 = 24340, last s3 Thu 16:10Z → 3 d 6 h 50 min before `to` → 3 days.
    //   visits 3 < 8 (not Platinum); spend 24340 >= 20000 and 3 <= 30 days → Premium.
    // Béla: 1 visit, 1000, last Tue 09:05Z → 5 d 13 h 55 min → 5 days; Standard.
    expect(d.top.map((c) => [c.memberId, c.name, c.visits, c.spend, c.recencyDays, c.segment])).toEqual([
      ['A', 'Anna', 3, 24340, 3, 'Premium'],
      ['B', 'Béla', 1, 1000, 5, 'Standard'],
    ]);
    expect(d.segments).toEqual({ Standard: 1, Loyal: 0, Premium: 1, Platinum: 0 });
    // With loyalVisits 3 and premiumSpend 30000: Anna (3 visits, 24340) is Loyal; Platinum at 3 visits and 24000 spend.
    expect(dashboard({ ...base, segments: { loyalVisits: 3, premiumSpend: 30_000 } }).segments).toEqual({ Standard: 1, Loyal: 1, Premium: 0, Platinum: 0 });
    expect(dashboard({ ...base, segments: { platinumVisits: 3, platinumSpend: 24_000 } }).top[0]!.segment).toBe('Platinum');
    expect(dashboard({ ...base, topN: 1 }).top.map((c) => c.memberId)).toEqual(['A']);
  });

  it('reward popularity', () => {
    // One coffee for 100 points, one cake for 9 stamps; equal counts sort by id: card1 < coffee.
    expect(d.rewards).toEqual([
      { rewardId: 'card1', label: 'Free cake', redemptions: 1, points: 0, stamps: 9 },
      { rewardId: 'coffee', label: 'Free coffee', redemptions: 1, points: 100, stamps: 0 },
    ]);
  });

  it('weekday × hour heatmap in the shop time zone', () => {
    // Local times (UTC+1): Mon 09 s1 1840; Tue 09 s2 2500 + s5 1200 = 3700; Tue 10 s4 1000; Thu 17 s3 20000; Sat 11 s6 800.
    expect(d.heatmap).toEqual([
      { weekday: 1, hour: 9, sales: 1, total: 1840 },
      { weekday: 2, hour: 9, sales: 2, total: 3700 },
      { weekday: 2, hour: 10, sales: 1, total: 1000 },
      { weekday: 4, hour: 17, sales: 1, total: 20000 },
      { weekday: 6, hour: 11, sales: 1, total: 800 },
    ]);
    // The same sales seen from UTC move an hour back: s1 is Mon 08.
    expect(dashboard({ ...base, timeZone: 'UTC' }).heatmap[0]).toEqual({ weekday: 1, hour: 8, sales: 1, total: 1840 });
  });

  it('members inactive for more than N days', () => {
    // Cyril: last activity 1 Aug 10:00Z; to 8 Nov 23:00Z = 31 + 30 + 31 + 7 days + 13 h → 99 days > 60.
    // Anna's last entry is 5 Nov (3 days), Béla's 6 Nov (2 days).
    expect(d.inactive).toEqual([{ memberId: 'C', name: 'Cyril', lastAt: '2026-08-01T10:00:00Z', days: 99 }]);
    expect(dashboard({ ...base, inactiveDays: 99 }).inactive).toEqual([]);
    expect(dashboard({ ...base, inactiveDays: 2 }).inactive.map((m) => [m.memberId, m.days])).toEqual([
      ['C', 99],
      ['A', 3],
    ]);
  });

  it('one location: its sales, and only the entries of its sales', () => {
    const k1 = dashboard({ ...base, location: 'K1' });
    // K1 in the period: s1 s2 s4 (members) and s5 → 4 sales, 3 of members.
    expect([k1.sales, k1.memberSales, k1.participation]).toEqual([4, 3, 3 / 4]);
    // earned on K1 sales: e1 18 + e2 25 + e4 50 + e5 10 = 103; e6 is on s3 (K2), e7 has no sale → 0 redeemed.
    expect([k1.pointsEarned, k1.pointsRedeemed, k1.redemptionRate]).toEqual([103, 0, 0]);
    // Anna 1840 + 2500 = 4340 in 2 visits, Béla 1000 in 1.
    expect(k1.top.map((c) => [c.memberId, c.visits, c.spend])).toEqual([
      ['A', 2, 4340],
      ['B', 1, 1000],
    ]);
    expect(k1.repeatRate).toBe(0.5);
  });

  it('retention: members active in the week before who came back this week', () => {
    // The previous period is the 7 × 24 h before `from`: [2026-10-25T23:00Z, 2026-11-01T23:00Z).
    expect(previousPeriod(from, to)).toEqual({ from: new Date('2026-10-25T23:00:00Z'), to: from });
    // In the base data nobody bought in that week (Anna's s7 is 20 Oct): no rate, not 0 %.
    expect(d.retention).toEqual({ previousActive: 0, retained: 0, lapsed: 0, newActive: 2, rate: null });
    const withWeekBefore = [
      ...sales,
      { id: 'p1', memberId: 'A', total: 900, at: '2026-10-28T10:00:00Z', location: 'K1' },
      { id: 'p2', memberId: 'C', total: 900, at: '2026-10-30T10:00:00Z', location: 'K2' },
      { id: 'p3', memberId: null, total: 900, at: '2026-10-30T11:00:00Z', location: 'K1' },
      { id: 'p4', memberId: 'C', total: 900, at: '2026-10-25T22:59:59Z', location: 'K1' }, // a second before the previous week
    ];
    // Previous week: Anna (p1) and Cyril (p2) → 2. This week: Anna and Béla. Back: Anna → 1 / 2 = 50 %;
    // lapsed Cyril; new this week Béla.
    expect(dashboard({ ...base, sales: withWeekBefore }).retention).toEqual({ previousActive: 2, retained: 1, lapsed: 1, newActive: 1, rate: 0.5 });
    // At K1 alone: previous week Anna (p1; Cyril's p2 was at K2) → 1; Anna bought at K1 this week → 1 / 1; Béla new.
    expect(dashboard({ ...base, sales: withWeekBefore, location: 'K1' }).retention).toEqual({
      previousActive: 1,
      retained: 1,
      lapsed: 0,
      newActive: 1,
      rate: 1,
    });
    // The current figures do not change with sales before the period.
    expect(dashboard({ ...base, sales: withWeekBefore }).sales).toBe(6);
  });

  it('figures per location and together', () => {
    // K1: s1 1840 (A), s2 2500 (A), s4 1000 (B), s5 1200 (anonymous) → 4 sales, 3 members', 6540, 75 %, avg 1635.
    // K2: s3 20000 (A), s6 800 (anonymous) → 2 sales, 1 member's, 20800, 50 %, avg 10400. Together 6 sales, 27340.
    const expected = [
      { location: 'K1', sales: 4, memberSales: 3, revenue: 6540, participation: 0.75, averageSale: 1635 },
      { location: 'K2', sales: 2, memberSales: 1, revenue: 20800, participation: 0.5, averageSale: 10400 },
    ];
    expect(d.locations).toEqual(expected);
    expect(d.locations.reduce((n, l) => n + l.sales, 0)).toBe(d.sales);
    expect(d.locations.reduce((n, l) => n + l.revenue, 0)).toBe(d.revenue.all);
    // The per-location table stays whole when one location is chosen.
    expect(dashboard({ ...base, location: 'K2' }).locations).toEqual(expected);
  });

  it('figures() over aggregates is the whole definition: the same dashboard from the same sums', () => {
    const agg = aggregate(base);
    // UTC quarter hours: s1 08:15, s2 08:30 (08:40), s5 08:45 (08:50), s4 09:00, s6 10:30, s3 16:00 → 6 distinct.
    expect(agg.quarters).toHaveLength(6);
    expect(agg.anonymous).toEqual({ sales: 2, revenue: 2000 });
    expect(figures(agg, base)).toEqual(d);
    // Aggregates in any order give the same figures (a database returns groups unordered).
    const shuffled = {
      ...agg,
      quarters: [...agg.quarters].reverse(),
      rewards: [...agg.rewards].reverse(),
      locations: [...agg.locations].reverse(),
      lastActivity: [...agg.lastActivity].reverse(),
    };
    expect(figures(shuffled, base)).toEqual(d);
  });

  it('an empty period has no rates rather than zeros, and a backwards period is refused', () => {
    const empty = dashboard({ ...base, from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-02T00:00:00Z') });
    expect([empty.sales, empty.participation, empty.redemptionRate, empty.repeatRate, empty.averageSale.all]).toEqual([0, null, null, null, null]);
    expect(() => dashboard({ ...base, from: to, to: from })).toThrow(/period/);
  });
});

describe('zonedMidnight: where a shop’s calendar day starts', () => {
  it.each([
    ['2026-11-02', 'Europe/Warsaw', '2026-11-01T23:00:00.000Z'], // winter, UTC+1
    ['2026-07-01', 'Europe/Budapest', '2026-06-30T22:00:00.000Z'], // summer, UTC+2
    ['2026-03-29', 'Europe/Prague', '2026-03-28T23:00:00.000Z'], // the spring-forward day starts before the change (02:00)
    ['2026-10-25', 'Europe/Berlin', '2026-10-24T22:00:00.000Z'], // the fall-back day starts in summer time
    ['2026-11-02', 'UTC', '2026-11-02T00:00:00.000Z'],
  ])('%s in %s begins at %s', (date, zone, expected) => {
    expect(zonedMidnight(date, zone).toISOString()).toBe(expected);
  });
});
