import { describe, expect, it } from 'vitest';
import { earnForSale, type MemberState, type SaleInput } from '../../core/earn';
import { negate, type LedgerEntry } from '../../core/ledger/entry';
import { LoyaltyError } from '../../core/ledger/errors';
import { expiryEntry } from '../../core/ledger/expiry';
import {
  balanceOf,
  lifetimeSpend,
  memberProfileSchema,
  memberStateFromEntries,
  memberSummary,
  nextExpiry,
  pointsDueToExpire,
  projectTier,
  stampsByCard,
  visitsOf,
} from '../../core/ledger/projections';
import { redeemReward } from '../../core/ledger/redeem';
import { reverseLateEntries, reverseSale } from '../../core/ledger/reverse';
import { money } from '../../core/money';
import type { Program } from '../../core/program/schema';
import { newMember, program, regular, sequentialIds } from './core-fixtures';

const TUESDAY_10 = new Date('2026-11-24T09:00:00Z');
const LATER = new Date('2026-11-24T12:00:00Z');

function sold(
  amount: number,
  member: MemberState = regular(),
  at = TUESDAY_10,
  saleId = 's1',
  p: Program = program(),
  lines?: SaleInput['lines'],
): LedgerEntry[] {
  const sale: SaleInput = lines ? { id: saleId, total: money(amount, 'PLN'), lines } : { id: saleId, total: money(amount, 'PLN') };
  return earnForSale(p, member, sale, at, sequentialIds(`${saleId}-`)).entries;
}

function refund(ledger: LedgerEntry[], saleId: string, how: 'full' | number, p: Program = program()) {
  return reverseSale({
    program: p,
    saleId,
    saleEntries: ledger.filter((e) => e.saleId === saleId),
    memberEntries: ledger,
    refund: how === 'full' ? 'full' : money(how, 'PLN'),
    at: LATER,
    ids: sequentialIds(`r${ledger.length}-`),
  });
}

function errorOf(fn: () => unknown): LoyaltyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LoyaltyError) return error;
    throw error;
  }
  throw new Error('expected a LoyaltyError');
}

