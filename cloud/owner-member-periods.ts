import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import {
  byTopOrder,
  customerFigures,
  emptyMemberSummary,
  foldMember,
  type CustomerFigures,
  type MemberPeriod,
  type MemberSummary,
  type SegmentThresholds,
} from '../core/metrics';
import { intervalSums, rollupRange, splitByDays, type AnyDb, type Engine, type RollupChange } from './owner-rollups';

/**
 * The members' part of the owner's overview, kept per period (migration 0023). The member figures
 * (active and repeat members, their sales and spend, segments, retention, the same for the previous
 * period) need every member's sums over the period: at 50,000 members that is ~340,000 member-day
 * rows to read and group, whatever the roll-up. So for each period the owner looks at, the hub keeps
 * one row per member (`member_period_sums`) and the members folded into counts by bucket
 * (`member_periods.summary_json`, core/metrics `foldMember`); the page reads the counts and the top N
 * through an index: a few rows.
 *
 * How they stay true: the roll-up refresh (cloud/owner-rollups.ts) says, in its own transaction,
 * which members' day rows it changed; for every kept period that holds such a day, those members'
 * sums are read again (roll-up days and the raw pieces at the period's edges, the same reads as a
 * first build) and folded out with the old sums and in with the new. A day that holds an edge piece
 * counts all its members as changed (a sale can move inside a day). A change of time zone drops every
 * kept period. A period is built on its first read, shifted from a kept one when it can be (the next
 * day's default period from today's: a day taken away, a day added); a shop keeps its last KEPT_PERIODS.
 */

const KEPT_PERIODS = 8;

/** SUM and COUNT come back as strings from PostgreSQL (bigint/numeric) and as numbers from SQLite. */
const n = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

export const memberPeriodsMigration = (engine: Engine): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const s = db.schema;
    await s
      .createTable('member_periods')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('summary_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_periods_pk', ['shop_no', 'period'])
      .execute();
    await s
      .createTable('member_period_sums')
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('visits', 'integer', (c) => c.notNull())
      .addColumn('spend', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'text')
      .addColumn('previous_visits', 'integer', (c) => c.notNull())
      .addColumn('previous_spend', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_period_sums_pk', ['shop_no', 'period', 'member_id'])
      .execute();
    // The top list in the index's order: its first N entries are the page's top customers.
    await sql
      .raw(
        `CREATE INDEX member_period_sums_top ON member_period_sums (shop_no, period, spend DESC, visits DESC, member_id${engine === 'postgres' ? ' COLLATE "C"' : ''})`,
      )
      .execute(db);
    // A member's days, for reading again the sums of the members a refresh changed.
    await s.createIndex('rollup_members_member').on('rollup_members').columns(['shop_no', 'member_id', 'day']).execute();
    // Nothing to back-fill: a period is built from the roll-ups (0009) on its first read.
  },
});

/** A period the overview reads: its instants, the kiosks of the chosen location (null: all), the segment thresholds. */
export interface MemberPeriodQuery {
  from: Date;
  to: Date;
  timeZone: string;
  kiosks: number[] | null;
  segments: SegmentThresholds;
}

const sortedKiosks = (q: MemberPeriodQuery): number[] | null => (q.kiosks === null ? null : [...q.kiosks].sort((a, b) => a - b));
const periodKey = (q: MemberPeriodQuery): string => JSON.stringify([q.from.toISOString(), q.to.toISOString(), sortedKiosks(q), q.segments]);

/**
 * GROUP BY member over a range of days of `rollup_members`. On SQLite `+member_id`, so the planner
 * cannot take the member index (shop, member, day) for the group order and look every row up in the
 * table: it reads the days' ranges of the primary key and groups in a temp b-tree. Without it the
 * hub's SQLite (3.53, EXPLAIN QUERY PLAN on the 10,000,000-entry bench database) chose the member
 * index, and a period's build had not finished after 14 minutes. PostgreSQL has no unary plus for text.
 */
const groupByMember = (engine: Engine): RawBuilder<unknown> => (engine === 'sqlite' ? sql`+member_id` : sql`member_id`);

/** The day ranges and raw edge pieces of a period and its previous one, as the roll-ups cut them. */
function pieces(q: MemberPeriodQuery) {
  const previousFrom = new Date(2 * q.from.getTime() - q.to.getTime());
  return { current: splitByDays(q.from, q.to, q.timeZone), previous: splitByDays(previousFrom, q.from, q.timeZone) };
}

