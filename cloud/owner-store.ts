import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import type { LedgerEntry, Reason } from '../core/ledger/entry';
import { DEFAULT_SEGMENTS, defaultPeriod, rewardKey, type DashboardAggregates, type RewardFigures, type SegmentThresholds } from '../core/metrics';
import { noteMemberChanges } from './member-changes';
import { mergeMemberInto, type MergeRefusal } from './member-merge';
import { applyRollupChange, HUB_CHUNKING, memberFigures, preparePeriod, type Chunking, type Prepared } from './owner-member-periods';
import { intervalSums, refreshRollups, rollupRange } from './owner-rollups';
import type { Engine } from './store-schema';
import type { Db, StoreContext } from './store/db';
import { toEntry, type Ledger } from './store/ledger';

/**
 * The owner's side of the hub store, async and in Kysely so one source runs on SQLite and
 * PostgreSQL: dashboard sums in SQL, kiosk locations, ledger writes by the owner (win-back,
 * adjustments, through the store's one ledger writer and write lock) with their audit rows, a
 * member's data export and erasure.
 *
 * The dashboard's figures are defined once, in core/metrics.ts: SQL here only filters and sums
 * rows into `DashboardAggregates` (the same sums `aggregate()` makes in memory) and `figures()` does
 * the rest. test/integration/owner-sql.test.ts checks that both paths agree on a seeded data set.
 */

/** The owner's part of the hub's one schema (store-schema.ts HubDatabase): the audit log. */
export interface OwnerAuditTables {
  owner_audit: {
    id: string;
    shop_no: number;
    at: string;
    actor: string;
    action: string;
    member_id: string | null;
    entry_id: string | null;
    detail_json: string;
  };
}

export interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  memberId: string | null;
  entryId: string | null;
  detail: Record<string, unknown>;
}
export interface KioskLocation {
  no: number;
  id: string;
  name: string;
  location: string;
  revoked: boolean;
}

/** A kiosk on the owner's kiosk list: its location, whether the flag rule flagged it, how many of its facts were refused. */
/** How a page names a member: by name and contact, by number once erased; never by id. */
export interface MemberLabel {
  no: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  erasedAt: string | null;
}

/** A member as `memberLabels` finds them: who, and the balance (points) as the members list and export show it. */
export interface MemberWithBalance extends MemberLabel {
  points: number;
}

export interface KioskOverview extends KioskLocation {
  flaggedAt: string | null;
  refusals: number;
}

/** The data a member may ask for (GDPR art. 15/20): who they are, what they agreed to, every ledger entry. */
export interface MemberExport {
  member: { id: string; no: number; name: string | null; phone: string | null; email: string | null; joinedAt: string; erasedAt: string | null };
  consent: { at: string | null; text: string | null };
  ledger: LedgerEntry[];
  vouchers: { id: string; rewardId: string | null; rewardKey: number; createdAt: string }[];
  audit: AuditRow[];
}

/** SUM and COUNT come back as strings from PostgreSQL (bigint/numeric) and as numbers from SQLite. */
const n = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * The owner's schema change (one source for SQLite and PostgreSQL): a location per kiosk, the
 * erasure mark on members, the audit table, and the indexes the dashboard's period filters use.
 */
export const ownerMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('kiosks').addColumn('location', 'text').execute();
    await db.schema.alterTable('members').addColumn('erased_at', 'text').execute();
    await db.schema
      .createTable('owner_audit')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('entry_id', 'text')
      .addColumn('detail_json', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('owner_audit_member').on('owner_audit').columns(['member_id', 'at']).execute();
    await db.schema.createIndex('sales_at').on('sales').column('at').execute();
    await db.schema.createIndex('sales_member').on('sales').columns(['member_id', 'at']).execute();
    await db.schema.createIndex('claims_at').on('claims').column('at').execute();
    await db.schema.createIndex('ledger_at').on('ledger').column('at').execute();
    await db.schema.createIndex('ledger_reversals').on('ledger').column('sale_id').where(sql.ref('kind'), '=', 'reversal').execute();
  },
};

