import type { LedgerEntry } from '../../core/ledger/entry';
import type { VoucherRedemption } from '../../core/sync-protocol';
import { voucherHoldEntry, voucherHoldEntryId, voucherReleaseEntry } from '../../core/tokens';
import { memberView } from '../member-view';
import { Aggregate, type Db, type StoreContext } from './db';
import type { Ledger } from './ledger';
import type { Member } from './members';
import type { Shops } from './shops';

/** Vouchers: issued with their points held, redeemed once in the whole shop, released when they expire unredeemed. */

/** A voucher the hub issued: 'legacy' for one issued before vouchers held their points. */
export interface StoredVoucher {
  id: string;
  memberId: string;
  rewardId: string | null;
  status: 'held' | 'redeemed' | 'released' | 'legacy';
  expiresAt: string | null;
  redemption: VoucherRedemption | undefined;
}

export interface VoucherRedeemInput {
  voucherId: string;
  redemptionId: string;
  kioskNo: number;
  at: string;
  offline: boolean;
  now: Date;
}
export type VoucherRedeemOutcome =
  | { status: 'redeemed'; redemption: VoucherRedemption; voucher: StoredVoucher; hold: LedgerEntry | null }
  | { status: 'already-redeemed'; redemption: VoucherRedemption }
  | { status: 'unknown-voucher' };

/** The most open vouchers the owner's Rewards page lists (the soonest to expire); it says how many more there are. */
export const OPEN_VOUCHERS_SHOWN = 500;

/** A voucher issued and not yet redeemed nor expired: its reward (by the program's id), when it expires, and its member. */
export interface OpenVoucher {
  rewardId: string | null;
  rewardKey: number;
  expiresAt: string;
  member: { no: number; name: string | null; phone: string | null; email: string | null; erasedAt: string | null };
}

/** A voucher redeemed a second time by a kiosk that was offline: the first redemption stands, this one is for the owner to look into. */
export interface VoucherConflict {
  voucherId: string;
  rewardId: string | null;
  member: { no: number; name: string | null } | null;
  kiosk: { no: number; name: string };
  redemptionId: string;
  at: string;
  recordedAt: string;
  first: { kiosk: { no: number; name: string }; at: string };
}

export class Vouchers extends Aggregate {
  constructor(
    ctx: StoreContext,
    private readonly shops: Shops,
    private readonly ledger: Ledger,
  ) {
    super(ctx);
  }

  /**
   * Issues a voucher: the voucher row and its hold (the reward's cost, debited at once: core/tokens
   * `voucherHoldEntry`) in one transaction, through the one ledger writer. Refused, with nothing
   * written, when the member's balance (points, or stamps on the reward's card) does not cover it at
   * that moment — also against a second voucher asked for at the same time on another node.
   */
  async issueVoucher(input: {
    voucherId: string;
    member: Member;
    rewardKey: number;
    costPoints: number;
    costStamps: number;
    expiresAt: Date;
    now: Date;
  }): Promise<{ ok: true; hold: LedgerEntry; rewardName: string } | { ok: false; reason: 'insufficient' | 'unknown-reward' }> {
    return this.write(async (trx) => {
      await this.ctx.lockMember(trx, input.member.id);
      const program = (await this.shops.shop(input.member.shopNo, trx))!.program;
      const view = memberView(program, input.member.id, await this.ledger.entries(input.member.id, trx), input.now);
      const reward = view.rewards.find((r) => r.rewardKey === input.rewardKey);
      if (!reward) return { ok: false, reason: 'unknown-reward' } as const;
      if (!reward.affordable || reward.costPoints !== input.costPoints || reward.costStamps !== input.costStamps) {
        return { ok: false, reason: 'insufficient' } as const;
      }
      const card = 'card' in reward.reward.cost ? reward.reward.cost.card : undefined;
      const hold = voucherHoldEntry(
        { voucherId: input.voucherId, costPoints: input.costPoints, costStamps: input.costStamps, expiresAt: input.expiresAt },
        input.member.id,
        { ruleId: card ?? reward.reward.id, label: reward.reward.name },
      );
      await trx
        .insertInto('vouchers')
        .values({
          id: input.voucherId,
          member_id: input.member.id,
          reward_key: input.rewardKey,
          reward_id: reward.reward.id,
          created_at: input.now.toISOString(),
          cost_points: input.costPoints,
          cost_stamps: input.costStamps,
          expires_at: input.expiresAt.toISOString(),
          status: 'held',
        })
        .execute();
      await this.ledger.insertEntry(trx, hold, null);
      return { ok: true, hold, rewardName: reward.reward.name } as const;
    });
  }

