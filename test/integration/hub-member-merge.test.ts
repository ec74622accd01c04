// The owner's merge of two members on a real hub store (SQLite on disk, or PostgreSQL in the
// hub-postgres project): for random ledgers of the two, the survivor ends with every entry and
// exactly the sum of both balances, the shop's totals do not move, and the merged id leads to the
// survivor. Refusals write nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { balanceOf } from '../../core/ledger/projections';
import { adjustmentEntry } from '../../core/owner-actions';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { tempDir, testHub } from '../support/hub-harness';

const now = clockStartingAt(nextWednesdayMorning(new Date()));

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let counter = 0;

beforeAll(async () => {
  tmp = tempDir('hub-member-merge');
  hub = await testHub(tmp.dir, { now });
});

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

async function newMember(): Promise<{ id: string; no: number }> {
  counter++;
  const m = await hub.store.joinMember(
    1,
    { name: `Dup ${counter}`, phone: null, email: `dup${counter}@example.com`, consentAt: now().toISOString(), consentText: 'yes' },
    now(),
  );
  return { id: m.id, no: m.no };
}

/** Owner adjustments through the owner store's writer; a debit the balance does not cover is refused there and skipped. */
async function writeLedger(memberId: string, deltas: readonly number[]): Promise<void> {
  for (const delta of deltas) {
    await hub.owner.adjust(1, memberId, 'test', now(), (balance) =>
      adjustmentEntry({ id: `adjust:${memberId}:${counter}:${Math.random()}`, memberId, delta: String(delta), reason: 'seed', balance, at: now() }),
    );
  }
}

const shopTotal = async (): Promise<number> =>
  Number(
    (
      await hub.store.db
        .selectFrom('ledger')
        .select((eb) => eb.fn.sum<number>('points').as('p'))
        .executeTakeFirstOrThrow()
    ).p ?? 0,
  );

describe('owner merge: sums stay exact', () => {
  it('for random ledgers, the survivor has every entry and the sum of both balances', async () => {
    const delta = fc.integer({ min: -300, max: 500 }).filter((n) => n !== 0);
    await fc.assert(
      fc.asyncProperty(fc.array(delta, { maxLength: 8 }), fc.array(delta, { maxLength: 8 }), async (survivorDeltas, mergedDeltas) => {
        const survivor = await newMember();
        const merged = await newMember();
        await writeLedger(survivor.id, survivorDeltas);
        await writeLedger(merged.id, mergedDeltas);
        const before = { survivor: await hub.store.balance(survivor.id), merged: await hub.store.balance(merged.id), total: await shopTotal() };
        const entries = (await hub.store.entries(survivor.id)).length + (await hub.store.entries(merged.id)).length;

        const result = await hub.owner.mergeMembers(1, survivor.id, merged.id, 'owner@test', now());
        expect(result.ok).toBe(true);

        const after = await hub.store.balance(survivor.id);
        expect(after.points).toBe(before.survivor.points + before.merged.points);
        expect(after.earned).toBe(before.survivor.earned + before.merged.earned);
        const ledger = await hub.store.entries(survivor.id);
        expect(ledger).toHaveLength(entries);
        expect(balanceOf(ledger)).toBe(after.points);
        expect(await hub.store.entries(merged.id)).toEqual([]);
        expect(await shopTotal()).toBe(before.total);
        // The merged id (an old cookie, a kiosk's entry) leads to the survivor now.
        expect((await hub.store.member(merged.id))?.id).toBe(survivor.id);
      }),
      { numRuns: 15 },
    );
  });

  it('refuses the same member, an unknown one, one merged already and an erased one, writing nothing', async () => {
    const a = await newMember();
    const b = await newMember();
    await writeLedger(b.id, [40]);
    expect(await hub.owner.mergeMembers(1, a.id, a.id, 'owner@test', now())).toEqual({ ok: false, error: 'same-member' });
    expect(await hub.owner.mergeMembers(1, a.id, 'no-such-member', 'owner@test', now())).toEqual({ ok: false, error: 'not-found' });
    expect(await hub.owner.mergeMembers(1, a.id, b.id, 'owner@test', now())).toMatchObject({ ok: true, moved: { entries: 1, points: 40 } });
    expect(await hub.owner.mergeMembers(1, a.id, b.id, 'owner@test', now())).toEqual({ ok: false, error: 'already-merged' });
    const c = await newMember();
    await hub.owner.eraseMember(1, c.id, 'owner@test', now());
    const total = await shopTotal();
    expect(await hub.owner.mergeMembers(1, a.id, c.id, 'owner@test', now())).toEqual({ ok: false, error: 'erased' });
    expect(await shopTotal()).toBe(total);
    expect((await hub.store.balance(a.id)).points).toBe(40);
    // Audited: the survivor's audit log names the merge.
    expect((await hub.owner.auditRows(1, a.id)).map((r) => r.action)).toContain('merge');
  });
});
