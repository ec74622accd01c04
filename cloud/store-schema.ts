import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type SqliteDatabase,
  type ColumnDataType,
  type Generated,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import pg from 'pg';
import { joinVerificationMigration, type JoinTables } from './join-verification';
import { referralMigration, type ReferralTables } from './referrals';
import { messageConsentMigration, messagesMigration, messageTextsMigration, type MessageTables } from './message-store';
import { memberPeriodsMigration } from './owner-member-periods';
import { rollupHoursMigration, rollupMarkPartsMigration, rollupMigration } from './owner-rollups';
import { ownerMigration, type OwnerAuditTables } from './owner-store';
import { shopSettingsMigration, type SettingsTables } from './shop-settings';
import { walletGoogleMigration, walletMigration, type WalletTables } from './wallet';
import { LARGE_RESULT_ROWS, LargeResultWatch } from './store/result-watch';

/**
 * The hub's tables, declared once for both engines, and the migrations that make them, written
 * once with Kysely's schema builder. The only per-engine difference is the type of an
 * auto-numbered key (`integer primary key` on SQLite, `serial` on PostgreSQL). Timestamps are ISO
 * strings in TEXT columns on both, so they sort the same everywhere.
 */

export type Engine = 'sqlite' | 'postgres';

/**
 * Every table of the hub, one description for every module: the store's aggregates (cloud/store/), the
 * owner's audit (cloud/owner-store.ts), the messages (cloud/message-store.ts), the shop settings
 * (cloud/shop-settings.ts) and the wallet passes (cloud/wallet.ts) declare their part and
 * it is joined here, so no module reads the database through a second description of the same tables.
 */