export class OwnerStore {
  readonly db: Db;
  readonly engine: Engine;
  /**
   * Kept member sums this node made (built or shifted), ahead (`prepareDefaultPeriod`) or on a dashboard
   * read: what tests assert to know a page read found its period kept, and the hub logs.
   */
  readonly periodsMade = { ahead: 0, onRead: 0 };

  /** Writes go through the store's one write transaction (`ctx.write`), ledger entries through its one ledger writer. */
  constructor(
    private readonly ctx: StoreContext,
    private readonly ledger: Ledger,
  ) {
    this.db = ctx.db;
    this.engine = ctx.engine;
  }

  // ---- locations -------------------------------------------------------------------------------

  /** A kiosk's location is the name the owner gave it, else the kiosk's own name (each till its own place until grouped). */
  async kioskLocations(shopNo: number): Promise<KioskLocation[]> {
    const rows = await this.db
      .selectFrom('kiosks')
      .select(['no', 'id', 'name', 'location', 'revoked_at'])
      .where('shop_no', '=', shopNo)
      .orderBy('no')
      .execute();
    return rows.map((r) => ({ no: n(r.no), id: r.id, name: r.name, location: r.location ?? r.name, revoked: r.revoked_at !== null }));
  }

  async kioskOverview(shopNo: number): Promise<KioskOverview[]> {
    const flags = await this.db.selectFrom('kiosks').select(['no', 'flagged_at']).where('shop_no', '=', shopNo).execute();
    const counts = await this.db
      .selectFrom('kiosk_refusals')
      .innerJoin('kiosks', 'kiosks.no', 'kiosk_refusals.kiosk_no')
      .select((eb) => ['kiosk_refusals.kiosk_no as no', eb.fn.countAll<string | number>().as('count')])
      .where('kiosks.shop_no', '=', shopNo)
      .groupBy('kiosk_refusals.kiosk_no')
      .execute();
    const flagged = new Map(flags.map((f) => [n(f.no), f.flagged_at]));
    const refused = new Map(counts.map((c) => [n(c.no), Number(c.count)]));
    return (await this.kioskLocations(shopNo)).map((k) => ({ ...k, flaggedAt: flagged.get(k.no) ?? null, refusals: refused.get(k.no) ?? 0 }));
  }

