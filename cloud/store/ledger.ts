import type { Insertable, Selectable } from 'kysely';
import type { LedgerEntry, Reason } from '../../core/ledger/entry';
import { noteMemberChanges } from '../member-changes';
import type { KnownEntry } from '../outbox-check';
import type { HubDatabase } from '../store-schema';
import { Aggregate, chunks, num, type Db } from './db';
import { aliasesOf } from './members';

/**
 * The ledger: append-only, ids chosen by their writer (kiosk or hub). This module is the hub's one
 * ledger writer: an insert that conflicts on the id does nothing, and the balances projection (and
 * the member directory's change log) is updated in the same transaction only when a row was really
 * inserted. Callers write inside a `write` transaction (the one write lock).
 */

export interface HistoryRow {
  id: string;
  kind: string;
  points: number;
  stamps: number;
  at: string;
  /** The entry's reason as stored (its label in the program's language); core/program/texts.ts `entryLabelIn` names it in the reader's. */
  reason: Reason;
}

export interface BalanceView {
  points: number;
  stamps: number;
  earned: number;
}

export type LedgerRow = Selectable<HubDatabase['ledger']>;

export class Ledger extends Aggregate {
  // ---- ledger --------------------------------------------------------------------------------

  /** Inserts an entry unless its id exists; updates the balance only when it was really inserted. */
  async insertEntry(trx: Db, given: LedgerEntry, kioskNo: number | null): Promise<boolean> {
    const [entry] = (await this.canonicalEntries(trx, [given])) as [LedgerEntry];
    const result = await trx
      .insertInto('ledger')
      .values(ledgerRow(entry, kioskNo))
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    const inserted = result.numInsertedOrUpdatedRows === 1n;
    if (inserted) {
      await this.addToBalances(trx, [{ member_id: entry.memberId, points: entry.points, stamps: entry.stamps, earned: earnedBy(entry), entries: 1 }]);
      await noteMemberChanges(trx, this.engine, [entry.memberId], new Date(entry.at));
    }
    return inserted;
  }

  /**
   * insertEntry for many (and the owner's win-back and adjustments, cloud/owner-store.ts): the entries whose id is new are inserted (in order), and each member's
   * balance is moved once by the sum of what was really inserted (one row per member per statement).
   */
  async insertEntries(trx: Db, given: readonly LedgerEntry[], kioskNo: number | null): Promise<LedgerEntry[]> {
    const entries = await this.canonicalEntries(trx, [...given]);
    const written = new Set<string>();
    for (const part of chunks(entries, 1000)) {
      const inserted = await trx
        .insertInto('ledger')
        .values(part.map((entry) => ledgerRow(entry, kioskNo)))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning(['id', 'member_id', 'kind', 'points', 'stamps'])
        .execute();
      for (const row of inserted) written.add(row.id);
      const byMember = new Map<string, { member_id: string; points: number; stamps: number; earned: number; entries: number }>();
      for (const row of inserted) {
        const sum = byMember.get(row.member_id) ?? { member_id: row.member_id, points: 0, stamps: 0, earned: 0, entries: 0 };
        sum.points += row.points;
        sum.stamps += row.stamps;
        sum.earned += earnedBy(row);
        sum.entries += 1;
        byMember.set(row.member_id, sum);
      }
      if (byMember.size > 0) {
        await this.addToBalances(trx, [...byMember.values()]);
        await noteMemberChanges(trx, this.engine, byMember.keys(), new Date(part[part.length - 1]!.at));
      }
    }
    // The entries really inserted (an id written before, or twice in `given`, counts once).
    return entries.filter((e) => written.delete(e.id));
  }

  private async addToBalances(trx: Db, rows: { member_id: string; points: number; stamps: number; earned: number; entries: number }[]): Promise<void> {
    await trx
      .insertInto('balances')
      .values(rows)
      .onConflict((oc) =>
        oc.column('member_id').doUpdateSet((eb) => ({
          points: eb('balances.points', '+', eb.ref('excluded.points')),
          stamps: eb('balances.stamps', '+', eb.ref('excluded.stamps')),
          earned: eb('balances.earned', '+', eb.ref('excluded.earned')),
          entries: eb('balances.entries', '+', eb.ref('excluded.entries')),
        })),
      )
      .execute();
  }

  async ledgerCount(filter: { kioskNo?: number } = {}): Promise<number> {
    let query = this.db.selectFrom('ledger').select((eb) => eb.fn.countAll().as('n'));
    if (filter.kioskNo !== undefined) query = query.where('kiosk_no', '=', filter.kioskNo);
    return num((await query.executeTakeFirstOrThrow()).n);
  }

  /** Entries written by a kiosk for an id merged into another member are that member's. */
  private async canonicalEntries(trx: Db, entries: LedgerEntry[]): Promise<LedgerEntry[]> {
    if (entries.length === 0) return entries;
    const aliases = await aliasesOf(
      trx,
      entries.map((e) => e.memberId),
    );
    return aliases.size === 0 ? entries : entries.map((e) => (aliases.has(e.memberId) ? { ...e, memberId: aliases.get(e.memberId)! } : e));
  }

  /** The balances projection kept with every insert (fast counts for tests and the owner). */
  async balance(memberId: string): Promise<BalanceView> {
    const row = await this.db.selectFrom('balances').select(['points', 'stamps', 'earned']).where('member_id', '=', memberId).executeTakeFirst();
    return row ? { points: num(row.points), stamps: num(row.stamps), earned: num(row.earned) } : { points: 0, stamps: 0, earned: 0 };
  }

