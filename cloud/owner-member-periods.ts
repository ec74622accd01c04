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
async function readMemberPeriods(
  db: AnyDb,
  engine: Engine,
  shopNo: number,
  q: MemberPeriodQuery,
  only: string[] | null,
  range: MemberRange = ALL_MEMBERS,
): Promise<MemberPeriod[]> {
  const current = rollupRange(q.from, q.to, q.timeZone);
  const previous = rollupRange(new Date(2 * q.from.getTime() - q.to.getTime()), q.from, q.timeZone);
  const atKiosks = q.kiosks === null ? sql`1 = 1` : q.kiosks.length === 0 ? sql`1 = 0` : sql`kiosk_no IN (${sql.join(q.kiosks)})`;
  // A chunk of members (a bounded range) is read through the member index: its members' rows only, not the period's days.
  const bounded = range.after !== null || range.upTo !== null;
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
        FROM rollup_members ${bounded && engine === 'sqlite' ? sql`INDEXED BY rollup_members_member` : sql``}
        WHERE shop_no = ${shopNo} AND (${current.where} OR ${previous.where}) AND ${atKiosks} AND ${inRange(range)}
          AND ${members ?? sql`1 = 1`} GROUP BY ${members === null && !bounded ? groupByMember(engine) : sql`member_id`}`.execute(db);
    for (const r of rows.rows)
      add(r.member_id, { visits: n(r.visits), spend: n(r.spend), lastAt: r.last_at, previousVisits: n(r.p_visits), previousSpend: n(r.p_spend) });
  };
  if (only === null) await read(null);
  else for (let i = 0; i < only.length; i += 500) await read(sql`member_id IN (${sql.join(only.slice(i, i + 500))})`);

  const wanted = only === null ? null : new Set(only);
  const here = (kioskNo: unknown, memberId: string): boolean =>
    (q.kiosks === null || q.kiosks.includes(n(kioskNo))) && (wanted === null || wanted.has(memberId));
  const rawPiece = async (a: Date, b: Date) => {
    const piece = intervalSums(engine, shopNo, a.toISOString(), b.toISOString()).members;
    type PieceRow = { kiosk_no: unknown; member_id: string; visits: unknown; spend: unknown; last_at: string | null };
    return (await (bounded ? sql<PieceRow>`${onlyRange(piece, range)}` : piece).execute(db)).rows as PieceRow[];
  };
  for (const [a, b] of current.raw)
    for (const r of await rawPiece(a, b)) if (here(r.kiosk_no, r.member_id)) add(r.member_id, { visits: n(r.visits), spend: n(r.spend), lastAt: r.last_at });
  for (const [a, b] of previous.raw)
    for (const r of await rawPiece(a, b)) if (here(r.kiosk_no, r.member_id)) add(r.member_id, { previousVisits: n(r.visits), previousSpend: n(r.spend) });
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
 * A kept period's row in `member_periods.summary_json`: its query, the members folded into counts,
 * `building` while a chunked preparation has not finished it (no read uses it then, but a refresh
 * keeps its rows true like any kept period's), `pinned` for the default period the hub prepared
 * (never pushed out by the other periods, so a win-back or a look at other ranges does not cost the
 * owner's next overview a build).
 */
type KeptState = { query: StoredQuery; summary: MemberSummary; building?: true; pinned?: true };

async function keptState(db: AnyDb, shopNo: number, period: string): Promise<KeptState | null> {
  const row = await sql<{ summary_json: string }>`SELECT summary_json FROM member_periods WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
  return row.rows[0] ? (JSON.parse(row.rows[0].summary_json) as KeptState) : null;
}

