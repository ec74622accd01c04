// The hub's voucher records across migration 0004: a store written before it (reward_no = a
// position) is upgraded in place; vouchers issued after record the reward's id and key. Runs on
// SQLite in the default project and on PostgreSQL in `hub-postgres`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { rewardKeyOf } from '../../core/tokens';
import { hubMigrations } from '../../cloud/store-schema';
import { HubStore } from '../../cloud/store';
import { hubDatabaseUrl, tempDir } from '../support/hub-harness';

const temp = tempDir('hub-voucher-key');
afterAll(() => temp.remove());

/** A raw connection to the hub's database (the same one HubStore opens). */
function rawDb(dataDir: string, databaseUrl: string | undefined): Kysely<Record<string, Record<string, unknown>>> {
  if (databaseUrl) return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) });
  return new Kysely({ dialect: new SqliteDialect({ database: new Database(join(dataDir, 'hub.sqlite')) }) });
}

describe('hub vouchers by reward key', () => {
  it('upgrades a store from before 0004 in place and records the reward id and key of new vouchers', async () => {
    const dataDir = join(temp.dir, 'hub');
    const databaseUrl = await hubDatabaseUrl(temp.dir);
    const engine = databaseUrl ? 'postgres' : 'sqlite';
    mkdirSync(dataDir, { recursive: true });

    // A hub as it was before: migrations up to 0003, one voucher naming the reward at position 2.
    const before = rawDb(dataDir, databaseUrl);
    const provider: MigrationProvider = { getMigrations: () => Promise.resolve(hubMigrations(engine)) };
    const migrated = await new Migrator({ db: before, provider }).migrateTo('0003-owner');
    expect(migrated.error).toBeUndefined();
    await before.insertInto('vouchers').values({ id: '00000000000000aa', member_id: 'm1', reward_no: 2, created_at: '2026-11-01T10:00:00.000Z' }).execute();
    await before.destroy();

    const store = await HubStore.open({ dataDir, databaseUrl, log: () => {} });
    try {
      // A member with 70 points asks for "5 zł off" (60 points): issued, and the 60 points are held at once.
      const shop = (await store.ensureShop('Shop', 'privacy'));
      const member = await store.joinMember(shop.no, { id: 'm1', name: 'Ola', phone: '+48600100100', email: null, consentAt: null, consentText: null },
        new Date('2026-11-20T10:00:00Z'));
      await store.db.insertInto('ledger').values({ id: 'seed-1', member_id: 'm1', kind: 'adjust', points: 70, stamps: 0, sale_id: null, reverses: null,
        reason_json: '{"code":"adjust"}', at: '2026-11-20T10:00:00.000Z', kiosk_no: null, spend: null }).execute();
      const issue = (voucherId: string) => store.issueVoucher({ voucherId, member, rewardKey: rewardKeyOf('five-zl'), costPoints: 60, costStamps: 0,
        expiresAt: new Date('2026-12-25T10:00:00Z'), now: new Date('2026-11-25T10:00:00Z') });
      expect(await issue('00000000000000bb')).toMatchObject({ ok: true, hold: { id: 'voucher-hold:00000000000000bb', points: -60 } });
      // A second one is refused: the 10 points left do not cover it, and nothing is written.
      expect(await issue('00000000000000cc')).toEqual({ ok: false, reason: 'insufficient' });
      expect((await store.entries('m1')).map((e) => [e.id, e.points])).toEqual([['seed-1', 70], ['voucher-hold:00000000000000bb', -60]]);
      expect(await store.voucher('00000000000000aa')).toMatchObject({ status: 'legacy' });
    } finally {
      await store.close();
    }

    const after = rawDb(dataDir, databaseUrl);
    try {
      const rows = await after.selectFrom('vouchers').select(['id', 'reward_key', 'reward_id']).orderBy('id').execute();
      expect(rows.map((r) => ({ ...r, reward_key: Number(r.reward_key) }))).toEqual([
        { id: '00000000000000aa', reward_key: 2, reward_id: null },
        { id: '00000000000000bb', reward_key: rewardKeyOf('five-zl'), reward_id: 'five-zl' },
      ]);
    } finally {
      await after.destroy();
    }
  });
});
