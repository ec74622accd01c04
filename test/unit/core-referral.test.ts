// The referral rules of core/referral.ts and core/earn: codes, who may be referred, and a property:
// over any run of sales, with the referral recorded before any of them (the hub records it when the
// friend's contact is proven), both sides are paid exactly once, on the first sale once referred.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earnForSale } from '../../core/earn';
import type { LedgerEntry } from '../../core/ledger/entry';
import { memberStateFromEntries } from '../../core/ledger/projections';
import { REFERRAL_CODE_BYTES, REFERRAL_CODE_PATTERN, referralBonus, referralCodeFrom, referralRefusal } from '../../core/referral';
import { program } from './core-fixtures';

describe('referral codes', () => {
  it('are 16 lower-case base32 letters, one per random draw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: REFERRAL_CODE_BYTES, maxLength: REFERRAL_CODE_BYTES }),
        fc.uint8Array({ minLength: 10, maxLength: 10 }),
        (a, b) => {
          const code = referralCodeFrom(a);
          expect(code).toMatch(new RegExp(REFERRAL_CODE_PATTERN));
          // 80 bits in 16 letters of 5: two draws give one code only when they are the same bytes.
          expect(code === referralCodeFrom(b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        },
      ),
    );
    expect(referralCodeFrom(new Uint8Array(10))).toBe('aaaaaaaaaaaaaaaa');
    expect(referralCodeFrom(new Uint8Array(10).fill(255))).toBe('7777777777777777');
    expect(() => referralCodeFrom(new Uint8Array(8))).toThrow('a referral code takes 10 random bytes, not 8');
  });
});

describe('who may be referred', () => {
  it('refuses the referrer herself, a member, and a contact referred before', () => {
    expect(referralRefusal({ referrerId: 'ann' })).toBeUndefined();
    expect(referralRefusal({ referrerId: 'ann', contactReferred: false })).toBeUndefined();
    expect(referralRefusal({ referrerId: 'ann', signedInMemberId: 'ann' })).toBe('self');
    expect(referralRefusal({ referrerId: 'ann', contactMemberId: 'ann' })).toBe('self');
    expect(referralRefusal({ referrerId: 'ann', signedInMemberId: 'bob' })).toBe('known-contact');
    expect(referralRefusal({ referrerId: 'ann', contactMemberId: 'bob', contactReferred: true })).toBe('known-contact');
    expect(referralRefusal({ referrerId: 'ann', contactReferred: true })).toBe('already-referred');
  });

  it("reads the program's referral rule", () => {
    expect(referralBonus(program())).toEqual({ ruleId: 'referral', referrerPoints: 40, referredPoints: 20 });
    expect(referralBonus(program({ rules: program().rules.filter((r) => r.type !== 'referral') }))).toBeUndefined();
  });
});

describe('the referral bonus', () => {
  it('pays both sides exactly once, on the first sale once referred, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 100, max: 50_000 }), { minLength: 1, maxLength: 8 }),
        fc.nat({ max: 8 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom('ann', 'm1'),
        (amounts, referredFrom, referrerPoints, referredPoints, referrer) => {
          const rules = program().rules.map((r) => (r.type === 'referral' ? { ...r, referrerPoints, referredPoints } : r));
          const p = program({ rules });
          const ledger: LedgerEntry[] = [];
          let n = 0;
          amounts.forEach((amount, i) => {
            const at = new Date(Date.UTC(2026, 10, 2 + i, 9));
            // The referral is recorded before sale `referredFrom` (after it: never).
            const profile = { id: 'm1', joinedAt: '2026-01-01T00:00:00.000Z', ...(i >= referredFrom ? { referredBy: referrer } : {}) };
            const state = memberStateFromEntries(p, profile, ledger, at);
            ledger.push(...earnForSale(p, state, { id: `s${i}`, total: { amount, currency: 'PLN' } }, at, () => `e${++n}`).entries);
          });
          const referred = ledger.filter((e) => e.reason.code === 'referred');
          const referrerEntries = ledger.filter((e) => e.reason.code === 'referrer');
          const due = referredFrom < amounts.length && referrer !== 'm1';
          // A rule paying the referrer only still marks the friend's referral as paid, with a 0-point entry.
          const marked = due && (referredPoints > 0 || referrerPoints > 0);
          expect(referred.map((e) => [e.memberId, e.points, e.saleId])).toEqual(marked ? [['m1', referredPoints, `s${referredFrom}`]] : []);
          expect(referrerEntries.map((e) => [e.memberId, e.points, e.saleId])).toEqual(
            due && referrerPoints > 0 ? [[referrer, referrerPoints, `s${referredFrom}`]] : [],
          );
        },
      ),
    );
  });
});
