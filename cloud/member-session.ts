import { sql } from 'kysely';
import type { HubStore, Member } from './store';

/**
 * Which member a member session (today the signed `lk_member` cookie) opens. One function, so the
 * rule moves with the sessions wherever they live: the id must have a shape the hub or a kiosk
 * mints, resolves through merges (a merged-away id leads to the member it was merged into, so old
 * cookies and QR codes keep working), and an erased member opens nothing (erasure ends every session).
 */

/** Ids the hub and kiosks mint: opaque, or `<kioskId>:<opaque>` for a member enrolled at a till. */
export const MEMBER_ID_SHAPE = /^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,64})?$/;

export async function sessionMember(store: HubStore, id: string | undefined): Promise<Member | undefined> {
  if (id === undefined || !MEMBER_ID_SHAPE.test(id)) return undefined;
  const member = await store.member(id);
  if (!member) return undefined;
  const row = (await sql<{ erased_at: string | null }>`select erased_at from members where id = ${member.id}`.execute(store.db)).rows[0];
  return row && row.erased_at === null ? member : undefined;
}
