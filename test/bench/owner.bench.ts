// `npm run bench -- owner`: the owner's overview over 1,000,000 ledger entries and 50,000 members
// (OWNER_BENCH_ENTRIES / OWNER_BENCH_MEMBERS to change) on SQLite, or on PostgreSQL with
// HUB_TEST_ENGINE=postgres: the page over HTTP and the roll-up read, beside a bare count/sum over the
// same month's sales from the same run as baseline.
import { request } from 'node:http';
import { sql, type RawBuilder } from 'kysely';
import { keepPeriod, type Prepared } from '../../cloud/owner-member-periods';
import { backfillRollups } from '../../cloud/owner-rollups';
import { ShopSettingsStore } from '../../cloud/shop-settings';
import { createHmac, randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../cloud/owner-accounts';
import { DEFAULT_SCRYPT } from '../../core/accounts';
import { defaultPeriod, DEFAULT_SEGMENTS, figures } from '../../core/metrics';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { dropTestDatabases, hubTestEngine } from '../support/test-postgres';
import { fmt, summarize } from './stats';

const ENTRIES = Number(process.env.OWNER_BENCH_ENTRIES ?? 1_000_000);
const MEMBERS = Number(process.env.OWNER_BENCH_MEMBERS ?? 50_000);
const REQUESTS = Number(process.env.OWNER_BENCH_PAGES ?? 20);
const NOW = new Date('2026-11-03T12:00:00Z');
const DAYS = 90;
const ZONE = 'Europe/Warsaw';

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

const stats = (label: string, ms: number[], baseline?: number): string => {
  const s = summarize(ms);
  const ratio = baseline === undefined ? '' : ` (${fmt(s.p50 / baseline, 1)}× the bare aggregate's p50)`;
  return `${label}: p50 ${fmt(s.p50, 1)} ms, p95 ${fmt(s.p95, 1)} ms over ${s.n}${ratio}`;
};

/**
 * The time a piece of work takes and the longest the event loop was held meanwhile: the longest gap
 * between the ticks of a 5 ms interval (so 5 ms means never held), what kiosks, phones and owners
 * would have waited. (perf_hooks' monitorEventLoopDelay missed a block that starts before its first
 * tick, so the probe is armed first.)
 */
async function withStall<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; stallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  longest = 0;
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(probe);
  return { result, ms, stallMs: longest };
}

