import type { Kysely, Migration } from 'kysely';
import { loadProgram, serializeProgram, type Program } from '../core/program/schema';
import { parseShopSettings, settingsFallback, type ShopSettings } from '../core/shop-settings';
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

export class ShopSettingsStore {
  constructor(readonly db: Kysely<HubDatabase>) {}

  /** The shop's settings; `program` is what an unconfigured shop falls back on. */
  async get(shopNo: number, program: Pick<Program, 'currency' | 'locale' | 'timeZone'>): Promise<StoredSettings> {
    const shop = await this.db.selectFrom('shops').select('name').where('no', '=', shopNo).executeTakeFirstOrThrow();
    const row = await this.db.selectFrom('shop_settings').selectAll().where('shop_no', '=', shopNo).executeTakeFirst();
    const fallback = settingsFallback(shop.name, program);
    if (!row) return { settings: fallback, configured: false, updatedAt: null };
    // A stored document was checked when saved; one that no longer passes (a rule added since) keeps the name and falls back for the rest.
    const parsed = parseShopSettings({ ...(JSON.parse(row.settings_json) as object), name: shop.name });
    return { settings: parsed.ok ? parsed.settings : fallback, configured: true, updatedAt: row.updated_at };
  }

  /** Versions the owner published (the store shows a shop that has none its start-up program as version 1). */
  async published(shopNo: number): Promise<number> {
    const row = await this.db
      .selectFrom('program_versions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('shop_no', '=', shopNo)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The wizard's draft program, while nothing has been published. */
  async draft(shopNo: number): Promise<Program | undefined> {
    if ((await this.published(shopNo)) > 0) return undefined;
    const row = await this.db.selectFrom('shop_settings').select('program_draft_json').where('shop_no', '=', shopNo).executeTakeFirst();
    return row?.program_draft_json ? loadProgram(row.program_draft_json) : undefined;
  }

  /** Keeps a draft program (saved with the settings row, which the wizard writes right after). */
  async saveDraft(shopNo: number, program: Program): Promise<void> {
    await this.db
      .updateTable('shop_settings')
      .set({ program_draft_json: serializeProgram(program) })
      .where('shop_no', '=', shopNo)
      .execute();
  }

  /** Saves checked settings in one transaction: the name on the shop, the rest as its document. */
  async save(shopNo: number, settings: ShopSettings, at: Date): Promise<void> {
    const { name, ...rest } = settings;
    const json = JSON.stringify(rest);
    const updatedAt = at.toISOString();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('shops').set({ name }).where('no', '=', shopNo).execute();
      await tx
        .insertInto('shop_settings')
        .values({ shop_no: shopNo, settings_json: json, updated_at: updatedAt })
        .onConflict((oc) => oc.column('shop_no').doUpdateSet({ settings_json: json, updated_at: updatedAt }))
        .execute();
    });
  }
}