  /** The owner has looked at a flagged kiosk: the flag goes, and only refusals after now count toward the next one. */
  async clearKioskFlag(shopNo: number, kioskId: string, actor: string, at: Date): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const done = await tx
        .updateTable('kiosks')
        .set({ flagged_at: null, flag_cleared_at: at.toISOString() })
        .where('id', '=', kioskId)
        .where('shop_no', '=', shopNo)
        .where('flagged_at', 'is not', null)
        .executeTakeFirst();
      if (n(done.numUpdatedRows) !== 1) return false;
      await this.audit(tx, { shopNo, at, actor, action: 'kiosk-flag-cleared', memberId: null, entryId: null, detail: { kioskId } });
      return true;
    });
  }

  async locations(shopNo: number): Promise<string[]> {
    return [...new Set((await this.kioskLocations(shopNo)).map((k) => k.location))].sort((a, b) => a.localeCompare(b));
  }

  async setKioskLocation(shopNo: number, kioskId: string, location: string, actor: string, at: Date): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const done = await tx.updateTable('kiosks').set({ location }).where('id', '=', kioskId).where('shop_no', '=', shopNo).executeTakeFirst();
      if (n(done.numUpdatedRows) !== 1) return false;
      await this.audit(tx, { shopNo, at, actor, action: 'kiosk-location', memberId: null, entryId: null, detail: { kioskId, location } });
      return true;
    });
  }

  // ---- dashboard -------------------------------------------------------------------------------

  /**
   * The dashboard's sums for [from, to) and the previous period of the same length; `figures()` in
   * core/metrics turns them into the dashboard. Whole days in the shop's time zone are read from the
   * daily roll-ups (cloud/owner-rollups.ts), brought up to date first; the pieces of a period that
   * are not whole days (a period that does not start or end at midnight, the previous period of one
   * that spans a change of summer time) are summed from the raw rows with the same SQL.
   * `inactiveBefore`: members whose last activity is before it are returned for the inactive list.
   */
  /**
   * The overview's default period at `now` made ready off the request path: the roll-ups brought up to
   * date (rebuilt after a change of time zone) and the period's member sums kept (shifted from
   * yesterday's when kept, else built), in chunks with the event loop free between them, and pinned
   * (other periods do not push it out). The hub runs it at start, after each shop midnight and after
   * the settings are saved; the page's read of that period then finds it kept.
   */
  async prepareDefaultPeriod(shopNo: number, timeZone: string, now: Date, chunking: Chunking = HUB_CHUNKING): Promise<Prepared> {
    await refreshRollups(this.db, this.engine, shopNo, timeZone, (tx, change) => applyRollupChange(tx, this.engine, shopNo, change));
    const { from, to } = defaultPeriod(now, timeZone);
    const prepared = await preparePeriod(this.db, this.engine, shopNo, { from, to, timeZone, kiosks: null, segments: DEFAULT_SEGMENTS }, chunking);
    if (prepared.made !== 'kept') this.periodsMade.ahead++;
    return prepared;
  }

  async dashboardAggregates(
    shopNo: number,
    q: {
      from: Date;
      to: Date;
      location: string | null;
      inactiveBefore: Date;
      timeZone: string;
      topN?: number;
      segments?: Partial<SegmentThresholds>;
    },
    /** Filled with each step's milliseconds (the bench prints them). */
    timings: Record<string, number> = {},
  ): Promise<DashboardAggregates> {
    if (!(q.from < q.to)) throw new Error('the period must end after it starts');
    const timed = async <T>(name: string, step: Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await step;
      timings[name] = (timings[name] ?? 0) + performance.now() - start;
      return result;
    };
    // 'refresh' includes 'kept periods': the changed members' sums read again for every kept period.
    await timed(
      'refresh',
      refreshRollups(this.db, this.engine, shopNo, q.timeZone, (tx, change) => timed('kept periods', applyRollupChange(tx, this.engine, shopNo, change))),
    );
    const previousFrom = new Date(2 * q.from.getTime() - q.to.getTime());
    const current = rollupRange(q.from, q.to, q.timeZone);
    const before = rollupRange(previousFrom, q.from, q.timeZone);
    const where = new Map((await this.kioskLocations(shopNo)).map((k) => [k.no, k.location]));
    const here = (kioskNo: unknown): boolean => q.location === null || where.get(n(kioskNo)) === q.location;
    const raw = async <T>(pieces: [Date, Date][], pick: (sums: ReturnType<typeof intervalSums>) => RawBuilder<T>): Promise<T[]> => {
      const rows: T[] = [];
      for (const [a, b] of pieces) rows.push(...(await pick(intervalSums(this.engine, shopNo, a.toISOString(), b.toISOString())).execute(this.db)).rows);
      return rows;
    };

    // Members: counts by bucket and the top N, from the period's kept member sums (cloud/owner-member-periods.ts).
    const kiosks = q.location === null ? null : [...where].filter(([, location]) => location === q.location).map(([no]) => no);
    const segments = { ...DEFAULT_SEGMENTS, ...q.segments };
    const members = await timed(
      'members',
      memberFigures(this.db, this.engine, shopNo, { from: q.from, to: q.to, timeZone: q.timeZone, kiosks, segments }, q.topN ?? 10),
    );
    if (members.made !== 'kept') this.periodsMade.onRead++;
    const result: DashboardAggregates = {
      members: members.summary,
      top: members.top,
      anonymous: { sales: 0, revenue: 0 },
      quarters: [],
      pointsEarned: 0,
      pointsRedeemed: 0,
      rewards: [],
      previous: { anonymousSales: 0, anonymousRevenue: 0, pointsEarned: 0, pointsRedeemed: 0 },
      locations: [],
      lastActivity: [],
    };
    const p = result.previous;

    // Sales per UTC quarter hour, kiosk and member/anonymous: the heatmap, the anonymous sums and the per-location table.
    // Summed in the database: per kiosk and member/anonymous, and per quarter hour at the location (a month is ~3,000 quarters).
    type SaleRow = { kiosk_no: unknown; quarter: unknown; anonymous: unknown; sales: unknown; total: unknown; previous?: unknown };
    const atKiosks = kiosks === null ? sql`1 = 1` : kiosks.length === 0 ? sql`1 = 0` : sql`kiosk_no IN (${sql.join(kiosks)})`;
    const saleRows: SaleRow[] = (
      await timed(
        'sales',
        sql<SaleRow>`SELECT kiosk_no, NULL AS quarter, anonymous, sum(sales) AS sales, sum(total) AS total, previous FROM (
            SELECT kiosk_no, anonymous, sales, total, CASE WHEN ${before.where} THEN 1 ELSE 0 END AS previous
            FROM rollup_sales WHERE shop_no = ${shopNo} AND (${current.where} OR (${before.where} AND anonymous = 1))) r
          GROUP BY kiosk_no, anonymous, previous`.execute(this.db),
      )
    ).rows;
    const quarterRows = (
      await timed(
        'sales',
        sql<{ quarter: unknown; sales: unknown; total: unknown }>`SELECT quarter, sum(sales) AS sales, sum(total) AS total
          FROM rollup_sales WHERE shop_no = ${shopNo} AND ${current.where} AND ${atKiosks} GROUP BY quarter`.execute(this.db),
      )
    ).rows;
    saleRows.push(
      ...(await timed(
        'edges',
        raw(current.raw, (s) => s.sales),
      )),
    );
    for (const r of await timed(
      'edges',
      raw(before.raw, (s) => s.sales),
    ))
      if (n(r.anonymous) === 1) saleRows.push({ ...r, previous: 1 });
    const quarters = new Map<number, { quarter: number; sales: number; total: number }>();
    const addQuarter = (quarter: number, sales: number, total: number): void => {
      const cell = quarters.get(quarter) ?? { quarter, sales: 0, total: 0 };
      cell.sales += sales;
      cell.total += total;
      quarters.set(quarter, cell);
    };
    const places = new Map<string, { location: string; sales: number; memberSales: number; revenue: number }>();
    for (const g of saleRows) {
      const sales = n(g.sales);
      const total = n(g.total);
      const anonymous = n(g.anonymous) === 1;
      if (n(g.previous) === 1) {
        if (here(g.kiosk_no)) {
          p.anonymousSales += sales;
          p.anonymousRevenue += total;
        }
        continue;
      }
      const location = where.get(n(g.kiosk_no)) ?? String(n(g.kiosk_no));
      const place = places.get(location) ?? { location, sales: 0, memberSales: 0, revenue: 0 };
      place.sales += sales;
      place.revenue += total;
      if (!anonymous) place.memberSales += sales;
      places.set(location, place);
      if (!here(g.kiosk_no)) continue;
      if (anonymous) {
        result.anonymous.sales += sales;
        result.anonymous.revenue += total;
      }
      if (g.quarter !== null) addQuarter(n(g.quarter), sales, total);
    }
    for (const g of quarterRows) addQuarter(n(g.quarter), n(g.sales), n(g.total));
    result.quarters = [...quarters.values()];
    result.locations = [...places.values()];

    // Points earned and redeemed, both periods; an entry without a sale (kiosk 0) counts only for all locations.
    const entryHere = (kioskNo: unknown): boolean => q.location === null || (n(kioskNo) !== 0 && here(kioskNo));
    type PointRow = { kiosk_no: unknown; earned: unknown; redeemed: unknown; previous?: unknown };
    const pointRows: PointRow[] = (
      await timed(
        'points',
        sql<PointRow>`SELECT kiosk_no, sum(earned) AS earned, sum(redeemed) AS redeemed, previous FROM (
            SELECT kiosk_no, earned, redeemed, CASE WHEN ${before.where} THEN 1 ELSE 0 END AS previous
            FROM rollup_points WHERE shop_no = ${shopNo} AND (${current.where} OR ${before.where})) r
          GROUP BY kiosk_no, previous`.execute(this.db),
      )
    ).rows;
    pointRows.push(
      ...(await timed(
        'edges',
        raw(current.raw, (s) => s.points),
      )),
    );
    for (const r of await timed(
      'edges',
      raw(before.raw, (s) => s.points),
    ))
      pointRows.push({ ...r, previous: 1 });
    for (const r of pointRows) {
      if (!entryHere(r.kiosk_no)) continue;
      const into = n(r.previous) === 1 ? p : result;
      into.pointsEarned += n(r.earned);
      into.pointsRedeemed += n(r.redeemed);
    }

    // Redemptions per reward in this period.
    type RewardRow = { kiosk_no: unknown; rule_id: string | null; label: string | null; code: string; redemptions: unknown; points: unknown; stamps: unknown };
    const rewardRows: RewardRow[] = (
      await timed(
        'rewards',
        sql<RewardRow>`SELECT kiosk_no, rule_id, label, code, sum(redemptions) AS redemptions, sum(points) AS points, sum(stamps) AS stamps
          FROM rollup_rewards WHERE shop_no = ${shopNo} AND ${current.where} GROUP BY kiosk_no, rule_id, label, code`.execute(this.db),
      )
    ).rows;
    rewardRows.push(
      ...(await timed(
        'edges',
        raw(current.raw, (s) => s.rewards),
      )),
    );
    const byReward = new Map<string, RewardFigures>();
    for (const r of rewardRows) {
      if (!entryHere(r.kiosk_no)) continue;
      const reason: Reason = { code: r.code };
      if (r.rule_id !== null) reason.ruleId = r.rule_id;
      if (r.label !== null) reason.label = r.label;
      const key = rewardKey(reason);
      const reward = byReward.get(key.rewardId) ?? { ...key, redemptions: 0, points: 0, stamps: 0 };
      reward.redemptions += n(r.redemptions);
      reward.points += n(r.points);
      reward.stamps += n(r.stamps);
      byReward.set(key.rewardId, reward);
    }
    result.rewards = [...byReward.values()];

    // Last activity (joining, a sale, any ledger entry) of the members idle since before `inactiveBefore`, kept by the roll-up
    // triggers; a member merged into another is that other one (cloud/member-merge.ts).
    const idle = await timed(
      'idle',
      // SQLite: walk the idle members by (shop_no, last_at) and look each up (CROSS JOIN keeps that order), never every member.
      sql<{ id: string; name: string | null; last_at: string }>`SELECT a.member_id AS id, m.name, a.last_at
        FROM member_activity a ${this.engine === 'sqlite' ? sql`INDEXED BY member_activity_last` : sql``} CROSS JOIN members m WHERE m.id = a.member_id AND a.shop_no = ${shopNo} AND m.merged_into IS NULL
        AND a.last_at < ${q.inactiveBefore.toISOString()}`.execute(this.db),
    );
    result.lastActivity = idle.rows.map((r) => ({ memberId: r.id, name: r.name, lastAt: r.last_at }));
    return result;
  }

  // ---- the owner's ledger writes ----------------------------------------------------------------

  private async audit(
    tx: Db,
    row: {
      shopNo: number;
      at: Date;
      actor: string;
      action: string;
      memberId: string | null;
      entryId: string | null;
      detail: Record<string, unknown>;
      id?: string;
    },
  ): Promise<void> {
    await tx
      .insertInto('owner_audit')
      .values({
        id: row.id ?? randomUUID(),
        shop_no: row.shopNo,
        at: row.at.toISOString(),
        actor: row.actor,
        action: row.action,
        member_id: row.memberId,
        entry_id: row.entryId,
        detail_json: JSON.stringify(row.detail),
      })
      .execute();
  }

  async balance(memberId: string): Promise<number> {
    const row = await this.db.selectFrom('balances').select('points').where('member_id', '=', memberId).executeTakeFirst();
    return n(row?.points);
  }

  /** Writes win-back bonuses (ids unique per member per campaign: a second click writes nothing) with one audit row. */
  async creditWinBack(
    shopNo: number,
    entries: readonly LedgerEntry[],
    campaign: string,
    actor: string,
    at: Date,
  ): Promise<{ written: number; skipped: number }> {
    return this.ctx.write(async (tx) => {
      const written = await this.ledger.insertEntries(tx, entries, null);
      await this.audit(tx, {
        shopNo,
        at,
        actor,
        action: 'winback',
        memberId: null,
        entryId: null,
        detail: { campaign, points: entries[0]?.points ?? 0, written: written.length, skipped: entries.length - written.length },
      });
      return { written: written.length, skipped: entries.length - written.length };
    });
  }

  /**
   * An adjustment: `build` gets the member's balance inside the transaction and returns the entry or
   * a refusal; the entry and its audit row (reason, who, when) are written together, or nothing is.
   */
  async adjust<E>(
    shopNo: number,
    memberId: string,
    actor: string,
    at: Date,
    build: (balance: number) => { ok: true; entry: LedgerEntry } | { ok: false; error: E },
  ): Promise<{ ok: true; entry: LedgerEntry } | { ok: false; error: E }> {
    return this.ctx.write(async (tx) => {
      // PostgreSQL: the balance row stays locked until commit, so two adjustments cannot both spend the same points.
      // SQLite: one writer at a time already.
      const balance = tx.selectFrom('balances').select('points').where('member_id', '=', memberId);
      const row = await (this.engine === 'postgres' ? balance.forUpdate() : balance).executeTakeFirst();
      const result = build(n(row?.points));
      if (!result.ok) return result;
      await this.ledger.insertEntries(tx, [result.entry], null);
      await this.audit(tx, {
        shopNo,
        at,
        actor,
        action: 'adjust',
        memberId,
        entryId: result.entry.id,
        detail: { points: result.entry.points, reason: result.entry.reason.label ?? '' },
      });
      return result;
    });
  }

  async auditRows(shopNo: number, memberId?: string): Promise<AuditRow[]> {
    let query = this.db.selectFrom('owner_audit').selectAll().where('shop_no', '=', shopNo);
    if (memberId !== undefined) query = query.where('member_id', '=', memberId);
    const rows = await query.orderBy('at', 'desc').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      memberId: r.member_id,
      entryId: r.entry_id,
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }

  // ---- a member's data -------------------------------------------------------------------------

  async memberExport(shopNo: number, memberId: string): Promise<MemberExport | undefined> {
    const m = await this.db.selectFrom('members').selectAll().where('id', '=', memberId).where('shop_no', '=', shopNo).executeTakeFirst();
    if (!m) return undefined;
    const ledger = await this.db.selectFrom('ledger').selectAll().where('member_id', '=', memberId).orderBy('at').orderBy('id').execute();
    const vouchers = await this.db.selectFrom('vouchers').selectAll().where('member_id', '=', memberId).orderBy('created_at').execute();
    return {
      member: { id: m.id, no: n(m.no), name: m.name, phone: m.phone, email: m.email, joinedAt: m.created_at, erasedAt: m.erased_at },
      consent: { at: m.consent_at, text: m.consent_text },
      ledger: ledger.map(toEntry),
      vouchers: vouchers.map((v) => ({ id: v.id, rewardId: v.reward_id, rewardKey: n(v.reward_key), createdAt: v.created_at })),
      audit: await this.auditRows(shopNo, memberId),
    };
  }

  /**
   * Erasure on request: name, phone, e-mail and the consent text go; the member's id and number, the
   * ledger rows and the balance stay, so every sum on the dashboard is the same before and after.
   * The audit row records that and when, not what was erased.
   */
  async eraseMember(shopNo: number, memberId: string, actor: string, at: Date): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const contact = await tx.selectFrom('members').select(['phone', 'email']).where('id', '=', memberId).where('shop_no', '=', shopNo).executeTakeFirst();
      const done = await tx
        .updateTable('members')
        .set({ name: null, phone: null, email: null, consent_text: null, erased_at: at.toISOString() })
        .where('id', '=', memberId)
        .where('shop_no', '=', shopNo)
        .executeTakeFirst();
      if (n(done.numUpdatedRows) !== 1) return false;
      // Their messages (addresses, names in the bodies), contact codes and messaging preferences go too (cloud/message-store.ts).
      await sql`DELETE FROM messages WHERE member_id = ${memberId}`.execute(tx);
      await sql`DELETE FROM member_messaging WHERE member_id = ${memberId}`.execute(tx);
      for (const value of [contact?.phone, contact?.email]) {
        if (value) await sql`DELETE FROM contact_codes WHERE shop_no = ${shopNo} AND contact = ${value}`.execute(tx);
      }
      // The join row keeps counting joins per device and address, but no longer names the contact; a
      // welcome still held stays held (no code can reach a contact that is gone). `referrals` keeps a hash only.
      await sql`UPDATE join_verifications SET contact = '' WHERE member_id = ${memberId}`.execute(tx);
      // Every session of theirs ends with the erasure, and a stateless cookie of before 0010 no longer converts (cloud/member-sessions.ts).
      await sql`UPDATE member_sessions SET revoked_at = ${at.toISOString()} WHERE member_id = ${memberId} AND revoked_at IS NULL`.execute(tx);
      await sql`INSERT INTO member_legacy_blocks (member_id, at) VALUES (${memberId}, ${at.toISOString()}) ON CONFLICT (member_id) DO NOTHING`.execute(tx);
      await this.audit(tx, { shopNo, at, actor, action: 'erase', memberId, entryId: null, detail: {} });
      // Every kiosk's replica forgets the person too (a tombstone in the member directory).
      await noteMemberChanges(tx, this.engine, [memberId], at);
      return true;
    });
  }

  /**
   * Who members are, for pages that list them by figures alone (the dashboard's top and inactive
   * members, the inactive export): number, name, contact and balance of each of `ids` in this shop, in
   * slices so the list of ids stays under every engine's parameter limit.
   */
  async memberLabels(shopNo: number, ids: readonly string[]): Promise<Map<string, MemberWithBalance>> {
    const labels = new Map<string, MemberWithBalance>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('members as m')
        .leftJoin('balances as b', 'b.member_id', 'm.id')
        .select(['m.id', 'm.no', 'm.name', 'm.phone', 'm.email', 'm.erased_at', 'b.points'])
        .where('m.shop_no', '=', shopNo)
        .where('m.id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) labels.set(r.id, { no: r.no, name: r.name, phone: r.phone, email: r.email, erasedAt: r.erased_at, points: n(r.points) });
    }
    return labels;
  }

  /** The id of the shop's member with this number (as the pages show it), or undefined. */
  async memberIdByNo(shopNo: number, no: number): Promise<string | undefined> {
    const row = await this.db.selectFrom('members').select('id').where('shop_no', '=', shopNo).where('no', '=', no).executeTakeFirst();
    return row?.id;
  }

  /**
   * Merges `mergedId` into `survivorId` (one person enrolled twice; cloud/member-merge.ts): one
   * transaction with the audit row (both members' numbers and what moved) and a change of both
   * members for every kiosk's replica. Refused, with nothing written, for the same member, an unknown,
   * erased or already merged one.
   */
  async mergeMembers(
    shopNo: number,
    survivorId: string,
    mergedId: string,
    actor: string,
    at: Date,
  ): Promise<{ ok: true; moved: { entries: number; points: number } } | { ok: false; error: MergeRefusal }> {
    return this.ctx.write(async (tx) => {
      const result = await mergeMemberInto(tx, this.engine, { shopNo, survivorId, mergedId, at });
      if (!result.ok) return result;
      await this.audit(tx, { shopNo, at, actor, action: 'merge', memberId: survivorId, entryId: null, detail: { merged: mergedId, ...result.moved } });
      await noteMemberChanges(tx, this.engine, [mergedId, survivorId], at);
      return result;
    });
  }
}
