// `npm run bench -- owner`: the owner's dashboard page over 1,000,000 ledger entries and 50,000 members
// (OWNER_BENCH_ENTRIES / OWNER_BENCH_MEMBERS to change), with a bare count/sum over the same sales as baseline (SQLite, or PostgreSQL with HUB_TEST_ENGINE=postgres).
import Database from 'better-sqlite3';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { sql, type Insertable } from 'kysely';
import type { HubDatabase } from '../../cloud/store-schema';
import { hashPassword, verifyPassword } from '../../cloud/owner-accounts';
import { DEFAULT_SCRYPT } from '../../core/accounts';
import { figures } from '../../core/metrics';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { dropTestDatabases, hubTestEngine } from '../support/test-postgres';
import { fmt, summarize } from './stats';

const ENTRIES = Number(process.env.OWNER_BENCH_ENTRIES ?? 1_000_000);
const MEMBERS = Number(process.env.OWNER_BENCH_MEMBERS ?? 50_000);
const NOW = new Date('2026-11-03T12:00:00Z');
const DAYS = 90;

/** One HTTP request on a fresh connection (a pooled one may have been closed while the seeding blocked the hub). */
function call(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** SQLite: the same rows through a second connection to the hub's file with prepared statements (Kysely's per-chunk compiling costs minutes here). */
function seedSqlite(file: string, kioskNos: number[]): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  try {
    db.transaction(() => {
      const member = db.prepare('INSERT INTO members (id, shop_no, name, phone, email, created_at) VALUES (?, 1, ?, ?, NULL, ?)');
      for (let m = 0; m < MEMBERS; m++)
        member.run(`m${m}`, `Member ${m}`, `+48600${String(m).padStart(6, '0')}`, new Date(NOW.getTime() - DAYS * 86_400_000).toISOString());
      const sale = db.prepare("INSERT INTO sales (id, kiosk_no, sale_no, amount, currency, points, member_id, at) VALUES (?, ?, ?, ?, 'PLN', ?, ?, ?)");
      const entry = db.prepare(`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
        VALUES (?, ?, ?, ?, 0, ?, NULL, ?, ?, ?, ?)`);
      const memberSales = Math.floor(ENTRIES / 2);
      for (let i = 0; i < memberSales * 2; i++) {
        const kioskNo = kioskNos[i % 2]!;
        const at = new Date(NOW.getTime() - ((i * 7919) % (DAYS * 86_400)) * 1000).toISOString();
        const amount = 500 + ((i * 131) % 5000);
        const memberId = i % 2 === 0 ? `m${(i / 2) % MEMBERS}` : null;
        const id = `K${kioskNo}-S${i}`;
        sale.run(id, kioskNo, i, amount, Math.floor(amount / 100), memberId, at);
        if (memberId) entry.run(`claim:${id}`, memberId, 'earn', Math.floor(amount / 100), id, '{"code":"base"}', at, kioskNo, amount);
      }
      for (let i = 0; i < ENTRIES - memberSales; i++) {
        const at = new Date(NOW.getTime() - ((i * 104_729) % (DAYS * 86_400)) * 1000).toISOString();
        const redeem = i % 4 === 0;
        entry.run(
          randomUUID(),
          `m${i % MEMBERS}`,
          redeem ? 'redeem' : 'bonus',
          redeem ? -60 : 10,
          null,
          redeem ? '{"code":"redeem","ruleId":"five-zl","label":"5 zł off"}' : '{"code":"birthday"}',
          at,
          null,
          null,
        );
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * The owner's sign-in cost: one password check (scrypt with the hub's parameters, core/accounts.ts
 * DEFAULT_SCRYPT) against a bare HMAC-SHA256 of the same password (what checking the owner token or a
 * session id costs), in the same run. The cost is the point: it is what each guess costs an attacker.
 */
async function signInCost(): Promise<void> {
  const password = 'correct horse battery';
  const record = await hashPassword(password);
  const rounds = Number(process.env.OWNER_BENCH_SIGNINS ?? 20);
  const scryptMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    if (!(await verifyPassword(password, record))) throw new Error('password check failed');
    scryptMs.push(performance.now() - start);
  }
  const key = randomBytes(32);
  const hmacRounds = 20_000;
  const start = performance.now();
  for (let i = 0; i < hmacRounds; i++) createHmac('sha256', key).update(password).digest();
  const hmacMs = (performance.now() - start) / hmacRounds;
  const s = summarize(scryptMs);
  const { N, r, p } = DEFAULT_SCRYPT;
  console.log(`owner sign-in password check (scrypt N=${N}, r=${r}, p=${p}): p50 ${fmt(s.p50, 1)} ms, p95 ${fmt(s.p95, 1)} ms over ${s.n}`);
  console.log(`  baseline bare HMAC-SHA256 of the password: ${fmt(hmacMs * 1000, 2)} µs; ratio ${fmt(s.p50 / hmacMs, 0)}×`);
}

export async function run(): Promise<void> {
  await signInCost();
  console.log(`hub store engine: ${hubTestEngine()} (HUB_TEST_ENGINE=postgres for PostgreSQL)`);
  const tmp = tempDir('bench-owner');
  const hub = await testHub(tmp.dir, { now: () => NOW });
  try {
    const tills = [await pairedKiosk(hub, 'Till 1'), await pairedKiosk(hub, 'Till 2')];
    const db = hub.store.db;
    const seedStart = performance.now();
    // Bulk load: the secondary indexes of the seeded tables are dropped for the inserts and built again
    // after, from the engine's own record of them (sqlite_master / pg_indexes), so none is missed.
    const indexes =
      hub.store.engine === 'sqlite'
        ? (
            await sql<{ name: string; def: string }>`SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
          AND tbl_name IN ('members', 'sales', 'ledger')`.execute(db)
          ).rows
        : (
            await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema()
          AND tablename IN ('members', 'sales', 'ledger') AND indexdef NOT LIKE 'CREATE UNIQUE%'`.execute(db)
          ).rows;
    for (const index of indexes) await sql`DROP INDEX ${sql.id(index.name)}`.execute(db);
    if (hub.store.engine === 'sqlite')
      seedSqlite(
        join(tmp.dir, 'hub', 'hub.sqlite'),
        tills.map((t) => t.kioskNo),
      );
    // PostgreSQL: seeded through Kysely in chunks, one transaction.
    else
      await db.transaction().execute(async (trx) => {
        const chunk = 500;
        const members = Array.from({ length: MEMBERS }, (_, m) => ({
          id: `m${m}`,
          shop_no: 1,
          name: `Member ${m}`,
          phone: `+48600${String(m).padStart(6, '0')}`,
          email: null,
          created_at: new Date(NOW.getTime() - DAYS * 86_400_000).toISOString(),
        }));
        for (let i = 0; i < members.length; i += chunk)
          await trx
            .insertInto('members')
            .values(members.slice(i, i + chunk))
            .execute();
        type SaleRow = Insertable<HubDatabase['sales']>;
        type EntryRow = Insertable<HubDatabase['ledger']>;
        let sales: SaleRow[] = [];
        let entries: EntryRow[] = [];
        const flush = async (force = false): Promise<void> => {
          if (sales.length >= chunk || (force && sales.length > 0)) {
            await trx.insertInto('sales').values(sales).execute();
            sales = [];
          }
          if (entries.length >= chunk || (force && entries.length > 0)) {
            await trx.insertInto('ledger').values(entries).execute();
            entries = [];
          }
        };
        const entry = (
          id: string,
          memberId: string,
          kind: string,
          points: number,
          saleId: string | null,
          reason: string,
          at: string,
          kioskNo: number | null,
          spend: number | null,
        ): EntryRow => ({
          id,
          member_id: memberId,
          kind,
          points,
          stamps: 0,
          sale_id: saleId,
          reverses: null,
          reason_json: reason,
          at,
          kiosk_no: kioskNo,
          spend,
        });
        // Half the entries are the base entries of member sales; as many anonymous sales again; the other half bonuses and redemptions.
        const memberSales = Math.floor(ENTRIES / 2);
        for (let i = 0; i < memberSales * 2; i++) {
          const till = tills[i % 2]!;
          const at = new Date(NOW.getTime() - ((i * 7919) % (DAYS * 86_400)) * 1000).toISOString();
          const amount = 500 + ((i * 131) % 5000);
          const memberId = i % 2 === 0 ? `m${(i / 2) % MEMBERS}` : null;
          const id = `K${till.kioskNo}-S${i}`;
          sales.push({ id, kiosk_no: till.kioskNo, sale_no: i, amount, currency: 'PLN', points: Math.floor(amount / 100), member_id: memberId, at });
          if (memberId) entries.push(entry(`claim:${id}`, memberId, 'earn', Math.floor(amount / 100), id, '{"code":"base"}', at, till.kioskNo, amount));
          await flush();
        }
        for (let i = 0; i < ENTRIES - memberSales; i++) {
          const at = new Date(NOW.getTime() - ((i * 104_729) % (DAYS * 86_400)) * 1000).toISOString();
          const redeem = i % 4 === 0;
          entries.push(
            entry(
              randomUUID(),
              `m${i % MEMBERS}`,
              redeem ? 'redeem' : 'bonus',
              redeem ? -60 : 10,
              null,
              redeem ? '{"code":"redeem","ruleId":"five-zl","label":"5 zł off"}' : '{"code":"birthday"}',
              at,
              null,
              null,
            ),
          );
          await flush();
        }
        await flush(true);
      });
    for (const index of indexes) await sql.raw(index.def).execute(db);
    // After a bulk load: fresh statistics (and on PostgreSQL the visibility map autovacuum would soon build, for index-only scans).
    await (hub.store.engine === 'postgres' ? sql`VACUUM ANALYZE` : sql`ANALYZE`).execute(db);
    console.log(
      `seeded ${ENTRIES.toLocaleString('en')} ledger entries, ${ENTRIES.toLocaleString('en')} sales, ${MEMBERS.toLocaleString('en')} members in ${fmt((performance.now() - seedStart) / 1000, 1)} s`,
    );

    const session = await call(`${hub.url}/owner/login`, {
      method: 'POST',
      body: `token=${hub.ownerToken}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const cookie = (session.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const pageMs: number[] = [];
    for (let i = 0; i < Number(process.env.OWNER_BENCH_PAGES ?? 3); i++) {
      const start = performance.now();
      try {
        const res = await call(`${hub.url}/owner?from=2026-10-04&to=2026-11-04`, { headers: { cookie } });
        if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`);
        pageMs.push(performance.now() - start);
      } catch (error) {
        // The hub's HTTP server closes a request that takes longer than its 15 s request timeout.
        console.log(`dashboard page FAILED after ${fmt((performance.now() - start) / 1000, 1)} s: ${String((error as Error).cause ?? error)}`);
      }
    }
    const page = summarize(pageMs.length > 0 ? pageMs : [Number.NaN]);
    // Where the time goes: the SQL sums (Kysely), and core's figures() over them.
    const from = new Date('2026-10-03T22:00:00Z');
    const to = new Date('2026-11-03T23:00:00Z');
    let start = performance.now();
    const timings: Record<string, number> = {};
    const agg = await hub.owner.dashboardAggregates(1, { from, to, location: null, inactiveBefore: new Date(NOW.getTime() - 60 * 86_400_000) }, timings);
    const sqlMs = performance.now() - start;
    start = performance.now();
    figures(agg, { to, now: NOW, timeZone: 'Europe/Warsaw', inactiveDays: 60 });
    const mathsMs = performance.now() - start;
    start = performance.now();
    await hub.owner.dashboardAggregates(1, { from, to, location: 'Till 1', inactiveBefore: new Date(NOW.getTime() - 60 * 86_400_000) });
    const oneLocationMs = performance.now() - start;
    // Baseline: one bare SQLite aggregate over the same sales (count, sum, members' share) for the same month.
    start = performance.now();
    await sql`SELECT count(*), sum(amount), count(member_id) FROM sales WHERE at >= '2026-10-03T22:00:00Z' AND at < '2026-11-03T23:00:00Z'`.execute(db);
    const bareMs = performance.now() - start;
    console.log(`dashboard page (GET /owner, one month): p50 ${fmt(page.p50, 0)} ms, max ${fmt(Math.max(...pageMs), 0)} ms over ${page.n} requests`);
    console.log(
      `  of which SQL sums ${fmt(sqlMs, 0)} ms (${agg.members.length.toLocaleString('en')} members, ${agg.quarters.length} quarter hours, ` +
        `${agg.lastActivity.length.toLocaleString('en')} idle members), figures() ${fmt(mathsMs, 1)} ms; one location's SQL sums ${fmt(oneLocationMs, 0)} ms`,
    );
    console.log(
      `  SQL per query: ${Object.entries(timings)
        .map(([name, ms]) => `${name} ${fmt(ms, 0)} ms`)
        .join(', ')}`,
    );
    console.log('  (before the SQL sums: 29 s per page on SQLite, reading every row into memory)');
    console.log(
      `  baseline: bare ${hub.store.engine} count/sum over the month ${fmt(bareMs, 1)} ms → page is ${fmt(page.p50 / bareMs, 0)}× the bare aggregate`,
    );
    console.log(`  hub RSS ${fmt(process.memoryUsage().rss / 1048576, 0)} MB`);
  } finally {
    await hub.close();
    tmp.remove();
    await dropTestDatabases();
  }
}
