import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import {
  cardStampEntries,
  cardsDue,
  claimDue,
  claimStampCard,
  claimStampsWait,
  claimTotals,
  refusedClaimReversal,
  saleCards,
  waitingStampsEntryId,
} from '../../core/claims';
import type { LedgerEntry } from '../../core/ledger/entry';
import { LoyaltyError } from '../../core/ledger/errors';
import { reverseSale, type RefundRequest } from '../../core/ledger/reverse';
import type { ClaimAccepted, ClaimRefused, OutboxMessage } from '../../core/sync-protocol';
import { lateClaimReversalIds } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import type { Money } from '../../core/money';
import { salesOf } from '../../core/ledger/projections';
import { programInEffect } from '../../core/program/versions';
import { takeHeldWelcome, welcomeEntry } from '../join-verification';
import { hubClaimEntries, hubReferralEntries } from '../member-earn';
import { recordReferral } from '../referrals';
import { memberView } from '../member-view';
import type { HubDatabase } from '../store-schema';
import { Aggregate, chunks, type Db, type StoreContext } from './db';
import type { Kiosk, Kiosks } from './kiosks';
import { inLedgerOrder, type Ledger } from './ledger';
import { aliasesOf, type Member, type Members } from './members';
import type { Shops } from './shops';

/**
 * Sales and claims: a kiosk's sale reports, the one claim of each sale (the sale key is the primary
 * key, so the first claim wins on every node), sales reversed before anyone claimed them.
 */

export type ClaimOutcome = { ok: true; accepted: ClaimAccepted; kioskNo: number } | { ok: false; reason: 'already-claimed' | 'sale-refunded' };

/** A sale reversed at its kiosk before anyone claimed it (saleReversed). */
export interface SaleReversal {
  total: number;
  refunded: number;
  full: boolean;
}

/** Who holds a sale: the first claim of it. */
export interface ClaimRow {
  memberId: string;
  via: string;
  points: number;
  stamps: number;
}

export class Sales extends Aggregate {
  constructor(
    ctx: StoreContext,
    private readonly shops: Shops,
    private readonly members: Members,
    private readonly ledger: Ledger,
    private readonly kiosks: Kiosks,
  ) {
    super(ctx);
  }

  async saleReversal(saleKey: string, q: Db = this.db): Promise<SaleReversal | undefined> {
    const row = await q.selectFrom('sale_reversals').select(['total', 'refunded', 'full_refund']).where('sale_key', '=', saleKey).executeTakeFirst();
    return row && { total: row.total, refunded: row.refunded, full: row.full_refund === 1 };
  }

  /**
   * The sale's stamps per card as its kiosk reported them (saleCreated); undefined when the hub has no
   * report yet, or one from before sales kept them (migration 0020, an older kiosk).
   */
  async stampsByCard(saleKey: string, q: Db = this.db): Promise<Record<string, number> | undefined> {
    return (await this.report(saleKey, q))?.stampsByCard;
  }

  /** The kiosk's report of a sale (saleCreated), if the hub has it: its stamps and stamps per card (undefined from before 0020). */
  private async report(saleKey: string, q: Db): Promise<{ stamps: number; stampsByCard: Record<string, number> | undefined } | undefined> {
    const row = await q.selectFrom('sales').select(['stamps', 'stamps_by_card']).where('id', '=', saleKey).executeTakeFirst();
    return row && { stamps: row.stamps ?? 0, stampsByCard: row.stamps_by_card ? (JSON.parse(row.stamps_by_card) as Record<string, number>) : undefined };
  }

  /** The first claim of a sale, if any. */
  async claimOf(saleKey: string, q: Db = this.db): Promise<ClaimRow | undefined> {
    const row = await q.selectFrom('claims').select(['member_id', 'via', 'points', 'stamps']).where('sale_key', '=', saleKey).executeTakeFirst();
    return row && { memberId: row.member_id, via: row.via, points: row.points, stamps: row.stamps };
  }

  /**
   * What a sale's QR still pays: nothing after a full refund or void (undefined), the token's points
   * and stamps less the refunded share (floor, the rule of core/ledger/reverse) after a partial one.
   */
  async claimable(saleKey: string, points: number, stamps: number, q: Db = this.db): Promise<{ points: number; stamps: number } | undefined> {
    return claimDue(points, stamps, await this.saleReversal(saleKey, q));
  }

