// Numbered, forward-only schema migrations. A released migration is never edited: a change is a new
// entry at the end. The version reached is kept in SQLite's `user_version` and each applied step is
// recorded in `schema_migrations`, both inside the step's own transaction.
import type Database from 'better-sqlite3';
import { StoreTooNewError } from './errors';
import type { Clock } from '../../core/clock';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'members, sales, ledger with balance projection, refunds, outbox, settings',
    sql: `
      CREATE TABLE schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      );

      CREATE TABLE members (
        id           TEXT PRIMARY KEY,
        code         TEXT NOT NULL UNIQUE,
        name         TEXT,
        search_name  TEXT,
        phone        TEXT,
        email        TEXT,
        consent_at   TEXT NOT NULL,
        consent_text TEXT NOT NULL,
        locale       TEXT NOT NULL,
        birthday     TEXT,
        referred_by  TEXT,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      );
      CREATE UNIQUE INDEX members_phone ON members(phone) WHERE phone IS NOT NULL;
      CREATE UNIQUE INDEX members_email ON members(email) WHERE email IS NOT NULL;
      CREATE INDEX members_search_name ON members(search_name);

      CREATE TABLE sales (
        id           TEXT PRIMARY KEY,
        source       TEXT NOT NULL,
        till_sale_id TEXT,
        amount       INTEGER NOT NULL CHECK (amount > 0),
        currency     TEXT NOT NULL CHECK (length(currency) = 3),
        lines        TEXT NOT NULL CHECK (json_valid(lines)),
        member_id    TEXT,
        claim_token  TEXT,
        status       TEXT NOT NULL CHECK (status IN ('recorded', 'partly-refunded', 'refunded', 'voided')),
        refunded     INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
        claimed_at   TEXT,
        created_at   TEXT NOT NULL,
        UNIQUE (source, till_sale_id)
      );
      CREATE INDEX sales_member ON sales(member_id, created_at) WHERE member_id IS NOT NULL;
      CREATE INDEX sales_created ON sales(created_at);

      -- Append-only. seq keeps the local order; id is chosen by the writer and globally unique.
      CREATE TABLE ledger (
        seq       INTEGER PRIMARY KEY,
        id        TEXT NOT NULL UNIQUE,
        member_id TEXT NOT NULL,
        kind      TEXT NOT NULL CHECK (kind IN ('earn', 'bonus', 'redeem', 'reversal', 'expiry', 'adjust')),
        points    INTEGER NOT NULL,
        stamps    INTEGER NOT NULL,
        card      TEXT NOT NULL,
        sale_id   TEXT,
        reverses  TEXT,
        reason    TEXT NOT NULL CHECK (json_valid(reason)),
        at        TEXT NOT NULL
      );
      CREATE INDEX ledger_member ON ledger(member_id, seq);
      CREATE INDEX ledger_sale ON ledger(sale_id) WHERE sale_id IS NOT NULL;
      CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: add a reversal entry instead of changing one'); END;
      CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: add a reversal entry instead of deleting one'); END;

      -- Projections, written in the same transaction as each ledger insert: a balance read is one row.
      CREATE TABLE balances (
        member_id     TEXT PRIMARY KEY,
        points        INTEGER NOT NULL,
        stamps        INTEGER NOT NULL,
        entries       INTEGER NOT NULL,
        last_entry_at TEXT
      ) WITHOUT ROWID;
      CREATE TABLE stamp_balances (
        member_id TEXT NOT NULL,
        card      TEXT NOT NULL,
        stamps    INTEGER NOT NULL,
        PRIMARY KEY (member_id, card)
      ) WITHOUT ROWID;

      CREATE TABLE refunds (
        id             TEXT PRIMARY KEY,
        sale_id        TEXT NOT NULL REFERENCES sales(id),
        kind           TEXT NOT NULL CHECK (kind IN ('refund', 'void')),
        till_refund_id TEXT,
        amount         INTEGER NOT NULL CHECK (amount > 0),
        currency       TEXT NOT NULL,
        created_at     TEXT NOT NULL
      );
      CREATE INDEX refunds_sale ON refunds(sale_id);

      -- Messages for the hub, written in the same transaction as the change they report.
      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        topic      TEXT NOT NULL,
        payload    TEXT NOT NULL CHECK (json_valid(payload)),
        member_id  TEXT,
        created_at TEXT NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        acked_at   TEXT
      );
      CREATE INDEX outbox_pending ON outbox(seq) WHERE acked_at IS NULL;

      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'ledger.spend: the spend an entry counts toward lifetime spend and tiers',
    sql: 'ALTER TABLE ledger ADD COLUMN spend INTEGER;',
  },
  {
    version: 3,
    name: 'program_versions: the shop program versions received from the hub',
    sql: `
      CREATE TABLE program_versions (
        version        INTEGER PRIMARY KEY,
        effective_from TEXT NOT NULL,
        document       TEXT NOT NULL CHECK (json_valid(document)),
        received_at    TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'voucher_redemptions: vouchers redeemed at this kiosk (once each; the hub decides across the shop)',
    sql: `
      CREATE TABLE voucher_redemptions (
        voucher_id    TEXT PRIMARY KEY,
        redemption_id TEXT NOT NULL UNIQUE,
        via           TEXT NOT NULL CHECK (via IN ('hub', 'offline')),
        at            TEXT NOT NULL,
        result        TEXT NOT NULL CHECK (json_valid(result))
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'member directory replica: hub number and balance, merged and erased members, name words for search',
    sql: `
      -- The hub's view of each member (NULL until the hub's directory has named them).
      ALTER TABLE members ADD COLUMN hub_no INTEGER;
      ALTER TABLE members ADD COLUMN hub_points INTEGER;
      ALTER TABLE members ADD COLUMN hub_stamps INTEGER;
      ALTER TABLE members ADD COLUMN hub_seq INTEGER;
      -- A second enrolment of a person the hub knows under another id: lookups follow it to that id.
      ALTER TABLE members ADD COLUMN merged_into TEXT;
      ALTER TABLE members ADD COLUMN erased_at TEXT;
      CREATE UNIQUE INDEX members_hub_no ON members(hub_no) WHERE hub_no IS NOT NULL;
      CREATE INDEX members_merged_into ON members(merged_into) WHERE merged_into IS NOT NULL;

      -- Each word of a member's name (lower case, no accents) for prefix search by first name or surname.
      CREATE TABLE member_words (
        word      TEXT NOT NULL,
        member_id TEXT NOT NULL,
        PRIMARY KEY (word, member_id)
      ) WITHOUT ROWID;
      CREATE INDEX member_words_member ON member_words(member_id);
      WITH RECURSIVE split(id, word, rest) AS (
        SELECT id, '', search_name || ' ' FROM members WHERE search_name IS NOT NULL
        UNION ALL
        SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> ''
      )
      INSERT OR IGNORE INTO member_words (word, member_id) SELECT word, id FROM split WHERE word <> '';
    `,
  },
  {
    version: 6,
    name: 'print_jobs: documents waiting for the receipt printer, kept across a restart',
    sql: `
      -- Whole documents (a kiosk slip, a till receipt through its cut) as the printer gets them; a
      -- row goes once the printer confirmed it. seq keeps the order they were queued in.
      CREATE TABLE print_jobs (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        sale_id         TEXT NOT NULL,
        source          TEXT NOT NULL CHECK (source IN ('kiosk', 'till')),
        bytes           BLOB NOT NULL,
        status_requests INTEGER NOT NULL DEFAULT 0,
        preamble        BLOB,
        queued_at       TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: "member directory replica: the hub's stamps per card and earn state (welcome, visits, tier sales) of each member",
    sql: `
      -- JSON from the hub's directory (core/sync-protocol MemberChange.stampsByCard / .earn); NULL from an older hub.
      ALTER TABLE members ADD COLUMN hub_cards TEXT CHECK (hub_cards IS NULL OR json_valid(hub_cards));
      ALTER TABLE members ADD COLUMN hub_earn TEXT CHECK (hub_earn IS NULL OR json_valid(hub_earn));
    `,
  },
  {
    version: 8,
    name: 'sales keep what they earned when rung: points and stamps per card',
    sql: `
      -- Written once with the sale (KioskService.recordNewSale, core/earn summary). NULL for a sale
      -- recorded before: its claim QR's figures stand in, its stamps go on the first card (docs/loyalty-rules.md).
      ALTER TABLE sales ADD COLUMN points INTEGER CHECK (points IS NULL OR points >= 0);
      ALTER TABLE sales ADD COLUMN stamps_by_card TEXT CHECK (stamps_by_card IS NULL OR json_valid(stamps_by_card));
    `,
  },
  {
    version: 9,
    name: 'sales keep how they were paid (cash or card), as the till or staff said it',
    sql: `
      -- NULL: nobody said (every sale before, and the passthrough's). A cash sale's amount is already cash-rounded.
      ALTER TABLE sales ADD COLUMN payment TEXT CHECK (payment IS NULL OR payment IN ('cash', 'card'));
    `,
  },
];

