import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import { zonedMidnight } from '../core/metrics';
import { localTime } from '../core/program/clock';
import { loadProgram } from '../core/program/schema';

/**
 * The dashboard's daily roll-ups (migrations 0009 and 0024): per shop day in the shop's time zone and
 * UTC hour within it, the sums the owner's overview folds (core/metrics `DashboardAggregates`), so a
 * month is read from a few thousand summed rows instead of every sale and ledger entry.
 *
 * How they stay true: triggers on every table a figure is summed from (sales, claims, ledger,
 * sale_reversals, members) append a mark "shop S, UTC hour H changed" in the same transaction as
 * the write, whatever code path writes (there are several ledger writers: kiosk sync, claims,
 * reversals, vouchers, the owner's win-back and adjustments). Before the dashboard reads, the marked
 * hours are summed again from the raw rows with the same SQL the raw path uses, so a roll-up piece
 * (an hour of a day) is by construction the raw computation of that piece, and a sale costs its hour. A member's last activity (the inactive list) is
 * kept by the same triggers as a running maximum. Erasure changes no summed row (names are joined
 * at read). Locations are joined at read too, so renaming a kiosk's location needs no rebuild.
 */

export type Engine = 'sqlite' | 'postgres';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the roll-ups run on the hub's database and on a migration's transaction alike
export type AnyDb = Kysely<any>;

/** SUM and COUNT come back as strings from PostgreSQL (bigint/numeric) and as numbers from SQLite. */
const n = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

export function epochQuarter(engine: Engine, column: RawBuilder<unknown>): RawBuilder<number> {
  return engine === 'postgres'
    ? sql<number>`floor(extract(epoch from (${column})::timestamptz) / 900)::bigint`
    : sql<number>`(CAST(strftime('%s', ${column}) AS INTEGER) / 900)`;
}
export function greatest(engine: Engine, ...values: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return engine === 'postgres' ? sql`greatest(${sql.join(values)})` : sql`max(${sql.join(values)})`;
}
export function reasonField(engine: Engine, field: 'ruleId' | 'label' | 'code'): RawBuilder<string | null> {
  return engine === 'postgres'
    ? sql<string | null>`(reason_json::jsonb ->> ${sql.lit(field)})`
    : sql<string | null>`json_extract(reason_json, ${sql.lit(`$.${field}`)})`;
}

/**
 * What a member's refunds took off a sale's spend: looked up per sale through the partial index
 * `ledger_reversals`, so summing one day reads that day's reversals, not every reversal in the ledger.
 */
const refundedSpend = sql`(SELECT -sum(lr.spend) FROM ledger lr WHERE lr.kind = 'reversal' AND lr.sale_id = x.id AND lr.spend IS NOT NULL)`;

/** `column` within [from, to); a null side is unbounded (the back-fill sums all time in one pass). */
function within(column: RawBuilder<unknown>, from: string | null, to: string | null): RawBuilder<unknown> {
  return sql`${from === null ? sql`1 = 1` : sql`${column} >= ${from}`} AND ${to === null ? sql`1 = 1` : sql`${column} < ${to}`}`;
}

/** The UTC hour ('YYYY-MM-DDTHH') of an ISO instant, the grain the roll-ups are kept at within a shop day. */
const hourOf = (column: RawBuilder<unknown>): RawBuilder<string> => sql<string>`substr(${column}, 1, 13)`;

/**
 * The shop's sales as the dashboard counts them (see HubStore.ownerFacts): a kiosk's sale, or a sale
 * known only from a claim; net of refunds; with the kiosk it was rung up at. Only sales with from <= at < to.
 */
export function saleFacts(engine: Engine, shopNo: number, from: string | null, to: string | null): RawBuilder<unknown> {
  return sql`WITH x AS (
          SELECT s.id, s.kiosk_no, COALESCE(k.location, k.name) AS location, s.amount AS gross, s.at, COALESCE(s.member_id, c.member_id) AS member_id
            FROM sales s JOIN kiosks k ON k.no = s.kiosk_no LEFT JOIN claims c ON c.sale_key = s.id
            WHERE k.shop_no = ${shopNo} AND ${within(sql.ref('s.at'), from, to)}
          UNION ALL
          SELECT c.sale_key, c.kiosk_no, COALESCE(k.location, k.name), l.spend, c.at, c.member_id FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
            JOIN ledger l ON l.id IN ('claim:' || c.sale_key, 'claim:' || c.sale_key || ':offline')
            WHERE k.shop_no = ${shopNo} AND ${within(sql.ref('c.at'), from, to)} AND l.spend IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)),
        y AS (SELECT x.id, x.kiosk_no, x.location, x.gross - ${greatest(engine, sql`COALESCE(r.refunded, 0)`, sql`COALESCE(${refundedSpend}, 0)`)} AS total, x.at, x.member_id
          FROM x LEFT JOIN sale_reversals r ON r.sale_key = x.id),
        facts AS (SELECT * FROM y WHERE total > 0)`;
}