/** Every member's sums in the period and the previous one, or only the given members'. */
async function readMemberPeriods(db: AnyDb, engine: Engine, shopNo: number, q: MemberPeriodQuery, only: string[] | null): Promise<MemberPeriod[]> {
  const current = rollupRange(q.from, q.to, q.timeZone);
  const previous = rollupRange(new Date(2 * q.from.getTime() - q.to.getTime()), q.from, q.timeZone);
  const atKiosks = q.kiosks === null ? sql`1 = 1` : q.kiosks.length === 0 ? sql`1 = 0` : sql`kiosk_no IN (${sql.join(q.kiosks)})`;
  const byMember = new Map<string, MemberPeriod>();
  const add = (id: string, s: Partial<MemberPeriod>): void => {
    const m = byMember.get(id) ?? { memberId: id, visits: 0, spend: 0, lastAt: null, previousVisits: 0, previousSpend: 0 };
    m.visits += s.visits ?? 0;
    m.spend += s.spend ?? 0;
    m.previousVisits += s.previousVisits ?? 0;
    m.previousSpend += s.previousSpend ?? 0;
    if (s.lastAt && (m.lastAt === null || s.lastAt > m.lastAt)) m.lastAt = s.lastAt;
    byMember.set(id, m);
  };
  const read = async (members: RawBuilder<unknown> | null): Promise<void> => {
    const rows = await sql<{ member_id: string; visits: unknown; spend: unknown; last_at: string | null; p_visits: unknown; p_spend: unknown }>`
      SELECT member_id,
          sum(CASE WHEN ${current.where} THEN visits ELSE 0 END) AS visits, sum(CASE WHEN ${current.where} THEN spend ELSE 0 END) AS spend,
          max(CASE WHEN ${current.where} THEN last_at END) AS last_at,
          sum(CASE WHEN ${previous.where} THEN visits ELSE 0 END) AS p_visits, sum(CASE WHEN ${previous.where} THEN spend ELSE 0 END) AS p_spend
        FROM rollup_members WHERE shop_no = ${shopNo} AND (${current.where} OR ${previous.where}) AND ${atKiosks}
          AND ${members ?? sql`1 = 1`} GROUP BY ${members === null ? groupByMember(engine) : sql`member_id`}`.execute(db);
    for (const r of rows.rows)
      add(r.member_id, { visits: n(r.visits), spend: n(r.spend), lastAt: r.last_at, previousVisits: n(r.p_visits), previousSpend: n(r.p_spend) });
  };
  if (only === null) await read(null);
  else for (let i = 0; i < only.length; i += 500) await read(sql`member_id IN (${sql.join(only.slice(i, i + 500))})`);

  const wanted = only === null ? null : new Set(only);
  const here = (kioskNo: unknown, memberId: string): boolean =>
    (q.kiosks === null || q.kiosks.includes(n(kioskNo))) && (wanted === null || wanted.has(memberId));
  for (const [a, b] of current.raw)
    for (const r of (await intervalSums(engine, shopNo, a.toISOString(), b.toISOString()).members.execute(db)).rows)
      if (here(r.kiosk_no, r.member_id)) add(r.member_id, { visits: n(r.visits), spend: n(r.spend), lastAt: r.last_at });
  for (const [a, b] of previous.raw)
    for (const r of (await intervalSums(engine, shopNo, a.toISOString(), b.toISOString()).members.execute(db)).rows)
      if (here(r.kiosk_no, r.member_id)) add(r.member_id, { previousVisits: n(r.visits), previousSpend: n(r.spend) });
  // A member with nothing in either period (all refunded) has no row.
  return [...byMember.values()].filter((m) => m.visits > 0 || m.previousVisits > 0);
}

async function writeRows(db: AnyDb, shopNo: number, period: string, rows: MemberPeriod[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    await sql`INSERT INTO member_period_sums (shop_no, period, member_id, visits, spend, last_at, previous_visits, previous_spend) VALUES ${sql.join(
      part.map((m) => sql`(${shopNo}, ${period}, ${m.memberId}, ${m.visits}, ${m.spend}, ${m.lastAt}, ${m.previousVisits}, ${m.previousSpend})`),
    )}`.execute(db);
  }
}

/** How a period's member sums were found: kept already, built from the roll-ups, or shifted from a kept period. */
export type PeriodMade = 'kept' | 'built' | 'shifted';

/**
 * Builds a period's member sums and counts unless kept already (PostgreSQL: under the shop's row lock,
 * so two hub nodes build once). The hub calls it ahead for the default period (`prepareDefaultPeriod`
 * in cloud/owner-store.ts), so a page read finds that one kept.
 */