export const latestVersion = migrations.at(-1)?.version ?? 0;

/**
 * Applies every migration the database has not recorded, in version order, each in its own
 * transaction. Numbers are handed to branches developed side by side, so a list may lack one for a
 * while (7 before 6): a version that arrives later below the database's is applied all the same,
 * found missing from `schema_migrations`.
 */
export function migrate(db: Database.Database, now: Clock, list: readonly Migration[] = migrations): number[] {
  list.forEach((m, i) => {
    const before = i === 0 ? 0 : list[i - 1]!.version;
    if (m.version <= before || (i === 0 && m.version !== 1))
      throw new Error(`Migration list is broken: entry ${i} ("${m.name}") has version ${m.version}, after ${before} (versions start at 1 and go up).`);
  });
  const newest = list.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > newest) {
    throw new StoreTooNewError(
      `The kiosk store ${db.name} is at schema version ${current}, but this kiosk version knows only up to ${newest}. ` +
        'It was written by a newer kiosk: install that version again (migrations only go forward).',
    );
  }
  const applied: number[] = [];
  const recorded = new Set(current === 0 ? [] : (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((row) => row.version));
  const pending = list.filter((m) => !recorded.has(m.version));
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now().toISOString());
      db.pragma(`user_version = ${Math.max(m.version, db.pragma('user_version', { simple: true }) as number)}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
