// Migration 0024 on a hub with history: the roll-ups kept per day before it are made again per hour
// of each day in one grouped pass, and the overview read from them equals core/metrics' dashboard()
// over the raw rows. Runs on SQLite in the default project and on PostgreSQL in `hub-postgres`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboard, figures, zonedMidnight } from '../../core/metrics';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { parseProgram, serializeProgram } from '../../core/program/schema';
import { OwnerStore } from '../../cloud/owner-store';
import { hubMigrations } from '../../cloud/store-schema';
import { HubStore } from '../../cloud/store';
import { hubDatabaseUrl, tempDir } from '../support/hub-harness';

const temp = tempDir('owner-rollup-hours');
afterAll(() => temp.remove());

const NOW = new Date('2026-11-03T12:00:00Z');

function rawDb(dataDir: string, databaseUrl: string | undefined): Kysely<Record<string, Record<string, unknown>>> {
  if (databaseUrl) return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) });
  return new Kysely({ dialect: new SqliteDialect({ database: new Database(join(dataDir, 'hub.sqlite')) }) });
}

describe('migration 0024 (roll-ups per hour of each day)', () => {
  it('sums a hub with history again per hour, and the overview still equals the raw ledger', async () => {
    const dataDir = join(temp.dir, 'hub');
    const databaseUrl = await hubDatabaseUrl(temp.dir);
    const engine = databaseUrl ? 'postgres' : 'sqlite';
    mkdirSync(dataDir, { recursive: true });

    // A hub as it was before: migrations up to 0023, sales and entries over 20 days (the end of summer time included),
    // a refund, a sale known only from its claim; their day roll-ups summed by a read before the upgrade.
    const before = rawDb(dataDir, databaseUrl);
    const migrations = hubMigrations(engine);
    const upTo0023 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= '0023'));
    const provider: MigrationProvider = { getMigrations: () => Promise.resolve(upTo0023) };
    expect((await new Migrator({ db: before, provider }).migrateToLatest()).error).toBeUndefined();
    const parsed = parseProgram(DEMO_PROGRAM_DOCUMENT);
    if (!parsed.ok) throw new Error('demo program refused');
    const zone = parsed.program.timeZone;
    await sql`INSERT INTO shops (id, name, privacy_text, program_json) VALUES ('shop-a', 'Shop', 'privacy', ${serializeProgram(parsed.program)})`.execute(
      before,
    );
    const shopNo = Number((await sql<{ no: unknown }>`SELECT no FROM shops`.execute(before)).rows[0]!.no);
    for (const k of ['till-1', 'till-2'])
      await sql`INSERT INTO kiosks (id, shop_no, name, secret, paired_at) VALUES (${k}, ${shopNo}, ${k}, 'secret', ${NOW.toISOString()})`.execute(before);
    const kiosks = (await sql<{ no: unknown }>`SELECT no FROM kiosks ORDER BY no`.execute(before)).rows.map((r) => Number(r.no));
    const members = ['mh-0', 'mh-1', 'mh-2'];
    for (const id of members)
      await sql`INSERT INTO members (id, shop_no, name, created_at) VALUES (${id}, ${shopNo}, ${id}, '2026-10-01T00:00:00.000Z')`.execute(before);
    const at = (i: number): string => new Date(NOW.getTime() - i * 7_919_000).toISOString(); // about every 2.2 h, over 20 days
    for (let i = 0; i < 220; i++) {
      const id = `S-${i}`;
      const member = i % 4 === 3 ? null : members[i % 3]!;
      const kiosk = kiosks[i % 2]!;
      if (i % 17 === 5) {
        // Known only from its claim (no kiosk sale row): the claim's entry carries the spend.
        await sql`INSERT INTO claims (sale_key, kiosk_no, sale_no, member_id, via, points, stamps, at)
          VALUES (${id}, ${kiosk}, ${i}, ${members[0]!}, 'phone', 5, 0, ${at(i)})`.execute(before);
        await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
          VALUES (${`claim:${id}`}, ${members[0]!}, 'earn', 5, 0, ${id}, NULL, '{"code":"base"}', ${at(i)}, ${kiosk}, ${500 + i})`.execute(before);
        continue;
      }
      await sql`INSERT INTO sales (id, kiosk_no, sale_no, amount, currency, points, member_id, at)
        VALUES (${id}, ${kiosk}, ${i}, ${1000 + i * 7}, 'PLN', 10, ${member}, ${at(i)})`.execute(before);
      if (member !== null)
        await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
          VALUES (${`claim:${id}`}, ${member}, 'earn', 10, 0, ${id}, NULL, '{"code":"base"}', ${at(i)}, ${kiosk}, ${1000 + i * 7})`.execute(before);
      if (i % 9 === 0 && member !== null)
        await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
          VALUES (${`rev:${id}`}, ${member}, 'reversal', -10, 0, ${id}, ${`claim:${id}`}, '{"code":"refund"}', ${at(i - 3)}, ${kiosk}, -400)`.execute(before);
      if (i % 11 === 0)
        await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
          VALUES (${`r-${i}`}, ${members[i % 3]!}, 'redeem', -60, 0, NULL, NULL, '{"code":"redeem","ruleId":"five-zl","label":"5 zł off"}', ${at(i)}, NULL, NULL)`.execute(
          before,
        );
    }
    await before.destroy();

    const store = await HubStore.open({ dataDir, databaseUrl, log: () => {} });
    try {
      const hourly = await sql<{ days: unknown; hours: unknown; marks: unknown }>`SELECT count(DISTINCT day) AS days, count(DISTINCT hour) AS hours,
          (SELECT count(*) FROM rollup_marks) AS marks FROM rollup_members`.execute(store.db);
      // Summed by the migration (no marks left to sum at the first read), per hour: more hours than days.
      expect(Number(hourly.rows[0]!.marks)).toBe(0);
      expect(Number(hourly.rows[0]!.hours)).toBeGreaterThan(Number(hourly.rows[0]!.days));
      const owner = new OwnerStore(store.context, store.ledger);
      const day = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(d);
      const periods = [
        { from: zonedMidnight(day(new Date(NOW.getTime() - 14 * 86_400_000)), zone), to: zonedMidnight(day(NOW), zone) },
        { from: new Date(NOW.getTime() - 10 * 86_400_000 - 3_600_000 * 5.5), to: NOW },
      ];
      let sales = 0;
      for (const { from, to } of periods) {
        const agg = await owner.dashboardAggregates(shopNo, {
          from,
          to,
          location: null,
          inactiveBefore: new Date(NOW.getTime() - 3 * 86_400_000),
          timeZone: zone,
        });
        const rolled = figures(agg, { to, now: NOW, timeZone: zone, inactiveDays: 3 });
        const facts = await store.ownerFacts(shopNo);
        const where = new Map((await owner.kioskLocations(shopNo)).map((k) => [String(k.no), k.location]));
        const raw = dashboard({
          ...facts,
          sales: facts.sales.map((f) => ({ ...f, location: where.get(f.location)! })),
          saleLocations: facts.saleKiosks.map((f) => ({ saleId: f.saleId, location: where.get(f.location)! })),
          from,
          to,
          now: NOW,
          timeZone: zone,
          location: null,
          inactiveDays: 3,
          topN: 10,
        });
        expect(rolled).toEqual(raw);
        sales += rolled.sales;
      }
      expect(sales).toBeGreaterThan(100);
    } finally {
      await store.close();
    }
  }, 120_000);
});
