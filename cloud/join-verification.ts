import { createHash } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import type { LedgerEntry } from '../core/ledger/entry';
import { welcomeBonus } from '../core/earn';
import type { Program } from '../core/program/schema';
import type { HubDatabase } from './store-schema';

/**
 * A new member's contact is proven before the welcome bonus is paid (hub migration 0015). Joining
 * on a claim page with a contact nobody has creates the member, credits the sale and opens a session
 * on that phone (the card is new: nothing of anyone else's is on it), but the welcome bonus is only
 * *held* here, and a one-time code (purpose `join`, cloud/messaging.ts) goes to the contact. The
 * code typed on the card (`POST /m/verify`), or a code that opens the card on another phone
 * (`/m/open/code`: it proves the same contact), pays the bonus once (`HubStore.payHeldWelcome`).
 *
 * The rows also count joins per device (the `lk_device` cookie the claim page sets, kept only as a
 * hash) and per address, so a phone or a network cannot farm cards; per contact there is one card
 * (the members' unique contact) and at most CODES_PER_CONTACT_PER_HOUR codes; per claim QR at most
 * one join, as its sale is claimed once.
 */

export interface JoinTables {
  join_verifications: {
    member_id: string;
    shop_no: number;
    /** The contact the code goes to (E.164 phone or lower-case e-mail), as the member joined with it. */
    contact: string;
    /** The sale the member joined with: when it is refunded in full before the code, no bonus is paid ('' for a join through a referral link, with no sale). */
    sale_key: string;
    /** SHA-256 of the `lk_device` cookie, or null for a phone that sent none (counted per address only). */
    device: string | null;
    address: string;
    created_at: string;
    verified_at: string | null;
    /** The member whose referral link this one joined through (0019), recorded when the contact is proven (cloud/referrals.ts). */
    referrer: string | null;
  };
}

/** New cards one phone (device cookie) may make in a day, and one address in an hour (a shop's Wi-Fi is one address for every customer). */
export const JOINS_PER_DEVICE_PER_DAY = 3;
export const JOINS_PER_ADDRESS_PER_HOUR = 30;
const HOUR_MS = 3_600_000;

export const joinVerificationMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('join_verifications')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('contact', 'text', (c) => c.notNull())
      .addColumn('sale_key', 'text', (c) => c.notNull())
      .addColumn('device', 'text')
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('verified_at', 'text')
      .execute();
    await db.schema.createIndex('join_verifications_device').on('join_verifications').columns(['device', 'created_at']).execute();
    await db.schema.createIndex('join_verifications_address').on('join_verifications').columns(['address', 'created_at']).execute();
  },
};

/**
 * Who asked for a join code, for the per-requester code limit (cloud/messaging.ts): the device when
 * the phone has one, else the address in a namespace of its own. A shop's customers share its
 * Wi-Fi address, so join codes must not use up that address's budget for "open my card" codes; an
 * address without device ids is held by JOINS_PER_ADDRESS_PER_HOUR and this budget instead.
 */
export const joinCodeRequester = (device: string | null, address: string): string => (device ? `device:${device}` : `join:${address}`);

/** The key a device cookie is counted under (the cookie itself is never stored). */
export const deviceKey = (cookie: string): string => createHash('sha256').update(`device|${cookie}`).digest('hex');

/**
 * The program's welcome bonus, as the core welcome rule pays it (core/earn welcomeBonus: points and
 * label), as a hub ledger entry with a stable id (`welcome:<memberId>`: a replayed code writes nothing
 * twice), or null when the program has none. Paid when the contact is proven, it names no sale: a
 * later refund of the join's sale does not take it back (on the hub and on a kiosk alike); a sale
 * refunded in full *before* the code pays none (HubStore.payHeldWelcome).
 */