describe('projections', () => {
  it('balance, stamps per card and lifetime spend are folds over entries; repeated ids count once', () => {
    const ledger = [...sold(1840), ...sold(2400, regular(), TUESDAY_10, 's2', program(), [{ category: 'coffee', quantity: 2 }])];
    expect(balanceOf(ledger)).toBe(36 + 48);
    expect(balanceOf([...ledger, ...ledger])).toBe(36 + 48);
    expect(stampsByCard(ledger)).toEqual({ 'visit-card': 2, 'coffee-card': 2 });
    expect(stampsByCard([...ledger, ledger[0]!, ledger[1]!])).toEqual({ 'visit-card': 2, 'coffee-card': 2 });
    expect(lifetimeSpend(ledger)).toBe(4240);
    expect(visitsOf(ledger).map((v) => v.saleId)).toEqual(['s1', 's2']);
  });

  it('tier by spend over a rolling window: Silver at 500 zł, lost again when the window moves on', () => {
    const p = program();
    const ledger = [...sold(30000, regular(), new Date('2026-01-10T10:00:00Z'), 'a'), ...sold(25000, regular(), new Date('2026-06-10T10:00:00Z'), 'b')];
    expect(projectTier(p, ledger, new Date('2026-06-09T10:00:00Z'))?.id).toBe('bronze');
    expect(projectTier(p, ledger, new Date('2026-06-10T10:00:00Z'))?.id).toBe('silver');
    expect(projectTier(p, ledger, new Date('2027-01-10T09:59:00Z'))?.id).toBe('silver');
    expect(projectTier(p, ledger, new Date('2027-01-10T10:00:00Z'))?.id).toBe('bronze'); // sale a left the 365-day window
  });

  it('tier by visits counts sales not refunded in full', () => {
    const p = program({
      tiers: {
        basis: 'visits',
        windowDays: 30,
        levels: [
          { id: 'regular', name: 'Regular', threshold: 0 },
          { id: 'vip', name: 'VIP', threshold: 2 },
        ],
      },
    });
    const ledger = [...sold(1000, regular(), TUESDAY_10, 'a'), ...sold(1000, regular(), TUESDAY_10, 'b')];
    expect(projectTier(p, ledger, LATER)?.id).toBe('vip');
    const undone = [...ledger, ...refund(ledger, 'b', 'full', p).entries];
    expect(projectTier(p, undone, LATER)?.id).toBe('regular');
  });

  it('memberSummary gathers the projections for one member', () => {
    const ledger = [...sold(60000, newMember({ referredBy: 'm0' })), ...sold(1840, regular(), TUESDAY_10, 's2')];
    expect(memberSummary(program(), 'm1', [...ledger, ...ledger], LATER)).toEqual({
      balance: 1200 + 50 + 20 + 36 + 20,
      stamps: { 'visit-card': 2 },
      lifetimeSpend: 61840,
      visits: 2,
      tier: { id: 'silver', name: 'Silver' },
      dueToExpire: 0,
    });
    expect(memberSummary(program(), 'm0', ledger, LATER)).toEqual({
      balance: 40,
      stamps: {},
      lifetimeSpend: 0,
      visits: 0,
      tier: { id: 'bronze', name: 'Bronze' },
      dueToExpire: 0,
    });
  });

  it('memberProfileSchema checks what the store keeps', () => {
    expect(memberProfileSchema.safeParse({ id: 'm1', joinedAt: '2026-01-01T00:00:00Z', birthday: '02-29' }).success).toBe(true);
    expect(memberProfileSchema.safeParse({ id: 'm1', joinedAt: '2026-01-01T00:00:00Z', birthday: '13-01' }).error?.issues[0]?.path).toEqual(['birthday']);
  });

  it('memberStateFromEntries gives earnForSale what it needs', () => {
    const p = program();
    const profile = { id: 'm1', joinedAt: '2026-01-01T00:00:00Z', birthday: '11-20', referredBy: 'm0' };
    const empty = memberStateFromEntries(p, profile, [], TUESDAY_10);
    expect(empty).toEqual({
      id: 'm1',
      joinedAt: '2026-01-01T00:00:00Z',
      birthday: '11-20',
      referredBy: 'm0',
      visits: 0,
      firstPurchaseDone: false,
      windowSpend: 0,
      windowVisits: 0,
      tierId: 'bronze',
    });
    const first = earnForSale(p, empty, { id: 's1', total: money(60000, 'PLN') }, TUESDAY_10, sequentialIds('a')).entries;
    const state = memberStateFromEntries(p, profile, first, LATER);
    expect(state).toMatchObject({
      visits: 1,
      firstPurchaseDone: true,
      lastVisitAt: TUESDAY_10.toISOString(),
      tierId: 'silver',
      windowSpend: 60000,
      lastBirthdayRewardYear: 2026,
    });
    // The referrer's entry of that sale is not the member's.
    expect(memberStateFromEntries(p, { id: 'm0', joinedAt: '2025-01-01T00:00:00Z' }, first, LATER)).toMatchObject({ visits: 0 });
    expect(balanceOf(first.filter((e) => e.memberId === 'm0'))).toBe(40);
  });
});