  /** Sales reported by a kiosk and claims made at its till, many rows at once; a row whose key exists is left as it is. */
  async insertMany(trx: Db, sales: Insertable<HubDatabase['sales']>[], claims: Insertable<HubDatabase['claims']>[]): Promise<void> {
    for (const part of chunks(sales, 1000))
      await trx
        .insertInto('sales')
        .values(part)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    for (const part of chunks(claims, 1000)) {
      await trx
        .insertInto('claims')
        .values(part)
        .onConflict((oc) => oc.column('sale_key').doNothing())
        .execute();
    }
  }

  /** The kiosk's own reports of these sales (saleCreated), by sale key: what the outbox check looks up. */
  async reported(trx: Db, kioskNo: number, saleKeys: string[]): Promise<Map<string, { points: number }>> {
    const sales = new Map<string, { points: number }>();
    for (const part of chunks(saleKeys, 500)) {
      for (const row of await trx.selectFrom('sales').select(['id', 'points']).where('kiosk_no', '=', kioskNo).where('id', 'in', part).execute()) {
        sales.set(row.id, { points: row.points });
      }
    }
    return sales;
  }

  /**
   * A sale the kiosk reversed (saleReversed): the sale's reversal row keeps the most refunded, and a
   * claim the hub accepted that the kiosk had not heard of when it reversed is taken back here.
   */
  async recordReversal(trx: Db, kiosk: Kiosk, p: Extract<OutboxMessage, { type: 'saleReversed' }>['payload'], at: string, now: Date): Promise<void> {
    // A kiosk reverses only its own sales: the key comes from the kiosk's number, not the payload.
    const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
    await this.ctx.lockSale(trx, saleKey);
    const before = (await this.saleReversal(saleKey, trx))?.refunded ?? 0;
    await trx
      .insertInto('sale_reversals')
      .values({
        sale_key: saleKey,
        kiosk_no: kiosk.no,
        total: p.total.amount,
        refunded: p.refunded.amount,
        full_refund: p.full ? 1 : 0,
        at,
      })
      .onConflict((oc) =>
        oc.column('sale_key').doUpdateSet((eb) => ({
          refunded: eb
            .case()
            .when('excluded.refunded', '>', eb.ref('sale_reversals.refunded'))
            .then(eb.ref('excluded.refunded'))
            .else(eb.ref('sale_reversals.refunded'))
            .end(),
          full_refund: eb
            .case()
            .when('excluded.full_refund', '>', eb.ref('sale_reversals.full_refund'))
            .then(eb.ref('excluded.full_refund'))
            .else(eb.ref('sale_reversals.full_refund'))
            .end(),
          at: eb.ref('excluded.at'),
        })),
      )
      .execute();
    // The hub accepted a claim of this sale the kiosk had not heard of when it reversed it: take back here.
    const claimed = await this.claimOf(saleKey, trx);
    if (claimed && claimed.via !== 'till' && claimed.via !== 'offline' && p.refunded.amount > before) {
      await this.reverseHubClaim(
        trx,
        saleKey,
        claimed.memberId,
        p.full ? 'full' : { amount: p.refunded.amount - before, currency: p.total.currency },
        p.refunded.amount,
        kiosk.no,
        now,
      );
    }
  }

