import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { REFERRAL_CODE_BYTES, referralCodeFrom } from '../core/referral';
import type { HubDatabase } from './store-schema';

/**
 * Referral on the hub (hub migration 0019; the rules are core/referral.ts, the bonus core/earn's
 * `referral` rule). Each member gets one random referral code the first time their card is shown
 * (`members.referral_code`: stable from then on, and it names neither the member nor a contact); the
 * link `/r/<code>` (cloud/routes/referral.ts) lets a friend join with a new contact. The referrer is
 * held on the friend's join row (`join_verifications.referrer`) until the friend types the code sent
 * to their contact; then `recordReferral` writes it once per contact (`referrals`, keyed by a hash
 * of the contact, so a contact is referred once even after that member is erased) and sets the
 * friend's `members.referred_by`, which the claim's earn reads (cloud/member-earn.ts): the friend's
 * next purchase pays both sides once.
 */

export interface ReferralTables {
  referrals: {
    /** SHA-256 of the friend's contact (referralContactKey): the contact itself is not kept here. */
    contact_key: string;
    shop_no: number;
    member_id: string;
    referrer_id: string;
    at: string;
  };
}

export const referralMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('members').addColumn('referral_code', 'text').execute();
    await db.schema.createIndex('members_referral_code').unique().on('members').column('referral_code').execute();
    await db.schema.alterTable('join_verifications').addColumn('referrer', 'text').execute();
    await db.schema
      .createTable('referrals')
      .addColumn('contact_key', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('referrer_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** The key a referred contact is remembered under (E.164 phone or lower-case e-mail, as core/contact normalises it). */
export const referralContactKey = (shopNo: number, contact: string): string => createHash('sha256').update(`referral|${shopNo}|${contact}`).digest('hex');

type Db = Kysely<HubDatabase>;

/** A member who may refer: live (not erased), or the member a merged-away one became. */
export async function liveReferrer(q: Db, id: string, hops = 0): Promise<string | undefined> {
  const row = await q.selectFrom('members').select(['id', 'erased_at', 'merged_into']).where('id', '=', id).executeTakeFirst();
  if (!row || row.erased_at !== null) return undefined;
  return row.merged_into === null ? row.id : hops < 5 ? liveReferrer(q, row.merged_into, hops + 1) : undefined;
}

/**
 * Records the referral held on a friend's join, once the friend's contact is proven (inside the
 * proof's write transaction, HubStore.payHeldWelcome): true when recorded. Nothing when the contact
 * was referred before (by anyone), the referrer is gone (erased) or is the friend, or the friend
 * already has a referrer.
 */
export async function recordReferral(trx: Db, row: { memberId: string; shopNo: number; contact: string; referrerId: string }, at: Date): Promise<boolean> {
  const referrer = await liveReferrer(trx, row.referrerId);
  if (referrer === undefined || referrer === row.memberId) return false;
  const inserted = await trx
    .insertInto('referrals')
    .values({
      contact_key: referralContactKey(row.shopNo, row.contact),
      shop_no: row.shopNo,
      member_id: row.memberId,
      referrer_id: referrer,
      at: at.toISOString(),
    })
    .onConflict((oc) => oc.column('contact_key').doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows !== 1n) return false;
  const set = await trx
    .updateTable('members')
    .set({ referred_by: referrer })
    .where('id', '=', row.memberId)
    .where('referred_by', 'is', null)
    .executeTakeFirst();
  return set.numUpdatedRows === 1n;
}

/** A member on either side of a referral as the owner's member page names them (cloud/back-office/members/member-detail.tsx), with when it was recorded. */
export interface ReferralParty {
  id: string;
  no: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  erasedAt: string | null;
  /** When the referral was recorded (the friend's contact proven). */
  at: string;
}

export class Referrals {
  constructor(
    private readonly db: Db,
    /** Random bytes for a new code (tests may pass their own). */
    private readonly draw: () => Uint8Array = () => randomBytes(REFERRAL_CODE_BYTES),
  ) {}

  /** The member's referral code, made the first time it is asked for (one conditional update: two nodes at once agree on one). */
  async codeOf(memberId: string): Promise<string> {
    const existing = await this.db.selectFrom('members').select('referral_code').where('id', '=', memberId).executeTakeFirst();
    if (existing?.referral_code) return existing.referral_code;
    await this.db
      .updateTable('members')
      .set({ referral_code: referralCodeFrom(this.draw()) })
      .where('id', '=', memberId)
      .where('referral_code', 'is', null)
      .execute();
    const row = await this.db.selectFrom('members').select('referral_code').where('id', '=', memberId).executeTakeFirstOrThrow();
    return row.referral_code!;
  }

  /** The live member of this shop whose link carries `code`, or undefined (unknown code, erased or merged-away member). */
  async referrerByCode(shopNo: number, code: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('members')
      .select('id')
      .where('referral_code', '=', code)
      .where('shop_no', '=', shopNo)
      .where('erased_at', 'is', null)
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    return row?.id;
  }

  /** Whether this contact was referred before (by anyone, also as a member since erased). */
  async contactReferred(shopNo: number, contact: string): Promise<boolean> {
    const row = await this.db.selectFrom('referrals').select('member_id').where('contact_key', '=', referralContactKey(shopNo, contact)).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Who referred this member and whom this member referred (also under an id since merged into
   * them), oldest first: the owner's member page.
   */
  async referralsOf(memberId: string): Promise<{ referredBy: ReferralParty | undefined; referred: ReferralParty[] }> {
    const party = ['m.id', 'm.no', 'm.name', 'm.phone', 'm.email', 'm.erased_at', 'r.at'] as const;
    const toParty = (row: {
      id: string;
      no: number;
      name: string | null;
      phone: string | null;
      email: string | null;
      erased_at: string | null;
      at: string;
    }) => ({
      id: row.id,
      no: Number(row.no),
      name: row.name,
      phone: row.phone,
      email: row.email,
      erasedAt: row.erased_at,
      at: row.at,
    });
    const by = await this.db
      .selectFrom('referrals as r')
      .innerJoin('members as m', 'm.id', 'r.referrer_id')
      .select(party)
      .where('r.member_id', '=', memberId)
      .executeTakeFirst();
    const referred = await this.db
      .selectFrom('referrals as r')
      .innerJoin('members as m', 'm.id', 'r.member_id')
      .select(party)
      .where((eb) =>
        eb.or([eb('r.referrer_id', '=', memberId), eb('r.referrer_id', 'in', eb.selectFrom('members').select('id').where('merged_into', '=', memberId))]),
      )
      .orderBy('r.at')
      .orderBy('m.no')
      .execute();
    return { referredBy: by && toParty(by), referred: referred.map(toParty) };
  }

  /** Who referred this member, when the referral is recorded (the owner's member page). */
  async referrerOf(memberId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('members').select('referred_by').where('id', '=', memberId).executeTakeFirst();
    return row?.referred_by ?? undefined;
  }
}
