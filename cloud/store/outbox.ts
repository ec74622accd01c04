import type { LedgerEntry } from '../../core/ledger/entry';
import type { Insertable } from 'kysely';
import type { OutboxMessage, OutboxRefusal, VoucherStanding } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { normalizeEmail, normalizePhone, regionForLocale } from '../../core/contact';
import { noteMemberChanges } from '../member-changes';
import { kioskRefusalCodes, outboxRefusal, type KioskRefusalCode, type OutboxCheckContext, type Refused } from '../outbox-check';
import { heldWelcomes } from '../join-verification';
import { welcomedMembers } from '../welcome-check';
import type { HubDatabase } from '../store-schema';
import { Aggregate, chunks, type Db, type StoreContext } from './db';
import { aliasesOf } from './members';
import type { Kiosk, Kiosks } from './kiosks';
import type { Ledger } from './ledger';
import type { Members } from './members';
import type { Sales } from './sales';
import type { Shops } from './shops';
import type { Vouchers } from './vouchers';

/**
 * A kiosk's outbox (syncOutbox): each message applied once (processed_messages), checked on receipt
 * (cloud/outbox-check.ts), refused ones recorded per kiosk; the facts go to their aggregates.
 */

/** What a syncOutbox batch came to: every message id to ack (refused ones included) and the refusals with their reason. */
export interface OutboxApplied {
  acked: string[];
  refused: OutboxRefusal[];
  /** For each voucherRedeemed applied: whose redemption stands. */
  vouchers: VoucherStanding[];
  /** Offline claims (saleClaimed) this batch made stand, for the hub's reward-ready message (cloud/messaging.ts afterClaim). */
  claimed?: { saleKey: string; memberId: string; entries: LedgerEntry[] }[];
  /** True when this batch's refusals made the kiosk flagged (KIOSK_FLAG_RULE), for the hub's log. */
  flagged?: boolean;
}

/** One refused fact as the owner sees it (cloud/back-office/kiosks/kiosks.tsx kioskRefusalsPage). */
export interface KioskRefusalRow {
  messageId: string;
  kioskNo: number;
  type: string;
  code: KioskRefusalCode;
  reason: string;
  at: string;
}

export class Outbox extends Aggregate {
  constructor(
    ctx: StoreContext,
    private readonly shops: Shops,
    private readonly members: Members,
    private readonly ledger: Ledger,
    private readonly sales: Sales,
    private readonly vouchers: Vouchers,
    private readonly kiosks: Kiosks,
  ) {
    super(ctx);
  }

  /** Writes a run of sales, till claims and ledger entries with a few multi-row inserts, then empties it. */
  private async flush(trx: Db, run: BulkRun, kioskNo: number): Promise<void> {
    const aliases = await aliasesOf(trx, [...run.sales.flatMap((s) => (s.member_id ? [s.member_id] : [])), ...run.claims.map((c) => c.member_id)]);
    for (const row of [...run.sales, ...run.claims]) {
      if (row.member_id && aliases.has(row.member_id)) row.member_id = aliases.get(row.member_id)!;
    }
    await this.sales.insertMany(trx, run.sales, run.claims);
    await this.ledger.insertEntries(trx, run.entries, kioskNo);
    run.sales = [];
    run.claims = [];
    run.entries = [];
  }

