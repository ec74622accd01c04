import { sql, type Kysely } from 'kysely';
import type { Engine } from './store-schema';

/**
 * The owner merges two members who are one person (a duplicate): everything of the merged member
 * moves to the surviving one — ledger entries (re-pointed, never changed, so every sum, lot and
 * tier window stays as it was), the balance projection, sales, claims, vouchers, messages and
 * aliases — and the survivor takes the contacts and name it lacks. The merged member's row stays,
 * blank, with `merged_into` = the survivor: its id is an alias (old cookies, offline kiosk entries)
 * and its card codes lead to the survivor on every kiosk (the change reaches them through
 * `member_changes`). Runs inside the caller's transaction; the caller audits and notes the changes.
 */

// Any Kysely: called with the owner store's transaction (its own description of the same tables).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export type MergeRefusal = 'same-member' | 'not-found' | 'erased' | 'already-merged';

interface MemberRow {
  id: string;
  no: number | string;
  name: string | null;
  phone: string | null;
  email: string | null;
  erased_at: string | null;
  merged_into: string | null;
}

export async function mergeMemberInto(
  trx: AnyDb,
  engine: Engine,
  input: { shopNo: number; survivorId: string; mergedId: string; at: Date },
): Promise<{ ok: true; moved: { entries: number; points: number } } | { ok: false; error: MergeRefusal }> {
  const { shopNo, survivorId, mergedId, at } = input;
  if (survivorId === mergedId) return { ok: false, error: 'same-member' };
  // Both members locked in one order, so two merges (or a merge and a ledger write) never cross.
  if (engine === 'postgres') {
    for (const id of [survivorId, mergedId].sort()) await sql`select pg_advisory_xact_lock(hashtext(${`member:${id}`}))`.execute(trx);
  }
  const rows = (
    await sql<MemberRow>`select id, no, name, phone, email, erased_at, merged_into from members
      where shop_no = ${shopNo} and id in (${survivorId}, ${mergedId})`.execute(trx)
  ).rows;
  const survivor = rows.find((r) => r.id === survivorId);
  const merged = rows.find((r) => r.id === mergedId);
  if (!survivor || !merged) return { ok: false, error: 'not-found' };
  if (survivor.erased_at !== null || merged.erased_at !== null) return { ok: false, error: 'erased' };
  if (survivor.merged_into !== null || merged.merged_into !== null) return { ok: false, error: 'already-merged' };

  const moved = (
    await sql<{ entries: number | string; points: number | string | null }>`select count(*) as entries, sum(points) as points from ledger
      where member_id = ${mergedId}`.execute(trx)
  ).rows[0]!;
  // The dashboard's roll-ups (cloud/owner-rollups.ts) are kept by insert triggers; rows that change member are
  // marked here, so the hours they fall in are summed again at the next read, as after any write.
  // Mirrors what the insert triggers mark: each row's hour and the hour of the sale it belongs to.
  await sql`insert into rollup_marks (shop_no, hour) select distinct cast(${shopNo} as integer), substr(at, 1, 13) from (
      select at from ledger where member_id = ${mergedId}
      union all select s.at from ledger l join sales s on s.id = l.sale_id where l.member_id = ${mergedId}
      union all select at from sales where member_id = ${mergedId}
      union all select at from claims where member_id = ${mergedId}
      union all select s.at from claims c join sales s on s.id = c.sale_key where c.member_id = ${mergedId}
    ) moved where at is not null`.execute(trx);
  // The survivor's last activity takes the moved sales and entries (the duplicate's joining is not the survivor's).
  await sql`insert into member_activity (member_id, shop_no, last_at)
    select ${survivorId}, cast(${shopNo} as integer), last_at from (
      select max(at) as last_at from (select at from ledger where member_id = ${mergedId} union all select at from sales where member_id = ${mergedId}) moved
    ) latest where last_at is not null
    on conflict (member_id) do update set last_at = ${sql.raw(engine === 'postgres' ? 'greatest' : 'max')}(member_activity.last_at, excluded.last_at)`.execute(
    trx,
  );
  await sql`delete from member_activity where member_id = ${mergedId}`.execute(trx);
  await sql`update ledger set member_id = ${survivorId} where member_id = ${mergedId}`.execute(trx);
  // The balance projection: the merged member's row is added to the survivor's, then goes.
  const balance = (
    await sql<{ points: number; stamps: number; earned: number; entries: number }>`select points, stamps, earned, entries
      from balances where member_id = ${mergedId}`.execute(trx)
  ).rows[0];
  if (balance) {
    await sql`insert into balances (member_id, points, stamps, earned, entries)
      values (${survivorId}, ${balance.points}, ${balance.stamps}, ${balance.earned}, ${balance.entries})
      on conflict (member_id) do update set points = balances.points + excluded.points, stamps = balances.stamps + excluded.stamps,
        earned = balances.earned + excluded.earned, entries = balances.entries + excluded.entries`.execute(trx);
    await sql`delete from balances where member_id = ${mergedId}`.execute(trx);
  }
  for (const table of ['sales', 'claims', 'vouchers', 'messages']) {
    await sql`update ${sql.table(table)} set member_id = ${survivorId} where member_id = ${mergedId}`.execute(trx);
  }
  // Messaging preferences: the survivor's stand; the merged member's go when the survivor has some.
  await sql`update member_messaging set member_id = ${survivorId} where member_id = ${mergedId}
    and not exists (select 1 from member_messaging s where s.member_id = ${survivorId})`.execute(trx);
  await sql`delete from member_messaging where member_id = ${mergedId}`.execute(trx);
  // Ids merged into the merged member before, and the merged member itself, are the survivor's aliases.
  await sql`update member_aliases set member_id = ${survivorId} where member_id = ${mergedId}`.execute(trx);
  await sql`insert into member_aliases (alias_id, member_id, kiosk_no, at) values (${mergedId}, ${survivorId}, null, ${at.toISOString()})
    on conflict (alias_id) do update set member_id = excluded.member_id`.execute(trx);
  // Contacts and name move (first off the merged row: a contact is unique in the shop).
  await sql`update members set name = null, phone = null, email = null, consent_text = null, merged_into = ${survivorId}
    where id = ${mergedId}`.execute(trx);
  await sql`update members set name = coalesce(name, ${merged.name}), phone = coalesce(phone, ${merged.phone}), email = coalesce(email, ${merged.email})
    where id = ${survivorId}`.execute(trx);
  return { ok: true, moved: { entries: Number(moved.entries), points: Number(moved.points ?? 0) } };
}
