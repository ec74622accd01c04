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
      const shop = await store.ensureShop('Shop', 'privacy');
      const member = await store.joinMember(
        shop.no,
        { id: 'm1', name: 'Ola', phone: '+48600100100', email: null, consentAt: null, consentText: null },
        new Date('2026-11-20T10:00:00Z'),
      );
      await store.db
        .insertInto('ledger')
        .values({
          id: 'seed-1',
          member_id: 'm1',
          kind: 'adjust',
          points: 70,
          stamps: 0,
          sale_id: null,
          reverses: null,
          reason_json: '{"code":"adjust"}',
          at: '2026-11-20T10:00:00.000Z',
          kiosk_no: null,
          spend: null,
        })
        .execute();
      const issue = (voucherId: string) =>
        store.issueVoucher({
          voucherId,
          member,
          rewardKey: rewardKeyOf('five-zl'),
          costPoints: 60,
          costStamps: 0,
          expiresAt: new Date('2026-12-25T10:00:00Z'),
          now: new Date('2026-11-25T10:00:00Z'),
        });
      expect(await issue('00000000000000bb')).toMatchObject({ ok: true, hold: { id: 'voucher-hold:00000000000000bb', points: -60 } });
      // A second one is refused: the 10 points left do not cover it, and nothing is written.
      expect(await issue('00000000000000cc')).toEqual({ ok: false, reason: 'insufficient' });
      expect((await store.entries('m1')).map((e) => [e.id, e.points])).toEqual([
        ['seed-1', 70],
        ['voucher-hold:00000000000000bb', -60],
      ]);
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

  it('gives back the points of a voucher that expired unredeemed, once; two kiosks redeeming at the same moment get one winner', async () => {
    const dir = tempDir('hub-voucher-expiry');
    const databaseUrl = await hubDatabaseUrl(dir.dir);
    const store = await HubStore.open({ dataDir: join(dir.dir, 'hub'), databaseUrl, log: () => {} });
    try {
      const issued = new Date('2026-11-02T09:00:00.000Z');
      const days = (n: number): Date => new Date(issued.getTime() + n * 86_400_000);
      const shop = await store.ensureShop('Shop', 'privacy');
      const member = await store.joinMember(shop.no, { id: 'm2', name: 'Ewa', phone: '+48600100200', email: null, consentAt: null, consentText: null }, issued);
      await store.db
        .insertInto('ledger')
        .values({
          id: 'seed-2',
          member_id: 'm2',
          kind: 'adjust',
          points: 200,
          stamps: 0,
          sale_id: null,
          reverses: null,
          reason_json: '{"code":"adjust"}',
          at: issued.toISOString(),
          kiosk_no: null,
          spend: null,
        })
        .execute();
      const issue = (voucherId: string) =>
        store.issueVoucher({ voucherId, member, rewardKey: rewardKeyOf('five-zl'), costPoints: 60, costStamps: 0, expiresAt: days(30), now: issued });
      expect((await issue('0000000000000001')).ok).toBe(true);
      expect((await issue('0000000000000002')).ok).toBe(true);
      const points = async () => (await store.entries('m2')).reduce((n, e) => n + e.points, 0);
      expect(await points()).toBe(80);

      // Not yet expired: nothing comes back. Expired: each unredeemed voucher's 60 points, once, whoever sweeps again.
      expect(await store.releaseExpiredVouchers(days(29))).toBe(0);
      expect(await store.releaseExpiredVouchers(days(30), 'm2')).toBe(2);
      expect(await store.releaseExpiredVouchers(days(31))).toBe(0);
      expect(await points()).toBe(200);
      expect(await store.voucher('0000000000000001')).toMatchObject({ status: 'released' });
      expect(await store.entries('m2')).toContainEqual(
        expect.objectContaining({ id: 'voucher-release:0000000000000001', kind: 'reversal', points: 60, reverses: 'voucher-hold:0000000000000001' }),
      );

      // A redemption made offline before it expired, reported after the release: the reward was handed over, so the points are held again.
      const k1 = (await store.pairKiosk((await store.createPairingCode(shop.no, issued)).code, 'Till 1', issued))!;
      const k2 = (await store.pairKiosk((await store.createPairingCode(shop.no, issued)).code, 'Till 2', issued))!;
      const late = await store.redeemVoucherOnce({
        voucherId: '0000000000000001',
        redemptionId: 'r-late',
        kioskNo: k1.no,
        at: days(29).toISOString(),
        offline: true,
        now: days(31),
      });
      expect(late.status).toBe('redeemed');
      expect(await points()).toBe(140);

      // A fresh voucher asked for by two kiosks at once: one redemption stands, the other is told where it went.
      expect(
        (
          await store.issueVoucher({
            voucherId: '0000000000000003',
            member,
            rewardKey: rewardKeyOf('five-zl'),
            costPoints: 60,
            costStamps: 0,
            expiresAt: days(40),
            now: days(10),
          })
        ).ok,
      ).toBe(true);
      const both = await Promise.all(
        [k1, k2].map((k) =>
          store.redeemVoucherOnce({
            voucherId: '0000000000000003',
            redemptionId: `r-${k.no}`,
            kioskNo: k.no,
            at: days(11).toISOString(),
            offline: false,
            now: days(11),
          }),
        ),
      );
      expect(both.map((o) => o.status).sort()).toEqual(['already-redeemed', 'redeemed']);
      // The winner asking again with its redemption id is a retry, not a second redemption.
      const winner = both.find((o) => o.status === 'redeemed')!;
      if (winner.status !== 'redeemed') throw new Error('no winner');
      expect(
        (
          await store.redeemVoucherOnce({
            voucherId: '0000000000000003',
            redemptionId: winner.redemption.redemptionId,
            kioskNo: winner.redemption.kioskNo,
            at: days(11).toISOString(),
            offline: false,
            now: days(11),
          })
        ).status,
      ).toBe('redeemed');
      expect(await store.voucherConflicts(shop.no)).toEqual([]);
      expect(await points()).toBe(80);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
