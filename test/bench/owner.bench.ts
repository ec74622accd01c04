// `npm run bench -- owner`: the owner's dashboard page over 1,000,000 ledger entries and 50,000 members
// (OWNER_BENCH_ENTRIES / OWNER_BENCH_MEMBERS to change), with a bare SQLite aggregate as baseline.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { sql, type Insertable } from 'kysely';
import type { HubDatabase } from '../../cloud/store-schema';
import { dashboard } from '../../core/metrics';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { fmt, summarize } from './stats';

const ENTRIES = Number(process.env.OWNER_BENCH_ENTRIES ?? 1_000_000);
const MEMBERS = Number(process.env.OWNER_BENCH_MEMBERS ?? 50_000);
const NOW = new Date('2026-11-03T12:00:00Z');
const DAYS = 90;

/** One HTTP request on a fresh connection (a pooled one may have been closed while the seeding blocked the hub). */
function call(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
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

export async function run(): Promise<void> {
  const tmp = tempDir('bench-owner');
  const hub = await testHub(tmp.dir, { now: () => NOW });
  try {
    const tills = [await pairedKiosk(hub, 'Till 1'), await pairedKiosk(hub, 'Till 2')];
    const db = hub.store.db;
    const seedStart = performance.now();
    // Seeded through Kysely in chunks (the same code on both engines), one transaction.
    await db.transaction().execute(async (trx) => {
      const chunk = 500;
      const members = Array.from({ length: MEMBERS }, (_, m) => ({ id: `m${m}`, shop_no: 1, name: `Member ${m}`,
        phone: `+48600${String(m).padStart(6, '0')}`, email: null, created_at: new Date(NOW.getTime() - DAYS * 86_400_000).toISOString() }));
      for (let i = 0; i < members.length; i += chunk) await trx.insertInto('members').values(members.slice(i, i + chunk)).execute();
      type SaleRow = Insertable<HubDatabase['sales']>;
      type EntryRow = Insertable<HubDatabase['ledger']>;
      let sales: SaleRow[] = [];
      let entries: EntryRow[] = [];
      const flush = async (force = false): Promise<void> => {
        if (sales.length >= chunk || (force && sales.length > 0)) { await trx.insertInto('sales').values(sales).execute(); sales = []; }
        if (entries.length >= chunk || (force && entries.length > 0)) { await trx.insertInto('ledger').values(entries).execute(); entries = []; }
      };
      const entry = (id: string, memberId: string, kind: string, points: number, saleId: string | null, reason: string, at: string,
        kioskNo: number | null, spend: number | null): EntryRow =>
        ({ id, member_id: memberId, kind, points, stamps: 0, sale_id: saleId, reverses: null, reason_json: reason, at, kiosk_no: kioskNo, spend });
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
        entries.push(entry(randomUUID(), `m${i % MEMBERS}`, redeem ? 'redeem' : 'bonus', redeem ? -60 : 10, null,
          redeem ? '{"code":"redeem","ruleId":"five-zl","label":"5 zł off"}' : '{"code":"birthday"}', at, null, null));
        await flush();
      }
      await flush(true);
    });
    console.log(`seeded ${ENTRIES.toLocaleString('en')} ledger entries, ${(ENTRIES).toLocaleString('en')} sales, ${MEMBERS.toLocaleString('en')} members in ${fmt((performance.now() - seedStart) / 1000, 1)} s`);

    const session = await call(`${hub.url}/owner/login`, { method: 'POST', body: `token=${hub.ownerToken}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const cookie = (session.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const pageMs: number[] = [];
    for (let i = 0; i < Number(process.env.OWNER_BENCH_PAGES ?? 1); i++) {
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
    // Where the time goes: reading the rows, and the pure maths.
    let start = performance.now();
    const facts = (await hub.store.ownerFacts(1));
    const readMs = performance.now() - start;
    start = performance.now();
    dashboard({ ...facts, from: new Date('2026-10-03T22:00:00Z'), to: new Date('2026-11-03T23:00:00Z'), now: NOW, timeZone: 'Europe/Warsaw' });
    const mathsMs = performance.now() - start;
    // Baseline: one bare SQLite aggregate over the same sales (count, sum, members' share) for the same month.
    start = performance.now();
    await sql`SELECT count(*), sum(amount), count(member_id) FROM sales WHERE at >= '2026-10-03T22:00:00Z' AND at < '2026-11-03T23:00:00Z'`.execute(db);
    const bareMs = performance.now() - start;
    console.log(`dashboard page (GET /owner, one month): p50 ${fmt(page.p50, 0)} ms, max ${fmt(Math.max(...pageMs), 0)} ms over ${page.n} requests`);
    console.log(`  of which ownerFacts (read every row) ${fmt(readMs, 0)} ms, dashboard() maths ${fmt(mathsMs, 0)} ms`);
    console.log(`  baseline: bare ${hub.store.engine} count/sum over the month ${fmt(bareMs, 1)} ms → page is ${fmt(page.p50 / bareMs, 0)}× the bare aggregate`);
    console.log(`  hub RSS ${fmt(process.memoryUsage().rss / 1048576, 0)} MB`);
  } finally {
    await hub.close();
    tmp.remove();
  }
}