export interface HubDatabase extends MessageTables, OwnerAuditTables, SettingsTables, WalletTables, JoinTables, ReferralTables {
  settings: { key: string; value: string };
  shops: { no: Generated<number>; id: string; name: string; privacy_text: string; program_json: string };
  /** `location`: the name the owner grouped this kiosk under (0003); null: the kiosk's own name. */
  kiosks: {
    no: Generated<number>;
    id: string;
    shop_no: number;
    name: string;
    secret: string;
    paired_at: string;
    revoked_at: string | null;
    location: string | null;
    /** When the flag rule (cloud/outbox-check.ts KIOSK_FLAG_RULE) flagged it for the owner; null: not flagged (0021). */
    flagged_at: string | null;
    /** When the owner last cleared its flag: refusals before it no longer count (0021). */
    flag_cleared_at: string | null;
  };
  pairing_codes: { code: string; shop_no: number; created_at: string; expires_at: string; used_by: string | null };
  members: {
    no: Generated<number>;
    id: string;
    shop_no: number;
    name: string | null;
    phone: string | null;
    email: string | null;
    consent_at: string | null;
    consent_text: string | null;
    created_at: string;
    /** The card code of a member enrolled at a kiosk (that kiosk's number range); null for one who joined by phone. */
    code: string | null;
    /** The member this one was merged into by the owner (0011); its id is an alias of that member since. */
    merged_into: string | null;
    /** When the owner erased the member's data (0003): name, contacts and consent text are gone, the ledger stays. */
    erased_at: string | null;
    /** MM-DD, given on the join form or the card (0013); the program's birthday rule reads it. */
    birthday: string | null;
    /** The member whose referral link this one joined through (0013); set once, when this member's contact is proven (cloud/referrals.ts). */
    referred_by: string | null;
    /** The member's own referral code (0019, cloud/referrals.ts): random, made when the card first shows it. */
    referral_code: string | null;
  };
  /** Append-only; `seq` is the insertion order (ties of `at`), `id` the writer's globally unique id. */
  ledger: {
    seq: Generated<number>;
    id: string;
    member_id: string;
    kind: string;
    points: number;
    stamps: number;
    sale_id: string | null;
    reverses: string | null;
    reason_json: string;
    at: string;
    kiosk_no: number | null;
    spend: number | null;
  };
  /** A projection of the ledger, updated in the same transaction as every inserted entry. */
  balances: { member_id: string; points: number; stamps: number; earned: number; entries: number };
  /** One row per claimed sale: the primary key makes the first claim win, on every node. */
  claims: { sale_key: string; kiosk_no: number; sale_no: number; member_id: string; via: string; points: number; stamps: number; at: string };
  /**
   * A kiosk's report of a sale (saleCreated). `stamps` and `stamps_by_card` (JSON: stamps rule id →
   * count) are what it earned when rung; null for a sale reported before migration 0020 or by an older
   * kiosk: a claim of its QR puts the token's stamps on the first card (core/claims).
   */
  sales: {
    id: string;
    kiosk_no: number;
    sale_no: number;
    amount: number;
    currency: string;
    points: number;
    stamps: number | null;
    stamps_by_card: string | null;
    member_id: string | null;
    at: string;
  };
  sale_reversals: { sale_key: string; kiosk_no: number; total: number; refunded: number; full_refund: number; at: string };
  processed_messages: { id: string; kiosk_no: number; at: string };
  /** Hub → kiosk events (claimAccepted, claimRefused, saleEntriesDerived) waiting until the kiosk acks them. */
  deliveries: { seq: Generated<number>; id: string; kiosk_no: number; event: string; payload_json: string; created_at: string };
  /**
   * Vouchers the hub issued. Rows from before 0004 hold the reward's position in reward_key and no reward_id.
   * From 0005 a voucher holds its cost at issue (ledger `voucher-hold:<id>`): status 'held' until it is
   * redeemed ('redeemed') or expires unredeemed and its points come back ('released'); rows from before
   * 0005 have no status and no hold.
   */
  vouchers: {
    id: string;
    member_id: string;
    reward_key: number;
    reward_id: string | null;
    created_at: string;
    cost_points: number | null;
    cost_stamps: number | null;
    expires_at: string | null;
    status: string | null;
  };
  /** The one redemption of a voucher that stands, in the whole shop: the primary key makes the first win, on every node. */
  voucher_redemptions: { voucher_id: string; redemption_id: string; kiosk_no: number; at: string; recorded_at: string };
  /** Later redemptions of an already redeemed voucher, made by kiosks while offline: for the owner to look into. */
  voucher_conflicts: { seq: Generated<number>; voucher_id: string; redemption_id: string; kiosk_no: number; at: string; recorded_at: string };
  /** The shop's program versions (the owner's editor publishes; kiosks receive them). A version never changes. */
  program_versions: { shop_no: number; version: number; effective_from: string; document_json: string; published_at: string };
  /** The member directory's change log (cloud/member-changes.ts): kiosks sync their replica by its `seq`. */
  member_changes: { seq: Generated<number>; shop_no: number; member_id: string; at: string };
  /** A kiosk's member id for a person the hub already had under another id (enrolled twice): entries for it go to `member_id`. */
  member_aliases: { alias_id: string; member_id: string; kiosk_no: number | null; at: string };
  /** Outbox messages the hub refused (one row per message id): what each kiosk sent that the rules would not derive. */
  /** `code`: the kind of refusal (cloud/outbox-check.ts kioskRefusalCodes; 'other' for rows from before 0021). */
  kiosk_refusals: { message_id: string; kiosk_no: number; type: string; code: string; reason: string; at: string };
  /**
   * Roll-ups (cloud/owner-rollups.ts): "this shop's UTC hour changed", appended by triggers, consumed by the refresh;
   * `part` (0025): which of its tables to sum again ('facts', 'entries', or 'all').
   */
  rollup_marks: { seq: Generated<number>; shop_no: number; hour: string; part: Generated<string> };
  /** The time zone a shop's roll-up days were cut in (another zone: they are summed again). */
  rollup_state: { shop_no: number; time_zone: string };
  /** Scratch for a rebuild's grouped pass: the shop day of each whole UTC hour (empty between rebuilds). */
  rollup_hour_days: { shop_no: number; hour: string; day: string };
  /** Per shop day (YYYY-MM-DD in the shop's zone), UTC hour (YYYY-MM-DDTHH) in it, kiosk and member: sales, their net total, the last one. */
  rollup_members: { shop_no: number; day: string; hour: string; kiosk_no: number; member_id: string; visits: number; spend: number; last_at: string };
  /** Per shop day, UTC hour, kiosk, UTC quarter hour and member/anonymous: sales and their net total. */
  rollup_sales: { shop_no: number; day: string; hour: string; kiosk_no: number; quarter: number; anonymous: number; sales: number; total: number };
  /** Per shop day, UTC hour and the kiosk of the entry's sale (0: none): points earned and redeemed. */
  rollup_points: { shop_no: number; day: string; hour: string; kiosk_no: number; earned: number; redeemed: number };
  /** Per shop day, UTC hour, kiosk and reward: redemptions and their points and stamps. */
  rollup_rewards: {
    shop_no: number;
    day: string;
    hour: string;
    kiosk_no: number;
    rule_id: string | null;
    label: string | null;
    code: string;
    redemptions: number;
    points: number;
    stamps: number;
  };
  /** A member's last activity (joining, a sale, any ledger entry), kept by the roll-up triggers. */
  member_activity: { member_id: string; shop_no: number; last_at: string };
  /** A period the owner's overview read (cloud/owner-member-periods.ts): its query and its members folded into counts (JSON). */
  member_periods: { shop_no: number; period: string; seq: number; summary_json: string };
  /** Per kept period and member: sales and net spend in the period and in the previous one, the last sale in the period. */
  member_period_sums: {
    shop_no: number;
    period: string;
    member_id: string;
    visits: number;
    spend: number;
    last_at: string | null;
    previous_visits: number;
    previous_spend: number;
  };
  /**
   * Members' signed-in phones (cloud/member-sessions.ts). The cookie holds the session id; only its HMAC
   * is stored. `ref` names the row on the card's forms; `legacy_hash` marks a session converted from a
   * stateless cookie of before 0010, so that cookie converts once.
   */
  member_sessions: {
    id_hash: string;
    ref: string;
    member_id: string;
    created_at: string;
    last_seen_at: string;
    device: string | null;
    revoked_at: string | null;
    legacy_hash: string | null;
  };
  /** Members whose stateless cookies of before 0010 are no longer converted (signed out everywhere, or erased). */
  member_legacy_blocks: { member_id: string; at: string };
  /** Back-office accounts (cloud/owner-accounts.ts): password as a scrypt record with its parameters. */
  owner_accounts: {
    id: string;
    name: string;
    role: string;
    password: string;
    totp_secret: string | null;
    totp_pending: string | null;
    totp_last_step: number | null;
    created_at: string;
  };
  /** One-time set-up and invitation links (hashed): single use by one conditional update. */
  owner_invites: { token_hash: string; role: string; created_at: string; expires_at: string; used_at: string | null; created_by: string | null };
  /** Owner sessions (cookie `lk_owner_session`), apart from members' and hashed under the owner key. account_id null: signed in with the owner token. */
  owner_sessions: { id_hash: string; account_id: string | null; name: string; role: string; created_at: string; expires_at: string; revoked_at: string | null };
  /** API keys for scripts: the secret's hash only. */
  owner_api_keys: {
    id: string;
    name: string;
    secret_hash: string;
    created_at: string;
    created_by: string;
    revoked_at: string | null;
    last_used_at: string | null;
  };
  /** Handshake nonces a kiosk has used, kept while its `at` is inside the handshake window: a replay finds its row. */
  kiosk_nonces: { kiosk_no: number; nonce: string; at: string };
}