  /** A voucher the hub issued, with its redemption if it has one. */
  async voucher(voucherId: string, q: Db = this.db): Promise<StoredVoucher | undefined> {
    const row = await q.selectFrom('vouchers').selectAll().where('id', '=', voucherId).executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      memberId: row.member_id,
      rewardId: row.reward_id,
      status: (row.status ?? 'legacy') as StoredVoucher['status'],
      expiresAt: row.expires_at,
      redemption: await this.voucherRedemption(voucherId, q),
    };
  }

  private async voucherRedemption(voucherId: string, q: Db): Promise<VoucherRedemption | undefined> {
    const row = await q
      .selectFrom('voucher_redemptions as r')
      .leftJoin('kiosks as k', 'k.no', 'r.kiosk_no')
      .select(['r.voucher_id', 'r.redemption_id', 'r.kiosk_no', 'r.at', 'k.name'])
      .where('r.voucher_id', '=', voucherId)
      .executeTakeFirst();
    return row && { voucherId: row.voucher_id, redemptionId: row.redemption_id, kioskNo: row.kiosk_no, kioskName: row.name ?? `#${row.kiosk_no}`, at: row.at };
  }

  /**
   * Redeems a voucher once in the whole shop: the first redemption row of a voucher id stands (primary
   * key, so two kiosks on two hub nodes at the same moment get one winner). The same kiosk asking
   * again with the same redemption id is a retry and gets `redeemed` again. A later redemption by a
   * kiosk that was offline (`offline`) is recorded as a conflict for the owner. A voucher whose points
   * were already given back (it expired unredeemed) has them held again: the reward was handed over.
   */
  async redeemVoucherOnce(input: VoucherRedeemInput): Promise<VoucherRedeemOutcome> {
    return this.write((trx) => this.redeemVoucherIn(trx, input));
  }

  async redeemVoucherIn(trx: Db, input: VoucherRedeemInput): Promise<VoucherRedeemOutcome> {
    const voucher = await this.voucher(input.voucherId, trx);
    if (!voucher) return { status: 'unknown-voucher' } as const;
    const recordedAt = input.now.toISOString();
    const taken =
      (
        await trx
          .insertInto('voucher_redemptions')
          .values({ voucher_id: input.voucherId, redemption_id: input.redemptionId, kiosk_no: input.kioskNo, at: input.at, recorded_at: recordedAt })
          .onConflict((oc) => oc.column('voucher_id').doNothing())
          .executeTakeFirst()
      ).numInsertedOrUpdatedRows === 1n;
    const redemption = (await this.voucherRedemption(input.voucherId, trx))!;
    const hold = (await this.ledger.entry(voucherHoldEntryId(input.voucherId), trx)) ?? null;
    if (!taken) {
      if (redemption.kioskNo === input.kioskNo && redemption.redemptionId === input.redemptionId) {
        return { status: 'redeemed', redemption, voucher: { ...voucher, status: 'redeemed', redemption }, hold } as const;
      }
      if (input.offline) {
        await trx
          .insertInto('voucher_conflicts')
          .values({ voucher_id: input.voucherId, redemption_id: input.redemptionId, kiosk_no: input.kioskNo, at: input.at, recorded_at: recordedAt })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return { status: 'already-redeemed', redemption } as const;
    }
    if (voucher.status === 'released' && hold) {
      await this.ledger.insertEntry(trx, { ...hold, id: `${hold.id}:again`, at: recordedAt }, input.kioskNo);
    }
    if (voucher.status !== 'legacy') await trx.updateTable('vouchers').set({ status: 'redeemed' }).where('id', '=', input.voucherId).execute();
    return { status: 'redeemed', redemption, voucher: { ...voucher, status: 'redeemed', redemption }, hold } as const;
  }

  /**
   * Gives back the points of vouchers that expired unredeemed (`voucher-release:<id>`, the reversal of
   * the hold), each in its own transaction; a conditional update makes every voucher released once,
   * whichever node sweeps. `memberId` limits the sweep to one member (their card is being shown).
   */
  async releaseExpiredVouchers(now: Date, memberId?: string): Promise<number> {
    let query = this.db.selectFrom('vouchers').select('id').where('status', '=', 'held').where('expires_at', '<=', now.toISOString());
    if (memberId !== undefined) query = query.where('member_id', '=', memberId);
    let released = 0;
    for (const { id } of await query.limit(500).execute()) {
      released += await this.write(async (trx) => {
        const unredeemed = await trx.selectFrom('voucher_redemptions').select('voucher_id').where('voucher_id', '=', id).executeTakeFirst();
        if (unredeemed) return 0;
        const changed = await trx.updateTable('vouchers').set({ status: 'released' }).where('id', '=', id).where('status', '=', 'held').executeTakeFirst();
        if (changed.numUpdatedRows !== 1n) return 0;
        const hold = await this.ledger.entry(voucherHoldEntryId(id), trx);
        if (hold) await this.ledger.insertEntry(trx, voucherReleaseEntry(hold, now, 'expired'), null);
        return 1;
      });
    }
    return released;
  }

  /**
   * The shop's vouchers issued and still open at `now` (held, not yet expired), the soonest to expire
   * first, with their member's name and contacts (the owner's Rewards page shows members by those).
   */
  async openVouchers(shopNo: number, now: Date, limit = OPEN_VOUCHERS_SHOWN): Promise<OpenVoucher[]> {
    const rows = await this.openVoucherRows(shopNo, now)
      .select(['v.reward_id', 'v.reward_key', 'v.expires_at', 'm.no', 'm.name', 'm.phone', 'm.email', 'm.erased_at'])
      .orderBy('v.expires_at')
      .orderBy('v.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      rewardId: r.reward_id,
      rewardKey: r.reward_key,
      expiresAt: r.expires_at!,
      member: { no: r.no, name: r.name, phone: r.phone, email: r.email, erasedAt: r.erased_at },
    }));
  }

  /** How many vouchers `openVouchers` would list with no limit: the Rewards page says so when it shows fewer. */
  async openVoucherCount(shopNo: number, now: Date): Promise<number> {
    const row = await this.openVoucherRows(shopNo, now)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private openVoucherRows(shopNo: number, now: Date) {
    return this.db
      .selectFrom('vouchers as v')
      .innerJoin('members as m', 'm.id', 'v.member_id')
      .where('m.shop_no', '=', shopNo)
      .where('v.status', '=', 'held')
      .where('v.expires_at', '>', now.toISOString());
  }

  /** Vouchers redeemed again by a kiosk that was offline, newest first, with the redemption that stands. */
  async voucherConflicts(shopNo: number, limit = 100): Promise<VoucherConflict[]> {
    const rows = await this.db
      .selectFrom('voucher_conflicts as c')
      .innerJoin('kiosks as k', 'k.no', 'c.kiosk_no')
      .innerJoin('voucher_redemptions as r', 'r.voucher_id', 'c.voucher_id')
      .innerJoin('kiosks as w', 'w.no', 'r.kiosk_no')
      .leftJoin('vouchers as v', 'v.id', 'c.voucher_id')
      .leftJoin('members as m', 'm.id', 'v.member_id')
      .select([
        'c.voucher_id',
        'c.redemption_id',
        'c.kiosk_no',
        'k.name as kiosk_name',
        'c.at',
        'c.recorded_at',
        'r.kiosk_no as first_kiosk_no',
        'w.name as first_kiosk_name',
        'r.at as first_at',
        'v.reward_id',
        'm.name as member_name',
        'm.no as member_no',
      ])
      .where('k.shop_no', '=', shopNo)
      .orderBy('c.seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      voucherId: r.voucher_id,
      rewardId: r.reward_id ?? null,
      member: r.member_no === null ? null : { no: r.member_no, name: r.member_name },
      kiosk: { no: r.kiosk_no, name: r.kiosk_name },
      redemptionId: r.redemption_id,
      at: r.at,
      recordedAt: r.recorded_at,
      first: { kiosk: { no: r.first_kiosk_no, name: r.first_kiosk_name }, at: r.first_at },
    }));
  }
}
