import type { Kysely, Migration } from 'kysely';
import { loadProgram, serializeProgram, type Program } from '../core/program/schema';
import { parseShopSettings, programForShop, programMisfits, settingsFallback, type ProgramMisfit, type ShopSettings } from '../core/shop-settings';
import type { StoreContext, Db } from './store/db';
import type { Shops, StoredProgramVersion } from './store/shops';
import type { HubDatabase } from './store-schema';

/**
 * The shop's settings on the hub, their one home (migration 0018): the name stays in `shops.name`
 * (every page, card and message already reads it there); the rest is one checked JSON document per
 * shop in `shop_settings`. A shop with no row yet has not been through the first-run wizard: it goes
 * by the name it was started with and its program's currency, language and time zone.
 */

/** This module's part of the hub's one schema (joined in store-schema.ts HubDatabase). */
export interface SettingsTables {
  shop_settings: { shop_no: number; settings_json: string; updated_at: string; program_draft_json: string | null };
}

export const shopSettingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('shop_settings')
      .addColumn('shop_no', 'integer', (c) => c.primaryKey().references('shops.no'))
      .addColumn('settings_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // The wizard's program template until the first publication: edited in the program editor, sent nowhere.
      .addColumn('program_draft_json', 'text')
      .execute();
  },
};

export interface StoredSettings {
  settings: ShopSettings;
  /** false until the owner saved settings (the wizard or the Settings page) */
  configured: boolean;
  updatedAt: string | null;
}

/** A program the shop's settings do not allow: what differs, the settings it was checked against, nothing changed. */
export interface ProgramRefused {
  ok: false;
  misfits: ProgramMisfit[];
  settings: ShopSettings;
  /** A program is published: the shop's currency stays (the settings cannot change it either). */
  currencyLocked: boolean;
}

/** What a settings save did: saved (with the program version it published to follow them, if any), or refused. */
export type SettingsSaved = { ok: true; published?: StoredProgramVersion } | { ok: false; reason: 'currency-locked' };

/**
 * The settings' reads, and the two writes that must agree with them: a program publication is checked
 * against the settings, a settings save against the published program, each check and its write in
 * one transaction holding the shop's lock (`StoreContext.write` and `lockShop`), so a settings save
 * and a program publication at once cannot both pass their check (the second sees the first).
 */
export class ShopSettingsStore {
  readonly db: Kysely<HubDatabase>;
  constructor(
    private readonly ctx: StoreContext,
    private readonly shops: Shops,
  ) {
    this.db = ctx.db;
  }

  /** The shop's settings; `program` is what an unconfigured shop falls back on. */
  async get(shopNo: number, program: Pick<Program, 'currency' | 'locale' | 'timeZone'>, q: Db = this.db): Promise<StoredSettings> {
    const shop = await q.selectFrom('shops').select('name').where('no', '=', shopNo).executeTakeFirstOrThrow();
    const row = await q.selectFrom('shop_settings').selectAll().where('shop_no', '=', shopNo).executeTakeFirst();
    const fallback = settingsFallback(shop.name, program);
    if (!row) return { settings: fallback, configured: false, updatedAt: null };
    // A stored document was checked when saved; one that no longer passes (a rule added since) keeps the name and falls back for the rest.
    const parsed = parseShopSettings({ ...(JSON.parse(row.settings_json) as object), name: shop.name });
    return { settings: parsed.ok ? parsed.settings : fallback, configured: true, updatedAt: row.updated_at };
  }

  /** Versions the owner published (the store shows a shop that has none its start-up program as version 1). */
  async published(shopNo: number, q: Db = this.db): Promise<number> {
    const row = await q
      .selectFrom('program_versions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('shop_no', '=', shopNo)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The wizard's draft program, while nothing has been published. */
  async draft(shopNo: number, q: Db = this.db): Promise<Program | undefined> {
    if ((await this.published(shopNo, q)) > 0) return undefined;
    const row = await q.selectFrom('shop_settings').select('program_draft_json').where('shop_no', '=', shopNo).executeTakeFirst();
    return row?.program_draft_json ? loadProgram(row.program_draft_json) : undefined;
  }

  /**
   * Publishes `program` as the shop's next version from `effectiveFrom` if the settings allow it
   * (`programMisfits`: the shop's currency, one of its languages, its time zone); refused, nothing changed.
   */
  async publishProgram(
    shopNo: number,
    program: Program,
    effectiveFrom: string,
    at: Date,
  ): Promise<{ ok: true; published: StoredProgramVersion } | ProgramRefused> {
    return this.ctx.write(async (trx) => {
      await this.ctx.lockShop(trx, shopNo);
      const { settings } = await this.get(shopNo, (await this.shops.shop(shopNo, trx))!.program, trx);
      const misfits = programMisfits(program, settings);
      if (misfits.length > 0) return { ok: false, misfits, settings, currencyLocked: (await this.published(shopNo, trx)) > 0 };
      return { ok: true, published: await this.shops.publishIn(trx, shopNo, program, effectiveFrom, at) };
    });
  }

  /**
   * Saves checked settings: the name on the shop, the rest as its document. The currency cannot change
   * under a published program (its amounts are in it). A new language or time zone goes into the
   * program too: a new version from `at` when one was published, else the draft (the wizard's
   * template, or `draft` given with the settings) follows them. All in one transaction.
   */
  async save(shopNo: number, settings: ShopSettings, at: Date, draft?: Program): Promise<SettingsSaved> {
    const { name, ...rest } = settings;
    const json = JSON.stringify(rest);
    const updatedAt = at.toISOString();
    return this.ctx.write(async (trx) => {
      await this.ctx.lockShop(trx, shopNo);
      const newest = (await this.published(shopNo, trx)) > 0 ? (await this.shops.programVersions(shopNo, trx)).at(-1)?.document : undefined;
      if (newest && newest.currency !== settings.currency) return { ok: false, reason: 'currency-locked' };
      const kept = newest ? undefined : (draft ?? (await this.draft(shopNo, trx)));
      await trx.updateTable('shops').set({ name }).where('no', '=', shopNo).execute();
      await trx
        .insertInto('shop_settings')
        .values({ shop_no: shopNo, settings_json: json, updated_at: updatedAt })
        .onConflict((oc) => oc.column('shop_no').doUpdateSet({ settings_json: json, updated_at: updatedAt }))
        .execute();
      if (newest && (newest.locale !== settings.locale || newest.timeZone !== settings.timeZone)) {
        // Texts the owner wrote in the new language become the program's own (core/program/texts.ts).
        return { ok: true, published: await this.shops.publishIn(trx, shopNo, programForShop(newest, settings), updatedAt, at) };
      }
      // Nothing published yet: the draft follows the settings; published, it brings them to kiosks.
      if (kept) {
        await trx
          .updateTable('shop_settings')
          .set({ program_draft_json: serializeProgram(programForShop(kept, settings)) })
          .where('shop_no', '=', shopNo)
          .execute();
      }
      return { ok: true };
    });
  }
}