/** The kiosk an entry counts at: that of its sale (a kiosk's sale, else a claim); 0 for an entry without one. */
const entryKiosk = sql`COALESCE((SELECT s.kiosk_no FROM sales s WHERE s.id = l.sale_id), (SELECT c.kiosk_no FROM claims c WHERE c.sale_key = l.sale_id), 0)`;

/**
 * The sums of [from, to) per UTC hour, one SELECT per roll-up table, with the columns of that table
 * after shop_no and day. A null side is unbounded.
 */
export function intervalSums(engine: Engine, shopNo: number, from: string | null, to: string | null) {
  const facts = saleFacts(engine, shopNo, from, to);
  // CROSS JOIN: SQLite then reads the interval's entries through `ledger_at` (or the whole ledger in order when
  // unbounded) and looks each member up, where it chose to walk every member of the shop and seek their entries.
  const entries = sql`FROM ledger l CROSS JOIN members m WHERE m.id = l.member_id AND m.shop_no = ${shopNo} AND ${within(sql.ref('l.at'), from, to)}`;
  const entryHour = hourOf(sql.ref('l.at'));
  return {
    members: sql<{ kiosk_no: number; member_id: string; hour: string; visits: unknown; spend: unknown; last_at: string }>`${facts}
      SELECT kiosk_no, member_id, ${hourOf(sql.ref('at'))} AS hour, count(*) AS visits, sum(total) AS spend, max(at) AS last_at
        FROM facts WHERE member_id IS NOT NULL GROUP BY 1, 2, 3`,
    sales: sql<{ kiosk_no: number; hour: string; quarter: unknown; anonymous: unknown; sales: unknown; total: unknown }>`${facts}
      SELECT kiosk_no, ${hourOf(sql.ref('at'))} AS hour, ${epochQuarter(engine, sql.ref('at'))} AS quarter, CASE WHEN member_id IS NULL THEN 1 ELSE 0 END AS anonymous,
          count(*) AS sales, sum(total) AS total FROM facts GROUP BY 1, 2, 3, 4`,
    points: sql<{ kiosk_no: unknown; hour: string; earned: unknown; redeemed: unknown }>`SELECT ${entryKiosk} AS kiosk_no, ${entryHour} AS hour,
        sum(CASE WHEN l.kind IN ('earn', 'bonus') AND l.points > 0 THEN l.points ELSE 0 END) AS earned,
        -sum(CASE WHEN l.kind = 'redeem' THEN l.points ELSE 0 END) AS redeemed ${entries} GROUP BY 1, 2`,
    rewards: sql<{
      kiosk_no: unknown;
      hour: string;
      rule_id: string | null;
      label: string | null;
      code: string;
      redemptions: unknown;
      points: unknown;
      stamps: unknown;
    }>`
      SELECT ${entryKiosk} AS kiosk_no, ${entryHour} AS hour, ${reasonField(engine, 'ruleId')} AS rule_id, ${reasonField(engine, 'label')} AS label,
          ${reasonField(engine, 'code')} AS code, count(*) AS redemptions, -sum(l.points) AS points, -sum(l.stamps) AS stamps
        ${entries} AND l.kind = 'redeem' GROUP BY 1, 2, 3, 4, 5`,
  };
}

const COLUMNS = {
  members: ['hour', 'kiosk_no', 'member_id', 'visits', 'spend', 'last_at'],
  sales: ['hour', 'kiosk_no', 'quarter', 'anonymous', 'sales', 'total'],
  points: ['hour', 'kiosk_no', 'earned', 'redeemed'],
  rewards: ['hour', 'kiosk_no', 'rule_id', 'label', 'code', 'redemptions', 'points', 'stamps'],
} as const;
type RollupTable = keyof typeof COLUMNS;
const TABLES = Object.keys(COLUMNS) as RollupTable[];