export async function keepPeriod(db: AnyDb, engine: Engine, shopNo: number, q: MemberPeriodQuery): Promise<PeriodMade> {
  const period = periodKey(q);
  const kept = await sql<{ one: number }>`SELECT 1 AS one FROM member_periods WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
  if (kept.rows.length > 0) return 'kept';
  return db.transaction().execute(async (tx): Promise<PeriodMade> => {
    if (engine === 'postgres') await sql`SELECT no FROM shops WHERE no = ${shopNo} FOR UPDATE`.execute(tx);
    const again = await sql<{ one: number }>`SELECT 1 AS one FROM member_periods WHERE shop_no = ${shopNo} AND period = ${period}`.execute(tx);
    if (again.rows.length > 0) return 'kept';
    const summary = emptyMemberSummary();
    const base = await nearestKept(tx, shopNo, q);
    if (base === null) {
      const rows = await readMemberPeriods(tx, engine, shopNo, q, null);
      for (const m of rows) foldMember(summary, m, 1, q.to, q.segments);
      await writeRows(tx, shopNo, period, rows);
    } else {
      await shiftKept(tx, engine, shopNo, base, q);
      // Every member is folded again: a segment depends on the recency to the period's end.
      const rows = await sql<{ member_id: string; visits: unknown; spend: unknown; last_at: string | null; previous_visits: unknown; previous_spend: unknown }>`
        SELECT member_id, visits, spend, last_at, previous_visits, previous_spend FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${period}`.execute(
        tx,
      );
      for (const r of rows.rows)
        foldMember(
          summary,
          {
            memberId: r.member_id,
            visits: n(r.visits),
            spend: n(r.spend),
            lastAt: r.last_at,
            previousVisits: n(r.previous_visits),
            previousSpend: n(r.previous_spend),
          },
          1,
          q.to,
          q.segments,
        );
    }
    const last = await sql<{ seq: unknown }>`SELECT max(seq) AS seq FROM member_periods WHERE shop_no = ${shopNo}`.execute(tx);
    const seq = n(last.rows[0]?.seq) + 1;
    await sql`INSERT INTO member_periods (shop_no, period, seq, summary_json) VALUES (${shopNo}, ${period}, ${seq}, ${JSON.stringify({ query: storedQuery(q), summary })})`.execute(
      tx,
    );
    const old = await sql<{ period: string }>`SELECT period FROM member_periods WHERE shop_no = ${shopNo} AND seq <= ${seq - KEPT_PERIODS}`.execute(tx);
    for (const o of old.rows) await dropPeriod(tx, shopNo, o.period);
    return base === null ? 'built' : 'shifted';
  });
}

/** Whole shop days [from, to), as the roll-ups hold them. */
type Days = { from: string; to: string };

/**
 * A period's day ranges when the period is whole shop days and its previous period holds at least
 * one (its raw edge pieces, at a change of summer time, are summed apart), else null.
 */
function wholeDays(q: MemberPeriodQuery): { current: Days; previous: Days; previousRaw: [Date, Date][] } | null {
  const { current, previous } = pieces(q);
  if (current.days === null || previous.days === null || current.raw.length > 0) return null;
  return { current: current.days, previous: previous.days, previousRaw: previous.raw };
}

/**
 * A kept period the new one can be shifted from: the same zone, location and segments, both in whole
 * days (but for the previous periods' raw edge pieces), and each of the new period's ranges starting inside the kept one's and ending at or after it
 * (so the new sums are the kept ones less a prefix of days, plus the days after). The one with the
 * fewest days to add and take away; null when none fits (the period is then built from scratch).
 */
async function nearestKept(db: AnyDb, shopNo: number, q: MemberPeriodQuery): Promise<{ period: string; query: MemberPeriodQuery } | null> {
  const wanted = wholeDays(q);
  if (wanted === null) return null;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const daysBetween = (a: string, b: string): number => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
  const fits = (kept: Days, next: Days): boolean => kept.from <= next.from && next.from <= kept.to && kept.to <= next.to;
  const cost = (kept: Days, next: Days): number => daysBetween(kept.from, next.from) + daysBetween(kept.to, next.to);
  const rows = await sql<{ period: string; summary_json: string }>`SELECT period, summary_json FROM member_periods WHERE shop_no = ${shopNo}`.execute(db);
  let best: { period: string; query: MemberPeriodQuery; cost: number } | null = null;
  for (const row of rows.rows) {
    const stored = (JSON.parse(row.summary_json) as { query: StoredQuery }).query;
    const query: MemberPeriodQuery = { ...stored, from: new Date(stored.from), to: new Date(stored.to) };
    if (query.timeZone !== q.timeZone || !same(query.segments, q.segments) || !same(sortedKiosks(query), sortedKiosks(q))) continue;
    const kept = wholeDays(query);
    if (kept === null || !fits(kept.current, wanted.current) || !fits(kept.previous, wanted.previous)) continue;
    const c = cost(kept.current, wanted.current) + cost(kept.previous, wanted.previous);
    if (best === null || c < best.cost) best = { period: row.period, query, cost: c };
  }
  return best;
}

/**
 * Writes the new period's member sums as the kept period's, less the days it no longer holds, plus
 * those it adds, in one statement. A member's last sale is kept when it falls in the days that stay
 * (it is the latest of the kept period, so when it falls before them, none of the kept sales stay).
 */
async function shiftKept(db: AnyDb, engine: Engine, shopNo: number, base: { period: string; query: MemberPeriodQuery }, q: MemberPeriodQuery): Promise<void> {
  const kept = wholeDays(base.query)!;
  const next = wholeDays(q)!;
  const range = (from: string, to: string) => sql`(day >= ${from} AND day < ${to})`;
  const addCurrent = range(kept.current.to, next.current.to);
  const dropCurrent = range(kept.current.from, next.current.from);
  const addPrevious = range(kept.previous.to, next.previous.to);
  const dropPrevious = range(kept.previous.from, next.previous.from);
  const signed = (add: RawBuilder<unknown>, drop: RawBuilder<unknown>, column: string) =>
    sql`sum(CASE WHEN ${add} THEN ${sql.ref(column)} WHEN ${drop} THEN -${sql.ref(column)} ELSE 0 END)`;
  const atKiosks = q.kiosks === null ? sql`1 = 1` : q.kiosks.length === 0 ? sql`1 = 0` : sql`kiosk_no IN (${sql.join(q.kiosks)})`;
  // The previous periods' raw edge pieces, summed from the raw rows: the kept one's taken away, the new one's added.
  const rawPrevious = (raw: [Date, Date][], sign: 1 | -1) =>
    raw.map(
      ([a, b]) => sql`SELECT member_id, 0, 0, NULL, ${sql.lit(sign)} * visits, ${sql.lit(sign)} * spend
        FROM (${intervalSums(engine, shopNo, a.toISOString(), b.toISOString()).members}) r WHERE ${atKiosks}`,
    );
  await sql`INSERT INTO member_period_sums (shop_no, period, member_id, visits, spend, last_at, previous_visits, previous_spend)
    SELECT ${shopNo}, ${periodKey(q)}, member_id, sum(visits), sum(spend), max(last_at), sum(previous_visits), sum(previous_spend) FROM (
      SELECT member_id, visits, spend, CASE WHEN last_at >= ${q.from.toISOString()} THEN last_at END AS last_at, previous_visits, previous_spend
        FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${base.period}
      UNION ALL
      SELECT member_id, ${signed(addCurrent, dropCurrent, 'visits')}, ${signed(addCurrent, dropCurrent, 'spend')},
          max(CASE WHEN ${addCurrent} THEN last_at END), ${signed(addPrevious, dropPrevious, 'visits')}, ${signed(addPrevious, dropPrevious, 'spend')}
        FROM rollup_members WHERE shop_no = ${shopNo} AND (${addCurrent} OR ${dropCurrent} OR ${addPrevious} OR ${dropPrevious}) AND ${atKiosks}
        GROUP BY ${groupByMember(engine)}
      ${sql.join(
        [...rawPrevious(kept.previousRaw, -1), ...rawPrevious(next.previousRaw, 1)].map((piece) => sql`UNION ALL ${piece}`),
        sql` `,
      )}) u
    GROUP BY member_id HAVING sum(visits) > 0 OR sum(previous_visits) > 0`.execute(db);
}

async function dropPeriod(db: AnyDb, shopNo: number, period: string): Promise<void> {
  await sql`DELETE FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
  await sql`DELETE FROM member_periods WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
}

type StoredQuery = { from: string; to: string; timeZone: string; kiosks: number[] | null; segments: SegmentThresholds };
const storedQuery = (q: MemberPeriodQuery): StoredQuery => ({ ...q, from: q.from.toISOString(), to: q.to.toISOString() });

/**
 * After a refresh: every kept period holding a re-summed day gets the changed members' sums read
 * again and folded in place of the old ones. Runs in the refresh's transaction.
 */
export async function applyRollupChange(db: AnyDb, engine: Engine, shopNo: number, change: RollupChange): Promise<void> {
  const periods = await sql<{ period: string; summary_json: string }>`SELECT period, summary_json FROM member_periods WHERE shop_no = ${shopNo}`.execute(db);
  if (periods.rows.length === 0) return;
  if (change.rebuilt) {
    for (const p of periods.rows) await dropPeriod(db, shopNo, p.period);
    return;
  }
  for (const p of periods.rows) {
    const kept = JSON.parse(p.summary_json) as { query: StoredQuery; summary: MemberSummary };
    const q: MemberPeriodQuery = { ...kept.query, from: new Date(kept.query.from), to: new Date(kept.query.to) };
    const { current, previous } = pieces(q);
    const edgeDays = new Set<string>();
    for (const [a] of [...current.raw, ...previous.raw]) edgeDays.add(localDate(a, q.timeZone));
    const within = (day: string, d: { from: string; to: string } | null): boolean => d !== null && day >= d.from && day < d.to;
    const members = new Set<string>();
    for (const [day, c] of change.days) {
      if (edgeDays.has(day)) for (const id of c.all) members.add(id);
      else if (within(day, current.days) || within(day, previous.days)) for (const id of c.changed) members.add(id);
    }
    if (members.size === 0) continue;
    const ids = [...members];
    const fresh = await readMemberPeriods(db, engine, shopNo, q, ids);
    const old: MemberPeriod[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await sql<{ member_id: string; visits: unknown; spend: unknown; last_at: string | null; previous_visits: unknown; previous_spend: unknown }>`
        SELECT member_id, visits, spend, last_at, previous_visits, previous_spend FROM member_period_sums
        WHERE shop_no = ${shopNo} AND period = ${p.period} AND member_id IN (${sql.join(ids.slice(i, i + 500))})`.execute(db);
      for (const r of rows.rows)
        old.push({
          memberId: r.member_id,
          visits: n(r.visits),
          spend: n(r.spend),
          lastAt: r.last_at,
          previousVisits: n(r.previous_visits),
          previousSpend: n(r.previous_spend),
        });
    }
    const summary = kept.summary;
    for (const m of old) foldMember(summary, m, -1, q.to, q.segments);
    for (const m of fresh) foldMember(summary, m, 1, q.to, q.segments);
    for (let i = 0; i < ids.length; i += 500)
      await sql`DELETE FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${p.period} AND member_id IN (${sql.join(ids.slice(i, i + 500))})`.execute(
        db,
      );
    await writeRows(db, shopNo, p.period, fresh);
    await sql`UPDATE member_periods SET summary_json = ${JSON.stringify({ query: kept.query, summary })} WHERE shop_no = ${shopNo} AND period = ${p.period}`.execute(
      db,
    );
  }
}

const localDate = (at: Date, timeZone: string): string => new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);

/**
 * The period's member figures: the counts by bucket and the first `topN` members, from the kept
 * period (built on its first read). The roll-ups must be refreshed first (with `applyRollupChange`).
 */
export async function memberFigures(
  db: AnyDb,
  engine: Engine,
  shopNo: number,
  q: MemberPeriodQuery,
  topN: number,
): Promise<{ summary: MemberSummary; top: CustomerFigures[]; made: PeriodMade }> {
  const made = await keepPeriod(db, engine, shopNo, q);
  const period = periodKey(q);
  const kept = await sql<{ summary_json: string }>`SELECT summary_json FROM member_periods WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
  const summary = kept.rows[0] ? (JSON.parse(kept.rows[0].summary_json) as { summary: MemberSummary }).summary : emptyMemberSummary();
  const order = engine === 'postgres' ? sql`s.member_id COLLATE "C"` : sql`s.member_id`;
  const rows = await sql<{ member_id: string; name: string | null; visits: unknown; spend: unknown; last_at: string }>`
    SELECT s.member_id, m.name, s.visits, s.spend, s.last_at FROM member_period_sums s LEFT JOIN members m ON m.id = s.member_id
    WHERE s.shop_no = ${shopNo} AND s.period = ${period} AND s.visits > 0 AND s.last_at IS NOT NULL
    ORDER BY s.spend DESC, s.visits DESC, ${order} LIMIT ${topN}`.execute(db);
  const top = rows.rows
    .map((r) => ({ memberId: r.member_id, name: r.name, visits: n(r.visits), spend: n(r.spend), lastAt: r.last_at }))
    .sort(byTopOrder)
    .map((c) => customerFigures(c, q.to, q.segments));
  return { summary, top, made };
}
