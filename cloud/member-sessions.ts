import { createHmac, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { deviceSummary, parseSessionCookie } from '../core/accounts';
import type { HubDatabase } from './store-schema';

/**
 * Members' sessions as rows on the hub (migration 0010): the phone's cookie `lk_member` holds
 * `s1.<session id>` (32 random bytes) and the hub keeps only HMAC(member cookie key, id), so a copy of
 * the store opens no card. A session is listed on the card ("signed in on …"), ended there one by one
 * or everywhere at once, and by the owner's erasure of the member (cloud/owner-store.ts, in the same
 * transaction). No HTTP here: the cookie and its CSRF token are cloud/routes/guards.ts HubSessions'.
 */

export interface MemberSession {
  /** Names the row on the card's forms; not the secret id. */
  ref: string;
  memberId: string;
  createdAt: string;
  lastSeenAt: string;
  /** "Chrome, Android" (core/accounts.ts deviceSummary), or null when the browser said nothing recognisable. */
  device: string | null;
}

/** How often "last seen" is written: a phone reloading its card does not write a row each time. */
const LAST_SEEN_STEP_MS = 5 * 60_000;

export class MemberSessions {
  constructor(
    private readonly db: Kysely<HubDatabase>,
    /** The member cookie key (setting `cookieSecret`): never the owner's. */
    private readonly key: string,
  ) {}

  private hash(id: string): string {
    return createHmac('sha256', this.key).update(`member-session|${id}`).digest('hex');
  }

  /** A new session for `memberId`; the cookie value to set. `replacing` (the phone's previous session cookie) is ended: rotation at sign-in. */
  async open(memberId: string, userAgent: string | undefined, at: Date, replacing?: string): Promise<string> {
    const oldId = parseSessionCookie('s1', replacing);
    if (oldId !== undefined) await this.endById(oldId, at);
    const id = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('member_sessions')
      .values(this.newRow(id, memberId, userAgent, at, null))
      .execute();
    return `s1.${id}`;
  }

  /** A new session's row: only the id's HMAC is kept, and `ref` names the row on the card's forms. */
  private newRow(id: string, memberId: string, userAgent: string | undefined, at: Date, legacyHash: string | null): HubDatabase['member_sessions'] {
    return {
      id_hash: this.hash(id),
      ref: randomBytes(9).toString('base64url'),
      member_id: memberId,
      created_at: at.toISOString(),
      last_seen_at: at.toISOString(),
      device: deviceSummary(userAgent) ?? null,
      revoked_at: null,
      legacy_hash: legacyHash,
    };
  }

  /** The live session a cookie names (its "last seen" moved on), or undefined: unknown, ended, malformed. */
  async resolve(cookie: string | undefined, at: Date): Promise<MemberSession | undefined> {
    const id = parseSessionCookie('s1', cookie);
    if (id === undefined) return undefined;
    const row = await this.db.selectFrom('member_sessions').selectAll().where('id_hash', '=', this.hash(id)).where('revoked_at', 'is', null).executeTakeFirst();
    if (!row) return undefined;
    if (at.getTime() - Date.parse(row.last_seen_at) >= LAST_SEEN_STEP_MS) {
      await this.db.updateTable('member_sessions').set({ last_seen_at: at.toISOString() }).where('id_hash', '=', row.id_hash).execute();
      row.last_seen_at = at.toISOString();
    }
    return toSession(row);
  }

  /** The member's live sessions, newest first. */
  async list(memberId: string): Promise<MemberSession[]> {
    const rows = await this.db
      .selectFrom('member_sessions')
      .selectAll()
      .where('member_id', '=', memberId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('ref')
      .execute();
    return rows.map(toSession);
  }

  /** Ends one of the member's own sessions by its ref; false when it is not theirs or already ended. */
  async end(memberId: string, ref: string, at: Date): Promise<boolean> {
    const done = await this.db
      .updateTable('member_sessions')
      .set({ revoked_at: at.toISOString() })
      .where('member_id', '=', memberId)
      .where('ref', '=', ref)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  private async endById(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('member_sessions')
      .set({ revoked_at: at.toISOString() })
      .where('id_hash', '=', this.hash(id))
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** "Sign out everywhere": every session of the member ends, and stateless cookies of before 0010 are no longer converted. */
  async endAll(memberId: string, at: Date): Promise<number> {
    const done = await this.db
      .updateTable('member_sessions')
      .set({ revoked_at: at.toISOString() })
      .where('member_id', '=', memberId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.db
      .insertInto('member_legacy_blocks')
      .values({ member_id: memberId, at: at.toISOString() })
      .onConflict((oc) => oc.column('member_id').doNothing())
      .execute();
    return Number(done.numUpdatedRows);
  }

  /**
   * A stateless cookie of before 0010 (already checked by the hub: signed with the member key) is
   * accepted once: it becomes a session and the phone gets a session cookie. The same cookie value is
   * never converted again (its HMAC is the row's unique `legacy_hash`), nor after the member signed
   * out everywhere or was erased. Undefined: refused.
   */
  async convertLegacy(memberId: string, legacyCookie: string, userAgent: string | undefined, at: Date): Promise<string | undefined> {
    const blocked = await this.db.selectFrom('member_legacy_blocks').select('member_id').where('member_id', '=', memberId).executeTakeFirst();
    if (blocked) return undefined;
    // `members.erased_at` comes with the owner's migration 0003 and is not in the members aggregate's own type.
    const member = await this.db
      .selectFrom('members')
      .select(['id'])
      .where('id', '=', memberId)
      .where(sql<boolean>`erased_at is null`)
      .executeTakeFirst();
    if (!member) return undefined;
    const id = randomBytes(32).toString('base64url');
    const inserted = await this.db
      .insertInto('member_sessions')
      .values(this.newRow(id, memberId, userAgent, at, createHmac('sha256', this.key).update(`legacy|${legacyCookie}`).digest('hex')))
      .onConflict((oc) => oc.column('legacy_hash').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows) === 1 ? `s1.${id}` : undefined;
  }
}

function toSession(row: HubDatabase['member_sessions']): MemberSession {
  return { ref: row.ref, memberId: row.member_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at, device: row.device };
}
