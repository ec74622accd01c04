import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import type { LedgerEntry, Reason } from '../core/ledger/entry';
import { rewardKey, type DashboardAggregates, type RewardFigures } from '../core/metrics';
import { noteMemberChanges } from './member-changes';

/**
 * The owner's side of the hub store, async and in Kysely so one source runs on SQLite and
 * PostgreSQL: dashboard sums in SQL, kiosk locations, ledger writes by the owner (win-back,
 * adjustments) with their audit rows, a member's data export and erasure.
 *
 * The dashboard's figures are defined once, in core/metrics.ts: SQL here only filters and sums
 * rows into `DashboardAggregates` (the same sums `aggregate()` makes in memory) and `figures()` does
 * the rest. test/integration/owner-sql.test.ts checks that both paths agree on a seeded data set.
 */

export type Engine = 'sqlite' | 'postgres';

/** The tables (and columns) this module reads or writes. */
export interface OwnerTables {
  shops: { no: number; id: string; name: string };
  kiosks: { no: number; id: string; shop_no: number; name: string; location: string | null; revoked_at: string | null };
  members: {
    no: number;
    id: string;
    shop_no: number;
    name: string | null;
    phone: string | null;
    email: string | null;
    consent_at: string | null;
    consent_text: string | null;
    created_at: string;
    erased_at: string | null;
  };
  ledger: {
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
  balances: { member_id: string; points: number; stamps: number; earned: number; entries: number };
  sales: { id: string; kiosk_no: number; sale_no: number; amount: number; currency: string; points: number; member_id: string | null; at: string };
  claims: { sale_key: string; kiosk_no: number; sale_no: number; member_id: string; via: string; points: number; stamps: number; at: string };
  sale_reversals: { sale_key: string; kiosk_no: number; total: number; refunded: number; at: string };
  vouchers: { id: string; member_id: string; reward_key: number; reward_id: string | null; created_at: string };
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

type LedgerRow = OwnerTables['ledger'];
export function toEntry(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind as LedgerEntry['kind'],
    points: n(row.points),
    stamps: n(row.stamps),
    saleId: row.sale_id,
    reverses: row.reverses,
    reason: JSON.parse(row.reason_json) as Reason,
    at: row.at,
  };
  if (row.spend !== null) entry.spend = n(row.spend);
  return entry;
}

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
  constructor(
    readonly db: Kysely<OwnerTables>,
    readonly engine: Engine,
  ) {}