describe('reverseSale', () => {
  it('a void reverses exactly the entries of that sale, each by a reversal that names it', () => {
    const other = sold(1000, regular(), TUESDAY_10, 's0');
    const sale = sold(2400, newMember({ referredBy: 'm0' }), TUESDAY_10, 's1', program(), [{ category: 'coffee', quantity: 2 }]);
    const ledger = [...other, ...sale];
    const result = refund(ledger, 's1', 'full');
    expect(result.fullyRefunded).toBe(true);
    expect(result.shortfalls).toEqual([]);
    expect(result.entries.map((e) => [e.reverses, e.memberId, e.points, e.stamps])).toEqual(
      sale.map((e) => [e.id, e.memberId, negate(e.points), negate(e.stamps)]),
    );
    expect(result.entries.every((e) => e.kind === 'reversal' && e.saleId === 's1')).toBe(true);
    const after = [...ledger, ...result.entries];
    expect(balanceOf(after.filter((e) => e.memberId === 'm1'))).toBe(balanceOf(other));
    expect(balanceOf(after.filter((e) => e.memberId === 'm0'))).toBe(0);
    expect(stampsByCard(after.filter((e) => e.memberId === 'm1'))).toEqual({ 'visit-card': 1, 'coffee-card': 0 });
    expect(lifetimeSpend(after)).toBe(1000);
  });

  it('partial refunds reverse pro rata, floored cumulatively, and the last one takes the rest', () => {
    let ledger = sold(1000, regular()); // Tuesday: base 10 + x2 campaign 10, 1 visit stamp
    const parts = [333, 333, 334].map((amount) => {
      const result = refund(ledger, 's1', amount);
      ledger = [...ledger, ...result.entries];
      return [result.entries.map((e) => e.points), balanceOf(ledger), stampsByCard(ledger)['visit-card'], result.remaining.amount];
    });
    expect(parts).toEqual([
      [[-3, -3], 14, 1, 667], // floor(10 × 333/1000) = 3 from base and from the campaign
      [[-3, -3], 8, 1, 334], // floor(10 × 666/1000) = 6 in all
      [[-4, -4, 0], 0, 0, 0], // all of it; the stamp goes with the last refund
    ]);
    expect(lifetimeSpend(ledger)).toBe(0);
  });

  it('flat bonuses stay until the sale is refunded in full', () => {
    let ledger = sold(1840, newMember());
    const half = refund(ledger, 's1', 920);
    expect(half.entries.map((e) => ledger.find((o) => o.id === e.reverses)?.reason.code)).toEqual(['base', 'campaign']);
    ledger = [...ledger, ...half.entries];
    expect(balanceOf(ledger)).toBe(36 - 18 + 50);
    const rest = refund(ledger, 's1', 'full');
    expect(rest.refunded.amount).toBe(920);
    ledger = [...ledger, ...rest.entries];
    expect(balanceOf(ledger)).toBe(0);
  });

  it('clawback rule: points already spent are not taken below zero; the shortfall is reported and written in the reason', () => {
    const p = program();
    let ledger = sold(1840, newMember()); // 36 + 50 welcome = 86
    const redemption = redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'five-zl', at: LATER, ids: sequentialIds('x') });
    ledger = [...ledger, ...redemption.entries];
    expect(balanceOf(ledger)).toBe(26);
    const result = refund(ledger, 's1', 'full');
    expect(result.shortfalls).toEqual([{ memberId: 'm1', points: 60, stamps: {} }]);
    ledger = [...ledger, ...result.entries];
    expect(balanceOf(ledger)).toBe(0);
    const labels = result.entries.map((e) => e.reason.label);
    expect(labels.filter((l) => l?.includes('already spent'))).toEqual([
      'refund; 10 already spent, not taken back',
      'refund; 50 already spent, not taken back',
    ]);
    expect(result.entries.every((e) => e.points <= 0)).toBe(true);
  });

  it('the same rule holds for stamps', () => {
    const p = program();
    let ledger: LedgerEntry[] = [];
    for (let i = 0; i < 9; i++) ledger.push(...sold(1000, regular(), TUESDAY_10, `c${i}`, p, [{ category: 'coffee', quantity: 1 }]));
    ledger.push(...redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'free-coffee', at: LATER, ids: sequentialIds('x') }).entries);
    expect(stampsByCard(ledger)['coffee-card']).toBe(0);
    const result = refund(ledger, 'c8', 'full');
    expect(result.shortfalls).toEqual([{ memberId: 'm1', points: 0, stamps: { 'coffee-card': 1 } }]);
    ledger = [...ledger, ...result.entries];
    expect(stampsByCard(ledger)['coffee-card']).toBe(0);
  });

  it.each([
    ['an unknown sale', 'nope', 'full', 'unknown_sale', /no sale "nope"/],
    ['more than was sold', 's1', 1841, 'refund_too_large', /refund of PLN.18.41 is more than the PLN.18.40 left of sale "s1"/],
    ['a zero refund', 's1', 0, 'bad_refund', /more than zero/],
    ['a negative refund', 's1', -5, 'bad_refund', /more than zero/],
  ] as const)('refuses %s', (_what, saleId, how, code, message) => {
    const ledger = sold(1840);
    const error = errorOf(() => refund(ledger, saleId, how));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses a second void and a refund beyond what is left', () => {
    let ledger = sold(1840);
    ledger = [...ledger, ...refund(ledger, 's1', 1000).entries];
    expect(errorOf(() => refund(ledger, 's1', 841)).message).toMatch(/PLN.8.41 is more than the PLN.8.40 left/);
    ledger = [...ledger, ...refund(ledger, 's1', 'full').entries];
    expect(errorOf(() => refund(ledger, 's1', 'full')).code).toBe('already_refunded');
  });

  it('refuses a refund in another currency', () => {
    const ledger = sold(1840);
    const error = errorOf(() =>
      reverseSale({ program: program(), saleId: 's1', saleEntries: ledger, memberEntries: ledger, refund: money(100, 'EUR'), at: LATER, ids: sequentialIds() }),
    );
    expect(error.code).toBe('currency_mismatch');
  });
});