  /**
   * A staff claim the kiosk made while the hub was down. The first claim of a sale wins: if nobody
   * has claimed it, it is this member's (claims row + the kiosk's entry, same id on both sides); if a
   * phone (or anyone) came first, the kiosk's entry is written and taken back at once
   * (`refusedClaimReversal`), and the kiosk is sent `claimRefused` with every row of the sale.
   */
  /** True when this claim now stands for its member (first time here); false when it was already there or someone else had it. */
  async applyOfflineClaim(trx: Db, kiosk: Kiosk, p: Extract<OutboxMessage, { type: 'saleClaimed' }>['payload'], at: string, now: Date): Promise<boolean> {
    // A kiosk claims only its own sales: the key comes from the kiosk's number, not the payload.
    // Checked by outboxRefusal before this runs.
    const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
    await this.ctx.lockSale(trx, saleKey);
    const { points, stamps } = claimTotals(p.entries, p.memberId);
    const taken =
      (
        await trx
          .insertInto('claims')
          .values({ sale_key: saleKey, kiosk_no: kiosk.no, sale_no: p.saleNo, member_id: p.memberId, via: 'offline', points, stamps, at })
          .onConflict((oc) => oc.column('sale_key').doNothing())
          .executeTakeFirst()
      ).numInsertedOrUpdatedRows === 1n;
    const first = (await this.claimOf(saleKey, trx))!;
    // This very claim already stands (the same saleClaimed sent again under another id): nothing to do.
    if (!taken && first.via === 'offline' && first.memberId === p.memberId) return false;
    for (const entry of p.entries) await this.ledger.insertEntry(trx, entry, kiosk.no);
    if (taken) return true;
    const refusedAt = now.toISOString();
    for (const entry of p.entries) if (entry.kind !== 'reversal') await this.ledger.insertEntry(trx, refusedClaimReversal(entry, refusedAt), kiosk.no);
    const winner = await this.members.member(first.memberId, trx);
    const refused: ClaimRefused = {
      deliveryId: randomUUID(),
      saleKey,
      saleNo: p.saleNo,
      refusedMemberId: p.memberId,
      winner: { id: first.memberId, no: winner?.no ?? 0, name: winner?.name ?? null },
      entries: await this.ledger.saleEntries(saleKey, trx),
      at: refusedAt,
    };
    await this.kiosks.deliver(trx, kiosk.no, { event: 'claimRefused', payload: refused }, refusedAt);
    return false;
  }

  /** Reverses a hub-accepted claim by the core refund rules (pro rata, floor; bonuses on a full refund; never below zero). */
  private async reverseHubClaim(
    trx: Db,
    saleKey: string,
    memberId: string,
    refund: RefundRequest,
    refundedAfter: number,
    kioskNo: number,
    now: Date,
  ): Promise<void> {
    const member = await this.members.member(memberId, trx);
    if (!member) return;
    const memberEntries = await this.ledger.entries(memberId, trx);
    let entries: LedgerEntry[];
    try {
      entries = reverseSale({
        program: (await this.shops.shop(member.shopNo, trx))!.program,
        saleId: saleKey,
        saleEntries: memberEntries.filter((e) => e.saleId === saleKey),
        memberEntries,
        refund,
        at: now,
        ids: lateClaimReversalIds(saleKey, refundedAfter),
      }).entries;
    } catch (error) {
      // Nothing left to take back (already reversed) or a claim without its sale's amount: leave it.
      if (!(error instanceof LoyaltyError)) throw error;
      return;
    }
    for (const entry of entries) await this.ledger.insertEntry(trx, entry, kioskNo);
  }

  /**
   * Claims a sale for a member: the claims row (sale key primary key), the earn entry, the balance and
   * the delivery to the sale's kiosk in one transaction. The second claim of a sale gets
   * 'already-claimed' — also when it comes through another hub node at the same moment.
   */
  async claim(input: {
    saleKey: string;
    kioskNo: number;
    saleNo: number;
    member: Member;
    via: 'phone' | 'staff';
    points: number;
    stamps: number;
    total: Money | undefined;
    deliverTo: number | null;
    now: Date;
  }): Promise<ClaimOutcome> {
    return this.write(async (trx): Promise<ClaimOutcome> => {
      const at = input.now.toISOString();
      await this.ctx.lockSale(trx, input.saleKey);
      // The member's state is read to decide her bonuses (welcome, referral): a purchase of hers synced on another node waits (payReferrals).
      await this.ctx.lockMember(trx, input.member.id);
      const program = (await this.shops.shop(input.member.shopNo, trx))!.program;
      const report = await this.report(input.saleKey, trx);
      // Not reported yet, and stamps that could go on several cards: they land when the report names the cards (landWaitingStamps).
      const stampsWait = claimStampsWait(program, input.stamps, report !== undefined);
      // Read inside the transaction, after the sale's lock: a saleReversed applied a moment earlier is seen.
      // The member-aware earn (cloud/member-earn.ts → core/claims claimEarnEntries), from the member's state now.
      const before = await this.ledger.entries(input.member.id, trx);
      const entries = await hubClaimEntries(trx, program, {
        memberId: input.member.id,
        entries: before,
        saleKey: input.saleKey,
        via: input.via,
        total: input.total,
        points: input.points,
        stamps: stampsWait ? 0 : input.stamps,
        // The cards the sale's lines stamp, from its kiosk's report (core/claims saleCards checks them against the token).
        stampsByCard: report?.stampsByCard,
        reversal: await this.saleReversal(input.saleKey, trx),
        at: input.now,
      });
      if (!entries) return { ok: false, reason: 'sale-refunded' };
      const due = claimTotals(entries, input.member.id);
      const taken = await trx
        .insertInto('claims')
        .values({
          sale_key: input.saleKey,
          kiosk_no: input.kioskNo,
          sale_no: input.saleNo,
          member_id: input.member.id,
          via: input.via,
          points: due.points,
          stamps: due.stamps,
          at,
        })
        .onConflict((oc) => oc.column('sale_key').doNothing())
        .executeTakeFirst();
      if (taken.numInsertedOrUpdatedRows !== 1n) return { ok: false, reason: 'already-claimed' };
      const written: LedgerEntry[] = [];
      for (const e of entries) if (await this.ledger.insertEntry(trx, e, input.kioskNo)) written.push(e);
      // The ledger as it now stands without reading it again: what was there (in its order) and what this claim wrote.
      const view = memberView(program, input.member.id, inLedgerOrder([...before, ...written]), input.now);
      const accepted: ClaimAccepted = {
        deliveryId: randomUUID(),
        saleKey: input.saleKey,
        saleNo: input.saleNo,
        via: input.via,
        member: { id: input.member.id, no: input.member.no, name: input.member.name },
        points: due.points,
        stamps: due.stamps,
        balance: { points: view.points, stamps: view.stamps },
        progress: view.progress,
        entries: written,
        at,
      };
      if (input.deliverTo !== null) {
        await this.kiosks.deliver(trx, input.deliverTo, { event: 'claimAccepted', payload: accepted }, at);
      }
      return { ok: true, accepted, kioskNo: input.kioskNo };
    });
  }