/** The hub's migrations, in name order. Never edit a released one: add the next. */
export function hubMigrations(engine: Engine): Record<string, Migration> {
  const serial: ColumnDataType = engine === 'postgres' ? 'serial' : 'integer';
  return {
    '0001-hub': {
      async up(db: Kysely<unknown>): Promise<void> {
        const s = db.schema;
        await s
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('shops')
          .addColumn('no', serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('privacy_text', 'text', (c) => c.notNull())
          .addColumn('program_json', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('kiosks')
          .addColumn('no', serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('shop_no', 'integer', (c) => c.notNull().references('shops.no'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('paired_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await s
          .createTable('pairing_codes')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('shop_no', 'integer', (c) => c.notNull().references('shops.no'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_by', 'text')
          .execute();
        await s
          .createTable('members')
          .addColumn('no', serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('shop_no', 'integer', (c) => c.notNull().references('shops.no'))
          .addColumn('name', 'text')
          .addColumn('phone', 'text')
          .addColumn('email', 'text')
          .addColumn('consent_at', 'text')
          .addColumn('consent_text', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s.createIndex('members_phone').unique().on('members').columns(['shop_no', 'phone']).where(sql.ref('phone'), 'is not', null).execute();
        await s.createIndex('members_email').unique().on('members').columns(['shop_no', 'email']).where(sql.ref('email'), 'is not', null).execute();
        await s
          .createTable('ledger')
          .addColumn('seq', serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('points', 'integer', (c) => c.notNull())
          .addColumn('stamps', 'integer', (c) => c.notNull())
          .addColumn('sale_id', 'text')
          .addColumn('reverses', 'text')
          .addColumn('reason_json', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('kiosk_no', 'integer')
          .addColumn('spend', 'integer')
          .execute();
        await s.createIndex('ledger_member').on('ledger').columns(['member_id', 'at']).execute();
        await s.createIndex('ledger_sale').on('ledger').column('sale_id').execute();
        await s
          .createTable('balances')
          .addColumn('member_id', 'text', (c) => c.primaryKey())
          .addColumn('points', 'integer', (c) => c.notNull())
          .addColumn('stamps', 'integer', (c) => c.notNull())
          .addColumn('earned', 'integer', (c) => c.notNull())
          .addColumn('entries', 'integer', (c) => c.notNull())
          .execute();
        await s
          .createTable('claims')
          .addColumn('sale_key', 'text', (c) => c.primaryKey())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('sale_no', 'integer', (c) => c.notNull())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('via', 'text', (c) => c.notNull())
          .addColumn('points', 'integer', (c) => c.notNull())
          .addColumn('stamps', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('sales')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('sale_no', 'integer', (c) => c.notNull())
          .addColumn('amount', 'integer', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('points', 'integer', (c) => c.notNull())
          .addColumn('member_id', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('sale_reversals')
          .addColumn('sale_key', 'text', (c) => c.primaryKey())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('total', 'integer', (c) => c.notNull())
          .addColumn('refunded', 'integer', (c) => c.notNull())
          .addColumn('full_refund', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('processed_messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('deliveries')
          .addColumn('seq', serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s.createIndex('deliveries_kiosk').on('deliveries').columns(['kiosk_no', 'created_at']).execute();
        await s
          .createTable('vouchers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('reward_no', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002-program-versions': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('program_versions')
          .addColumn('shop_no', 'integer', (c) => c.notNull().references('shops.no'))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('effective_from', 'text', (c) => c.notNull())
          .addColumn('document_json', 'text', (c) => c.notNull())
          .addColumn('published_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('program_versions_pk', ['shop_no', 'version'])
          .execute();
      },
    },
    // The owner's pages: kiosk locations, erasure, the audit log, the dashboard's period indexes (cloud/owner-store.ts).
    '0003-owner': ownerMigration,
    // Vouchers name their reward by a key derived from its id (core/tokens rewardKeyOf), not its position.
    '0004-voucher-reward-key': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('vouchers').renameColumn('reward_no', 'reward_key').execute();
        await db.schema.alterTable('vouchers').addColumn('reward_id', 'text').execute();
      },
    },
    // Vouchers hold their points at issue and are redeemed once in the whole shop.
    '0005-voucher-holds': {
      async up(db: Kysely<unknown>): Promise<void> {
        const s = db.schema;
        await s.alterTable('vouchers').addColumn('cost_points', 'integer').execute();
        await s.alterTable('vouchers').addColumn('cost_stamps', 'integer').execute();
        await s.alterTable('vouchers').addColumn('expires_at', 'text').execute();
        await s.alterTable('vouchers').addColumn('status', 'text').execute();
        await s.createIndex('vouchers_held').on('vouchers').columns(['status', 'expires_at']).execute();
        await s
          .createTable('voucher_redemptions')
          .addColumn('voucher_id', 'text', (c) => c.primaryKey())
          .addColumn('redemption_id', 'text', (c) => c.notNull())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('voucher_conflicts')
          .addColumn('seq', serial, (c) => c.primaryKey())
          .addColumn('voucher_id', 'text', (c) => c.notNull())
          .addColumn('redemption_id', 'text', (c) => c.notNull())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .execute();
        await s.createIndex('voucher_conflicts_once').unique().on('voucher_conflicts').columns(['voucher_id', 'kiosk_no', 'redemption_id']).execute();
      },
    },
    // The member directory every kiosk replicates by cursor, and the ids merged into an existing member.
    '0006-member-changes': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('member_changes')
          .addColumn('seq', serial, (c) => c.primaryKey())
          .addColumn('shop_no', 'integer', (c) => c.notNull())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('member_changes_shop').on('member_changes').columns(['shop_no', 'seq']).execute();
        await db.schema
          .createTable('member_aliases')
          .addColumn('alias_id', 'text', (c) => c.primaryKey())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('kiosk_no', 'integer')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('members').addColumn('code', 'text').execute();
        // The members from before: one change each, so a kiosk syncing from cursor 0 gets every one of them.
        await sql`insert into member_changes (shop_no, member_id, at) select shop_no, id, created_at from members order by no`.execute(db);
      },
    },
    '0007-security-kiosk-refusals': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('kiosk_refusals')
          .addColumn('message_id', 'text', (c) => c.primaryKey())
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('kiosk_refusals_kiosk').on('kiosk_refusals').columns(['kiosk_no', 'at']).execute();
      },
    },
    // The message outbox, one-time contact codes and members' messaging preferences (cloud/message-store.ts).
    '0008-messages': messagesMigration,
    // The dashboard's daily roll-ups, kept by triggers on every summed table, back-filled here (cloud/owner-rollups.ts).
    '0009-dashboard-rollups': rollupMigration(engine),
    // Member sessions on the server, owner accounts, invitations, owner sessions and API keys, kiosk handshake nonces.
    '0010-sessions-accounts': {
      async up(db: Kysely<unknown>): Promise<void> {
        const s = db.schema;
        await s
          .createTable('member_sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('ref', 'text', (c) => c.notNull().unique())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('device', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('legacy_hash', 'text', (c) => c.unique())
          .execute();
        await s.createIndex('member_sessions_member').on('member_sessions').columns(['member_id', 'created_at']).execute();
        await s
          .createTable('member_legacy_blocks')
          .addColumn('member_id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('owner_accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password', 'text', (c) => c.notNull())
          .addColumn('totp_secret', 'text')
          .addColumn('totp_pending', 'text')
          .addColumn('totp_last_step', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('owner_invites')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('created_by', 'text')
          .execute();
        await s
          .createTable('owner_sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await s
          .createTable('owner_api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .execute();
        await s
          .createTable('kiosk_nonces')
          .addColumn('kiosk_no', 'integer', (c) => c.notNull())
          .addColumn('nonce', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('kiosk_nonces_pk', ['kiosk_no', 'nonce'])
          .execute();
        await s.createIndex('kiosk_nonces_at').on('kiosk_nonces').column('at').execute();
      },
    },
    // The owner merges two members (cloud/member-merge.ts): the merged-away row stays, blank, pointing at the survivor.
    '0011-member-merges': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('members').addColumn('merged_into', 'text').execute();
      },
    },
    // Consent per purpose with the consent text's version and language (cloud/message-store.ts).
    '0012-message-consents': messageConsentMigration,
    // Birthday and referral, read by the member-aware earn of claims (cloud/member-earn.ts).
    '0013-member-birthday-referral': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('members').addColumn('birthday', 'text').execute();
        await db.schema.alterTable('members').addColumn('referred_by', 'text').execute();
      },
    },
    // A new member's welcome bonus held until the contact is proven by a code (cloud/join-verification.ts).
    '0015-join-verifications': joinVerificationMigration,
    // Apple Wallet passes and the devices that registered them (cloud/wallet.ts).
    '0016-wallet-passes': walletMigration,
    // The owner's edits of message texts per language (cloud/message-store.ts, cloud/routes/messages.ts).
    '0017-message-texts': messageTextsMigration,
    // The shop's settings (cloud/shop-settings.ts): country, currency, language, time zone, locations.
    '0018-shop-settings': shopSettingsMigration,
    // Referral links and referred contacts (cloud/referrals.ts).
    '0019-referrals': referralMigration,
    // A sale keeps its stamps, per card, as its kiosk reported them (saleCreated): a claim of its QR stamps those cards.
    // Rows from before stay null (no lines reached the hub): their claims put the stamps on the first card.
    '0020-sale-stamps': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('sales').addColumn('stamps', 'integer').execute();
        await db.schema.alterTable('sales').addColumn('stamps_by_card', 'text').execute();
      },
    },
    // A refusal's kind for the owner's page, and the flag on a kiosk that keeps sending refused facts (cloud/outbox-check.ts).
    '0021-kiosk-refusal-flags': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .alterTable('kiosk_refusals')
          .addColumn('code', 'text', (c) => c.notNull().defaultTo('other'))
          .execute();
        await db.schema.alterTable('kiosks').addColumn('flagged_at', 'text').execute();
        await db.schema.alterTable('kiosks').addColumn('flag_cleared_at', 'text').execute();
      },
    },
    // Google Wallet objects whose balance the hub keeps up to date (cloud/wallet.ts).
    '0022-wallet-google-objects': walletGoogleMigration,
    // The overview's member sums kept per period, updated by the roll-up refresh (cloud/owner-member-periods.ts).
    '0023-overview-member-periods': memberPeriodsMigration(engine),
    // The roll-ups kept per UTC hour within each shop day, so a sale re-sums its hour, not its day (cloud/owner-rollups.ts).
    '0024-overview-rollup-hours': rollupHoursMigration(engine),
    // A roll-up mark says which tables its write can change: a sale sums its hour's sales again, not its entries (cloud/owner-rollups.ts).
    '0025-overview-mark-parts': rollupMarkPartsMigration(engine),
  };
}

export interface HubConnection {
  db: Kysely<HubDatabase>;
  engine: Engine;
  /** Where the data lives, for logs: the SQLite file or the PostgreSQL host/database (no password). */
  where: string;
}

export interface ConnectOptions {
  dataDir: string;
  /** postgres://user:pass@host:port/db — the hub on PostgreSQL; unset: the embedded SQLite file in dataDir. */
  databaseUrl?: string | undefined;
  /** Connections in the PostgreSQL pool (default 10). */
  poolSize?: number;
  log?: (line: string) => void;
  /** A result longer than this many rows is logged with its statement (default LARGE_RESULT_ROWS); tests lower it. */
  largeResultRows?: number | undefined;
}

/**
 * Errors that mean "the database is not there right now" (refused, dropped, restarting, not
 * accepting connections), as opposed to a bug or bad data: the hub answers them with 503 and the
 * kiosk retries. PostgreSQL class 08 (connection), 57P0x (shutdown, cannot connect now), 53300 (too
 * many connections), 55000 with "not currently accepting connections", and node's socket errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^08/.test(code) || /^57P0/.test(code) || code === '53300') return true;
    if (code === '55000' && /not currently accepting connections/.test(error.message)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  }
  // pg's own wording for a connection that died, timed out or could not be made.
  return /Connection terminated|not queryable|timeout expired|Query read timeout|timeout exceeded when trying to connect|Connection ended/i.test(error.message);
}

/** Thrown when a SQLite file was written by the hub before its Kysely store: it is not adopted in place. */
/** How many distinct SQL texts keep their prepared statement (queries with IN lists of varying length make new texts). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The SQLite handle Kysely gets, with each SQL text prepared once: Kysely prepares every query anew,
 * and on a claim (a dozen small statements) preparing cost about as much as running them (docs/benchmarks.md).
 * Safe on the hub's one connection: Kysely runs one statement at a time and the hub never streams.
 * SQLite re-prepares a cached statement by itself after a schema change.
 */
function withStatementCache(database: Database.Database): SqliteDatabase {
  const prepared = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): Database.Statement {
      const cached = prepared.get(text);
      if (cached) return cached;
      const statement = database.prepare(text);
      if (prepared.size >= STATEMENT_CACHE_SIZE) prepared.delete(prepared.keys().next().value!);
      prepared.set(text, statement);
      return statement;
    },
  };
}

export class PreKyselyStoreError extends Error {}

/** Opens the database (SQLite by default, PostgreSQL with databaseUrl) and brings its schema up to date. */
export async function connectHubDatabase(options: ConnectOptions): Promise<HubConnection> {
  const log = options.log ?? (() => {});
  const limit = options.largeResultRows ?? LARGE_RESULT_ROWS;
  const plugins = [
    new LargeResultWatch(limit, (rows, statement) =>
      log(`hub store: a query returned ${rows.toLocaleString('en')} rows (more than ${limit.toLocaleString('en')}): ${statement}`),
    ),
  ];
  let connection: HubConnection;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // A refused connection fails at once; a database that does not answer at all (or a pool so busy
      // that a caller waits this long for a connection) makes the hub answer 503 after 10 s instead of
      // hanging its callers. Shorter, and a burst of kiosks reconnecting at once (1,000 handshakes)
      // would be told the database is away while it is only busy.
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // A connection the server dropped while idle or between queries of a transaction: pg reports it
    // here (and on the client); the pool then discards that client, and the next checkout reconnects.
    pool.on('error', (error) => log(`hub database connection lost: ${error.message}`));
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const url = new URL(options.databaseUrl);
    connection = {
      db: new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }), plugins }),
      engine: 'postgres',
      where: `postgres://${url.host}${url.pathname}`,
    };
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, 'hub.sqlite');
    const database = new Database(file);
    try {
      const version = database.pragma('user_version', { simple: true }) as number;
      if (version > 0) {
        throw new PreKyselyStoreError(
          `${file} was written by an older hub (schema version ${version}, before the Kysely store) ` +
            'and is not upgraded in place: move it away to start an empty hub, or keep using the older hub with it',
        );
      }
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = FULL');
      database.pragma('busy_timeout = 5000');
      database.pragma('foreign_keys = ON');
    } catch (error) {
      database.close();
      throw error;
    }
    connection = {
      db: new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(database) }), plugins }),
      engine: 'sqlite',
      where: file,
    };
  }
  try {
    await migrate(connection.db, connection.engine);
  } catch (error) {
    await connection.db.destroy();
    if (connection.engine === 'postgres' && isDatabaseUnavailable(error)) {
      throw new Error(`hub database unavailable at ${connection.where} (${detail(error)}): start PostgreSQL or correct DATABASE_URL`, { cause: error });
    }
    if (connection.engine === 'postgres' && (error as { code?: unknown }).code === '28P01') {
      throw new Error(`hub database refused the login at ${connection.where} (${detail(error)}): check the user and password in DATABASE_URL`, {
        cause: error,
      });
    }
    throw error;
  }
  return connection;
}

const detail = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function migrate(db: Kysely<HubDatabase>, engine: Engine): Promise<void> {
  const migrations = hubMigrations(engine);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Kept as it came when it is not about a migration (the database is away, the login is refused).
    if (!failed) throw error;
    throw new Error(`hub database migration ${failed} failed: ${detail(error)}`, { cause: error });
  }
}