describe('reverseLateEntries', () => {
  const late = (ledger: LedgerEntry[], entries: LedgerEntry[]) =>
    reverseLateEntries({ program: program(), saleId: 's1', saleEntries: ledger, late: entries, memberEntries: ledger, at: LATER, ids: sequentialIds('late-') });

  it('entries that join a sale after a refund lose its share at once (pro rata, flat bonuses only in full); later refunds treat them as the sale’s own', () => {
    const sale = sold(1000, regular()); // Tuesday: base 10 + x2 campaign 10, 1 visit stamp
    const campaign = sale.find((e) => e.reason.code === 'campaign')!;
    const referral: LedgerEntry = {
      id: 'referral:s1:1',
      memberId: 'm0',
      kind: 'bonus',
      points: 40,
      stamps: 0,
      saleId: 's1',
      reverses: null,
      reason: { code: 'referrer', label: 'referral' },
      at: TUESDAY_10.toISOString(),
    };
    let ledger = sale.filter((e) => e !== campaign);
    expect(late(ledger, [campaign, referral]).entries).toEqual([]); // nothing refunded yet

    ledger = [...ledger, ...refund(ledger, 's1', 333).entries];
    const caughtUp = late(ledger, [campaign, referral]).entries;
    // floor(10 × 333 / 1000) = 3 of the campaign; the referral is a flat bonus and stays.
    expect(caughtUp.map((e) => [e.reverses, e.points])).toEqual([[campaign.id, -3]]);
    ledger = [...ledger, campaign, referral, ...caughtUp];

    ledger = [...ledger, ...refund(ledger, 's1', 'full').entries];
    expect(balanceOf(ledger.filter((e) => e.memberId === 'm1'))).toBe(0);
    expect(balanceOf(ledger.filter((e) => e.memberId === 'm0'))).toBe(0);
    expect(stampsByCard(ledger)['visit-card']).toBe(0);
  });
});

describe('redeemReward', () => {
  it('debits the cost in points and refuses an insufficient balance', () => {
    const p = program();
    const ledger = sold(1840, newMember()); // 86 points
    const ok = redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'five-zl', saleId: 's9', at: LATER, ids: sequentialIds('x') });
    expect(ok.debit).toEqual({
      id: 'x1',
      memberId: 'm1',
      kind: 'redeem',
      points: -60,
      stamps: 0,
      saleId: 's9',
      reverses: null,
      reason: { code: 'redeem', ruleId: 'five-zl', label: '5 zł off' },
      at: LATER.toISOString(),
    });
    expect(ok.balance).toBe(26);
    const error = errorOf(() =>
      redeemReward({ program: p, memberId: 'm1', memberEntries: [...ledger, ...ok.entries], rewardId: 'ten-off', at: LATER, ids: sequentialIds('y') }),
    );
    expect(error.code).toBe('insufficient_points');
    expect(error.message).toBe('not enough points for "10% off": it costs 100, the member has 26');
  });

  it('debits stamps from the reward card and refuses a card that is not full', () => {
    const p = program();
    const ledger: LedgerEntry[] = [];
    for (let i = 0; i < 8; i++) ledger.push(...sold(1000, regular(), TUESDAY_10, `c${i}`, p, [{ category: 'coffee', quantity: 1 }]));
    expect(
      errorOf(() => redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'free-coffee', at: LATER, ids: sequentialIds() })).message,
    ).toBe('not enough stamps for "Free coffee": it costs 9, the card has 8');
    ledger.push(...sold(1000, regular(), TUESDAY_10, 'c8', p, [{ category: 'coffee', quantity: 1 }]));
    const ok = redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'free-coffee', at: LATER, ids: sequentialIds() });
    expect(ok.debit).toMatchObject({ points: 0, stamps: -9, reason: { ruleId: 'coffee-card', label: 'Free coffee' } });
    expect(ok.stamps['coffee-card']).toBe(0);
  });

  it('refuses an unknown reward', () => {
    expect(errorOf(() => redeemReward({ program: program(), memberId: 'm1', memberEntries: [], rewardId: 'pony', at: LATER, ids: sequentialIds() })).code).toBe(
      'unknown_reward',
    );
  });

  it('expires due points first, in the same batch', () => {
    const p = program();
    const ledger = sold(10000, newMember(), new Date('2025-11-01T10:00:00Z'), 'old'); // 100 + 20 + 50 = 170
    ledger.push(...sold(6000, regular(), new Date('2026-11-01T11:00:00Z'), 'new')); // 60 (Sunday, no campaign)
    const error = errorOf(() => redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'ten-off', at: LATER, ids: sequentialIds() }));
    expect(error.message).toMatch(/costs 100, the member has 60/);
    const ok = redeemReward({ program: p, memberId: 'm1', memberEntries: ledger, rewardId: 'five-zl', at: LATER, ids: sequentialIds('x') });
    expect(ok.entries.map((e) => [e.kind, e.points])).toEqual([
      ['expiry', -170],
      ['redeem', -60],
    ]);
    expect(balanceOf([...ledger, ...ok.entries])).toBe(ok.balance);
  });
});