  private epochQuarter(column: RawBuilder<unknown>): RawBuilder<number> {
    return this.engine === 'postgres'
      ? sql<number>`floor(extract(epoch from (${column})::timestamptz) / 900)::bigint`
      : sql<number>`(CAST(strftime('%s', ${column}) AS INTEGER) / 900)`;
  }
  private greatest(...values: RawBuilder<unknown>[]): RawBuilder<unknown> {
    return this.engine === 'postgres' ? sql`greatest(${sql.join(values)})` : sql`max(${sql.join(values)})`;
  }
  private reasonField(field: 'ruleId' | 'label' | 'code'): RawBuilder<string | null> {
    return this.engine === 'postgres'
      ? sql<string | null>`(reason_json::jsonb ->> ${sql.lit(field)})`
      : sql<string | null>`json_extract(reason_json, ${sql.lit(`$.${field}`)})`;
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

  async locations(shopNo: number): Promise<string[]> {
    return [...new Set((await this.kioskLocations(shopNo)).map((k) => k.location))].sort((a, b) => a.localeCompare(b));
  }

  async setKioskLocation(shopNo: number, kioskId: string, location: string, actor: string, at: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const done = await tx.updateTable('kiosks').set({ location }).where('id', '=', kioskId).where('shop_no', '=', shopNo).executeTakeFirst();
      if (n(done.numUpdatedRows) !== 1) return false;
      await this.audit(tx, { shopNo, at, actor, action: 'kiosk-location', memberId: null, entryId: null, detail: { kioskId, location } });
      return true;
    });
  }

  // ---- dashboard -------------------------------------------------------------------------------

  /**
   * The shop's sales as the dashboard counts them (see HubStore.ownerFacts): a kiosk's sale, or a sale
   * known only from a claim; net of refunds; with its location. Only sales with from <= at < to.
   */
  private saleFacts(shopNo: number, from: string, to: string): RawBuilder<unknown> {
    return sql`WITH rev AS (SELECT sale_id, -sum(spend) AS refunded FROM ledger
          WHERE kind = 'reversal' AND spend IS NOT NULL AND sale_id IS NOT NULL GROUP BY sale_id),
        x AS (
          SELECT s.id, COALESCE(k.location, k.name) AS location, s.amount AS gross, s.at, COALESCE(s.member_id, c.member_id) AS member_id
            FROM sales s JOIN kiosks k ON k.no = s.kiosk_no LEFT JOIN claims c ON c.sale_key = s.id
            WHERE k.shop_no = ${shopNo} AND s.at >= ${from} AND s.at < ${to}
          UNION ALL
          SELECT c.sale_key, COALESCE(k.location, k.name), l.spend, c.at, c.member_id FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
            JOIN ledger l ON l.id IN ('claim:' || c.sale_key, 'claim:' || c.sale_key || ':offline')
            WHERE k.shop_no = ${shopNo} AND c.at >= ${from} AND c.at < ${to} AND l.spend IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)),
        y AS (SELECT x.id, x.location, x.gross - ${this.greatest(sql`COALESCE(r.refunded, 0)`, sql`COALESCE(rev.refunded, 0)`)} AS total, x.at, x.member_id
          FROM x LEFT JOIN sale_reversals r ON r.sale_key = x.id LEFT JOIN rev ON rev.sale_id = x.id),
        facts AS (SELECT * FROM y WHERE total > 0)`;
  }

  /**
   * The dashboard's sums for [from, to) and the previous period of the same length, filtered and
   * grouped in SQL; `figures()` in core/metrics turns them into the dashboard.
   * `inactiveBefore`: members whose last activity is before it are returned for the inactive list.
   */
  async dashboardAggregates(
    shopNo: number,
    q: { from: Date; to: Date; location: string | null; inactiveBefore: Date },
    /** Filled with each query's milliseconds (the bench prints them). */
    timings: Record<string, number> = {},
  ): Promise<DashboardAggregates> {
    const timed = async <T>(name: string, query: Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await query;
      timings[name] = performance.now() - start;
      return result;
    };
    const from = q.from.toISOString();
    const to = q.to.toISOString();
    const previousFrom = new Date(2 * q.from.getTime() - q.to.getTime()).toISOString();
    const location = q.location;
    const atLocation = location === null ? sql`1 = 1` : sql`location = ${location}`;

    // One pass over the members' sales of both periods: this period's visits, spend and last sale; whether active before.
    const members = await timed(
      'members',
      sql<{ member_id: string; name: string | null; visits: unknown; spend: unknown; last_at: string | null; previous: unknown }>`
      ${this.saleFacts(shopNo, previousFrom, to)}
      SELECT g.*, m.name FROM (SELECT member_id,
          sum(CASE WHEN at >= ${from} THEN 1 ELSE 0 END) AS visits, sum(CASE WHEN at >= ${from} THEN total ELSE 0 END) AS spend,
          max(CASE WHEN at >= ${from} THEN at END) AS last_at, max(CASE WHEN at < ${from} THEN 1 ELSE 0 END) AS previous
        FROM facts WHERE member_id IS NOT NULL AND ${atLocation} GROUP BY member_id) g LEFT JOIN members m ON m.id = g.member_id`.execute(this.db),
    );

    // Sales per UTC quarter hour, location and member/anonymous: the heatmap, the anonymous sums and the per-location table.
    const groups = await timed(
      'quarters',
      sql<{ quarter: unknown; location: string; anonymous: unknown; sales: unknown; total: unknown }>`
      ${this.saleFacts(shopNo, from, to)}
      SELECT ${this.epochQuarter(sql.ref('at'))} AS quarter, location, CASE WHEN member_id IS NULL THEN 1 ELSE 0 END AS anonymous,
          count(*) AS sales, sum(total) AS total
        FROM facts GROUP BY 1, 2, 3`.execute(this.db),
    );

    const result: DashboardAggregates = {
      members: [],
      anonymous: { sales: 0, revenue: 0 },
      quarters: [],
      pointsEarned: 0,
      pointsRedeemed: 0,
      rewards: [],
      retention: { previous: 0, retained: 0 },
      locations: [],
      lastActivity: [],
    };
    for (const r of members.rows) {
      const visits = n(r.visits);
      const previous = n(r.previous) === 1;
      if (previous) result.retention.previous++;
      if (visits === 0 || r.last_at === null) continue;
      if (previous) result.retention.retained++;
      result.members.push({ memberId: r.member_id, name: r.name, visits, spend: n(r.spend), lastAt: r.last_at });
    }
    const quarters = new Map<number, { quarter: number; sales: number; total: number }>();
    const places = new Map<string, { location: string; sales: number; memberSales: number; revenue: number }>();
    for (const g of groups.rows) {
      const sales = n(g.sales);
      const total = n(g.total);
      const anonymous = n(g.anonymous) === 1;
      const place = places.get(g.location) ?? { location: g.location, sales: 0, memberSales: 0, revenue: 0 };
      place.sales += sales;
      place.revenue += total;
      if (!anonymous) place.memberSales += sales;
      places.set(g.location, place);
      if (location !== null && g.location !== location) continue;
      if (anonymous) {
        result.anonymous.sales += sales;
        result.anonymous.revenue += total;
      }
      const quarter = n(g.quarter);
      const cell = quarters.get(quarter) ?? { quarter, sales: 0, total: 0 };
      cell.sales += sales;
      cell.total += total;
      quarters.set(quarter, cell);
    }
    result.quarters = [...quarters.values()];
    result.locations = [...places.values()];

    // Points earned and redeemed, and redemptions per reward, over the period's ledger entries of the shop.
    const entriesAtLocation =
      location === null
        ? sql``
        : sql`AND EXISTS (SELECT 1 FROM kiosks k WHERE COALESCE(k.location, k.name) = ${location}
        AND k.no IN (SELECT s.kiosk_no FROM sales s WHERE s.id = l.sale_id UNION ALL SELECT c.kiosk_no FROM claims c WHERE c.sale_key = l.sale_id))`;
    const points = await timed(
      'points',
      sql<{ earned: unknown; redeemed: unknown }>`SELECT
        sum(CASE WHEN l.kind IN ('earn', 'bonus') AND l.points > 0 THEN l.points ELSE 0 END) AS earned,
        -sum(CASE WHEN l.kind = 'redeem' THEN l.points ELSE 0 END) AS redeemed
      FROM ledger l JOIN members m ON m.id = l.member_id
      WHERE m.shop_no = ${shopNo} AND l.at >= ${from} AND l.at < ${to} ${entriesAtLocation}`.execute(this.db),
    );
    result.pointsEarned = n(points.rows[0]?.earned);
    result.pointsRedeemed = n(points.rows[0]?.redeemed);
    const rewards = await timed(
      'rewards',
      sql<{ rule_id: string | null; label: string | null; code: string; redemptions: unknown; points: unknown; stamps: unknown }>`
      SELECT ${this.reasonField('ruleId')} AS rule_id, ${this.reasonField('label')} AS label, ${this.reasonField('code')} AS code,
          count(*) AS redemptions, -sum(l.points) AS points, -sum(l.stamps) AS stamps
        FROM ledger l JOIN members m ON m.id = l.member_id
        WHERE l.kind = 'redeem' AND m.shop_no = ${shopNo} AND l.at >= ${from} AND l.at < ${to} ${entriesAtLocation}
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(this.db),
    );
    const byReward = new Map<string, RewardFigures>();
    for (const r of rewards.rows) {
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

    // Last activity (joining, a sale, any ledger entry) of the members idle since before `inactiveBefore`.
    const before = q.inactiveBefore.toISOString();
    const idle = await timed(
      'idle',
      sql<{ id: string; name: string | null; last_at: string }>`SELECT id, name, last_at FROM (
        SELECT m.id, m.name, ${this.greatest(
          sql`m.created_at`,
          sql`COALESCE((SELECT max(l.at) FROM ledger l WHERE l.member_id = m.id), '')`,
          sql`COALESCE((SELECT max(s.at) FROM sales s WHERE s.member_id = m.id), '')`,
        )} AS last_at
        FROM members m WHERE m.shop_no = ${shopNo}) t
      WHERE last_at < ${before}`.execute(this.db),
    );
    result.lastActivity = idle.rows.map((r) => ({ memberId: r.id, name: r.name, lastAt: r.last_at }));
    return result;
  }

  // ---- the owner's ledger writes ----------------------------------------------------------------

  /** Inserts entries whose id is new and keeps the balances projection; returns the entries really written. */
  private async insertEntries(tx: Kysely<OwnerTables>, entries: readonly LedgerEntry[]): Promise<LedgerEntry[]> {
    const written: LedgerEntry[] = [];
    for (const e of entries) {
      const inserted = await tx
        .insertInto('ledger')
        .values({
          id: e.id,
          member_id: e.memberId,
          kind: e.kind,
          points: e.points,
          stamps: e.stamps,
          sale_id: e.saleId,
          reverses: e.reverses,
          reason_json: JSON.stringify(e.reason),
          at: e.at,
          kiosk_no: null,
          spend: e.spend ?? null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (n(inserted.numInsertedOrUpdatedRows) !== 1) continue;
      const earned = e.kind === 'earn' || e.kind === 'bonus' ? Math.max(0, e.points) : 0;
      await tx
        .insertInto('balances')
        .values({ member_id: e.memberId, points: e.points, stamps: e.stamps, earned, entries: 1 })
        .onConflict((oc) =>
          oc.column('member_id').doUpdateSet({
            points: sql`balances.points + excluded.points`,
            stamps: sql`balances.stamps + excluded.stamps`,
            earned: sql`balances.earned + excluded.earned`,
            entries: sql`balances.entries + 1`,
          }),
        )
        .execute();
      written.push(e);
    }
    await noteMemberChanges(
      tx,
      this.engine,
      written.map((e) => e.memberId),
      new Date(written[0]?.at ?? 0),
    );
    return written;
  }

  private async audit(
    tx: Kysely<OwnerTables>,
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
    return this.db.transaction().execute(async (tx) => {
      const written = await this.insertEntries(tx, entries);
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
    return this.db.transaction().execute(async (tx) => {
      // PostgreSQL: the balance row stays locked until commit, so two adjustments cannot both spend the same points.
      // SQLite: one writer at a time already.
      const balance = tx.selectFrom('balances').select('points').where('member_id', '=', memberId);
      const row = await (this.engine === 'postgres' ? balance.forUpdate() : balance).executeTakeFirst();
      const result = build(n(row?.points));
      if (!result.ok) return result;
      await this.insertEntries(tx, [result.entry]);
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
    return this.db.transaction().execute(async (tx) => {
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
      // Every session of theirs ends with the erasure, and a stateless cookie of before 0010 no longer converts (cloud/member-sessions.ts).
      await sql`UPDATE member_sessions SET revoked_at = ${at.toISOString()} WHERE member_id = ${memberId} AND revoked_at IS NULL`.execute(tx);
      await sql`INSERT INTO member_legacy_blocks (member_id, at) VALUES (${memberId}, ${at.toISOString()}) ON CONFLICT (member_id) DO NOTHING`.execute(tx);
      await this.audit(tx, { shopNo, at, actor, action: 'erase', memberId, entryId: null, detail: {} });
      // Every kiosk's replica forgets the person too (a tombstone in the member directory).
      await noteMemberChanges(tx, this.engine, [memberId], at);
      return true;
    });
  }
}