// ---- days in the shop's time zone ---------------------------------------------------------------

/** The next calendar date (YYYY-MM-DD). */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * [from, to) cut at the shop's midnights: the whole local days inside it (read from the roll-ups)
 * and the pieces before the first and after the last midnight (summed from the raw rows).
 */
export function splitByDays(from: Date, to: Date, timeZone: string): { days: { from: string; to: string } | null; raw: [Date, Date][] } {
  let first = localTime(from, timeZone).date;
  let firstStart = zonedMidnight(first, timeZone);
  if (firstStart < from) {
    first = nextDate(first);
    firstStart = zonedMidnight(first, timeZone);
  }
  const last = localTime(to, timeZone).date;
  const lastStart = zonedMidnight(last, timeZone);
  if (!(firstStart < lastStart)) return { days: null, raw: from < to ? [[from, to]] : [] };
  const raw: [Date, Date][] = [];
  if (from < firstStart) raw.push([from, firstStart]);
  if (lastStart < to) raw.push([lastStart, to]);
  return { days: { from: first, to: last }, raw };
}

/**
 * Where [from, to) lies in the roll-ups: its whole shop days and, in the pieces before the first and
 * after the last midnight, their whole UTC hours (the previous period of one over a change of summer
 * time starts an hour off midnight); `raw` is what is left, to be summed from the raw rows. `where`
 * selects the roll-up rows (columns `day` and `hour`) that make up the rest, exactly.
 */
export function rollupRange(from: Date, to: Date, timeZone: string): { where: RawBuilder<unknown>; raw: [Date, Date][] } {
  const { days, raw } = splitByDays(from, to, timeZone);
  const parts: RawBuilder<unknown>[] = days === null ? [] : [sql`(day >= ${days.from} AND day < ${days.to})`];
  const left: [Date, Date][] = [];
  const hourMs = 3_600_000;
  for (const [a, b] of raw) {
    const first = Math.ceil(a.getTime() / hourMs) * hourMs;
    const last = Math.floor(b.getTime() / hourMs) * hourMs;
    if (!(first < last)) {
      left.push([a, b]);
      continue;
    }
    const hour = (t: number): string => new Date(t).toISOString().slice(0, 13);
    // An hour's rows may sit in two days (a zone whose midnight cuts the hour): the day range only narrows the index walk.
    const dayOf = (t: number): string => localTime(new Date(t), timeZone).date;
    parts.push(sql`(day >= ${dayOf(first)} AND day <= ${dayOf(last - 1)} AND hour >= ${hour(first)} AND hour < ${hour(last)})`);
    if (a.getTime() < first) left.push([a, new Date(first)]);
    if (last < b.getTime()) left.push([new Date(last), b]);
  }
  return { where: parts.length === 0 ? sql`1 = 0` : sql`(${sql.join(parts, sql` OR `)})`, raw: left };
}

// ---- the migration --------------------------------------------------------------------------------

/**
 * Which roll-up tables a mark asks to sum again (migration 0025): `facts` the sales' tables
 * (rollup_members, rollup_sales: a sale, a claim, a refund), `entries` the entries' tables
 * (rollup_points, rollup_rewards: an entry, or the sale an entry names, which gives its kiosk),
 * `all` both (marks written before 0025).
 */
export type MarkPart = 'facts' | 'entries' | 'all';

/**
 * One trigger body per table, as SQL statements both engines run (NEW.x; a SELECT that yields no row
 * inserts nothing). `parts` false: the bodies of migration 0009 (every mark sums the whole hour);
 * true: those of 0025, each mark saying which tables its write can change.
 */
