import { describe, expect, it } from 'vitest';
import { basePoints, birthdayYearOf, earnForSale, formatEntryLine, saleInputSchema, type SaleInput } from '../../core/earn';
import { LoyaltyError } from '../../core/ledger/errors';
import { ledgerEntrySchema } from '../../core/ledger/entry';
import { money, MoneyError } from '../../core/money';
import type { RuleOf } from '../../core/program/schema';
import { newMember, program, regular, sequentialIds } from './core-fixtures';

// 2026-11-24 is a Tuesday; Warsaw is UTC+1 in November.
const WEDNESDAY_10 = new Date('2026-11-25T09:00:00Z');
const TUESDAY_10 = new Date('2026-11-24T09:00:00Z');

function sale(amount: number, lines?: SaleInput['lines']): SaleInput {
  return lines ? { id: 's1', total: money(amount, 'PLN'), lines } : { id: 's1', total: money(amount, 'PLN') };
}

function earn(amount: number, at: Date, member = regular(), p = program(), lines?: SaleInput['lines']) {
  return earnForSale(p, member, sale(amount, lines), at, sequentialIds());
}

function pointsRule(bands: { upTo?: number; points: number }[], rounding: 'floor' | 'halfUp' = 'floor', minSale?: number): RuleOf<'points'> {
  return { type: 'points', id: 'p', unit: 100, bands, rounding, ...(minSale === undefined ? {} : { minSale }) };
}

describe('base points', () => {
  it('bands are marginal: 5 points per zł up to 50 zł, 10 per zł above', () => {
    const rule = pointsRule([{ upTo: 5000, points: 5 }, { points: 10 }]);
    expect(basePoints(rule, 5000)).toBe(250);
    expect(basePoints(rule, 8000)).toBe(250 + 300);
    expect(basePoints(rule, 5001)).toBe(250); // 250.1 floored once per sale
    expect(basePoints(rule, 1845)).toBe(92); // 92.25
  });

  it('rounds once per sale: floor, or half up', () => {
    expect(basePoints(pointsRule([{ points: 1 }]), 1899)).toBe(18);
    expect(basePoints(pointsRule([{ points: 1 }], 'halfUp'), 1850)).toBe(19);
    expect(basePoints(pointsRule([{ points: 1 }], 'halfUp'), 1849)).toBe(18);
  });

  it('a sale under the minimum earns no points but still counts its spend', () => {
    const p = program({ rules: [{ type: 'points', id: 'points', unit: 100, bands: [{ points: 1 }], rounding: 'floor', minSale: 500 }], rewards: [] });
    const { entries } = earn(499, WEDNESDAY_10, regular(), p);
    expect(entries).toEqual([expect.objectContaining({ kind: 'earn', points: 0, spend: 499 })]);
    expect(earn(500, WEDNESDAY_10, regular(), p).summary.points).toBe(5);
  });
});

