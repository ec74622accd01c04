import { sql, type Kysely } from 'kysely';
import type { Engine, HubDatabase } from '../store-schema';

/**
 * What every aggregate of the hub store shares: the Kysely instance over one typed schema
 * (store-schema.ts), the engine, and the one way to write — a transaction that on SQLite takes the
 * write lock first. Every ledger insert goes through the ledger module inside such a transaction.
 */

export type Db = Kysely<HubDatabase>;

/** PostgreSQL returns bigint (count, sum) as a string: every aggregate goes through this. */
export const num = (value: unknown): number => Number(value ?? 0);

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class StoreContext {
  constructor(
    readonly db: Db,
    readonly engine: Engine,
  ) {}

  /**
   * One write transaction. On SQLite the write lock is taken first (as BEGIN IMMEDIATE would), so a
   * second process on the same file waits for it (busy_timeout) instead of failing mid-transaction.
   */
  async write<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'sqlite') await sql`update settings set value = value where 0`.execute(trx);
      return work(trx);
    });
  }

  /**
   * Serialises the transactions that decide about one sale (claims, offline claims, reversals) across
   * hub processes sharing PostgreSQL, until commit. SQLite writers are serialised already.
   */
  async lockSale(trx: Db, saleKey: string): Promise<void> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`sale:${saleKey}`}))`.execute(trx);
  }

  /**
   * Serialises the transactions that check a shop's program against its settings and write either
   * (a program publication, a settings save) across hub processes sharing PostgreSQL, until commit:
   * the check of one always sees what the other wrote. SQLite serialises writers already.
   */
  async lockShop(trx: Db, shopNo: number): Promise<void> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`shop:${shopNo}`}))`.execute(trx);
  }

  /** Serialises the transactions that read a member's entries to decide what to write (PostgreSQL; SQLite serialises writers). */
  async lockMember(trx: Db, memberId: string): Promise<void> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`member:${memberId}`}))`.execute(trx);
  }
}

/** The base of each aggregate's module: its SQL runs on `db`, its writes through `write`. */
export abstract class Aggregate {
  constructor(protected readonly ctx: StoreContext) {}
  protected get db(): Db {
    return this.ctx.db;
  }
  protected get engine(): Engine {
    return this.ctx.engine;
  }
  protected write<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.ctx.write(work);
  }
}
