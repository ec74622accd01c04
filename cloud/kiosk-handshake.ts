import type { Kysely } from 'kysely';
import { AUTH_WINDOW_MS } from '../core/sync-protocol';
import type { HubDatabase } from './store-schema';

/**
 * Each kiosk handshake nonce is accepted once (migration 0010, `kiosk_nonces`): the row's primary key
 * (kiosk, nonce) decides it in the database, so two hub nodes sharing PostgreSQL refuse a replay too.
 * A row is kept while its handshake time `at` could still pass the ±AUTH_WINDOW_MS check; after that
 * the time check refuses the replay by itself, so older rows are deleted.
 */
export class KioskNonces {
  private uses = 0;

  constructor(private readonly db: Kysely<HubDatabase>) {}

  /** true the first time (kiosk, nonce) is seen; false for a replay. */
  async use(kioskNo: number, nonce: string, at: string, now: Date): Promise<boolean> {
    // Every 100 handshakes: drop nonces whose time is outside the window (kiosk clocks may run ahead, hence the margin).
    if (++this.uses % 100 === 1) {
      await this.db
        .deleteFrom('kiosk_nonces')
        .where('at', '<', new Date(now.getTime() - 2 * AUTH_WINDOW_MS).toISOString())
        .execute();
    }
    const inserted = await this.db
      .insertInto('kiosk_nonces')
      .values({ kiosk_no: kioskNo, nonce, at: new Date(at).toISOString() })
      .onConflict((oc) => oc.columns(['kiosk_no', 'nonce']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows) === 1;
  }
}