function triggerStatements(engine: Engine, parts: boolean): Record<'sales' | 'claims' | 'ledger' | 'sale_reversals' | 'members', string[]> {
  /** A mark for the shop and UTC hour `shopAndHour` selects (the rest of a SELECT after its columns). */
  const mark = (part: MarkPart, select: string): string =>
    parts ? `INSERT INTO rollup_marks (part, shop_no, hour) SELECT '${part}', ${select}` : `INSERT INTO rollup_marks (shop_no, hour) SELECT ${select}`;
  const upsertActivity = (select: string): string =>
    `INSERT INTO member_activity (member_id, shop_no, last_at) ${select}
     ON CONFLICT (member_id) DO UPDATE SET last_at = ${engine === 'postgres' ? 'greatest' : 'max'}(member_activity.last_at, excluded.last_at)`;
  const hour = (at: string): string => `substr(${at}, 1, 13)`;
  const entriesOfSale = (key: string): string =>
    mark('entries', `m.shop_no, ${hour('l.at')} FROM ledger l JOIN members m ON m.id = l.member_id WHERE l.sale_id = ${key}`);
  return {
    // A sale: its own hour, and the hours of entries already naming it (their location comes from it).
    sales: [
      mark('facts', `k.shop_no, ${hour('NEW.at')} FROM kiosks k WHERE k.no = NEW.kiosk_no`),
      entriesOfSale('NEW.id'),
      // A sale known only from its claim until now is counted at the sale's time from here on.
      mark('facts', `k.shop_no, ${hour('c.at')} FROM claims c JOIN kiosks k ON k.no = c.kiosk_no WHERE c.sale_key = NEW.id`),
      upsertActivity(`SELECT NEW.member_id, k.shop_no, NEW.at FROM kiosks k WHERE k.no = NEW.kiosk_no AND NEW.member_id IS NOT NULL`),
    ],
    // A claim: its hour (a sale known only from it), the claimed sale's hour (its member), the entries naming the sale.
    claims: [
      mark('facts', `k.shop_no, ${hour('NEW.at')} FROM kiosks k WHERE k.no = NEW.kiosk_no`),
      mark('facts', `k.shop_no, ${hour('s.at')} FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE s.id = NEW.sale_key`),
      entriesOfSale('NEW.sale_key'),
    ],
    // An entry: its hour (points, rewards), and the hour of the sale it refunds or pays for (the sale's net total).
    ledger: [
      mark('entries', `m.shop_no, ${hour('NEW.at')} FROM members m WHERE m.id = NEW.member_id`),
      mark('facts', `k.shop_no, ${hour('s.at')} FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE s.id = NEW.sale_id`),
      // A claim's own entry ('claim:<key>' or 'claim:<key>:offline') carries the spend of a sale known only from the claim.
      mark(
        'facts',
        `k.shop_no, ${hour('c.at')} FROM claims c JOIN kiosks k ON k.no = c.kiosk_no WHERE c.sale_key IN (NEW.sale_id,
         CASE WHEN NEW.id LIKE 'claim:%' THEN substr(NEW.id, 7) END, CASE WHEN NEW.id LIKE 'claim:%:offline' THEN substr(NEW.id, 7, length(NEW.id) - 14) END)`,
      ),
      upsertActivity(`SELECT NEW.member_id, m.shop_no, NEW.at FROM members m WHERE m.id = NEW.member_id`),
    ],
    // A refund of an unclaimed sale: the sale's hour (or its claim's).
    sale_reversals: [
      mark('facts', `k.shop_no, ${hour('s.at')} FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE s.id = NEW.sale_key`),
      mark('facts', `k.shop_no, ${hour('c.at')} FROM claims c JOIN kiosks k ON k.no = c.kiosk_no WHERE c.sale_key = NEW.sale_key`),
    ],
    members: [upsertActivity(`SELECT NEW.id, NEW.shop_no, NEW.created_at WHERE NEW.id IS NOT NULL`)],
  };
}

/** The trigger function (PostgreSQL) or trigger (SQLite) of each summed table, with the given bodies. */
async function createTriggers(db: Kysely<unknown>, engine: Engine, parts: boolean, replace: boolean): Promise<void> {
  for (const [table, statements] of Object.entries(triggerStatements(engine, parts))) {
    const body = statements.map((st) => `${st};`).join('\n');
    if (engine === 'postgres') {
      await sql
        .raw(`CREATE OR REPLACE FUNCTION rollup_${table}_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`)
        .execute(db);
      if (!replace)
        await sql.raw(`CREATE TRIGGER rollup_${table} AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION rollup_${table}_written()`).execute(db);
    } else {
      if (replace) await sql.raw(`DROP TRIGGER rollup_${table}`).execute(db);
      await sql.raw(`CREATE TRIGGER rollup_${table} AFTER INSERT ON ${table} BEGIN ${body} END`).execute(db);
    }
  }
}

