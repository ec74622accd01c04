import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type Selectable } from 'kysely';
import type { HubDatabase } from './store-schema';

/**
 * The message outbox, the one-time contact codes and each member's messaging preferences (language,
 * marketing consent), in Kysely so one source runs on SQLite and PostgreSQL.
 *
 * A message's id is chosen by its writer (`welcome:<memberId>`, `code:<codeId>`): queueing it twice
 * is one row. A sender claims queued messages with a lease (one conditional UPDATE; on PostgreSQL
 * the candidate rows are taken `FOR UPDATE SKIP LOCKED`, so two hub nodes never claim the same one),
 * marks a message sent only after the SMTP server accepted it, and a message whose sender died is
 * claimed again when its lease runs out.
 */

export type Engine = 'sqlite' | 'postgres';
export type MessageState = 'queued' | 'sent' | 'failed' | 'suppressed';
export type MessageKind = 'service' | 'marketing';
export type Channel = 'email' | 'sms';

export interface MessageTables {
  messages: {
    id: string;
    shop_no: number;
    member_id: string | null;
    purpose: string;
    kind: string;
    channel: string;
    recipient: string | null;
    locale: string;
    subject: string;
    body_text: string;
    body_html: string;
    /** A secret the body names by placeholder (a code), encrypted; cleared once the message is settled. */
    secret: string | null;
    state: string;
    reason: string | null;
    attempts: number;
    next_attempt_at: string;
    locked_until: string | null;
    locked_by: string | null;
    created_at: string;
    settled_at: string | null;
  };
  contact_codes: {
    id: string;
    shop_no: number;
    contact: string;
    purpose: string;
    code_hash: string;
    requested_by: string;
    created_at: string;
    expires_at: string;
    tries: number;
    used_at: string | null;
  };
  member_messaging: { member_id: string; locale: string | null; marketing_consent_at: string | null; marketing_withdrawn_at: string | null };
  /** Every consent given or withdrawn, per purpose, with the consent text's version and language (0012). Append-only. */
  message_consents: {
    id: string;
    member_id: string;
    purpose: string;
    granted: number;
    text_version: string | null;
    locale: string | null;
    via: string;
    at: string;
  };
  /** The owner's edits of message texts, per language and catalog key (0017); a key not here keeps its locale-file text. */
  message_texts: { locale: string; key: string; text: string; updated_at: string; updated_by: string };
  /** The hub's members, as far as a campaign's audience needs them (cloud/store-schema.ts owns the table). */
  members: { id: string; shop_no: number; merged_into: string | null };
  /** The hub's settings (the owner's message rules live under `messageRules`). */
  settings: { key: string; value: string };
}

export type ConsentPurpose = 'service' | 'marketing';
/** Where a consent was given or withdrawn, and the text the member saw (its version and language). */
export interface ConsentRecord {
  via: string;
  version: string | null;
  locale: string | null;
}

export type MessageRow = Selectable<MessageTables['messages']>;

/** The outbox, codes and preferences tables (one source for both engines). */
export const messagesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text')
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body_text', 'text', (c) => c.notNull())
      .addColumn('body_html', 'text', (c) => c.notNull())
      .addColumn('secret', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('locked_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('settled_at', 'text')
      .execute();
    await db.schema.createIndex('messages_due').on('messages').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('messages_member').on('messages').columns(['member_id', 'created_at']).execute();
    await db.schema
      .createTable('contact_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('contact', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('contact_codes_contact').on('contact_codes').columns(['shop_no', 'contact', 'created_at']).execute();
    await db.schema.createIndex('contact_codes_requester').on('contact_codes').columns(['requested_by', 'created_at']).execute();
    await db.schema
      .createTable('member_messaging')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('locale', 'text')
      .addColumn('marketing_consent_at', 'text')
      .addColumn('marketing_withdrawn_at', 'text')
      .execute();
  },
};

/** Consent per purpose, logged with the text's version and language (hub migration 0012). */
export const messageConsentMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('message_consents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('granted', 'integer', (c) => c.notNull())
      .addColumn('text_version', 'text')
      .addColumn('locale', 'text')
      .addColumn('via', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('message_consents_member').on('message_consents').columns(['member_id', 'at']).execute();
  },
};

/** The owner's edits of message texts (hub migration 0017). */
export const messageTextsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('message_texts')
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_texts_pk', ['locale', 'key'])
      .execute();
  },
};