describe('expiry', () => {
  const p = program(); // 12 months
  const ledger = [
    ...sold(10000, regular(), new Date('2025-01-15T10:00:00Z'), 'jan'), // Wed: 100 + 20
    ...sold(5000, regular(), new Date('2025-06-11T10:00:00Z'), 'jun'), // Wed: 50
  ];
  const spent = redeemReward({
    program: p,
    memberId: 'm1',
    memberEntries: ledger,
    rewardId: 'ten-off',
    at: new Date('2025-07-01T10:00:00Z'),
    ids: sequentialIds('x'),
  });
  const all = [...ledger, ...spent.entries]; // 170 - 100 = 70 left, taken from January's points first

  it('points expire 12 months after they were earned, oldest first', () => {
    expect(pointsDueToExpire(p, all, new Date('2026-01-15T09:59:00Z'))).toBe(0);
    expect(pointsDueToExpire(p, all, new Date('2026-01-15T10:00:00Z'))).toBe(20); // January's 120 less the 100 spent
    expect(pointsDueToExpire(p, all, new Date('2026-06-11T10:00:00Z'))).toBe(70);
  });

  it('an expiry entry takes what is due once; a program without expiry never expires', () => {
    const first = expiryEntry(p, 'm1', all, new Date('2026-02-01T00:00:00Z'), sequentialIds('exp'));
    expect(first).toMatchObject({ id: 'exp1', kind: 'expiry', points: -20, saleId: null, reason: { code: 'expiry', label: 'expired' } });
    const after = [...all, first!];
    expect(expiryEntry(p, 'm1', after, new Date('2026-02-02T00:00:00Z'), sequentialIds())).toBeNull();
    expect(expiryEntry(p, 'm1', after, new Date('2026-06-12T00:00:00Z'), sequentialIds())?.points).toBe(-50);
    const forever = program({ expiry: undefined });
    expect(pointsDueToExpire(forever, all, new Date('2040-01-01T00:00:00Z'))).toBe(0);
  });

  it('the next expiry names the unspent points of the earliest lot still ahead', () => {
    expect(nextExpiry(p, all, new Date('2025-08-01T00:00:00Z'))).toEqual({ points: 20, at: '2026-01-15T10:00:00.000Z' });
    // Once January's are past (written off or not), June's 50 are next; after June nothing is left.
    expect(nextExpiry(p, all, new Date('2026-01-15T10:00:00Z'))).toEqual({ points: 50, at: '2026-06-11T10:00:00.000Z' });
    const written = expiryEntry(p, 'm1', all, new Date('2026-02-01T00:00:00Z'), sequentialIds('exp'))!;
    expect(nextExpiry(p, [...all, written], new Date('2026-02-01T00:00:00Z'))).toEqual({ points: 50, at: '2026-06-11T10:00:00.000Z' });
    expect(nextExpiry(p, all, new Date('2026-06-11T10:00:00Z'))).toBeNull();
    expect(nextExpiry(program({ expiry: undefined }), all, new Date('2025-08-01T00:00:00Z'))).toBeNull();
  });

  it('a reversal takes from the points it reverses, not from the oldest', () => {
    const withRefund = [...ledger, ...refund(ledger, 'jun', 'full').entries];
    expect(pointsDueToExpire(p, withRefund, new Date('2026-01-15T10:00:00Z'))).toBe(120);
  });
});