  /**
   * The stamps of claims made before their sale was reported (core/claims claimStampsWait), landed on
   * the cards the report names now that it is here: for each reported sale a phone or the hub's staff
   * claim holds with no stamps yet, the report's stamps per card (an older kiosk's report without
   * cards, or cards the program no longer has: its first card), less each card's refunded share, as
   * `claim:<saleKey>:card:<card>` entries of the claiming member at the claim's instant. Once per sale:
   * a sale whose claim has stamps already is left as it is. Returns the entries written.
   */
  async landWaitingStamps(trx: Db, kiosk: Kiosk, saleKeys: readonly string[]): Promise<LedgerEntry[]> {
    const written: LedgerEntry[] = [];
    for (const part of chunks([...new Set(saleKeys)], 500)) {
      const claims = await trx
        .selectFrom('claims')
        .select(['sale_key', 'member_id', 'at'])
        .where('sale_key', 'in', part)
        .where('via', 'in', ['phone', 'staff'])
        .execute();
      for (const claim of claims) {
        await this.ctx.lockSale(trx, claim.sale_key);
        const report = await this.report(claim.sale_key, trx);
        const own = (await this.ledger.saleEntries(claim.sale_key, trx)).filter((e) => e.memberId === claim.member_id);
        if (!report || report.stamps <= 0 || own.some((e) => e.stamps !== 0)) continue;
        const program = (await this.shops.shop(kiosk.shopNo, trx))!.program;
        const first = claimStampCard(program);
        const cards = saleCards(program, report.stampsByCard, report.stamps) ?? (first === undefined ? {} : { [first]: report.stamps });
        const perCard = cardsDue(cards, await this.saleReversal(claim.sale_key, trx));
        const entries = cardStampEntries(program, { memberId: claim.member_id, saleKey: claim.sale_key, at: claim.at }, perCard, (card) =>
          waitingStampsEntryId(claim.sale_key, card),
        );
        written.push(...(await this.ledger.insertEntries(trx, entries, kiosk.no)));
      }
    }
    return written;
  }

