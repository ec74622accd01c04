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
      await store.recordVoucher('00000000000000bb', 'm1', 'five-zl', rewardKeyOf('five-zl'), new Date('2026-11-25T10:00:00Z'));
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
