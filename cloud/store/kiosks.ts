import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimAccepted, ClaimRefused, SaleEntriesDerived } from '../../core/sync-protocol';
import { bytesToHex } from '../../core/sync-protocol';
import { flagWindowStart, KIOSK_FLAG_RULE } from '../outbox-check';
import { Aggregate, type Db } from './db';

/** Paired kiosks, pairing codes, and the hub → kiosk deliveries waiting for a kiosk's ack. */

export interface Kiosk {
  no: number;
  id: string;
  shopNo: number;
  name: string;
  secret: string;
  revokedAt: string | null;
}

/** A hub → kiosk event waiting in the kiosk's queue until the kiosk acks it. */
export type Delivery =
  | { event: 'claimAccepted'; payload: ClaimAccepted }
  | { event: 'claimRefused'; payload: ClaimRefused }
  | { event: 'saleEntriesDerived'; payload: SaleEntriesDerived };

const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export class Kiosks extends Aggregate {
  async createPairingCode(shopNo: number, now: Date, ttlMs = 24 * 3600_000): Promise<{ code: string; expiresAt: string }> {
    const bytes = randomBytes(8);
    const code = Array.from(bytes, (b) => PAIRING_ALPHABET[b % PAIRING_ALPHABET.length]).join('');
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.db.insertInto('pairing_codes').values({ code, shop_no: shopNo, created_at: now.toISOString(), expires_at: expiresAt }).execute();
    return { code, expiresAt };
  }

  /**
   * Uses a pairing code once: a new kiosk with a fresh secret, or undefined for an unknown, used or
   * expired code. The code is taken by one conditional update, so two nodes cannot both use it.
   */
  async pairKiosk(code: string, name: string, now: Date): Promise<Kiosk | undefined> {
    const id = randomUUID();
    return this.write(async (trx) => {
      const taken = await trx
        .updateTable('pairing_codes')
        .set({ used_by: id })
        .where('code', '=', code)
        .where('used_by', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .returning('shop_no')
        .executeTakeFirst();
      if (!taken) return undefined;
      await trx
        .insertInto('kiosks')
        .values({ id, shop_no: taken.shop_no, name, secret: bytesToHex(randomBytes(32)), paired_at: now.toISOString() })
        .execute();
      return this.kiosk(id, trx);
    });
  }

  async kiosk(id: string, q: Db = this.db): Promise<Kiosk | undefined> {
    const row = await q.selectFrom('kiosks').select(['no', 'id', 'shop_no', 'name', 'secret', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, secret: row.secret, revokedAt: row.revoked_at };
  }

  async kioskByNo(no: number): Promise<Kiosk | undefined> {
    const row = await this.db.selectFrom('kiosks').select(['no', 'id', 'shop_no', 'name', 'secret', 'revoked_at']).where('no', '=', no).executeTakeFirst();
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, secret: row.secret, revokedAt: row.revoked_at };
  }

  async revokeKiosk(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('kiosks')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * The flag rule (KIOSK_FLAG_RULE): after a write that recorded refusals, flags the kiosk when it has
   * sent that many refused facts within the window (since the owner last cleared its flag). True when
   * this call flagged it; a kiosk already flagged stays as it is.
   */
  async flagIfDue(trx: Db, kioskNo: number, now: Date): Promise<boolean> {
    const kiosk = await trx.selectFrom('kiosks').select(['flagged_at', 'flag_cleared_at']).where('no', '=', kioskNo).executeTakeFirst();
    if (!kiosk || kiosk.flagged_at !== null) return false;
    const { count } = await trx
      .selectFrom('kiosk_refusals')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('kiosk_no', '=', kioskNo)
      .where('at', '>', flagWindowStart(now, kiosk.flag_cleared_at))
      .executeTakeFirstOrThrow();
    if (Number(count) < KIOSK_FLAG_RULE.refusals) return false;
    const done = await trx
      .updateTable('kiosks')
      .set({ flagged_at: now.toISOString() })
      .where('no', '=', kioskNo)
      .where('flagged_at', 'is', null)
      .executeTakeFirst();
    return done.numUpdatedRows === 1n;
  }

  /** Queues a hub → kiosk event in the write's transaction; it waits until the kiosk acks it. */
  async deliver(trx: Db, kioskNo: number, delivery: Delivery, createdAt: string): Promise<void> {
    await trx
      .insertInto('deliveries')
      .values({
        id: delivery.payload.deliveryId,
        kiosk_no: kioskNo,
        event: delivery.event,
        payload_json: JSON.stringify(delivery.payload),
        created_at: createdAt,
      })
      .execute();
  }

  async pendingDeliveries(kioskNo: number, limit = 100): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['event', 'payload_json'])
      .where('kiosk_no', '=', kioskNo)
      .orderBy('created_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ event: r.event as Delivery['event'], payload: JSON.parse(r.payload_json) as never }));
  }

  async deliveryAcked(kioskNo: number, deliveryId: string): Promise<void> {
    await this.db.deleteFrom('deliveries').where('id', '=', deliveryId).where('kiosk_no', '=', kioskNo).execute();
  }
}
