import type { Locale } from '../../core/i18n/locales';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { memberView, type MemberView } from '../member-view';
import { noteMemberChanges } from '../member-changes';
import { Aggregate, chunks, num, type Db, type StoreContext } from './db';
import type { Ledger } from './ledger';
import type { Shops } from './shops';

/** Members: one person, one member per shop (by id, phone or e-mail), and the ids merged into one (aliases). */

export interface Member {
  no: number;
  id: string;
  shopNo: number;
  name: string | null;
  phone: string | null;
  email: string | null;
}

export interface MemberInput {
  id?: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  consentAt: string | null;
  consentText: string | null;
  /** The card code a kiosk gave (memberEnrolled). */
  code?: string | null;
  /** MM-DD from the join form (0013); kept only when the member is new. */
  birthday?: string | null;
}

/** The canonical member id of each of `ids` that is an alias (a second enrolment of a known person). */
export async function aliasesOf(trx: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(ids)];
  const map = new Map<string, string>();
  for (const part of chunks(list, 500)) {
    const rows = await trx.selectFrom('member_aliases').select(['alias_id', 'member_id']).where('alias_id', 'in', part).execute();
    for (const row of rows) map.set(row.alias_id, row.member_id);
  }
  return map;
}

export class Members extends Aggregate {
  constructor(
    ctx: StoreContext,
    private readonly shops: Shops,
    private readonly ledger: Ledger,
  ) {
    super(ctx);
  }

  /** A member by id, or by a kiosk's id that was merged into them (member_aliases). */
  async member(id: string, q: Db = this.db, hops = 0): Promise<Member | undefined> {
    const row = await q.selectFrom('members').select(['no', 'id', 'shop_no', 'name', 'phone', 'email', 'merged_into']).where('id', '=', id).executeTakeFirst();
    // A member the owner merged into another is that member (old cookies and card codes keep working).
    if (row?.merged_into) return hops < 5 ? this.member(row.merged_into, q, hops + 1) : undefined;
    if (row) return { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, phone: row.phone, email: row.email };
    const alias = await q.selectFrom('member_aliases').select('member_id').where('alias_id', '=', id).executeTakeFirst();
    return alias && alias.member_id !== id ? this.member(alias.member_id, q) : undefined;
  }

  async memberByContact(shopNo: number, contact: { phone: string | null; email: string | null }, q: Db = this.db): Promise<Member | undefined> {
    let query = q.selectFrom('members').select('id').where('shop_no', '=', shopNo);
    if (contact.phone) query = query.where('phone', '=', contact.phone);
    else if (contact.email) query = query.where('email', '=', contact.email);
    else return undefined;
    const row = await query.executeTakeFirst();
    return row && this.member(row.id, q);
  }

  /**
   * Joins a member (or finds the one with this id or phone/e-mail in this shop); `created` is false when found.
   * `fillName: false` leaves a found member as it is (a phone typing someone's contact proves nothing).
   */
  async joinMember(shopNo: number, input: MemberInput, now: Date, options: { fillName?: boolean } = {}): Promise<Member & { created: boolean }> {
    return this.write(async (trx) => {
      const member = await this.joinIn(trx, shopNo, input, now, options.fillName ?? true);
      await noteMemberChanges(trx, this.engine, [member.id], now);
      return member;
    });
  }

  /**
   * The insert conflicts (id, or the shop's phone/e-mail unique index) when the member exists, also
   * when another node joined them a moment ago: then the existing member is returned.
   */
  async joinIn(trx: Db, shopNo: number, input: MemberInput, now: Date, fillName = true): Promise<Member & { created: boolean }> {
    const id = input.id ?? randomUUID();
    const inserted = await trx
      .insertInto('members')
      .values({
        id,
        shop_no: shopNo,
        name: input.name,
        phone: input.phone,
        email: input.email,
        consent_at: input.consentAt,
        consent_text: input.consentText,
        created_at: now.toISOString(),
        code: input.code ?? null,
        birthday: input.birthday ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 1n) return { ...(await this.member(id, trx))!, created: true };
    const byId = input.id ? await this.member(input.id, trx) : undefined;
    if (byId) return { ...byId, created: false };
    const found = await this.memberByContact(shopNo, input, trx);
    if (!found) throw new Error(`member ${id} neither inserted nor found by contact`);
    if (fillName && input.name && !found.name) {
      await trx.updateTable('members').set({ name: input.name }).where('id', '=', found.id).where('name', 'is', null).execute();
      return { ...(await this.member(found.id, trx))!, created: false };
    }
    return { ...found, created: false };
  }

  /** The member card: balance, stamps, tier, progress and rewards from the core projections; program texts in `locale`. */
  async memberView(member: Member, at: Date, locale?: Locale): Promise<MemberView> {
    const [shop, entries] = await Promise.all([this.shops.shop(member.shopNo), this.ledger.entries(member.id)]);
    return memberView(shop!.program, member.id, entries, at, locale);
  }

  /** A kiosk's member id for a person the hub already had: entries it sends for that id are the member's. */
  async addAlias(trx: Db, aliasId: string, memberId: string, kioskNo: number, at: Date): Promise<void> {
    await trx
      .insertInto('member_aliases')
      .values({ alias_id: aliasId, member_id: memberId, kiosk_no: kioskNo, at: at.toISOString() })
      .onConflict((oc) => oc.column('alias_id').doNothing())
      .execute();
  }

  /** Which of `ids` are members of the shop (what the outbox check looks up). */
  async knownIds(trx: Db, shopNo: number, ids: string[]): Promise<Set<string>> {
    const members = new Set<string>();
    for (const part of chunks(ids, 500)) {
      for (const row of await trx.selectFrom('members').select('id').where('shop_no', '=', shopNo).where('id', 'in', part).execute()) members.add(row.id);
    }
    return members;
  }

  /** Members of a shop whose name, phone (spaces ignored) or e-mail contains `query` (case-insensitive), at most `limit`. */
  async searchMembers(shopNo: number, query: string, limit = 100): Promise<(Member & { joinedAt: string; points: number })[]> {
    const escape = (text: string): string => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`.toLowerCase();
    const like = escape(query);
    // Phones are stored without spaces or dashes ("+48600100200"): "600 100" finds them.
    const phoneLike = escape(query.replace(/[\s-]/g, ''));
    // LIKE is case-sensitive on PostgreSQL and ASCII-insensitive on SQLite: lower() on both sides makes them agree.
    const contains = (column: 'm.name' | 'm.phone' | 'm.email', pattern: string) => sql<boolean>`lower(${sql.ref(column)}) LIKE ${pattern} ESCAPE '\\'`;
    let select = this.db
      .selectFrom('members as m')
      .leftJoin('balances as b', 'b.member_id', 'm.id')
      .select(['m.no', 'm.id', 'm.shop_no', 'm.name', 'm.phone', 'm.email', 'm.created_at', 'b.points'])
      .where('m.shop_no', '=', shopNo);
    if (query !== '') select = select.where((eb) => eb.or([contains('m.name', like), contains('m.phone', phoneLike), contains('m.email', like)]));
    const rows = await select.orderBy('m.no').limit(limit).execute();
    return rows.map((r) => ({
      no: r.no,
      id: r.id,
      shopNo: r.shop_no,
      name: r.name,
      phone: r.phone,
      email: r.email,
      joinedAt: r.created_at,
      points: num(r.points),
    }));
  }
}