async function saveState(db: AnyDb, shopNo: number, period: string, state: KeptState): Promise<void> {
  await sql`UPDATE member_periods SET summary_json = ${JSON.stringify(state)} WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
}

/** The members of a chunk: ids after `after` up to and with `upTo` (null: no bound), in the database's order of text. */
type MemberRange = { after: string | null; upTo: string | null };
const ALL_MEMBERS: MemberRange = { after: null, upTo: null };
const inRange = (range: MemberRange): RawBuilder<unknown> =>
  sql`${range.after === null ? sql`1 = 1` : sql`member_id > ${range.after}`} AND ${range.upTo === null ? sql`1 = 1` : sql`member_id <= ${range.upTo}`}`;

/**
 * A raw edge piece's member sums, of the members in `range`: the piece summed first as a whole
 * (MATERIALIZED), so the planner does not push the range into the piece's joins and read it member by member.
 */
const onlyRange = (piece: RawBuilder<unknown>, range: MemberRange): RawBuilder<unknown> =>
  sql`WITH piece AS MATERIALIZED (${piece}) SELECT * FROM piece WHERE ${inRange(range)}`;

async function nextSeq(db: AnyDb, shopNo: number): Promise<number> {
  const last = await sql<{ seq: unknown }>`SELECT max(seq) AS seq FROM member_periods WHERE shop_no = ${shopNo}`.execute(db);
  return n(last.rows[0]?.seq) + 1;
}

/** The period's row, made `building` when there is none; null when it is complete already. Call under the shop's lock. */
async function startPeriod(db: AnyDb, shopNo: number, q: MemberPeriodQuery, pinned: boolean): Promise<KeptState | null> {
  const period = periodKey(q);
  const state = await keptState(db, shopNo, period);
  if (state !== null) return state.building ? state : null;
  const fresh: KeptState = { query: storedQuery(q), summary: emptyMemberSummary(), building: true, ...(pinned ? { pinned: true as const } : {}) };
  await sql`INSERT INTO member_periods (shop_no, period, seq, summary_json) VALUES (${shopNo}, ${period}, ${await nextSeq(db, shopNo)}, ${JSON.stringify(fresh)})`.execute(
    db,
  );
  return fresh;
}

type SumsRow = { member_id: string; visits: unknown; spend: unknown; last_at: string | null; previous_visits: unknown; previous_spend: unknown };
const fromSumsRow = (r: SumsRow): MemberPeriod => ({
  memberId: r.member_id,
  visits: n(r.visits),
  spend: n(r.spend),
  lastAt: r.last_at,
  previousVisits: n(r.previous_visits),
  previousSpend: n(r.previous_spend),
});

/**
 * Makes the sums of the members in `range` true as of now, in place of whatever the period held for
 * them (a refresh may have written some of them already while the period was building): those rows
 * are folded out and deleted, the range is shifted from a kept period when one fits, else built from
 * the roll-ups, and the new rows are folded in. So whatever chunks and refreshes came before, the
 * summary is the fold of the rows the period holds.
 */
async function replaceRange(db: AnyDb, engine: Engine, shopNo: number, q: MemberPeriodQuery, state: KeptState, range: MemberRange): Promise<PeriodMade> {
  const period = periodKey(q);
  const rowsInRange = async (): Promise<MemberPeriod[]> =>
    (
      await sql<SumsRow>`SELECT member_id, visits, spend, last_at, previous_visits, previous_spend FROM member_period_sums
        WHERE shop_no = ${shopNo} AND period = ${period} AND ${inRange(range)}`.execute(db)
    ).rows.map(fromSumsRow);
  for (const m of await rowsInRange()) foldMember(state.summary, m, -1, q.to, q.segments);
  await sql`DELETE FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${period} AND ${inRange(range)}`.execute(db);
  const base = await nearestKept(db, shopNo, q);
  if (base === null) {
    const rows = await readMemberPeriods(db, engine, shopNo, q, null, range);
    for (const m of rows) foldMember(state.summary, m, 1, q.to, q.segments);
    await writeRows(db, shopNo, period, rows);
    return 'built';
  }
  await shiftKept(db, engine, shopNo, base, q, range);
  // Every member is folded again: a segment depends on the recency to the period's end.
  for (const m of await rowsInRange()) foldMember(state.summary, m, 1, q.to, q.segments);
  return 'shifted';
}

/**
 * The period made usable: no longer `building`, the newest kept, and the shop's older periods beyond
 * KEPT_PERIODS dropped (pinned and building ones are not counted nor dropped). A pinned period (the
 * hub's default) unpins the others, and drops what another preparation left unfinished.
 */
async function completePeriod(db: AnyDb, shopNo: number, period: string, state: KeptState): Promise<void> {
  delete state.building;
  const seq = await nextSeq(db, shopNo);
  await sql`UPDATE member_periods SET seq = ${seq}, summary_json = ${JSON.stringify(state)} WHERE shop_no = ${shopNo} AND period = ${period}`.execute(db);
  const others = await sql<{ period: string; summary_json: string }>`SELECT period, summary_json FROM member_periods
    WHERE shop_no = ${shopNo} AND period <> ${period} ORDER BY seq DESC`.execute(db);
  let kept = 1;
  for (const row of others.rows) {
    const other = JSON.parse(row.summary_json) as KeptState;
    if (state.pinned && other.building) await dropPeriod(db, shopNo, row.period);
    else if (state.pinned && other.pinned) {
      delete other.pinned;
      await saveState(db, shopNo, row.period, other);
      if (++kept > KEPT_PERIODS) await dropPeriod(db, shopNo, row.period);
    } else if (!other.pinned && !other.building && ++kept > KEPT_PERIODS) await dropPeriod(db, shopNo, row.period);
  }
}

/**
 * Builds a period's member sums and counts unless kept already, in one transaction (PostgreSQL: under
 * the shop's row lock, so two hub nodes build once): the read of a period not kept. When the hub is
 * preparing that period in chunks meanwhile, this finishes it at once (`preparePeriod` then finds it
 * complete).
 */
export async function keepPeriod(db: AnyDb, engine: Engine, shopNo: number, q: MemberPeriodQuery): Promise<PeriodMade> {
  const period = periodKey(q);
  const known = await keptState(db, shopNo, period);
  if (known !== null && !known.building) return 'kept';
  return db.transaction().execute(async (tx): Promise<PeriodMade> => {
    if (engine === 'postgres') await sql`SELECT no FROM shops WHERE no = ${shopNo} FOR UPDATE`.execute(tx);
    const state = await startPeriod(tx, shopNo, q, false);
    if (state === null) return 'kept';
    const made = await replaceRange(tx, engine, shopNo, q, state, ALL_MEMBERS);
    await completePeriod(tx, shopNo, period, state);
    return made;
  });
}

/** How a preparation cuts its work: members per step of the chunks' bounds, and the time a chunk aims at. */
export interface Chunking {
  membersPerStep: number;
  chunkMs: number;
  /** Awaited between chunks; the event loop is free meanwhile (the hub: one turn, setImmediate). */
  between: () => Promise<void>;
  /** Asked between chunks: true leaves the period building (a page read or the next preparation finishes it), so a closing hub does not wait for the whole build. */
  stopped?: () => boolean;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
export const HUB_CHUNKING: Chunking = { membersPerStep: 100, chunkMs: 25, between: nextTurn };

/** What a preparation did: how the period was made, in how many chunks, and the longest chunk (the longest the event loop was held on SQLite). */
export interface Prepared {
  made: PeriodMade;
  chunks: number;
  longestChunkMs: number;
  /** Before the first chunk: the period's row made and the chunks' bounds read (each a statement that holds the event loop on SQLite). */
  setupMs: number;
  /** Stopped between chunks (`Chunking.stopped`): the period is still building. */
  unfinished?: true;
}

/**
 * Prepares a period ahead (the hub's default one, pinned), in chunks of members, each its own short
 * transaction (PostgreSQL: under the shop's row lock, like a refresh), with the event loop free
 * between them: on SQLite a build of seconds would otherwise stall the whole hub. The period stays
 * `building`, unread, until its last chunk. Why nothing is lost nor counted twice: sales reach kept
 * periods only through a refresh, which runs in its own transaction (serialised with the chunks by
 * the lock, or by SQLite's one connection) and rewrites the changed members' rows of every kept
 * period, building ones too; a chunk rewrites its members' rows from the roll-ups as they are then
 * (`replaceRange`). Whichever comes last for a member wrote its true sums, and the summary is kept the
 * fold of the rows held. A chunk's members are found by ranges of ids, so no member is skipped or
 * taken twice whichever ids the roll-ups hold; the ranges' bounds are every `membersPerStep`-th member
 * id, a chunk taking as many steps as fit its time. If the period goes meanwhile (a new time zone
 * drops every kept period), it is started again.
 */
export async function preparePeriod(db: AnyDb, engine: Engine, shopNo: number, q: MemberPeriodQuery, chunking: Chunking = HUB_CHUNKING): Promise<Prepared> {
  const period = periodKey(q);
  const inTx = <T>(work: (tx: AnyDb) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (tx) => {
      if (engine === 'postgres') await sql`SELECT no FROM shops WHERE no = ${shopNo} FOR UPDATE`.execute(tx);
      return work(tx);
    });
  const prepared: Prepared = { made: 'kept', chunks: 0, longestChunkMs: 0, setupMs: 0 };
  for (let attempt = 0; attempt < 3; attempt++) {
    const setupStart = performance.now();
    const started = await inTx(async (tx) => {
      const state = await startPeriod(tx, shopNo, q, true);
      if (state === null) {
        // Kept already (made by a read): pinned from now on.
        const kept = (await keptState(tx, shopNo, period))!;
        if (!kept.pinned) await completePeriod(tx, shopNo, period, { ...kept, pinned: true });
      }
      return state !== null;
    });
    if (!started) return prepared;
    const bounds = (
      await sql<{ id: string }>`SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM members WHERE shop_no = ${shopNo}) x
        WHERE r % ${chunking.membersPerStep} = 0 ORDER BY id`.execute(db)
    ).rows.map((r) => r.id);
    prepared.setupMs += performance.now() - setupStart;
    let next = 0;
    let steps = 1;
    let after: string | null = null;
    let made: PeriodMade | 'gone' = 'kept';
    for (;;) {
      const upTo = next + steps - 1 < bounds.length ? bounds[next + steps - 1]! : null;
      const chunkStart = performance.now();
      const done = await inTx(async (tx): Promise<PeriodMade | 'gone' | 'done'> => {
        const state = await keptState(tx, shopNo, period);
        if (state === null) return 'gone';
        if (!state.building) return 'done';
        const how = await replaceRange(tx, engine, shopNo, q, state, { after, upTo });
        if (upTo === null) await completePeriod(tx, shopNo, period, state);
        else await saveState(tx, shopNo, period, state);
        return how;
      });
      const took = performance.now() - chunkStart;
      if (done === 'done') return prepared;
      if (done === 'gone') {
        made = 'gone';
        break;
      }
      prepared.chunks++;
      prepared.longestChunkMs = Math.max(prepared.longestChunkMs, took);
      // 'shifted' only when every chunk was.
      made = made === 'kept' || made === 'shifted' ? done : made;
      if (upTo === null) {
        prepared.made = made;
        return prepared;
      }
      after = upTo;
      next += steps;
      steps = Math.max(1, Math.min(64, Math.round((steps * chunking.chunkMs) / Math.max(took, 1))));
      await chunking.between();
      if (chunking.stopped?.() === true) return { ...prepared, made, unfinished: true };
    }
  }
  throw new Error('the period was dropped three times while it was prepared');
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
    const state = JSON.parse(row.summary_json) as KeptState;
    if (state.building) continue;
    const stored = state.query;
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
 * Writes the new period's member sums (of the members in `range`) as the kept period's, less the days
 * it no longer holds, plus those it adds, in one statement (a bounded range read through the member
 * index, as in readMemberPeriods). A member's last sale is kept when it falls in the days that stay
 * (it is the latest of the kept period, so when it falls before them, none of the kept sales stay).
 */
async function shiftKept(
  db: AnyDb,
  engine: Engine,
  shopNo: number,
  base: { period: string; query: MemberPeriodQuery },
  q: MemberPeriodQuery,
  range: MemberRange,
): Promise<void> {
  const bounded = range.after !== null || range.upTo !== null;
  const kept = wholeDays(base.query)!;
  const next = wholeDays(q)!;
  const dayRange = (from: string, to: string) => sql`(day >= ${from} AND day < ${to})`;
  const addCurrent = dayRange(kept.current.to, next.current.to);
  const dropCurrent = dayRange(kept.current.from, next.current.from);
  const addPrevious = dayRange(kept.previous.to, next.previous.to);
  const dropPrevious = dayRange(kept.previous.from, next.previous.from);
  const signed = (add: RawBuilder<unknown>, drop: RawBuilder<unknown>, column: string) =>
    sql`sum(CASE WHEN ${add} THEN ${sql.ref(column)} WHEN ${drop} THEN -${sql.ref(column)} ELSE 0 END)`;
  const atKiosks = q.kiosks === null ? sql`1 = 1` : q.kiosks.length === 0 ? sql`1 = 0` : sql`kiosk_no IN (${sql.join(q.kiosks)})`;
  // The previous periods' raw edge pieces, summed from the raw rows: the kept one's taken away, the new one's added.
  const rawPrevious = (raw: [Date, Date][], sign: 1 | -1) =>
    raw.map(
      ([a, b]) => sql`SELECT member_id, 0, 0, NULL, ${sql.lit(sign)} * visits, ${sql.lit(sign)} * spend
        FROM (${onlyRange(intervalSums(engine, shopNo, a.toISOString(), b.toISOString()).members, range)}) r WHERE ${atKiosks}`,
    );
  await sql`INSERT INTO member_period_sums (shop_no, period, member_id, visits, spend, last_at, previous_visits, previous_spend)
    SELECT ${shopNo}, ${periodKey(q)}, member_id, sum(visits), sum(spend), max(last_at), sum(previous_visits), sum(previous_spend) FROM (
      SELECT member_id, visits, spend, CASE WHEN last_at >= ${q.from.toISOString()} THEN last_at END AS last_at, previous_visits, previous_spend
        FROM member_period_sums WHERE shop_no = ${shopNo} AND period = ${base.period} AND ${inRange(range)}
      UNION ALL
      SELECT member_id, ${signed(addCurrent, dropCurrent, 'visits')}, ${signed(addCurrent, dropCurrent, 'spend')},
          max(CASE WHEN ${addCurrent} THEN last_at END), ${signed(addPrevious, dropPrevious, 'visits')}, ${signed(addPrevious, dropPrevious, 'spend')}
        FROM rollup_members ${bounded && engine === 'sqlite' ? sql`INDEXED BY rollup_members_member` : sql``}
        WHERE shop_no = ${shopNo} AND (${addCurrent} OR ${dropCurrent} OR ${addPrevious} OR ${dropPrevious}) AND ${atKiosks} AND ${inRange(range)}
        GROUP BY ${bounded ? sql`member_id` : groupByMember(engine)}
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
    const kept = JSON.parse(p.summary_json) as KeptState;
    const q: MemberPeriodQuery = { ...kept.query, from: new Date(kept.query.from), to: new Date(kept.query.to) };
    const { current, previous } = pieces(q);
    const edgeDays = new Set<string>();
    // A raw piece can cross a midnight (a period shorter than two days that holds no whole day): both its days hold an edge.
    for (const [a, b] of [...current.raw, ...previous.raw]) {
      edgeDays.add(localDate(a, q.timeZone));
      edgeDays.add(localDate(new Date(b.getTime() - 1), q.timeZone));
    }
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
    // A building period's flags stay: its rows are kept true as any period's (see preparePeriod).
    await saveState(db, shopNo, p.period, { ...kept, summary });
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
