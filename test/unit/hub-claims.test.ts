// core/claims: the one construction of a claim's entry used by the hub and by a kiosk claiming offline.
import { describe, expect, it } from 'vitest';
import { claimDue, claimEntry, claimEntryId, refusedClaimReversal, withoutRefusedClaims } from '../../core/claims';
import { ledgerEntrySchema } from '../../core/ledger/entry';
import { demoProgram } from '../../core/program/demo';

const program = demoProgram();
const AT = '2026-11-25T09:00:00.000Z';

describe('claimEntry', () => {
  it('is the sale base entry: spend = total, stamps on the first stamp card; the id says who decided it', () => {
    const online = claimEntry({ program, saleKey: 'K1-S7', memberId: 'm1', via: 'phone', points: 25, stamps: 2, spend: 2550, at: AT });
    const offline = claimEntry({ program, saleKey: 'K1-S7', memberId: 'm1', via: 'offline', points: 25, stamps: 2, spend: 2550, at: AT });
    const card = program.rules.find((r) => r.type === 'stamps')!.id;
    expect(online).toEqual({
      id: 'claim:K1-S7',
      memberId: 'm1',
      kind: 'earn',
      points: 25,
      stamps: 2,
      saleId: 'K1-S7',
      reverses: null,
      reason: { code: 'base', label: 'QR', ruleId: card },
      spend: 2550,
      at: AT,
    });
    expect(offline).toEqual({ ...online, id: 'claim:K1-S7:offline', reason: { code: 'base', label: 'scan', ruleId: card } });
    expect(claimEntryId('K1-S7', 'staff')).toBe('claim:K1-S7');
    expect(ledgerEntrySchema.parse(offline)).toEqual(offline);
    // No stamps: no card; no total in the token: no spend.
    expect(claimEntry({ program, saleKey: 'K1-S8', memberId: 'm1', via: 'staff', points: 3, stamps: 0, spend: null, at: AT })).toEqual({
      id: 'claim:K1-S8',
      memberId: 'm1',
      kind: 'earn',
      points: 3,
      stamps: 0,
      saleId: 'K1-S8',
      reverses: null,
      reason: { code: 'base', label: 'scan' },
      at: AT,
    });
  });

  it('refusedClaimReversal takes all of it back, spend and stamps included, with an id both sides derive', () => {
    const entry = claimEntry({ program, saleKey: 'K1-S7', memberId: 'm1', via: 'offline', points: 25, stamps: 2, spend: 2550, at: AT });
    const back = refusedClaimReversal(entry, '2026-11-25T10:00:00.000Z');
    expect(back).toMatchObject({
      id: 'refused:claim:K1-S7:offline',
      kind: 'reversal',
      points: -25,
      stamps: -2,
      spend: -2550,
      reverses: entry.id,
      saleId: 'K1-S7',
      memberId: 'm1',
      reason: { code: 'reversal', ruleId: entry.reason.ruleId },
    });
    expect(Object.is(refusedClaimReversal({ ...entry, stamps: 0 }, AT).stamps, 0)).toBe(true);
  });

  it('claimDue pays what is left after a partial refund (floor) and nothing after a full one', () => {
    expect(claimDue(25, 2, undefined)).toEqual({ points: 25, stamps: 2 });
    expect(claimDue(25, 2, { total: 2550, refunded: 1000, full: false })).toEqual({ points: 16, stamps: 2 });
    expect(claimDue(25, 2, { total: 2550, refunded: 2550, full: false })).toBeUndefined();
    expect(claimDue(25, 2, { total: 2550, refunded: 100, full: true })).toBeUndefined();
  });

  it('withoutRefusedClaims leaves the winner: drops a refused claim and its reversal, keeps ordinary reversals', () => {
    const winner = claimEntry({ program, saleKey: 'K1-S7', memberId: 'b', via: 'phone', points: 25, stamps: 2, spend: 2550, at: AT });
    const loser = claimEntry({ program, saleKey: 'K1-S7', memberId: 'a', via: 'offline', points: 25, stamps: 2, spend: 2550, at: AT });
    const taken = refusedClaimReversal(loser, AT);
    const refund = { ...refusedClaimReversal(winner, AT), id: 'k1:refund-1' };
    expect(withoutRefusedClaims([loser, winner, taken, refund])).toEqual([winner, refund]);
    expect(withoutRefusedClaims([loser])).toEqual([loser]);
  });
});
