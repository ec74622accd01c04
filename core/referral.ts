import type { Program, RuleOf } from './program/schema';

/**
 * Referral, the rules a hub applies around the program's `referral` rule (core/earn pays it):
 *
 *  - every member has one stable, opaque referral code (random, chosen once by the hub: it names
 *    neither the member's id nor a contact), and the link `/r/<code>` leads a friend to join;
 *  - a friend is referred only as a new member with a contact nobody has (no self-referral: not the
 *    referrer's own card or contact; no second referral: a contact that is a member, or that was
 *    referred once, cannot be referred again) — `referralRefusal`;
 *  - the referral counts only once the friend's contact is proven by the one-time code; from then
 *    on the friend's next purchase pays both sides once (`MemberState.referralPaid`, core/earn).
 */

/** Random bytes per code: 10 bytes are 16 base32 letters (80 bits: not guessable). */
export const REFERRAL_CODE_BYTES = 10;
/** A referral code as the link carries it (lower-case base32, RFC 4648 letters). */
export const REFERRAL_CODE_PATTERN = '^[a-z2-7]{16}$';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A referral code from REFERRAL_CODE_BYTES random bytes (the caller draws them: core has no randomness). */
export function referralCodeFrom(bytes: Uint8Array): string {
  if (bytes.length !== REFERRAL_CODE_BYTES) throw new Error(`a referral code takes ${REFERRAL_CODE_BYTES} random bytes, not ${bytes.length}`);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** What the program's referral rule pays each side, or undefined when it has none (or pays nothing). */
export function referralBonus(program: Program): { ruleId: string; referrerPoints: number; referredPoints: number } | undefined {
  const rule = program.rules.find((r): r is RuleOf<'referral'> => r.type === 'referral');
  if (!rule || (rule.referrerPoints <= 0 && rule.referredPoints <= 0)) return undefined;
  return { ruleId: rule.id, referrerPoints: rule.referrerPoints, referredPoints: rule.referredPoints };
}

export type ReferralRefusal = 'self' | 'known-contact' | 'already-referred';

/**
 * Why a friend may not join through `referrerId`'s link, or undefined when they may:
 * 'self' — the phone is signed in as the referrer, or the typed contact is the referrer's;
 * 'known-contact' — the phone is signed in as another member, or the contact is a member's already;
 * 'already-referred' — the contact was referred before (also a member since erased).
 */
export function referralRefusal(input: {
  referrerId: string;
  /** The member whose session the phone holds, if any. */
  signedInMemberId?: string | undefined;
  /** The member who has the typed contact, if any (undefined before a contact is typed). */
  contactMemberId?: string | undefined;
  contactReferred?: boolean;
}): ReferralRefusal | undefined {
  if (input.signedInMemberId === input.referrerId || input.contactMemberId === input.referrerId) return 'self';
  if (input.signedInMemberId !== undefined || input.contactMemberId !== undefined) return 'known-contact';
  if (input.contactReferred) return 'already-referred';
  return undefined;
}
