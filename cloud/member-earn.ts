import type { Kysely } from 'kysely';
import { claimEarnEntries, type ClaimEarnInput } from '../core/claims';
import { referralEntries } from '../core/earn';
import type { LedgerEntry } from '../core/ledger/entry';
import { memberStateFromEntries, visitsOf, type MemberProfile } from '../core/ledger/projections';
import type { Program } from '../core/program/schema';
import { heldWelcomes } from './join-verification';
import { noteMemberChanges } from './member-changes';
import { liveReferrer } from './referrals';
import type { Engine, HubDatabase } from './store-schema';

/**
 * The member-aware earn of a claim on the hub (phone claim of a sale's QR, staff scan of a member
 * card): the member's profile (joined, birthday, referred by) and ledger as the hub holds them, read
 * inside the claim's transaction, handed to core/claims `claimEarnEntries` — the one earn that a till
 * sale with a member and a kiosk's offline claim go through too. The token's figures are only the
 * kiosk's word and bound nothing here but the stamp count (see claimEarnEntries). A purchase whose
 * earn ran at a kiosk gets the referral the kiosk could not know of here (hubReferralEntries).
 */

type Db = Kysely<HubDatabase>;

/** What the rules read of a member (core/ledger/projections MemberProfile), or undefined for an unknown id. */
export async function hubMemberProfile(q: Db, memberId: string): Promise<MemberProfile | undefined> {
  const row = await q.selectFrom('members').select(['id', 'created_at', 'birthday', 'referred_by']).where('id', '=', memberId).executeTakeFirst();
  if (!row) return undefined;
  // The referrer as they are now: the member they were merged into, nobody once erased (cloud/referrals.ts).
  const referrer = row.referred_by ? await liveReferrer(q, row.referred_by) : undefined;
  return {
    id: row.id,
    joinedAt: row.created_at,
    ...(row.birthday ? { birthday: row.birthday } : {}),
    ...(referrer !== undefined && referrer !== row.id ? { referredBy: referrer } : {}),
  };
}

export type HubClaimInput = Omit<ClaimEarnInput, 'member' | 'program'> & { memberId: string; entries: readonly LedgerEntry[] };

/** The claim's entries for this member at `at`; undefined when the sale has nothing left to claim (refunded in full). */
export async function hubClaimEntries(q: Db, program: Program, input: HubClaimInput): Promise<LedgerEntry[] | undefined> {
  const profile = await hubMemberProfile(q, input.memberId);
  if (!profile) throw new Error(`member ${input.memberId} is not in the hub's store`);
  const { memberId: _memberId, entries, ...claim } = input;
  const member = memberStateFromEntries(program, profile, entries, input.at);
  // A new member's welcome waits for their contact to be proven (cloud/join-verification.ts): not due from this sale.
  if ((await heldWelcomes(q, [input.memberId])).has(input.memberId)) member.welcomeHeld = true;
  return claimEarnEntries({ ...claim, program, member });
}

/** The id of the n-th referral entry the hub derives for a sale that reached it from a kiosk (the hub's namespace, cloud/outbox-check.ts). */
export const referralEntryId = (saleKey: string, n: number): string => `referral:${saleKey}:${n}`;

/**
 * The referral a member's purchase rung at a kiosk pays (a till sale carrying her card, or a staff
 * claim the kiosk made while the hub was down): a kiosk does not know who referred whom, so its earn
 * paid none; the hub derives it when the sale reaches it, by core/earn's `referral` rule for her
 * state now (`entries`: her ledger, the sale's kiosk entries included), so it pays once in her life
 * whichever path pays it first. Nothing when she is not referred, it was paid, or the sale was
 * refunded in full before it reached the hub. Entries are of that sale, at its instant.
 */
export async function hubReferralEntries(
  q: Db,
  program: Program,
  purchase: { memberId: string; saleKey: string; at: Date },
  entries: readonly LedgerEntry[],
): Promise<LedgerEntry[]> {
  const profile = await hubMemberProfile(q, purchase.memberId);
  if (profile?.referredBy === undefined) return [];
  if (!visitsOf(entries).some((sale) => sale.saleId === purchase.saleKey)) return [];
  const member = memberStateFromEntries(program, profile, entries, purchase.at);
  let n = 0;
  return referralEntries(program, member, purchase.saleKey, purchase.at, () => referralEntryId(purchase.saleKey, n++));
}

/** Sets (MM-DD, checked by the caller with core monthDayOf) or clears a member's birthday; the change reaches the kiosks' replicas. */
export async function setMemberBirthday(db: Db, engine: Engine, memberId: string, birthday: string | null, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('members').set({ birthday }).where('id', '=', memberId).execute();
    await noteMemberChanges(trx, engine, [memberId], now);
  });
}