  /**
   * The referral a kiosk's purchases pay (till sales with a member, offline claims that stood), derived
   * on the hub (cloud/member-earn.ts hubReferralEntries) once the batch that brought them is written,
   * through the one ledger writer: the member directory carries both balances to every kiosk. Only
   * members with a recorded referral are read further (one query for the batch); each is read under
   * her lock, so a phone claim on another hub node at the same moment pays it once too. The program
   * is the version in effect at the sale. Returns the entries written.
   */
  async payReferrals(trx: Db, kiosk: Kiosk, purchases: readonly { saleKey: string; memberId: string; at: string }[]): Promise<LedgerEntry[]> {
    if (purchases.length === 0) return [];
    const aliases = await aliasesOf(
      trx,
      purchases.map((p) => p.memberId),
    );
    const canonical = purchases.map((p) => ({ ...p, memberId: aliases.get(p.memberId) ?? p.memberId }));
    const referred = new Set<string>();
    for (const part of chunks([...new Set(canonical.map((p) => p.memberId))], 500)) {
      const rows = await trx
        .selectFrom('members')
        .select('id')
        .where('id', 'in', part)
        .where('referred_by', 'is not', null)
        .where('erased_at', 'is', null)
        .where('merged_into', 'is', null)
        .execute();
      for (const row of rows) referred.add(row.id);
    }
    if (referred.size === 0) return [];
    const versions = await this.shops.programVersions(kiosk.shopNo, trx);
    const current = (await this.shops.shop(kiosk.shopNo, trx))!.program;
    const written: LedgerEntry[] = [];
    for (const purchase of canonical) {
      if (!referred.has(purchase.memberId)) continue;
      await this.ctx.lockMember(trx, purchase.memberId);
      const at = new Date(purchase.at);
      const program = programInEffect(versions, at)?.document ?? current;
      const entries = await hubReferralEntries(trx, program, { ...purchase, at }, await this.ledger.entries(purchase.memberId, trx));
      written.push(...(await this.ledger.insertEntries(trx, entries, kiosk.no)));
    }
    return written;
  }

  /**
   * Sends the sale's kiosk the entries the hub derived for its sales after they reached it (a referral,
   * stamps that waited for the report), one saleEntriesDerived per sale, queued in the transaction that
   * wrote them: the kiosk's ledger then holds them, so a refund there reverses them too.
   */
  async deliverDerived(trx: Db, kioskNo: number, entries: readonly LedgerEntry[], now: Date): Promise<void> {
    const bySale = new Map<string, LedgerEntry[]>();
    for (const entry of entries) if (entry.saleId !== null) bySale.set(entry.saleId, [...(bySale.get(entry.saleId) ?? []), entry]);
    const at = now.toISOString();
    for (const [saleKey, saleEntries] of bySale) {
      for (const part of chunks(saleEntries, 50)) {
        await this.kiosks.deliver(trx, kioskNo, { event: 'saleEntriesDerived', payload: { deliveryId: randomUUID(), saleKey, entries: part, at } }, at);
      }
    }
  }

  // ---- the welcome bonus, held until a new member's contact is proven (cloud/join-verification.ts) ----

  /**
   * Records the referral held with a friend's join (cloud/referrals.ts: their next purchase pays it),
   * and pays the welcome bonus held for a member, once (`welcome:<memberId>`), what the core welcome rule
   * of the program in force now pays. The claim's earn paid everything else of the join's sale (the
   * hold made the welcome not due there, cloud/member-earn.ts). Nothing when none is held, it was
   * paid, the sale the member joined with was refunded in full meanwhile, the member has no purchase
   * yet (the first one pays it), or the program has no welcome.
   */
  async payHeldWelcome(memberId: string, now: Date): Promise<LedgerEntry | null> {
    return this.write(async (trx) => {
      await this.ctx.lockMember(trx, memberId);
      const held = await takeHeldWelcome(trx, memberId, now);
      // A friend who joined through a referral link: the proven contact records the referral (cloud/referrals.ts).
      if (held?.referrer) await recordReferral(trx, { memberId, shopNo: held.shopNo, contact: held.contact, referrerId: held.referrer }, now);
      const saleKey = held?.saleKey;
      const member = saleKey === undefined ? undefined : await this.members.member(memberId, trx);
      if (saleKey === undefined || !member || (await this.saleReversal(saleKey, trx))?.full) return null;
      // The core rule pays the welcome on a first purchase: with none yet (the join's claim failed), the
      // first purchase pays it through the one earn, now that nothing holds it.
      const entries = await this.ledger.entries(member.id, trx);
      if (salesOf(entries).length === 0 || entries.some((e) => e.reason.code === 'welcome' && e.kind === 'bonus')) return null;
      const entry = welcomeEntry((await this.shops.shop(member.shopNo, trx))!.program, member.id, now.toISOString());
      return entry && (await this.ledger.insertEntry(trx, entry, null)) ? entry : null;
    });
  }
}
