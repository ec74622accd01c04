import { sql } from 'kysely';
import type { LedgerEntry } from '../../core/ledger/entry';
import type { MemberFact, SaleFact } from '../../core/metrics';
import { Aggregate, num } from './db';
import { toEntry, type LedgerRow } from './ledger';

/** The owner's view across the aggregates: the dashboard's inputs (core/metrics) for one shop. */

/** Entries per page of the ledger export (`ledgerPages`): at most the store's large-result limit (cloud/store/result-watch.ts). */
export const LEDGER_PAGE_ROWS = 1000;

export class OwnerFacts extends Aggregate {
  /**
   * The dashboard's inputs for one shop (core/metrics): sales, ledger entries, members, kiosks as locations.
   * A sale is a kiosk's saleCreated row (its member from the till or from a later claim), or, for a
   * sale the hub knows only from a claim, the claim with the base entry's spend as total and the
   * claim's time as the sale's time. A sale counts net of its refunds; a void or full refund drops it.
   * Every row of the shop in memory: the tests' reference computation (the dashboard reads the roll-ups,
   * the ledger export `ledgerPages`), not for a request or a background job of a live hub.
   */
  async ownerFacts(shopNo: number): Promise<{
    sales: SaleFact[];
    entries: LedgerEntry[];
    members: MemberFact[];
    kiosks: { no: number; name: string }[];
    saleKiosks: { saleId: string; location: string }[];
  }> {
    // Refunds: the kiosk's saleReversed (unclaimed sales) and the negative spend of reversal entries
    // (claimed sales) describe the same money when both exist, so the larger of the two is taken.
    // Plain SQL both engines speak (a CASE, not SQLite's two-argument max).
    const sales = (
      await sql<{ id: string; kiosk_no: number; total: number | string; at: string; member_id: string | null }>`
      WITH rev AS (SELECT sale_id, -sum(spend) AS refunded FROM ledger
          WHERE kind = 'reversal' AND spend IS NOT NULL AND sale_id IS NOT NULL GROUP BY sale_id),
        x AS (
          SELECT s.id, s.kiosk_no, s.amount AS gross, s.at, COALESCE(s.member_id, c.member_id) AS member_id
            FROM sales s JOIN kiosks k ON k.no = s.kiosk_no LEFT JOIN claims c ON c.sale_key = s.id WHERE k.shop_no = ${shopNo}
          UNION ALL
          SELECT c.sale_key, c.kiosk_no, l.spend, c.at, c.member_id FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
            JOIN ledger l ON l.id IN ('claim:' || c.sale_key, 'claim:' || c.sale_key || ':offline')
            WHERE k.shop_no = ${shopNo} AND l.spend IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)),
        y AS (SELECT x.id, x.kiosk_no, x.at, x.member_id, x.gross - CASE WHEN COALESCE(r.refunded, 0) > COALESCE(rev.refunded, 0)
            THEN COALESCE(r.refunded, 0) ELSE COALESCE(rev.refunded, 0) END AS total
          FROM x LEFT JOIN sale_reversals r ON r.sale_key = x.id LEFT JOIN rev ON rev.sale_id = x.id)
      SELECT id, kiosk_no, total, at, member_id FROM y WHERE total > 0`.execute(this.db)
    ).rows.map((r): SaleFact => ({ id: r.id, total: num(r.total), at: r.at, memberId: r.member_id, location: String(r.kiosk_no) }));
    const entries = (
      await this.db
        .selectFrom('ledger as l')
        .innerJoin('members as m', 'm.id', 'l.member_id')
        .selectAll('l')
        .where('m.shop_no', '=', shopNo)
        .orderBy('l.at')
        .orderBy('l.seq')
        .execute()
    ).map(toEntry);
    // A member merged into another is that member: one person counts once.
    const members = (
      await this.db
        .selectFrom('members')
        .select(['id', 'name', 'created_at'])
        .where('shop_no', '=', shopNo)
        .where('merged_into', 'is', null)
        .orderBy('no')
        .execute()
    ).map((r) => ({ id: r.id, name: r.name, joinedAt: r.created_at }));
    const kiosks = await this.db.selectFrom('kiosks').select(['no', 'name']).where('shop_no', '=', shopNo).orderBy('no').execute();
    // Where each sale was rung up, refunded or not (a kiosk's sale, else a claim): the location an entry naming it counts at.
    const saleKiosks = (
      await sql<{ id: string; kiosk_no: number }>`SELECT s.id, s.kiosk_no FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE k.shop_no = ${shopNo}
        UNION ALL SELECT c.sale_key, c.kiosk_no FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
          WHERE k.shop_no = ${shopNo} AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)`.execute(this.db)
    ).rows.map((r) => ({ saleId: r.id, location: String(r.kiosk_no) }));
    return { sales, entries, members, kiosks, saleKiosks };
  }

  /**
   * The shop's ledger entries oldest first (by time, then by write order), `size` at a time: the
   * ledger export streams them, so a shop of 10,000,000 entries is never read into memory at once.
   * Each page starts after the last entry of the one before (no OFFSET: a page costs the same anywhere).
   */
  async *ledgerPages(shopNo: number, size = LEDGER_PAGE_ROWS): AsyncGenerator<LedgerEntry[]> {
    let after: readonly [string, number] | null = null;
    for (;;) {
      const from = after;
      const rows: LedgerRow[] = await this.db
        .selectFrom('ledger as l')
        .innerJoin('members as m', 'm.id', 'l.member_id')
        .selectAll('l')
        .where('m.shop_no', '=', shopNo)
        .$if(from !== null, (q) => q.where((eb) => eb(eb.refTuple('l.at', 'l.seq'), '>', eb.tuple(from![0], from![1]))))
        .orderBy('l.at')
        .orderBy('l.seq')
        .limit(size)
        .execute();
      if (rows.length > 0) yield rows.map(toEntry);
      const tail = rows[size - 1];
      if (tail === undefined) return;
      after = [tail.at, num(tail.seq)];
    }
  }
}
