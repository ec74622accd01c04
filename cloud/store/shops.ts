import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { loadProgram, parseProgram, serializeProgram, type Program } from '../../core/program/schema';
import type { ProgramVersion } from '../../core/program/versions';
import { isDatabaseUnavailable } from '../store-schema';
import { Aggregate, type Db } from './db';

/** Shops, their programs and program versions, and the hub's settings. */

export interface Shop {
  no: number;
  id: string;
  name: string;
  privacyText: string;
  program: Program;
}

/** Before its first publication a shop's program is version 1, in effect since always. */
export const FIRST_VERSION_START = '1970-01-01T00:00:00.000Z';
export interface StoredProgramVersion extends ProgramVersion {
  publishedAt: string;
}

/** Parses a program document for a shop, throwing with every field error (a bad document changes nothing). */
function programJson(document: unknown): string {
  const parsed = parseProgram(document);
  if (!parsed.ok) throw new Error(`program refused:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return serializeProgram(parsed.program);
}

export class Shops extends Aggregate {
  /** A setting, created with `make()` the first time it is asked for (the first writer wins on every node). */
  async setting(key: string, make: () => string): Promise<string> {
    const found = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    if (found) return found.value;
    await this.db
      .insertInto('settings')
      .values({ key, value: make() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
  }

  /** The first shop, created on the very first start (once, however many hub processes start together). */
  async ensureShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Promise<Shop> {
    const no = await this.write(async (trx) => {
      if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('hub:first-shop'))`.execute(trx);
      const existing = await trx.selectFrom('shops').select('no').orderBy('no').limit(1).executeTakeFirst();
      return existing ? existing.no : this.insertShop(trx, name, privacyText, program);
    });
    return (await this.shop(no))!;
  }

  async createShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Promise<Shop> {
    return (await this.shop(await this.insertShop(this.db, name, privacyText, program)))!;
  }

  private async insertShop(q: Db, name: string, privacyText: string, program: unknown): Promise<number> {
    const row = await q
      .insertInto('shops')
      .values({ id: randomUUID(), name, privacy_text: privacyText, program_json: programJson(program) })
      .returning('no')
      .executeTakeFirstOrThrow();
    return row.no;
  }

  /** Replaces a shop's program with a validated core/program document. */
  async setProgram(shopNo: number, document: unknown): Promise<void> {
    const json = programJson(document);
    await this.db.updateTable('shops').set({ program_json: json }).where('no', '=', shopNo).execute();
    this.programs.delete(shopNo);
  }

  /** Parsed programs by shop, reused while the stored document is unchanged (another node may change it). */
  private readonly programs = new Map<number, { json: string; program: Program }>();

  /**
   * The shop's program versions, oldest first. A shop that never published has one: its program,
   * as version 1 in effect since always (stored as such by its first publication).
   */
  async programVersions(shopNo: number, q: Db = this.db): Promise<StoredProgramVersion[]> {
    const rows = await q.selectFrom('program_versions').selectAll().where('shop_no', '=', shopNo).orderBy('version').execute();
    if (rows.length === 0) {
      const shop = await this.shop(shopNo, q);
      return shop ? [{ version: 1, effectiveFrom: FIRST_VERSION_START, document: shop.program, publishedAt: FIRST_VERSION_START }] : [];
    }
    return rows.map((r) => {
      // A stored version never changes: its document is parsed once.
      const key = `${shopNo}:${r.version}`;
      let document = this.versionDocuments.get(key);
      if (!document) {
        document = loadProgram(r.document_json);
        this.versionDocuments.set(key, document);
      }
      return { version: r.version, effectiveFrom: r.effective_from, document, publishedAt: r.published_at };
    });
  }

  private readonly versionDocuments = new Map<string, Program>();

  /**
   * Publishes a validated program document as the shop's next version, in effect from `effectiveFrom`.
   * Two publications at once (two hub nodes) cannot get the same number: the shop's lock orders them,
   * and the primary key refuses a second one all the same, which is numbered again. The hub publishes
   * through `ShopSettingsStore.publishProgram`, which checks the program against the settings in the
   * same transaction.
   */
  async publishProgram(shopNo: number, document: unknown, effectiveFrom: string, at: Date): Promise<StoredProgramVersion> {
    programJson(document); // a bad document throws here, once, not again on each attempt
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write(async (trx) => {
          await this.ctx.lockShop(trx, shopNo);
          return this.publishIn(trx, shopNo, document, effectiveFrom, at);
        });
      } catch (error) {
        if (attempt >= 3 || isDatabaseUnavailable(error)) throw error;
      }
    }
  }

  /** The publication itself, inside the caller's transaction (which holds the shop's lock). */
  async publishIn(trx: Db, shopNo: number, document: unknown, effectiveFrom: string, at: Date): Promise<StoredProgramVersion> {
    const json = programJson(document);
    const current = await this.programVersions(shopNo, trx);
    const first = current[0];
    if (current.length === 1 && first?.publishedAt === FIRST_VERSION_START) {
      await trx
        .insertInto('program_versions')
        .values({
          shop_no: shopNo,
          version: first.version,
          effective_from: first.effectiveFrom,
          document_json: serializeProgram(first.document),
          published_at: first.publishedAt,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const version = Math.max(0, ...current.map((v) => v.version)) + 1;
    await trx
      .insertInto('program_versions')
      .values({ shop_no: shopNo, version, effective_from: effectiveFrom, document_json: json, published_at: at.toISOString() })
      .execute();
    return { version, effectiveFrom, document: loadProgram(json), publishedAt: at.toISOString() };
  }

  async shop(no: number, q: Db = this.db): Promise<Shop | undefined> {
    const row = await q.selectFrom('shops').selectAll().where('no', '=', no).executeTakeFirst();
    if (!row) return undefined;
    let cached = this.programs.get(row.no);
    if (cached?.json !== row.program_json) {
      cached = { json: row.program_json, program: loadProgram(row.program_json) };
      this.programs.set(row.no, cached);
    }
    return { no: row.no, id: row.id, name: row.name, privacyText: row.privacy_text, program: cached.program };
  }
}
