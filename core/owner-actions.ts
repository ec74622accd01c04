import type { LedgerEntry } from './ledger/entry';

/**
 * The owner's writes to the ledger, pure: a one-click win-back bonus and a points adjustment with a
 * reason. Ids, time and balances are arguments; the store writes what these return, or nothing.
 */

/**
 * A campaign id: letters, digits, '-' and '_' (it becomes part of ledger ids). As a form field's
 * `pattern` the '-' is escaped: browsers compile `pattern` with the v flag, where a bare '-' in a class
 * is invalid and the whole pattern is ignored.
 */
export const CAMPAIGN_FIELD_PATTERN = '[\\w\\-]{1,40}';
export const CAMPAIGN_PATTERN = new RegExp(`^${CAMPAIGN_FIELD_PATTERN}$`);
/** The largest bonus or adjustment one click may write. */
export const MAX_OWNER_POINTS = 100_000;

/** The ledger id of a member's win-back bonus in a campaign: one per member per campaign, so a second click writes nothing. */
export const winBackId = (campaign: string, memberId: string): string => `winback:${campaign}:${memberId}`;

export type WinBackError = 'campaign-invalid' | 'points-invalid' | 'no-members';

/**
 * One 'bonus' entry per member (reason code 'winback', ruleId the campaign, `label` saying why),
 * with the id `winback:<campaign>:<memberId>`.
 */
export function winBackEntries(input: {
  campaign: string;
  memberIds: readonly string[];
  points: number;
  label: string;
  at: Date;
}): { ok: true; entries: LedgerEntry[] } | { ok: false; error: WinBackError } {
  if (!CAMPAIGN_PATTERN.test(input.campaign)) return { ok: false, error: 'campaign-invalid' };
  if (!Number.isSafeInteger(input.points) || input.points <= 0 || input.points > MAX_OWNER_POINTS) return { ok: false, error: 'points-invalid' };
  const memberIds = [...new Set(input.memberIds)];
  if (memberIds.length === 0) return { ok: false, error: 'no-members' };
  const at = input.at.toISOString();
  return {
    ok: true,
    entries: memberIds.map((memberId) => ({
      id: winBackId(input.campaign, memberId),
      memberId,
      kind: 'bonus',
      points: input.points,
      stamps: 0,
      saleId: null,
      reverses: null,
      reason: { code: 'winback', ruleId: input.campaign, label: input.label },
      at,
    })),
  };
}

export type AdjustmentError = 'delta-not-integer' | 'delta-zero' | 'delta-too-large' | 'reason-missing' | 'reason-too-long' | 'below-zero';
export const MAX_REASON_LENGTH = 200;

/**
 * An 'adjust' entry of `delta` points (a signed whole number as typed: "+20", "-15") with the
 * owner's reason as its label (reason code 'adjust'). Refused, with the first thing wrong, when the
 * delta is not a whole number, is zero or over MAX_OWNER_POINTS, the reason is empty or too long, or
 * the balance would go below zero.
 */
export function adjustmentEntry(input: {
  id: string;
  memberId: string;
  delta: string;
  reason: string;
  balance: number;
  at: Date;
}): { ok: true; entry: LedgerEntry } | { ok: false; error: AdjustmentError } {
  const text = input.delta.trim();
  if (!/^[+-]?\d{1,9}$/.test(text)) return { ok: false, error: 'delta-not-integer' };
  const delta = Number(text);
  if (delta === 0) return { ok: false, error: 'delta-zero' };
  if (Math.abs(delta) > MAX_OWNER_POINTS) return { ok: false, error: 'delta-too-large' };
  const reason = input.reason.trim();
  if (reason === '') return { ok: false, error: 'reason-missing' };
  if (reason.length > MAX_REASON_LENGTH) return { ok: false, error: 'reason-too-long' };
  if (input.balance + delta < 0) return { ok: false, error: 'below-zero' };
  return {
    ok: true,
    entry: {
      id: input.id,
      memberId: input.memberId,
      kind: 'adjust',
      points: delta,
      stamps: 0,
      saleId: null,
      reverses: null,
      reason: { code: 'adjust', label: reason },
      at: input.at.toISOString(),
    },
  };
}