export function welcomeEntry(program: Program, memberId: string, at: string): LedgerEntry | null {
  const bonus = welcomeBonus(program);
  if (!bonus) return null;
  return {
    id: `welcome:${memberId}`,
    memberId,
    kind: 'bonus',
    points: bonus.points,
    stamps: 0,
    saleId: null,
    reverses: null,
    reason: { code: 'welcome', ruleId: bonus.ruleId, label: bonus.label },
    at,
  };
}

/** Of these members, those whose welcome is held (contact not proven yet): the claim earn and the outbox check read it. */
export async function heldWelcomes(q: Kysely<HubDatabase>, memberIds: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < memberIds.length; i += 500) {
    const rows = await q
      .selectFrom('join_verifications')
      .select('member_id')
      .where('member_id', 'in', memberIds.slice(i, i + 500))
      .where('verified_at', 'is', null)
      .execute();
    for (const row of rows) held.add(row.member_id);
  }
  return held;
}

/** A held join taken at its proof: the sale key it was held for ('' for none) and the referral it carries. */
export interface TakenJoin {
  saleKey: string;
  shopNo: number;
  contact: string;
  referrer: string | null;
}

/**
 * Marks a member's held welcome as proven, once (one conditional update: of two codes at once, one
 * wins): the join it was held for, or undefined when none is held (never, or paid already).
 * Runs inside the ledger's write transaction (HubStore.payHeldWelcome).
 */
export async function takeHeldWelcome(trx: Kysely<HubDatabase>, memberId: string, at: Date): Promise<TakenJoin | undefined> {
  const row = await trx
    .updateTable('join_verifications')
    .set({ verified_at: at.toISOString() })
    .where('member_id', '=', memberId)
    .where('verified_at', 'is', null)
    .returning(['sale_key', 'shop_no', 'contact', 'referrer'])
    .executeTakeFirst();
  return row && { saleKey: row.sale_key, shopNo: row.shop_no, contact: row.contact, referrer: row.referrer };
}

export class JoinVerifications {
  constructor(private readonly db: Kysely<HubDatabase>) {}

  /**
   * Holds the welcome of a member who just joined with `saleKey` ('' for no sale), and the referral
   * of one who joined through a link (`referrer`), until the code (joining again changes nothing).
   */
  async hold(row: {
    memberId: string;
    shopNo: number;
    contact: string;
    saleKey: string;
    device: string | null;
    address: string;
    at: Date;
    referrer?: string;
  }): Promise<void> {
    await this.db
      .insertInto('join_verifications')
      .values({
        member_id: row.memberId,
        shop_no: row.shopNo,
        contact: row.contact,
        sale_key: row.saleKey,
        device: row.device,
        address: row.address,
        created_at: row.at.toISOString(),
        verified_at: null,
        referrer: row.referrer ?? null,
      })
      .onConflict((oc) => oc.column('member_id').doNothing())
      .execute();
  }

  /** The member's welcome still waiting for its code: the contact it waits on and whether they joined through a referral link, or undefined. */
  async pending(memberId: string): Promise<{ contact: string; referred: boolean } | undefined> {
    const row = await this.db
      .selectFrom('join_verifications')
      .select(['contact', 'referrer'])
      .where('member_id', '=', memberId)
      .where('verified_at', 'is', null)
      .executeTakeFirst();
    return row && { contact: row.contact, referred: row.referrer !== null };
  }

  /** Whether a new card from this device (day) or this address (hour) would pass the limits. */
  async mayJoin(device: string | null, address: string, now: Date): Promise<boolean> {
    const count = async (column: 'device' | 'address', value: string, sinceMs: number): Promise<number> => {
      const row = await this.db
        .selectFrom('join_verifications')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where(column, '=', value)
        .where('created_at', '>=', new Date(now.getTime() - sinceMs).toISOString())
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    if (device !== null && (await count('device', device, 24 * HOUR_MS)) >= JOINS_PER_DEVICE_PER_DAY) return false;
    return (await count('address', address, HOUR_MS)) < JOINS_PER_ADDRESS_PER_HOUR;
  }
}
