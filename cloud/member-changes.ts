import { sql, type Kysely } from 'kysely';
import type { LedgerEntry } from '../core/ledger/entry';
import { hubEarnState, hubStampCards } from '../core/ledger/replica-state';
import type { Program } from '../core/program/schema';
import type { MemberChange } from '../core/sync-protocol';
import { toEntry } from './store/ledger';
import type { Engine } from './store-schema';

/**
 * The member directory's change log: every change of a member (joined by phone, enrolled at a
 * kiosk, name or contact changed, balance moved, erased) appends a row with the next change number
 * (`member_changes.seq`). A kiosk keeps the highest number it has applied (its cursor) and asks for
 * "changes since my cursor"; it gets each changed member once, in its state now.
 *
 * On PostgreSQL two transactions could take numbers 7 and 8 and commit 8 first: a kiosk reading in
 * between would move its cursor past 7 and never see it. So the writer takes one transaction-scoped
 * advisory lock before it takes numbers: numbers then commit in order. Callers note their changes
 * at the end of their transaction, so the lock is held only from there to the commit. SQLite
 * serialises writers already.
 */

// Any Kysely: the hub store and the owner store describe the same tables with different types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** Appends one change per member id (of members that exist; an alias id is not a member). */
export async function noteMemberChanges(trx: AnyDb, engine: Engine, memberIds: Iterable<string>, at: Date): Promise<void> {
  const ids = [...new Set(memberIds)];
  if (ids.length === 0) return;
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('member_changes'))`.execute(trx);
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    await sql`insert into member_changes (shop_no, member_id, at)
      select shop_no, id, ${at.toISOString()} from members where id in (${sql.join(part)}) order by no`.execute(trx);
  }
}

/** Most changes in one answer; a kiosk asks again with the new cursor while `more` is true. */
export const MEMBER_CHANGES_PAGE = 1000;

/**
 * The members of `shopNo` changed after `cursor`, each once in its present state, ordered by their
 * last change number; `cursor` of the answer is the last number included. Given the shop's program
 * and the hub's clock (`earn`), a live member also carries her stamps per card and her earn state
 * (core/ledger/replica-state), read from her ledger entries in one query per page.
 */
export async function memberChangesSince(
  db: AnyDb,
  shopNo: number,
  cursor: number,
  limit = MEMBER_CHANGES_PAGE,
  earn?: { program: Program; now: Date },
): Promise<{ changes: MemberChange[]; cursor: number; more: boolean }> {
  const rows = (
    await sql<{
      seq: number | string;
      id: string;
      no: number | string;
      name: string | null;
      phone: string | null;
      email: string | null;
      erased_at: string | null;
      merged_into: string | null;
      points: number | string | null;
      stamps: number | string | null;
      code: string | null;
      created_at: string;
    }>`
    select c.seq, m.id, m.no, m.code, m.name, m.phone, m.email, m.erased_at, m.merged_into, m.created_at, b.points, b.stamps
    from (select member_id, max(seq) as seq from member_changes where shop_no = ${shopNo} and seq > ${cursor}
          group by member_id order by max(seq) limit ${limit + 1}) c
    join members m on m.id = c.member_id
    left join balances b on b.member_id = m.id
    order by c.seq`.execute(db)
  ).rows;
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const history = new Map<string, LedgerEntry[]>();
  if (earn) {
    const live = page.filter((r) => r.erased_at === null && r.merged_into === null).map((r) => r.id);
    for (let i = 0; i < live.length; i += 500) {
      const part = live.slice(i, i + 500);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const found = await sql<any>`select * from ledger where member_id in (${sql.join(part)}) order by seq`.execute(db);
      for (const row of found.rows) {
        const entry = toEntry(row);
        const list = history.get(entry.memberId) ?? [];
        list.push(entry);
        history.set(entry.memberId, list);
      }
    }
  }
  const changes = page.map((r): MemberChange =>
    r.erased_at !== null
      ? { seq: Number(r.seq), id: r.id, no: Number(r.no), code: r.code, erased: true, name: null, phone: null, email: null, points: 0, stamps: 0 }
      : r.merged_into !== null
        ? {
            seq: Number(r.seq),
            id: r.id,
            no: Number(r.no),
            code: r.code,
            erased: false,
            name: null,
            phone: null,
            email: null,
            points: 0,
            stamps: 0,
            mergedInto: r.merged_into,
          }
        : {
            seq: Number(r.seq),
            id: r.id,
            no: Number(r.no),
            code: r.code,
            erased: false,
            name: r.name,
            phone: r.phone,
            email: r.email,
            points: Number(r.points ?? 0),
            stamps: Number(r.stamps ?? 0),
            ...(earn
              ? {
                  stampsByCard: hubStampCards(r.id, history.get(r.id) ?? []),
                  earn: hubEarnState(earn.program, { id: r.id, joinedAt: new Date(r.created_at).toISOString() }, history.get(r.id) ?? [], earn.now),
                }
              : {}),
          },
  );
  return { changes, cursor: changes.length > 0 ? changes[changes.length - 1]!.seq : cursor, more };
}
