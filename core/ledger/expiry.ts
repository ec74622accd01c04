import { defaultLabel } from '../earn';
import type { Program } from '../program/schema';
import { negate, type LedgerEntry } from './entry';
import { balanceOf, pointsDueToExpire, uniqueEntries } from './projections';

/**
 * The expiry entry for one member at `at`, or null when nothing is due (or the program has no expiry).
 * Points expire oldest first, `program.expiry.months` calendar months after they were earned; an
 * expiry never takes the balance below zero (the clawback rule). Run it before a redemption and daily.
 */
export function expiryEntry(program: Program, memberId: string, memberEntries: readonly LedgerEntry[], at: Date, ids: () => string): LedgerEntry | null {
  const own = uniqueEntries(memberEntries).filter((e) => e.memberId === memberId);
  const due = Math.min(pointsDueToExpire(program, own, at), Math.max(0, balanceOf(own)));
  if (due <= 0) return null;
  return {
    id: ids(),
    memberId,
    kind: 'expiry',
    points: negate(due),
    stamps: 0,
    saleId: null,
    reverses: null,
    reason: { code: 'expiry', label: defaultLabel(program, 'expiry') },
    at: at.toISOString(),
  };
}