async function samples(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return ms;
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
  const engine = hubTestEngine();
  console.log(`hub store engine: ${engine} (HUB_TEST_ENGINE=postgres for PostgreSQL)`);
  const tmp = tempDir('bench-owner');
  const hub = await testHub(tmp.dir, { now: () => NOW });
  try {
    const tills = [await pairedKiosk(hub, 'Till 1'), await pairedKiosk(hub, 'Till 2')];
    const db = hub.store.db;
    const pg = hub.store.engine === 'postgres';
    const seedStart = performance.now();
    // Bulk load: rows generated by the database itself (INSERT … SELECT over a series), with the
    // secondary indexes and the roll-up triggers dropped for the inserts and made again after from the
    // engine's own record of them (so none is missed); the roll-ups are then back-filled as the migration does.
    const indexes = pg
      ? (
          await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema()
          AND tablename IN ('members', 'sales', 'ledger') AND indexdef NOT LIKE 'CREATE UNIQUE%'`.execute(db)
        ).rows
      : (
          await sql<{ name: string; def: string }>`SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
          AND tbl_name IN ('members', 'sales', 'ledger')`.execute(db)
        ).rows;
    const triggers = pg
      ? (
          await sql<{ name: string; tbl: string; def: string }>`SELECT t.tgname AS name, c.relname AS tbl, pg_get_triggerdef(t.oid) AS def
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgname LIKE 'rollup_%'`.execute(db)
        ).rows
      : (await sql<{ name: string; tbl: string; def: string }>`SELECT name, tbl_name AS tbl, sql AS def FROM sqlite_master WHERE type = 'trigger'`.execute(db))
          .rows;
    for (const index of indexes) await sql`DROP INDEX ${sql.id(index.name)}`.execute(db);
    for (const t of triggers) await (pg ? sql`DROP TRIGGER ${sql.id(t.name)} ON ${sql.id(t.tbl)}` : sql`DROP TRIGGER ${sql.id(t.name)}`).execute(db);

    // The same formulas on both engines: i is the row number, times go back from NOW over DAYS days.
    const nowEpoch = NOW.getTime() / 1000;
    const series = (count: number, select: RawBuilder<unknown>): RawBuilder<unknown> =>
      pg
        ? sql`SELECT r.* FROM generate_series(0::bigint, ${count - 1}) AS n(i) CROSS JOIN LATERAL (${select}) r`
        : sql`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1}) ${select} FROM n`;
    const iso = (secondsBack: RawBuilder<unknown>): RawBuilder<string> =>
      pg
        ? sql<string>`to_char(to_timestamp(CAST(${nowEpoch} AS bigint) - ${secondsBack}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
        : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', ${nowEpoch} - ${secondsBack}, 'unixepoch')`;
    const text = (value: RawBuilder<unknown>): RawBuilder<string> => (pg ? sql<string>`(${value})::text` : sql<string>`CAST(${value} AS TEXT)`);
    const memberSales = Math.floor(ENTRIES / 2);
    const [k1, k2] = tills.map((t) => t.kioskNo) as [number, number];
    await db.transaction().execute(async (trx) => {
      const memberRows = pg
        ? sql`SELECT 'm' || i AS id, 'Member ' || i AS name, '+48600' || lpad(i::text, 6, '0') AS phone`
        : sql`SELECT 'm' || i AS id, 'Member ' || i AS name, '+48600' || substr('000000' || i, -6) AS phone`;
      await sql`INSERT INTO members (id, shop_no, name, phone, email, created_at)
        SELECT id, 1, name, phone, NULL, ${new Date(NOW.getTime() - DAYS * 86_400_000).toISOString()} FROM (${series(MEMBERS, memberRows)}) x`.execute(trx);
      // Every other sale a member's (with its base entry, the claim's spend), the others anonymous, at two tills.
      const saleRows = sql`SELECT i, CASE WHEN i % 2 = 0 THEN CAST(${k1} AS integer) ELSE CAST(${k2} AS integer) END AS kiosk_no, 500 + (i * 131) % 5000 AS amount,
          ${iso(sql`(i * 7919) % ${sql.lit(DAYS * 86_400)}`)} AS at, CASE WHEN i % 2 = 0 THEN 'm' || ${text(sql`(i / 2) % ${sql.lit(MEMBERS)}`)} END AS member_id`;
      await sql`INSERT INTO sales (id, kiosk_no, sale_no, amount, currency, points, member_id, at)
        SELECT 'K' || kiosk_no || '-S' || i, kiosk_no, i, amount, 'PLN', amount / 100, member_id, at FROM (${series(memberSales * 2, saleRows)}) x`.execute(
        trx,
      );
      await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
        SELECT 'claim:' || id, member_id, 'earn', points, 0, id, NULL, '{"code":"base"}', at, kiosk_no, amount FROM sales WHERE member_id IS NOT NULL`.execute(
        trx,
      );
      // The other half: birthday bonuses and, one in four, redemptions of "5 zł off".
      const entryRows = sql`SELECT i, ${iso(sql`(i * 104729) % ${sql.lit(DAYS * 86_400)}`)} AS at, 'm' || ${text(sql`i % ${sql.lit(MEMBERS)}`)} AS member_id, i % 4 = 0 AS redeem`;
      await sql`INSERT INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
        SELECT 'e' || i, member_id, CASE WHEN redeem THEN 'redeem' ELSE 'bonus' END, CASE WHEN redeem THEN -60 ELSE 10 END, 0, NULL, NULL,
          CASE WHEN redeem THEN '{"code":"redeem","ruleId":"five-zl","label":"5 zł off"}' ELSE '{"code":"birthday"}' END, at, NULL, NULL
        FROM (${series(ENTRIES - memberSales, entryRows)}) x`.execute(trx);
    });
    for (const index of indexes) await sql.raw(index.def).execute(db);
    for (const t of triggers) await sql.raw(t.def).execute(db);
    // After a bulk load: fresh statistics (and on PostgreSQL the visibility map autovacuum would soon build, for index-only scans).
    await (pg ? sql`VACUUM ANALYZE` : sql`ANALYZE`).execute(db);
    const seeded = (performance.now() - seedStart) / 1000;
    const backfillStart = performance.now();
    await db.transaction().execute((trx) => backfillRollups(trx, hub.store.engine));
    await (pg ? sql`VACUUM ANALYZE` : sql`ANALYZE`).execute(db);
    const rows = await sql<{ n: unknown }>`SELECT count(*) AS n FROM ledger`.execute(db);
    // Every seeded entry must name a seeded member (a number bound as REAL on SQLite once made 'm7.0', matching nobody).
    const matched = await sql<{ n: unknown }>`SELECT count(*) AS n FROM ledger l JOIN members m ON m.id = l.member_id`.execute(db);
    if (Number(matched.rows[0]!.n) !== Number(rows.rows[0]!.n))
      throw new Error(`seeding: ${String(matched.rows[0]!.n)} of ${String(rows.rows[0]!.n)} entries name a member`);
    console.log(
      `seeded ${Number(rows.rows[0]!.n).toLocaleString('en')} ledger entries, ${(memberSales * 2).toLocaleString('en')} sales, ${MEMBERS.toLocaleString('en')} members ` +
        `in ${fmt(seeded, 1)} s; roll-up back-fill (the migration's) ${fmt((performance.now() - backfillStart) / 1000, 1)} s`,
    );

    const session = await call(`${hub.url}/owner/login`, {
      method: 'POST',
      body: `token=${hub.ownerToken}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const cookie = (session.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const page = async (): Promise<void> => {
      const res = await call(`${hub.url}/owner?from=2026-10-04&to=2026-11-04`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`);
    };
    // The month of the page: [4 Oct, 4 Nov) in Warsaw.
    const from = new Date('2026-10-03T22:00:00Z');
    const to = new Date('2026-11-03T23:00:00Z');
    const query = (location: string | null) => ({ from, to, location, inactiveBefore: new Date(NOW.getTime() - 60 * 86_400_000), timeZone: ZONE });
    const bare = sql`SELECT count(*), sum(amount), count(member_id) FROM sales WHERE at >= ${from.toISOString()} AND at < ${to.toISOString()}`;

    // The default period's kept member sums (cloud/owner-member-periods.ts) are made ahead by the hub, off the request path
    // (at start, after each shop midnight: cloud/hub.ts prepareOverview); the bulk load dropped the ones made at start.
    // Before (main): the period built in one transaction, the event loop held throughout on SQLite. Then dropped, and
    // prepared as the hub does now: in chunks with the event loop free between them.
    const defaultQuery = (now: Date) => ({ ...defaultPeriod(now, ZONE), timeZone: ZONE, kiosks: null, segments: DEFAULT_SEGMENTS });
    const dropNewest = async (): Promise<void> => {
      const newest = sql`(SELECT period FROM member_periods ORDER BY seq DESC LIMIT 1)`;
      await sql`DELETE FROM member_period_sums WHERE period = ${newest}`.execute(db);
      await sql`DELETE FROM member_periods WHERE period = ${newest}`.execute(db);
    };
    await hub.owner.dashboardAggregates(1, query(null)); // the roll-ups up to date, so both below time the period alone
    await dropNewest();
    const oneBuild = await withStall(() => keepPeriod(db, hub.owner.engine, 1, defaultQuery(NOW)));
    await dropNewest();
    const chunkedBuild = await withStall(() => hub.owner.prepareDefaultPeriod(1, ZONE, NOW));
    const builtMs = [chunkedBuild.ms];
    const madeOnRead = hub.owner.periodsMade.onRead;
    const firstMs = await samples(1, page);
    const bareMs = await samples(REQUESTS, () => bare.execute(db));
    const baseline = summarize(bareMs).p50;
    const timings: Record<string, number> = {};
    let members = 0;
    const readMs = await samples(REQUESTS, async () => {
      const agg = await hub.owner.dashboardAggregates(1, query(null), timings);
      members = agg.members.active;
      figures(agg, { to, now: NOW, timeZone: ZONE, inactiveDays: 60 });
    });
    const pageMs = await samples(REQUESTS, page);
    const pagesMadePeriods = hub.owner.periodsMade.onRead - madeOnRead;
    // A sale lands before each request: its hour is summed again before the read (the refresh).
    let saleNo = 10_000_000;
    const sale = async (i: number): Promise<void> => {
      saleNo++;
      const at = new Date(NOW.getTime() - 3_600_000).toISOString();
      await sql`INSERT INTO sales (id, kiosk_no, sale_no, amount, currency, points, member_id, at)
        VALUES (${`K${k1}-S${saleNo}`}, ${k1}, ${saleNo}, 1840, 'PLN', 18, ${`m${i}`}, ${at})`.execute(db);
    };
    const freshMs: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      await sale(i);
      const start = performance.now();
      await page();
      freshMs.push(performance.now() - start);
    }
    // The same through the store, for the refresh's steps: the hour summed again, then the kept periods' members read again.
    const freshTimings: Record<string, number> = {};
    for (let i = 0; i < REQUESTS; i++) {
      await sale(REQUESTS + i);
      await hub.owner.dashboardAggregates(1, query(null), freshTimings);
    }
    // After the reads above (with the default period alone kept, as on a live hub through the day):
    // The next day's period (the default period moves a day each day): shifted from the kept one, a day taken away and one added.
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    const oneShift = await withStall(() => keepPeriod(db, hub.owner.engine, 1, defaultQuery(tomorrow)));
    await dropNewest();
    const chunkedShift = await withStall(() => hub.owner.prepareDefaultPeriod(1, ZONE, tomorrow));
    const nextDayMs = [chunkedShift.ms];
    // A period nobody prepared (one location) is still built by its first read.
    const firstLocationMs = await samples(1, () => hub.owner.dashboardAggregates(1, query('Till 1')));
    // What the owner hook reads on every owner request for the frame's shop name (cloud/hub.ts settingsNow).
    const settingsStore = new ShopSettingsStore(hub.store.context, hub.store.shops);
    const settingsMs = await samples(REQUESTS * 5, async () => settingsStore.get(1, (await hub.store.shop(1))!.program));
    const oneLocationMs = await samples(REQUESTS, () => hub.owner.dashboardAggregates(1, query('Till 1')));

    console.log(stats('baseline: bare count/sum over the month’s sales', bareMs));
    console.log(stats('overview page (GET /owner, one month, HTTP)', pageMs, baseline));
    console.log(stats('overview page right after a sale landed (its hour summed again first)', freshMs, baseline));
    console.log(stats('roll-up read (dashboardAggregates + figures)', readMs, baseline));
    console.log(stats('  one location', oneLocationMs, baseline));
    console.log(
      `default period prepared ahead (off the request path), its member sums built: ${fmt(builtMs[0]!, 0)} ms; the first page read after it ${fmt(firstMs[0]!, 0)} ms; ` +
        `periods built or shifted by the ${REQUESTS + 1} page reads: ${pagesMadePeriods}`,
    );
    console.log(`next day's default period prepared ahead, its member sums shifted from the kept period's: ${fmt(nextDayMs[0]!, 0)} ms`);
    const chunks = (p: Prepared): string =>
      `${p.made}, ${p.chunks} chunks, longest ${fmt(p.longestChunkMs, 0)} ms, row and bounds first ${fmt(p.setupMs, 0)} ms`;
    console.log(
      `longest event-loop stall while the default period is made (gap between 5 ms ticks): ` +
        `build in one transaction (main) ${fmt(oneBuild.stallMs, 0)} ms of ${fmt(oneBuild.ms, 0)} ms (${oneBuild.result}); ` +
        `prepared in chunks ${fmt(chunkedBuild.stallMs, 0)} ms of ${fmt(chunkedBuild.ms, 0)} ms (${chunks(chunkedBuild.result)})`,
    );
    console.log(
      `  next day's: shift in one transaction (main) ${fmt(oneShift.stallMs, 0)} ms of ${fmt(oneShift.ms, 0)} ms (${oneShift.result}); ` +
        `prepared in chunks ${fmt(chunkedShift.stallMs, 0)} ms of ${fmt(chunkedShift.ms, 0)} ms (${chunks(chunkedShift.result)})`,
    );
    console.log(`first read of a period nobody prepared (one location), which builds its member sums: roll-up read ${fmt(firstLocationMs[0]!, 0)} ms`);
    console.log(stats('settings read by the owner hook (shop row, program, settings row)', settingsMs));
    console.log(
      `  per step of a read right after a sale, mean over ${REQUESTS}: ${Object.entries(freshTimings)
        .map(([name, ms]) => `${name} ${fmt(ms / REQUESTS, 1)} ms`)
        .join(', ')}`,
    );
    console.log(
      `  per step, summed over ${REQUESTS} reads: ${Object.entries(timings)
        .map(([name, ms]) => `${name} ${fmt(ms / REQUESTS, 1)} ms`)
        .join(', ')}; ${members.toLocaleString('en')} active members`,
    );
    console.log('  (before the roll-ups: page p50 3.8 s on SQLite at 1,000,000 entries; before the kept member sums: 1.55 s)');
    console.log(`  hub RSS ${fmt(process.memoryUsage().rss / 1048576, 0)} MB`);
  } finally {
    await hub.close();
    tmp.remove();
    await dropTestDatabases();
  }
}