  /** Every ledger entry of a member, oldest first. */
  async entries(memberId: string, q: Db = this.db): Promise<LedgerEntry[]> {
    return (await q.selectFrom('ledger').selectAll().where('member_id', '=', memberId).orderBy('at').orderBy('seq').execute()).map(toEntry);
  }

  /** Every ledger entry of a sale in the order they were written. */
  async saleEntries(saleId: string, q: Db = this.db): Promise<LedgerEntry[]> {
    return (await q.selectFrom('ledger').selectAll().where('sale_id', '=', saleId).orderBy('seq').execute()).map(toEntry);
  }

  /** The entries named by `ids` and what reversals already took back from each (what the outbox check looks up). */
  async knownEntries(trx: Db, ids: string[]): Promise<{ entries: Map<string, KnownEntry>; reversed: Map<string, { points: number; stamps: number }> }> {
    const entries = new Map<string, KnownEntry>();
    const reversed = new Map<string, { points: number; stamps: number }>();
    for (const part of chunks(ids, 500)) {
      for (const row of await trx.selectFrom('ledger').select(['id', 'member_id', 'sale_id', 'points', 'stamps']).where('id', 'in', part).execute()) {
        entries.set(row.id, { memberId: row.member_id, saleId: row.sale_id, points: row.points, stamps: row.stamps });
      }
      const sums = await trx
        .selectFrom('ledger')
        .select((eb) => ['reverses', eb.fn.sum<number>('points').as('p'), eb.fn.sum<number>('stamps').as('s')])
        .where('reverses', 'in', part)
        .groupBy('reverses')
        .execute();
      for (const row of sums) reversed.set(row.reverses!, { points: num(row.p), stamps: num(row.s) });
    }
    return { entries, reversed };
  }

  /** One entry by its id. */
  async entry(id: string, q: Db = this.db): Promise<LedgerEntry | undefined> {
    const row = await q.selectFrom('ledger').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEntry(row);
  }

  async history(memberId: string, limit = 20): Promise<HistoryRow[]> {
    const rows = await this.db
      .selectFrom('ledger')
      .select(['id', 'kind', 'points', 'stamps', 'at', 'reason_json'])
      .where('member_id', '=', memberId)
      .orderBy('at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      points: r.points,
      stamps: r.stamps,
      at: r.at,
      reason: JSON.parse(r.reason_json) as Reason,
    }));
  }

  // ---- expiry ----------------------------------------------------------------------------------

  /**
   * Members of `shopNo` who may have points due to expire: a positive balance and points earned at
   * or before `earnedBefore` (the caller gives a day or so of slack; core decides exactly).
   */
  async expiryCandidates(shopNo: number, earnedBefore: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('balances as b', 'b.member_id', 'm.id')
      .select('m.id')
      .where('m.shop_no', '=', shopNo)
      .where('b.points', '>', 0)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('ledger as l')
            .select('l.id')
            .whereRef('l.member_id', '=', 'm.id')
            .where('l.points', '>', 0)
            .where('l.at', '<=', earnedBefore.toISOString()),
        ),
      )
      .orderBy('m.no')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Writes the expiry entry `decide` derives from the member's entries read inside the transaction
   * (core/ledger/expiry expiryEntry), through the one ledger writer. The member's entries are read
   * under the member's lock (PostgreSQL; SQLite serialises writers), so two nodes or two runs at once
   * see each other's entry and the second finds nothing due: the balance drops once.
   */
  async writeExpiry(memberId: string, decide: (entries: LedgerEntry[]) => LedgerEntry | null): Promise<LedgerEntry | null> {
    return this.write(async (trx) => {
      await this.ctx.lockMember(trx, memberId);
      const entry = decide(await this.entries(memberId, trx));
      if (entry === null) return null;
      return (await this.insertEntry(trx, entry, null)) ? entry : null;
    });
  }
}

function ledgerRow(entry: LedgerEntry, kioskNo: number | null): Insertable<HubDatabase['ledger']> {
  return {
    id: entry.id,
    member_id: entry.memberId,
    kind: entry.kind,
    points: entry.points,
    stamps: entry.stamps,
    sale_id: entry.saleId,
    reverses: entry.reverses,
    reason_json: JSON.stringify(entry.reason),
    at: entry.at,
    kiosk_no: kioskNo,
    spend: entry.spend ?? null,
  };
}

/** What an entry adds to the balance's "earned" (earn and bonus points, never negative). */
const earnedBy = (entry: { kind: string; points: number }): number => (entry.kind === 'earn' || entry.kind === 'bonus' ? Math.max(0, entry.points) : 0);

export function toEntry(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind as LedgerEntry['kind'],
    points: row.points,
    stamps: row.stamps,
    saleId: row.sale_id,
    reverses: row.reverses,
    reason: JSON.parse(row.reason_json) as Reason,
    at: row.at,
  };
  if (row.spend !== null) entry.spend = row.spend;
  return entry;
}

/** Entries in the order `entries()` reads them (by `at`, then as written): a stable sort keeps the write order within one instant. */
export function inLedgerOrder(entries: LedgerEntry[]): LedgerEntry[] {
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