describe('earnForSale', () => {
  it('a plain sale: one base entry with the spend, a visit stamp, headline "+18"', () => {
    const { entries, summary } = earn(1840, WEDNESDAY_10);
    expect(entries).toEqual([
      {
        id: 'e1',
        memberId: 'm1',
        kind: 'earn',
        points: 18,
        stamps: 0,
        saleId: 's1',
        reverses: null,
        reason: { code: 'base', ruleId: 'points' },
        at: '2026-11-25T09:00:00.000Z',
        spend: 1840,
      },
      {
        id: 'e2',
        memberId: 'm1',
        kind: 'earn',
        points: 0,
        stamps: 1,
        saleId: 's1',
        reverses: null,
        reason: { code: 'stamps', ruleId: 'visit-card', label: 'visit-card' },
        at: '2026-11-25T09:00:00.000Z',
      },
    ]);
    expect(summary).toMatchObject({ points: 18, stamps: { 'visit-card': 1 }, headline: '+18' });
    for (const e of entries) expect(ledgerEntrySchema.parse(e)).toEqual(e);
  });

  it('double points on Tuesday: "+36 (x2 Tuesday)"', () => {
    const { entries, summary } = earn(1840, TUESDAY_10);
    expect(summary.headline).toBe('+36 (x2 Tuesday)');
    const campaign = entries.find((e) => e.reason.code === 'campaign');
    expect(campaign).toMatchObject({ kind: 'bonus', points: 18, reason: { ruleId: 'tuesday', label: 'x2 Tuesday' } });
    expect(formatEntryLine(campaign!)).toBe('+18 (x2 Tuesday)');
  });

  it('reads the weekday in the shop time zone, not UTC', () => {
    expect(earn(1840, new Date('2026-11-23T23:30:00Z')).summary.points).toBe(36); // Tue 00:30 in Warsaw
    expect(earn(1840, new Date('2026-11-24T22:59:00Z')).summary.points).toBe(36); // Tue 23:59 in Warsaw
    expect(earn(1840, new Date('2026-11-24T23:00:00Z')).summary.points).toBe(18); // Wed 00:00 in Warsaw
    const budapest = program({ timeZone: 'America/New_York' });
    expect(earn(1840, new Date('2026-11-24T03:00:00Z'), regular(), budapest).summary.points).toBe(18); // still Monday in New York
  });

  it('a time window in local time: x1.5 happy hour 15:00–17:00 Warsaw', () => {
    expect(earn(1840, new Date('2026-11-25T14:00:00Z')).summary.headline).toBe('+27 (x1.5 happy hour)');
    expect(earn(1840, new Date('2026-11-25T16:00:00Z')).summary.points).toBe(18); // 17:00 local, window closed
    expect(earn(1840, new Date('2026-11-25T13:59:00Z')).summary.points).toBe(18); // 14:59 local
  });

  it('campaign multipliers do not stack: the highest active one applies', () => {
    const { summary } = earn(1840, new Date('2026-11-24T14:30:00Z')); // Tuesday 15:30: x2 and x1.5 active
    expect(summary.points).toBe(36);
    expect(summary.applied.filter((a) => a.points > 0).map((a) => a.ruleId)).toEqual(['tuesday']);
  });

  it('a date-range campaign applies on its days only', () => {
    const p = program({
      rules: [
        { type: 'points', id: 'points', unit: 100, bands: [{ points: 1 }], rounding: 'floor' },
        { type: 'multiplier', id: 'xmas', label: 'x3 Christmas', multiplier: 3, when: { startDate: '2026-12-20', endDate: '2026-12-24' } },
      ],
      rewards: [],
    });
    expect(earn(1000, new Date('2026-12-19T22:59:00Z'), regular(), p).summary.points).toBe(10);
    expect(earn(1000, new Date('2026-12-19T23:00:00Z'), regular(), p).summary.points).toBe(30);
    expect(earn(1000, new Date('2026-12-24T22:59:00Z'), regular(), p).summary.points).toBe(30);
    expect(earn(1000, new Date('2026-12-24T23:00:00Z'), regular(), p).summary.points).toBe(10);
  });

  it('tier multiplier first, then the campaign, on floor(base × tier × campaign); the tier discount is reported', () => {
    const { entries, summary } = earn(1840, TUESDAY_10, regular({ tierId: 'gold' }));
    expect(entries.filter((e) => e.kind !== 'earn' || e.points > 0).map((e) => [e.reason.code, e.points])).toEqual([
      ['base', 18],
      ['tier', 9],
      ['campaign', 27],
    ]);
    expect(summary.points).toBe(54);
    expect(summary.headline).toBe('+54 (Gold x1.5, x2 Tuesday)');
    expect(summary.tier).toEqual({ id: 'gold', name: 'Gold', discountPercent: 5 });
    expect(earn(1840, WEDNESDAY_10, regular({ tierId: 'silver' })).summary.points).toBe(22); // floor(18 × 1.25)
  });

  it('bonus above a spend threshold is added after multipliers and never multiplied', () => {
    expect(earn(10000, WEDNESDAY_10).summary).toMatchObject({ points: 120, headline: '+120 (over 100 zł)' });
    expect(earn(10000, TUESDAY_10).summary.points).toBe(220);
    expect(earn(9999, WEDNESDAY_10).summary.points).toBe(99);
  });

  it('first purchase of a referred member: welcome bonus, and the referral pays both sides', () => {
    const { entries, summary } = earn(1840, WEDNESDAY_10, newMember({ referredBy: 'm0' }));
    const bonuses = entries.filter((e) => e.kind === 'bonus').map((e) => [e.memberId, e.reason.code, e.points, e.reason.label]);
    expect(bonuses).toEqual([
      ['m1', 'welcome', 50, 'welcome bonus'],
      ['m1', 'referred', 20, 'referred by a friend'],
      ['m0', 'referrer', 40, 'friend referred'],
    ]);
    expect(summary.points).toBe(18 + 50 + 20);
    expect(entries.every((e) => e.saleId === 's1')).toBe(true);
    // Not again once paid.
    expect(earn(1840, WEDNESDAY_10, regular({ referredBy: 'm0', referralPaid: true })).entries.some((e) => e.kind === 'bonus')).toBe(false);
    // A member referred after earlier purchases (the hub records it when the contact is proven): the next purchase pays it.
    const later = earn(1840, WEDNESDAY_10, regular({ referredBy: 'm0' })).entries.filter((e) => e.kind === 'bonus');
    expect(later.map((e) => [e.memberId, e.reason.code, e.points])).toEqual([
      ['m1', 'referred', 20],
      ['m0', 'referrer', 40],
    ]);
    // Never for a member referring themself.
    expect(earn(1840, WEDNESDAY_10, newMember({ referredBy: 'm1' })).entries.some((e) => e.reason.code.startsWith('referr'))).toBe(false);
  });

  it('default labels speak the program language', () => {
    const { entries } = earn(1840, WEDNESDAY_10, newMember(), program({ locale: 'pl' }));
    expect(entries.find((e) => e.reason.code === 'welcome')?.reason.label).toBe('premia powitalna');
  });

  it('birthday reward within the birthday week, once a year', () => {
    expect(earn(1840, TUESDAY_10, regular({ birthday: '11-20' })).summary.applied.map((a) => a.code)).toContain('birthday');
    expect(earn(1840, TUESDAY_10, regular({ birthday: '11-24' })).summary.applied.map((a) => a.code)).toContain('birthday');
    expect(earn(1840, TUESDAY_10, regular({ birthday: '11-17' })).summary.applied.map((a) => a.code)).not.toContain('birthday'); // 7 days ago
    expect(earn(1840, TUESDAY_10, regular({ birthday: '11-25' })).summary.applied.map((a) => a.code)).not.toContain('birthday'); // tomorrow
    expect(earn(1840, TUESDAY_10, regular({ birthday: '11-20', lastBirthdayRewardYear: 2026 })).summary.applied.map((a) => a.code)).not.toContain('birthday');
  });

  it('a birthday week that runs into January pays once, for the birthday of the year before', () => {
    const p = program({ rules: [{ type: 'birthday', id: 'b', points: 30, window: 'week' }], rewards: [] });
    const jan2 = new Date('2027-01-02T12:00:00Z');
    expect(earn(1000, jan2, regular({ birthday: '12-30' }), p).summary.points).toBe(30);
    // Paid on 2 January 2027 for the birthday of 2026 (birthdayYearOf): not again that week, again in December 2027.
    expect(birthdayYearOf('12-30', '2027-01-02')).toBe(2026);
    expect(earn(1000, jan2, regular({ birthday: '12-30', lastBirthdayRewardYear: 2026 }), p).summary.points).toBe(0);
    expect(earn(1000, new Date('2027-12-31T12:00:00Z'), regular({ birthday: '12-30', lastBirthdayRewardYear: 2026 }), p).summary.points).toBe(30);
  });

  it('a 29 February birthday counts on 28 February in other years', () => {
    const p = program({ rules: [{ type: 'birthday', id: 'b', points: 30, window: 'day' }], rewards: [] });
    expect(earn(1000, new Date('2027-02-28T12:00:00Z'), regular({ birthday: '02-29' }), p).summary.points).toBe(30);
    expect(earn(1000, new Date('2028-02-28T12:00:00Z'), regular({ birthday: '02-29' }), p).summary.points).toBe(0);
    expect(earn(1000, new Date('2028-02-29T12:00:00Z'), regular({ birthday: '02-29' }), p).summary.points).toBe(30);
  });

  it('win-back bonus after 60 days without a visit', () => {
    expect(earn(1840, WEDNESDAY_10, regular({ lastVisitAt: '2026-09-26T09:00:00Z' })).summary.applied.map((a) => a.code)).toEqual(['winBack', 'stamps']);
    expect(earn(1840, WEDNESDAY_10, regular({ lastVisitAt: '2026-09-26T09:00:01Z' })).summary.applied.map((a) => a.code)).toEqual(['stamps']);
  });

  it('visit milestone on the 10th visit', () => {
    expect(earn(1840, WEDNESDAY_10, regular({ visits: 9 })).summary.headline).toBe('+118 (10. visit)');
    expect(earn(1840, WEDNESDAY_10, regular({ visits: 10 })).summary.points).toBe(18);
  });

  it('stamps per item of a category, one entry per card identified by reason.ruleId', () => {
    const { entries, summary } = earn(2400, WEDNESDAY_10, regular(), program(), [
      { category: 'coffee', product: 'latte', quantity: 2 },
      { category: 'cake', quantity: 1 },
      { category: 'coffee', quantity: 1 },
    ]);
    expect(summary.stamps).toEqual({ 'coffee-card': 3, 'visit-card': 1 });
    expect(entries.filter((e) => e.stamps > 0).map((e) => [e.reason.ruleId, e.stamps, e.points])).toEqual([
      ['coffee-card', 3, 0],
      ['visit-card', 1, 0],
    ]);
    expect(earn(900, WEDNESDAY_10).summary.stamps).toEqual({}); // visit card needs 10 zł
  });

  it('is pure: same input, same output; ids come only from the injected source', () => {
    const a = earn(1840, TUESDAY_10, newMember({ referredBy: 'm0', birthday: '11-24' }));
    const b = earn(1840, TUESDAY_10, newMember({ referredBy: 'm0', birthday: '11-24' }));
    expect(a).toEqual(b);
    expect(a.entries.map((e) => e.id)).toEqual(a.entries.map((_, i) => `e${i + 1}`));
  });

  it.each([
    [{ id: 's1', total: { amount: 1840, currency: 'EUR' } }, LoyaltyError, /sale is in EUR but this shop's program counts in PLN/],
    [{ id: 's1', total: { amount: 0, currency: 'PLN' } }, MoneyError, /more than zero/],
    [{ id: 's1', total: { amount: -500, currency: 'PLN' } }, MoneyError, /more than zero/],
    [{ id: 's1', total: { amount: 1840, currency: 'XYZ' } }, MoneyError, /unknown currency "XYZ"/],
    [{ id: 's1', total: { amount: 10_000_001, currency: 'PLN' } }, MoneyError, /over this shop's ceiling/],
  ])('refuses %j', (bad, type, message) => {
    const ids = sequentialIds();
    expect(() => earnForSale(program(), regular(), bad as SaleInput, WEDNESDAY_10, ids)).toThrow(type);
    expect(() => earnForSale(program(), regular(), bad as SaleInput, WEDNESDAY_10, ids)).toThrow(message);
    expect(ids()).toBe('e1'); // nothing was computed
  });

  it('sale and line shapes are checked by saleInputSchema', () => {
    expect(saleInputSchema.safeParse({ id: 's1', total: { amount: 1840, currency: 'PLN' }, lines: [{ category: 'coffee', quantity: 2 }] }).success).toBe(true);
    const bad = saleInputSchema.safeParse({ id: 's1', total: { amount: 18.4, currency: 'PLN' }, lines: [{ category: 'coffee', quantity: 0 }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['total.amount', 'lines.0.quantity']);
  });

  it('a program ceiling overrides the currency default', () => {
    expect(() => earn(5001, WEDNESDAY_10, regular(), program({ maxSale: 5000 }))).toThrow(/PLN.50.01 is over this shop's ceiling of PLN.50.00/);
  });
});