export const rollupMigration = (engine: Engine): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const s = db.schema;
    const serial = engine === 'postgres' ? 'serial' : 'integer';
    // SQLite: clustered by the key, so a range of days is read in order without a lookup per row.
    const clustered = engine === 'sqlite' ? sql`without rowid` : sql``;
    await s
      .createTable('rollup_marks')
      .addColumn('seq', serial, (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('rollup_marks_shop').on('rollup_marks').columns(['shop_no', 'seq']).execute();
    await s
      .createTable('rollup_state')
      .addColumn('shop_no', 'integer', (c) => c.primaryKey())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .execute();
    await s
      .createTable('rollup_members')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('visits', 'integer', (c) => c.notNull())
      .addColumn('spend', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_members_pk', ['shop_no', 'day', 'kiosk_no', 'member_id'])
      .modifyEnd(clustered)
      .execute();
    await s
      .createTable('rollup_sales')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('quarter', 'bigint', (c) => c.notNull())
      .addColumn('anonymous', 'integer', (c) => c.notNull())
      .addColumn('sales', 'integer', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_sales_pk', ['shop_no', 'day', 'kiosk_no', 'quarter', 'anonymous'])
      .modifyEnd(clustered)
      .execute();
    await s
      .createTable('rollup_points')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('earned', 'bigint', (c) => c.notNull())
      .addColumn('redeemed', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_points_pk', ['shop_no', 'day', 'kiosk_no'])
      .execute();
    await s
      .createTable('rollup_rewards')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('rule_id', 'text')
      .addColumn('label', 'text')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('redemptions', 'integer', (c) => c.notNull())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('stamps', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('rollup_rewards_day').on('rollup_rewards').columns(['shop_no', 'day']).execute();
    await s
      .createTable('member_activity')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('member_activity_last').on('member_activity').columns(['shop_no', 'last_at']).execute();

    await createTriggers(db, engine, false, false);

    // The roll-ups themselves are summed by migration 0024, which keeps them per hour of each day.
    await backfillMemberActivity(db, engine);
  },
});

/**
 * Migration 0024: the roll-ups kept per UTC hour within each shop day, so that a sale re-sums its hour
 * (a few hundred rows at a million entries) instead of its whole day. Every roll-up table gets an
 * `hour` column after `day` in its key; the tables are made again and summed in one grouped pass.
 */
export const rollupHoursMigration = (engine: Engine): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const s = db.schema;
    const clustered = engine === 'sqlite' ? sql`without rowid` : sql``;
    for (const table of TABLES) await s.dropTable(`rollup_${table}`).execute();
    await s
      .createTable('rollup_members')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('visits', 'integer', (c) => c.notNull())
      .addColumn('spend', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_members_pk', ['shop_no', 'day', 'hour', 'kiosk_no', 'member_id'])
      .modifyEnd(clustered)
      .execute();
    // A member's days, for reading again the sums of the members a refresh changed (as made by 0023).
    await s.createIndex('rollup_members_member').on('rollup_members').columns(['shop_no', 'member_id', 'day']).execute();
    await s
      .createTable('rollup_sales')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('quarter', 'bigint', (c) => c.notNull())
      .addColumn('anonymous', 'integer', (c) => c.notNull())
      .addColumn('sales', 'integer', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_sales_pk', ['shop_no', 'day', 'hour', 'kiosk_no', 'quarter', 'anonymous'])
      .modifyEnd(clustered)
      .execute();
    await s
      .createTable('rollup_points')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('earned', 'bigint', (c) => c.notNull())
      .addColumn('redeemed', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_points_pk', ['shop_no', 'day', 'hour', 'kiosk_no'])
      .execute();
    await s
      .createTable('rollup_rewards')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('kiosk_no', 'integer', (c) => c.notNull())
      .addColumn('rule_id', 'text')
      .addColumn('label', 'text')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('redemptions', 'integer', (c) => c.notNull())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('stamps', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('rollup_rewards_day').on('rollup_rewards').columns(['shop_no', 'day', 'hour']).execute();
    // The shop day of each whole UTC hour, written by a rebuild for its one grouped pass (see rebuildRollups).
    await s
      .createTable('rollup_hour_days')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollup_hour_days_pk', ['shop_no', 'hour'])
      .execute();
    // The kept member sums stay true (the same sums, cut finer); a rebuild below would not touch them.
    const shops = await sql<{ no: number; program_json: string }>`SELECT no, program_json FROM shops`.execute(db);
    for (const shop of shops.rows) await rebuildRollups(db, engine, n(shop.no), loadProgram(shop.program_json).timeZone);
  },
});

/**
 * Migration 0025: a mark says which roll-up tables its write can change (`part`), so a sale sums its
 * hour's sales again but not its entries (the points and rewards of an hour's ~460 entries at a
 * million), and a bonus or a redemption without a sale its entries only. Marks already written stay `all`.
 */
export const rollupMarkPartsMigration = (engine: Engine): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('rollup_marks')
      .addColumn('part', 'text', (c) => c.notNull().defaultTo('all'))
      .execute();
    await createTriggers(db, engine, true, true);
  },
});

/**
 * Every member's last activity, then every shop's roll-ups summed once: what a bulk load that went
 * around the triggers (the bench's seeding) runs after. The kept member sums (cloud/owner-member-periods.ts)
 * were not told of the load, so they are dropped and made again on their next preparation or read.
 */
export async function backfillRollups(db: AnyDb, engine: Engine): Promise<void> {
  await backfillMemberActivity(db, engine);
  await sql`DELETE FROM member_period_sums`.execute(db);
  await sql`DELETE FROM member_periods`.execute(db);
  const shops = await sql<{ no: number; program_json: string }>`SELECT no, program_json FROM shops`.execute(db);
  for (const shop of shops.rows) await rebuildRollups(db, engine, n(shop.no), loadProgram(shop.program_json).timeZone);
}

async function backfillMemberActivity(db: AnyDb, engine: Engine): Promise<void> {
  await sql`DELETE FROM member_activity`.execute(db);
  await sql`INSERT INTO member_activity (member_id, shop_no, last_at)
    SELECT m.id, m.shop_no, ${greatest(
      engine,
      sql`m.created_at`,
      sql`COALESCE((SELECT max(l.at) FROM ledger l WHERE l.member_id = m.id), '')`,
      sql`COALESCE((SELECT max(s.at) FROM sales s WHERE s.member_id = m.id), '')`,
    )} FROM members m`.execute(db);
}

// ---- keeping them true ----------------------------------------------------------------------------

/** A re-summed day's member rows: the members whose rows changed, and every member with a row before or after. */
export interface MemberDayChange {
  changed: Set<string>;
  all: Set<string>;
}

/** What a refresh did to a shop's roll-ups, for what is kept from them (cloud/owner-member-periods.ts). */
export type RollupChange = { rebuilt: true } | { rebuilt: false; days: Map<string, MemberDayChange> };

/** A piece of the roll-ups: one UTC hour of one shop day (an hour holds two days' pieces where the zone's offset has half hours). */
interface Piece {
  day: string;
  hour: string;
  from: string;
  to: string;
}

/** The pieces of the given UTC hours ('YYYY-MM-DDTHH'). */
function piecesOfHours(hours: Iterable<string>, timeZone: string): Piece[] {
  const pieces: Piece[] = [];
  for (const hour of new Set(hours)) {
    const start = Date.parse(`${hour}:00:00Z`);
    if (Number.isNaN(start)) continue;
    const end = start + 3_600_000;
    const first = localTime(new Date(start), timeZone).date;
    const last = localTime(new Date(end - 1), timeZone).date;
    const iso = (t: number): string => new Date(t).toISOString();
    if (first === last) pieces.push({ day: first, hour, from: iso(start), to: iso(end) });
    else {
      const midnight = zonedMidnight(last, timeZone).getTime();
      pieces.push({ day: first, hour, from: iso(start), to: iso(midnight) }, { day: last, hour, from: iso(midnight), to: iso(end) });
    }
  }
  return pieces.sort((a, b) => (a.from < b.from ? -1 : 1));
}

/** The roll-up tables a mark's part asks to sum again. */
const TABLES_OF: Record<MarkPart, RollupTable[]> = { facts: ['members', 'sales'], entries: ['points', 'rewards'], all: TABLES };

/**
 * Sums the given pieces of a shop again from the raw rows (each piece's rows are replaced), the
 * tables `tablesOf` names for the piece's hour (all when not given); says which members' rows changed, per day.
 */
async function sumPieces(
  db: AnyDb,
  engine: Engine,
  shopNo: number,
  pieces: Piece[],
  tablesOf: (hour: string) => RollupTable[] = () => TABLES,
): Promise<Map<string, MemberDayChange>> {
  const changes = new Map<string, MemberDayChange>();
  const memberRows = async (piece: Piece): Promise<Map<string, string>> => {
    const rows = await sql<{
      kiosk_no: unknown;
      member_id: string;
      visits: unknown;
      spend: unknown;
      last_at: string;
    }>`SELECT kiosk_no, member_id, visits, spend, last_at
      FROM rollup_members WHERE shop_no = ${shopNo} AND day = ${piece.day} AND hour = ${piece.hour}`.execute(db);
    return new Map(rows.rows.map((r) => [`${n(r.kiosk_no)} ${r.member_id}`, `${n(r.visits)} ${n(r.spend)} ${r.last_at}`]));
  };
  const sumTable = async (piece: Piece, table: RollupTable): Promise<void> => {
    await sql`DELETE FROM ${sql.table(`rollup_${table}`)} WHERE shop_no = ${shopNo} AND day = ${piece.day} AND hour = ${piece.hour}`.execute(db);
    const columns = sql.join(COLUMNS[table].map((c) => sql.ref(c)));
    await sql`INSERT INTO ${sql.table(`rollup_${table}`)} (shop_no, day, ${columns})
      SELECT ${shopNo}, ${piece.day}, ${columns} FROM (${intervalSums(engine, shopNo, piece.from, piece.to)[table]}) q`.execute(db);
  };
  for (const piece of pieces) {
    const tables = tablesOf(piece.hour);
    // Only the sales' tables hold member rows: a piece whose entries alone are summed again changes no member.
    if (!tables.includes('members')) {
      for (const table of tables) await sumTable(piece, table);
      continue;
    }
    const before = await memberRows(piece);
    for (const table of tables) await sumTable(piece, table);
    const after = await memberRows(piece);
    const change = changes.get(piece.day) ?? { changed: new Set<string>(), all: new Set<string>() };
    for (const [key, value] of [...before, ...after]) {
      const memberId = key.slice(key.indexOf(' ') + 1);
      change.all.add(memberId);
      if (before.get(key) !== value || after.get(key) !== value) change.changed.add(memberId);
    }
    changes.set(piece.day, change);
  }
  return changes;
}

/**
 * Every hour of a shop summed from scratch (the migration's back-fill, and after a change of time
 * zone): one grouped pass per roll-up table over all the shop's rows, each hour's row given its shop
 * day through `rollup_hour_days`; an hour cut by the shop's midnight (a zone with a half-hour offset)
 * is then summed piece by piece.
 */
export async function rebuildRollups(db: AnyDb, engine: Engine, shopNo: number, timeZone: string): Promise<void> {
  for (const table of TABLES) await sql`DELETE FROM ${sql.table(`rollup_${table}`)} WHERE shop_no = ${shopNo}`.execute(db);
  await sql`DELETE FROM rollup_marks WHERE shop_no = ${shopNo}`.execute(db);
  await sql`DELETE FROM rollup_hour_days WHERE shop_no = ${shopNo}`.execute(db);
  const hours = await sql<{
    hour: string;
  }>`SELECT DISTINCT substr(s.at, 1, 13) AS hour FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE k.shop_no = ${shopNo}
    UNION SELECT substr(c.at, 1, 13) FROM claims c JOIN kiosks k ON k.no = c.kiosk_no WHERE k.shop_no = ${shopNo}
    UNION SELECT substr(l.at, 1, 13) FROM ledger l JOIN members m ON m.id = l.member_id WHERE m.shop_no = ${shopNo}`.execute(db);
  const pieces = piecesOfHours(
    hours.rows.map((r) => r.hour),
    timeZone,
  );
  const cut = new Set(pieces.filter((p) => !p.from.endsWith(':00:00.000Z') || !p.to.endsWith(':00:00.000Z')).map((p) => p.hour));
  const whole = pieces.filter((p) => !cut.has(p.hour));
  for (let i = 0; i < whole.length; i += 500)
    await sql`INSERT INTO rollup_hour_days (shop_no, hour, day) VALUES ${sql.join(whole.slice(i, i + 500).map((p) => sql`(${shopNo}, ${p.hour}, ${p.day})`))}`.execute(
      db,
    );
  const sums = intervalSums(engine, shopNo, null, null);
  for (const table of TABLES) {
    const columns = sql.join(COLUMNS[table].map((c) => sql.ref(c)));
    const picked = sql.join(COLUMNS[table].map((c) => sql.ref(`q.${c}`)));
    await sql`INSERT INTO ${sql.table(`rollup_${table}`)} (shop_no, day, ${columns})
      SELECT ${shopNo}, d.day, ${picked} FROM (${sums[table]}) q JOIN rollup_hour_days d ON d.shop_no = ${shopNo} AND d.hour = q.hour`.execute(db);
  }
  await sql`DELETE FROM rollup_hour_days WHERE shop_no = ${shopNo}`.execute(db);
  await sumPieces(
    db,
    engine,
    shopNo,
    pieces.filter((p) => cut.has(p.hour)),
  );
  await sql`DELETE FROM rollup_state WHERE shop_no = ${shopNo}`.execute(db);
  await sql`INSERT INTO rollup_state (shop_no, time_zone) VALUES (${shopNo}, ${timeZone})`.execute(db);
}

/**
 * Brings a shop's roll-ups up to date: the days of the marks written since the last refresh are
 * summed again, in one transaction. PostgreSQL: the shop's row is locked, so two hub nodes do not
 * refresh at once; a mark is consumed only by the statement that deletes it, so a write committed
 * meanwhile leaves its mark for the next refresh.
 */
export async function refreshRollups(
  db: AnyDb,
  engine: Engine,
  shopNo: number,
  timeZone: string,
  /** Runs in the refresh's transaction with what changed, so what is kept from the roll-ups changes with them or not at all. */
  onChange: (tx: AnyDb, change: RollupChange) => Promise<void> = async () => {},
): Promise<void> {
  const pending = await sql<{ one: number }>`SELECT 1 AS one FROM rollup_marks WHERE shop_no = ${shopNo} LIMIT 1`.execute(db);
  const state = await sql<{ time_zone: string }>`SELECT time_zone FROM rollup_state WHERE shop_no = ${shopNo}`.execute(db);
  if (pending.rows.length === 0 && state.rows[0]?.time_zone === timeZone) return;
  await db.transaction().execute(async (tx) => {
    if (engine === 'postgres') await sql`SELECT no FROM shops WHERE no = ${shopNo} FOR UPDATE`.execute(tx);
    const zone = await sql<{ time_zone: string }>`SELECT time_zone FROM rollup_state WHERE shop_no = ${shopNo}`.execute(tx);
    if (zone.rows[0]?.time_zone !== timeZone) {
      await rebuildRollups(tx, engine, shopNo, timeZone);
      return onChange(tx, { rebuilt: true });
    }
    // One row per marked hour and part, not per mark: a day's writes leave hundreds of thousands of marks at 10,000,000 entries.
    // PostgreSQL: the marks this statement deletes are those it reads. SQLite: the one connection is held for the transaction.
    const marks =
      engine === 'postgres'
        ? await sql<{ hour: string; part: MarkPart }>`WITH gone AS (DELETE FROM rollup_marks WHERE shop_no = ${shopNo} RETURNING hour, part)
            SELECT DISTINCT hour, part FROM gone`.execute(tx)
        : await sql<{ hour: string; part: MarkPart }>`SELECT DISTINCT hour, part FROM rollup_marks WHERE shop_no = ${shopNo}`.execute(tx);
    if (engine === 'sqlite') await sql`DELETE FROM rollup_marks WHERE shop_no = ${shopNo}`.execute(tx);
    const tablesByHour = new Map<string, Set<RollupTable>>();
    for (const { hour, part } of marks.rows) {
      const tables = tablesByHour.get(hour) ?? new Set<RollupTable>();
      for (const table of TABLES_OF[part] ?? TABLES) tables.add(table);
      tablesByHour.set(hour, tables);
    }
    const days = await sumPieces(tx, engine, shopNo, piecesOfHours(tablesByHour.keys(), timeZone), (hour) =>
      // In the tables' order, so every piece is summed as before.
      TABLES.filter((table) => tablesByHour.get(hour)?.has(table)),
    );
    await onChange(tx, { rebuilt: false, days });
  });
}