  /**
   * Applies one syncOutbox batch in one transaction, in order. A message id seen before is a no-op
   * (it is acked again): the batch's processed_messages rows are inserted first and only the ones
   * really inserted are applied, so a batch applied by two nodes at once is applied once. Runs of
   * saleCreated / ledgerAppended are written as multi-row inserts (a few statements per batch, not
   * per message: on PostgreSQL every statement is a network round trip); a message that reads what
   * was written before it (memberEnrolled, saleReversed, saleClaimed) first flushes that run.
   */
  async applyOutbox(kiosk: Kiosk, messages: OutboxMessage[], now: Date): Promise<OutboxApplied> {
    return this.write(async (trx) => {
      const fresh = new Set<string>();
      for (const part of chunks(messages, 500)) {
        const rows = await trx
          .insertInto('processed_messages')
          .values(part.map((m) => ({ id: m.id, kiosk_no: kiosk.no, at: now.toISOString() })))
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .execute();
        for (const row of rows) fresh.add(row.id);
      }
      // A message refused before and sent again is acked again with the same refusal (the kiosk may have missed the first ack).
      const refused: OutboxRefusal[] = [];
      const vouchers: VoucherStanding[] = [];
      const seen = messages.filter((m) => !fresh.has(m.id)).map((m) => m.id);
      for (const part of chunks(seen, 500)) {
        const rows = await trx
          .selectFrom('kiosk_refusals')
          .select(['message_id', 'reason'])
          .where('kiosk_no', '=', kiosk.no)
          .where('message_id', 'in', part)
          .execute();
        for (const row of rows) refused.push({ id: row.message_id, reason: row.reason });
      }
      const check = await this.checkContext(
        trx,
        kiosk,
        messages.filter((m) => fresh.has(m.id)),
      );
      const run = new BulkRun();
      const claimed: NonNullable<OutboxApplied['claimed']> = [];
      // Purchases of members rung at the kiosk: the referral its earn could not know of is derived after the batch.
      const purchases: { saleKey: string; memberId: string; at: string }[] = [];
      // Sales reported with stamps and no member: a phone may have claimed one first, its stamps waiting for the cards.
      const stamped: string[] = [];
      let newlyRefused = 0;
      for (const message of messages) {
        // A message id twice in one batch is applied once.
        if (!fresh.delete(message.id)) continue;
        const refusal = outboxRefusal(check.context, message);
        if (refusal !== undefined) {
          // Refused for good: recorded per kiosk, acked (so the kiosk stops sending it) and reported in the ack.
          await this.insertRefusal(trx, kiosk.no, message.id, message.type, refusal, now);
          refused.push({ id: message.id, reason: refusal.reason });
          newlyRefused++;
          continue;
        }
        check.accepted(message);
        switch (message.type) {
          case 'saleCreated': {
            const p = message.payload;
            run.sales.push({
              id: p.saleId,
              kiosk_no: kiosk.no,
              sale_no: p.saleNo,
              amount: p.total.amount,
              currency: p.total.currency,
              points: p.points,
              stamps: p.stamps,
              stamps_by_card: p.stampsByCard ? JSON.stringify(p.stampsByCard) : null,
              member_id: p.memberId,
              at: message.at,
            });
            // The member was attached at the till: the sale is taken, its receipt QR can no longer be claimed.
            if (p.memberId) {
              run.claims.push({
                sale_key: `K${kiosk.no}-S${p.saleNo}`,
                kiosk_no: kiosk.no,
                sale_no: p.saleNo,
                member_id: p.memberId,
                via: 'till',
                points: p.points,
                stamps: p.stamps,
                at: message.at,
              });
            }
            for (const entry of p.entries) run.entries.push(entry);
            if (p.memberId) purchases.push({ saleKey: p.saleId, memberId: p.memberId, at: message.at });
            else if (p.stamps > 0) stamped.push(p.saleId);
            break;
          }
          case 'ledgerAppended':
            for (const entry of message.payload.entries) run.entries.push(entry);
            break;
          case 'memberEnrolled': {
            await this.flush(trx, run, kiosk.no);
            const p = message.payload;
            const region = regionForLocale((await this.shops.shop(kiosk.shopNo, trx))!.program.locale);
            // One person, one member: the contact as the hub keeps it (a kiosk of an older version may send it as typed).
            const member = await this.members.joinIn(
              trx,
              kiosk.shopNo,
              {
                id: p.id,
                name: p.name,
                phone: p.phone === null ? null : normalised(() => normalizePhone(p.phone!, region), p.phone),
                email: p.email === null ? null : normalised(() => normalizeEmail(p.email!), p.email),
                consentAt: p.consentAt,
                consentText: null,
                code: p.code ?? null,
              },
              now,
            );
            if (member.id !== p.id) {
              // The kiosk enrolled someone the hub already had (offline, or before its replica knew them): its id
              // becomes an alias, and every entry it sends for that id is the existing member's.
              await this.members.addAlias(trx, p.id, member.id, kiosk.no, now);
            }
            await noteMemberChanges(trx, this.engine, [member.id], now);
            break;
          }
          case 'saleReversed': {
            await this.flush(trx, run, kiosk.no);
            await this.sales.recordReversal(trx, kiosk, message.payload, message.at, now);
            break;
          }
          case 'saleClaimed':
            await this.flush(trx, run, kiosk.no);
            if (await this.sales.applyOfflineClaim(trx, kiosk, message.payload, message.at, now)) {
              const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: message.payload.saleNo });
              claimed.push({ saleKey, memberId: message.payload.memberId, entries: message.payload.entries });
              purchases.push({ saleKey, memberId: message.payload.memberId, at: message.at });
            }
            break;
          case 'voucherRedeemed': {
            await this.flush(trx, run, kiosk.no);
            // Redeemed while the hub could not be asked: the first redemption stands, a later one is a conflict.
            const voucher = await this.vouchers.voucher(message.payload.voucherId, trx);
            const owner = voucher && (await this.members.member(voucher.memberId, trx));
            if (owner?.shopNo !== kiosk.shopNo) break; // not a voucher of this kiosk's shop: nothing to record
            const outcome = await this.vouchers.redeemVoucherIn(trx, {
              voucherId: message.payload.voucherId,
              redemptionId: message.payload.redemptionId,
              kioskNo: kiosk.no,
              at: message.at,
              offline: true,
              now,
            });
            if (outcome.status !== 'unknown-voucher') {
              const r = outcome.redemption;
              const stands = r.kioskNo === kiosk.no && r.redemptionId === message.payload.redemptionId;
              vouchers.push({ voucherId: r.voucherId, redemptionId: message.payload.redemptionId, stands, kioskName: r.kioskName, at: r.at });
            }
            break;
          }
        }
      }
      await this.flush(trx, run, kiosk.no);
      // After every message of the batch (sales locked before members, as a claim does): a refund in the batch is seen.
      const derived = [...(await this.sales.payReferrals(trx, kiosk, purchases)), ...(await this.sales.landWaitingStamps(trx, kiosk, stamped))];
      await this.sales.deliverDerived(trx, kiosk.no, derived, now);
      // Counted once per batch (one query), not per refused message.
      const flagged = newlyRefused > 0 && (await this.kiosks.flagIfDue(trx, kiosk.no, now));
      return { acked: messages.map((m) => m.id), refused, claimed, vouchers, flagged };
    });
  }

  /**
   * What outboxRefusal needs about a batch, looked up in a few queries: the shop's program versions,
   * the members and ledger entries the batch names (and reversals already made of them), the kiosk's
   * own sale reports. `accepted` adds what an accepted message brings, for the messages after it.
   */
  private async checkContext(trx: Db, kiosk: Kiosk, messages: OutboxMessage[]): Promise<{ context: OutboxCheckContext; accepted(m: OutboxMessage): void }> {
    const memberIds = new Set<string>();
    const entryIds = new Set<string>();
    const saleKeys = new Set<string>();
    const ledgerOf = (m: OutboxMessage): LedgerEntry[] =>
      m.type === 'saleCreated' || m.type === 'saleClaimed' || m.type === 'ledgerAppended' ? m.payload.entries : [];
    for (const m of messages) {
      if (m.type === 'saleCreated' && m.payload.memberId) memberIds.add(m.payload.memberId);
      if (m.type === 'saleClaimed') {
        memberIds.add(m.payload.memberId);
        saleKeys.add(m.payload.saleId);
      }
      for (const e of ledgerOf(m)) {
        memberIds.add(e.memberId);
        if (e.reverses) entryIds.add(e.reverses);
      }
    }
    const members = await this.members.knownIds(trx, kiosk.shopNo, [...memberIds]);
    const { entries, reversed } = await this.ledger.knownEntries(trx, [...entryIds]);
    const sales = await this.sales.reported(trx, kiosk.no, [...saleKeys]);
    const versions = await this.shops.programVersions(kiosk.shopNo, trx);
    const welcomed = await welcomedMembers(trx, memberIds); // one welcome per member (cloud/welcome-check.ts)
    const held = await heldWelcomes(trx, [...members]); // held until the contact is proven (cloud/join-verification.ts)
    const context: OutboxCheckContext = {
      kioskNo: kiosk.no,
      kioskId: kiosk.id,
      versions,
      knownMember: (id) => members.has(id),
      entry: (id) => entries.get(id),
      reversed: (id) => reversed.get(id) ?? { points: 0, stamps: 0 },
      sale: (key) => sales.get(key),
      welcomed: (id) => welcomed.has(id),
      welcomeHeld: (id) => held.has(id),
    };
    return {
      context,
      accepted(m) {
        if (m.type === 'memberEnrolled') members.add(m.payload.id);
        if (m.type === 'saleCreated') sales.set(m.payload.saleId, { points: m.payload.points });
        for (const e of ledgerOf(m)) if (e.kind === 'bonus' && e.reason.code === 'welcome') welcomed.add(e.memberId);
        for (const e of ledgerOf(m)) {
          if (!entries.has(e.id)) entries.set(e.id, { memberId: e.memberId, saleId: e.saleId, points: e.points, stamps: e.stamps });
          if (e.reverses) {
            const sum = reversed.get(e.reverses) ?? { points: 0, stamps: 0 };
            reversed.set(e.reverses, { points: sum.points + e.points, stamps: sum.stamps + e.stamps });
          }
        }
      },
    };
  }

  private async insertRefusal(trx: Db, kioskNo: number, messageId: string, type: string, refusal: Refused, now: Date): Promise<void> {
    await trx
      .insertInto('kiosk_refusals')
      .values({ message_id: messageId, kiosk_no: kioskNo, type, code: refusal.code, reason: refusal.reason, at: now.toISOString() })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute();
  }

  /**
   * A kiosk fact refused outside an outbox batch (a staff claim with a token this kiosk signed for more
   * than the program gives): recorded and counted toward the flag like an outbox refusal. True when it flagged the kiosk.
   */
  async recordKioskRefusal(kioskNo: number, refusal: Refused & { id: string; type: string }, now: Date): Promise<boolean> {
    return this.write(async (trx) => {
      await this.insertRefusal(trx, kioskNo, refusal.id, refusal.type, refusal, now);
      return this.kiosks.flagIfDue(trx, kioskNo, now);
    });
  }

  /** Outbox messages refused from one kiosk (or all), newest first (at most `limit`): the owner's and the tests' view of what the hub would not derive. */
  async kioskRefusals(kioskNo?: number, limit = 10_000): Promise<KioskRefusalRow[]> {
    let query = this.db.selectFrom('kiosk_refusals').selectAll().orderBy('at', 'desc').orderBy('message_id').limit(limit);
    if (kioskNo !== undefined) query = query.where('kiosk_no', '=', kioskNo);
    return (await query.execute()).map((r) => ({
      messageId: r.message_id,
      kioskNo: r.kiosk_no,
      type: r.type,
      code: (kioskRefusalCodes as readonly string[]).includes(r.code) ? (r.code as KioskRefusalCode) : 'other',
      reason: r.reason,
      at: r.at,
    }));
  }
}

/** Rows of consecutive saleCreated / ledgerAppended messages waiting to be written together. */
class BulkRun {
  sales: Insertable<HubDatabase['sales']>[] = [];
  claims: Insertable<HubDatabase['claims']>[] = [];
  entries: LedgerEntry[] = [];
}

/** A contact normalised when it can be; kept as sent when it cannot (a message already accepted is not refused later). */
function normalised(normalise: () => string, raw: string): string {
  try {
    return normalise();
  } catch {
    return raw;
  }
}
