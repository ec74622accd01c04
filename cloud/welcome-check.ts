import { sql, type Kysely } from 'kysely';

// Any Kysely: called inside the hub store's transaction, whose schema type it does not need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Of `memberIds` (members, or a kiosk's ids the hub merged into a member), those whose member was
 * already given a welcome bonus, by any kiosk or at the hub: the outbox check refuses a second one.
 */
export async function welcomedMembers(trx: AnyDb, memberIds: Iterable<string>): Promise<Set<string>> {
  const ids = [...new Set(memberIds)];
  const welcomed = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = (
      await sql<{ id: string }>`
      select q.id from (
        select m.id, coalesce(a.member_id, m.id) as member_id
        from (select id from members where id in (${sql.join(part)})
              union select alias_id as id from member_aliases where alias_id in (${sql.join(part)})) m
        left join member_aliases a on a.alias_id = m.id
      ) q
      where exists (select 1 from ledger l where l.member_id = q.member_id and l.kind = 'bonus' and l.reason_json like '%"code":"welcome"%')`.execute(trx)
    ).rows;
    for (const row of rows) welcomed.add(row.id);
  }
  return welcomed;
}