export interface NewMessage {
  id: string;
  shopNo: number;
  memberId: string | null;
  purpose: string;
  kind: MessageKind;
  channel: Channel;
  recipient: string | null;
  locale: string;
  subject: string;
  text: string;
  html: string;
  secret?: string | null;
  /** Not sent before this instant (a marketing message asked for in quiet hours); default at once. */
  notBefore?: Date;
  /** 'queued', or 'suppressed' with the reason in words. */
  state: 'queued' | 'suppressed';
  reason?: string | null;
}

export interface CodeRow {
  id: string;
  codeHash: string;
  tries: number;
  expiresAt: string;
  usedAt: string | null;
}

/** COUNT comes back as a string from PostgreSQL. */
const n = (value: unknown): number => Number(value ?? 0);

export class MessageStore {
  /** The hub's one schema (store-schema.ts HubDatabase, which includes MessageTables). */
  constructor(
    readonly db: Kysely<HubDatabase>,
    readonly engine: Engine,
  ) {}

  // ---- the outbox ------------------------------------------------------------------------------

  /** Queues (or records as suppressed) a message; a message with this id already there is left as it is. Returns the stored state. */
  async enqueue(m: NewMessage, now: Date): Promise<MessageState> {
    const at = now.toISOString();
    await this.db
      .insertInto('messages')
      .values({
        id: m.id,
        shop_no: m.shopNo,
        member_id: m.memberId,
        purpose: m.purpose,
        kind: m.kind,
        channel: m.channel,
        recipient: m.recipient,
        locale: m.locale,
        subject: m.subject,
        body_text: m.text,
        body_html: m.html,
        secret: m.state === 'queued' ? (m.secret ?? null) : null,
        state: m.state,
        reason: m.reason ?? null,
        attempts: 0,
        next_attempt_at: m.notBefore && m.state === 'queued' ? m.notBefore.toISOString() : at,
        created_at: at,
        settled_at: m.state === 'queued' ? null : at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.message(m.id))!.state as MessageState;
  }

  async message(id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Claims up to `limit` queued messages that are due and not leased: each gets a lease until
   * `leaseUntil` held by `node`, and one more attempt. One statement: on PostgreSQL the candidates
   * are locked with SKIP LOCKED, so another node's claim at the same moment takes other rows.
   */
  async claimDue(node: string, now: Date, leaseUntil: Date, limit: number): Promise<MessageRow[]> {
    const at = now.toISOString();
    const lease = leaseUntil.toISOString();
    // PostgreSQL: the candidates are picked (and locked) once in a CTE; as `id IN (subquery … LIMIT)`
    // the planner may run the subquery again and claim more than `limit` rows. SQLite has one writer.
    const result =
      this.engine === 'postgres'
        ? await sql<MessageRow>`
        WITH picked AS (SELECT id FROM messages WHERE state = 'queued' AND next_attempt_at <= ${at}
            AND (locked_until IS NULL OR locked_until <= ${at}) ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        UPDATE messages m SET locked_until = ${lease}, locked_by = ${node}, attempts = m.attempts + 1
        FROM picked WHERE m.id = picked.id RETURNING m.*`.execute(this.db)
        : await sql<MessageRow>`
        UPDATE messages SET locked_until = ${lease}, locked_by = ${node}, attempts = attempts + 1
        WHERE id IN (SELECT id FROM messages WHERE state = 'queued' AND next_attempt_at <= ${at}
            AND (locked_until IS NULL OR locked_until <= ${at}) ORDER BY next_attempt_at, id LIMIT ${limit})
        RETURNING *`.execute(this.db);
    return result.rows
      .map((r) => ({ ...r, attempts: n(r.attempts), shop_no: n(r.shop_no) }))
      .sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id.localeCompare(b.id));
  }

  /** Sent: only by the holder of the lease (a sender whose lease ran out and was claimed again changes nothing). */
  async markSent(id: string, node: string, now: Date): Promise<boolean> {
    const done = await this.db
      .updateTable('messages')
      .set({ state: 'sent', settled_at: now.toISOString(), locked_until: null, secret: null, reason: null })
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    return n(done.numUpdatedRows) === 1;
  }

  /** Failed for good, with the error in words. */
  async markFailed(id: string, node: string, reason: string, now: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ state: 'failed', reason, settled_at: now.toISOString(), locked_until: null, secret: null })
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('state', '=', 'queued')
      .execute();
  }

  /** Back in the queue, due again at `nextAt`, with the last error kept for the owner. */
  async retryLater(id: string, node: string, reason: string, nextAt: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ reason, next_attempt_at: nextAt.toISOString(), locked_until: null, locked_by: null })
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('state', '=', 'queued')
      .execute();
  }

  /** Gives back a claimed message not tried (the hub is closing): due at once, the attempt not counted. */
  async release(id: string, node: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set((eb) => ({ locked_until: null, locked_by: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('state', '=', 'queued')
      .execute();
  }

  /** Given back unsent and due at `until` (a marketing message claimed in quiet hours): the attempt is not counted. */
  async defer(id: string, node: string, until: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set((eb) => ({ next_attempt_at: until.toISOString(), locked_until: null, locked_by: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('state', '=', 'queued')
      .execute();
  }

  /** Marketing messages of a member queued or sent since `since` (the weekly cap counts these). */
  async marketingSince(memberId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('member_id', '=', memberId)
      .where('kind', '=', 'marketing')
      .where('state', 'in', ['queued', 'sent'])
      .where('created_at', '>=', since.toISOString())
      .executeTakeFirst();
    return n(row?.count);
  }

  /** Messages whose id starts with `prefix` (a campaign's), by state. */
  async countByPrefix(prefix: string): Promise<Record<MessageState, number>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['state', (eb) => eb.fn.countAll().as('count')])
      // substr, not LIKE: a campaign id may hold `_`, which LIKE reads as a wildcard.
      .where(sql<string>`substr(id, 1, ${prefix.length})`, '=', prefix)
      .groupBy('state')
      .execute();
    const counts: Record<MessageState, number> = { queued: 0, sent: 0, failed: 0, suppressed: 0 };
    for (const row of rows) counts[row.state as MessageState] = n(row.count);
    return counts;
  }

  // ---- the owner's rules -----------------------------------------------------------------------

  async rulesJson(): Promise<string | undefined> {
    return (await this.db.selectFrom('settings').select('value').where('key', '=', 'messageRules').executeTakeFirst())?.value;
  }

  async saveRulesJson(value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key: 'messageRules', value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  // ---- campaigns ------------------------------------------------------------------------------

  /** A shop's members (not merged away), and those of them whose consent to offers stands now: a campaign's audience. */
  async campaignAudience(shopNo: number): Promise<{ members: number; consenting: string[] }> {
    const members = await this.db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('shop_no', '=', shopNo)
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    const consenting = await this.db
      .selectFrom('members')
      .innerJoin('member_messaging', 'member_messaging.member_id', 'members.id')
      .select('members.id')
      .where('members.shop_no', '=', shopNo)
      .where('members.merged_into', 'is', null)
      .where('member_messaging.marketing_consent_at', 'is not', null)
      .where('member_messaging.marketing_withdrawn_at', 'is', null)
      .orderBy('members.id')
      .execute();
    return { members: n(members?.count), consenting: consenting.map((r) => r.id) };
  }

  /**
   * Members of the shop whose birthday (MM-DD) is one of `monthDays`, as ids: not erased, not merged
   * into another (the survivor has its own birthday). Consent is checked when the message is queued.
   */
  async birthdayMembers(shopNo: number, monthDays: readonly string[]): Promise<string[]> {
    if (monthDays.length === 0) return [];
    const rows = await this.db
      .selectFrom('members')
      .select('id')
      .where('shop_no', '=', shopNo)
      .where('birthday', 'in', [...monthDays])
      .where('erased_at', 'is', null)
      .where('merged_into', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  // ---- the owner's texts ------------------------------------------------------------------------

  /** Every edited text, as rows (language, key, text). */
  async editedTexts(): Promise<{ locale: string; key: string; text: string }[]> {
    return this.db.selectFrom('message_texts').select(['locale', 'key', 'text']).orderBy('locale').orderBy('key').execute();
  }

  /** Saves (or replaces) the owner's text for one key in one language; `by` is who did it (the audit's words). */
  async saveText(locale: string, key: string, text: string, by: string, now: Date): Promise<void> {
    const row = { text, updated_at: now.toISOString(), updated_by: by };
    await this.db
      .insertInto('message_texts')
      .values({ locale, key, ...row })
      .onConflict((oc) => oc.columns(['locale', 'key']).doUpdateSet(row))
      .execute();
  }

  /** Back to the locale file's text for one key in one language. */
  async removeText(locale: string, key: string): Promise<void> {
    await this.db.deleteFrom('message_texts').where('locale', '=', locale).where('key', '=', key).execute();
  }

  /** Failed and suppressed messages of a shop, newest first (the owner's list). */
  async undelivered(shopNo: number, limit = 200): Promise<MessageRow[]> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('shop_no', '=', shopNo)
      .where('state', 'in', ['failed', 'suppressed'])
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Messages by state (tests, benches, the owner). */
  async countByState(): Promise<Record<MessageState, number>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['state', (eb) => eb.fn.countAll().as('count')])
      .groupBy('state')
      .execute();
    const counts: Record<MessageState, number> = { queued: 0, sent: 0, failed: 0, suppressed: 0 };
    for (const row of rows) counts[row.state as MessageState] = n(row.count);
    return counts;
  }

  async messagesOf(memberId: string): Promise<MessageRow[]> {
    return this.db.selectFrom('messages').selectAll().where('member_id', '=', memberId).orderBy('created_at').orderBy('id').execute();
  }

  // ---- one-time codes --------------------------------------------------------------------------

  async insertCode(row: {
    id: string;
    shopNo: number;
    contact: string;
    purpose: string;
    codeHash: string;
    requestedBy: string;
    now: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.db
      .insertInto('contact_codes')
      .values({
        id: row.id,
        shop_no: row.shopNo,
        contact: row.contact,
        purpose: row.purpose,
        code_hash: row.codeHash,
        requested_by: row.requestedBy,
        created_at: row.now.toISOString(),
        expires_at: row.expiresAt.toISOString(),
        tries: 0,
      })
      .execute();
  }

  /** Codes asked for a contact, and by a requester (address), since `since`. */
  async codesSince(shopNo: number, contact: string, requestedBy: string, since: Date): Promise<{ contact: number; requester: number }> {
    const at = since.toISOString();
    const byContact = await this.db
      .selectFrom('contact_codes')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('shop_no', '=', shopNo)
      .where('contact', '=', contact)
      .where('created_at', '>=', at)
      .executeTakeFirst();
    const byRequester = await this.db
      .selectFrom('contact_codes')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('requested_by', '=', requestedBy)
      .where('created_at', '>=', at)
      .executeTakeFirst();
    return { contact: n(byContact?.count), requester: n(byRequester?.count) };
  }

  /** The newest code for a contact and purpose that is unused and unexpired. */
  async liveCode(shopNo: number, contact: string, purpose: string, now: Date): Promise<CodeRow | undefined> {
    const row = await this.db
      .selectFrom('contact_codes')
      .select(['id', 'code_hash', 'tries', 'expires_at', 'used_at'])
      .where('shop_no', '=', shopNo)
      .where('contact', '=', contact)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && { id: row.id, codeHash: row.code_hash, tries: n(row.tries), expiresAt: row.expires_at, usedAt: row.used_at };
  }

  /** Counts one try of a code, if it has tries left: one conditional update, so parallel guesses cannot exceed `maxTries`. */
  async takeTry(id: string, maxTries: number): Promise<boolean> {
    const done = await this.db
      .updateTable('contact_codes')
      .set((eb) => ({ tries: eb('tries', '+', 1) }))
      .where('id', '=', id)
      .where('tries', '<', maxTries)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return n(done.numUpdatedRows) === 1;
  }

  /** Uses a code once: the first caller wins. */
  async useCode(id: string, now: Date): Promise<boolean> {
    const done = await this.db
      .updateTable('contact_codes')
      .set({ used_at: now.toISOString() })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return n(done.numUpdatedRows) === 1;
  }

  async code(id: string): Promise<CodeRow | undefined> {
    const row = await this.db.selectFrom('contact_codes').select(['id', 'code_hash', 'tries', 'expires_at', 'used_at']).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, codeHash: row.code_hash, tries: n(row.tries), expiresAt: row.expires_at, usedAt: row.used_at };
  }

  // ---- preferences -----------------------------------------------------------------------------

  async preferences(memberId: string): Promise<{ locale: string | null; marketing: boolean }> {
    const row = await this.db.selectFrom('member_messaging').selectAll().where('member_id', '=', memberId).executeTakeFirst();
    return { locale: row?.locale ?? null, marketing: row?.marketing_consent_at != null && row.marketing_withdrawn_at == null };
  }

  /** The language a member last used on the phone pages: their messages are written in it. */
  async setLocale(memberId: string, locale: string): Promise<void> {
    await this.db
      .insertInto('member_messaging')
      .values({ member_id: memberId, locale })
      .onConflict((oc) => oc.column('member_id').doUpdateSet({ locale }))
      .execute();
  }

  /** Marketing consent given (at `now`), clearing an earlier withdrawal; logged with where and which text. */
  async grantMarketing(memberId: string, now: Date, record: ConsentRecord = { via: 'api', version: null, locale: null }): Promise<void> {
    const at = now.toISOString();
    await this.db
      .insertInto('member_messaging')
      .values({ member_id: memberId, marketing_consent_at: at })
      .onConflict((oc) => oc.column('member_id').doUpdateSet({ marketing_consent_at: at, marketing_withdrawn_at: null }))
      .execute();
    await this.logConsent(memberId, 'marketing', true, record, now);
  }

  /** Marketing consent withdrawn (unsubscribe, the card); true when it was given until now. */
  async withdrawMarketing(memberId: string, now: Date, record: ConsentRecord = { via: 'unsubscribe', version: null, locale: null }): Promise<boolean> {
    const had = (await this.preferences(memberId)).marketing;
    await this.db
      .insertInto('member_messaging')
      .values({ member_id: memberId, marketing_withdrawn_at: now.toISOString() })
      .onConflict((oc) => oc.column('member_id').doUpdateSet({ marketing_withdrawn_at: now.toISOString() }))
      .execute();
    if (had) await this.logConsent(memberId, 'marketing', false, record, now);
    return had;
  }

  /** One consent event in the log (service consent is given with the programme at joining). */
  async logConsent(memberId: string, purpose: ConsentPurpose, granted: boolean, record: ConsentRecord, now: Date): Promise<void> {
    await this.db
      .insertInto('message_consents')
      .values({
        id: randomUUID(),
        member_id: memberId,
        purpose,
        granted: granted ? 1 : 0,
        text_version: record.version,
        locale: record.locale,
        via: record.via,
        at: now.toISOString(),
      })
      .execute();
  }

  /** A member's consent log, oldest first. */
  async consents(
    memberId: string,
  ): Promise<{ purpose: ConsentPurpose; granted: boolean; version: string | null; locale: string | null; via: string; at: string }[]> {
    const rows = await this.db.selectFrom('message_consents').selectAll().where('member_id', '=', memberId).orderBy('at').orderBy('id').execute();
    return rows.map((r) => ({
      purpose: r.purpose as ConsentPurpose,
      granted: n(r.granted) === 1,
      version: r.text_version,
      locale: r.locale,
      via: r.via,
      at: r.at,
    }));
  }
}
