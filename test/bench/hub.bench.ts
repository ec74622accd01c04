import { randomBytes } from 'node:crypto';
// `npm run bench -- hub`: claim round trip, outbox catch-up, hub memory per 1,000 connected kiosks.
// On the embedded SQLite store by default; `HUB_TEST_ENGINE=postgres npm run bench -- hub` runs the same on
// PostgreSQL (throw-away databases through TEST_DATABASE_URL, dropped at the end).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { io as connect, type Socket } from 'socket.io-client';
import { HubStore, type Kiosk } from '../../cloud/store';
import { kioskAuth, type ClaimAccepted } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { TestKioskStore } from '../support/hub-kiosk';
import { Phone, hubDatabaseUrl, pairedKiosk, saleUrl, tempDir, testHub } from '../support/hub-harness';
import { dropTestDatabases, hubTestEngine } from '../support/test-postgres';
import { fmt, summarize } from './stats';
import { systemClock } from '../../core/clock';

async function claimRoundTrip(): Promise<void> {
  const tmp = tempDir('bench-claim');
  const hub = await testHub(tmp.dir);
  const creds = await pairedKiosk(hub);
  const store = new TestKioskStore(tmp.dir, '', creds.kioskNo);
  const kiosk = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: creds, outbox: store }).start();
  const waiting = new Map<number, () => void>();
  kiosk.on('claimAccepted', (e: ClaimAccepted) => waiting.get(e.saleNo)?.());
  await new Promise<void>((r) => kiosk.once('drained', r));
  const phone = new Phone('pl-PL');
  await phone.join(saleUrl(hub, creds, 0, 1), '+48 600 100 200');
  const samples: number[] = [];
  for (let saleNo = 1; saleNo <= 300; saleNo++) {
    const url = saleUrl(hub, creds, saleNo, 10);
    const start = performance.now();
    const heard = new Promise<void>((r) => waiting.set(saleNo, r));
    const res = await phone.post(url, { mode: 'member' });
    if (res.status !== 303) throw new Error(`claim failed: ${res.status}`);
    await heard;
    samples.push(performance.now() - start);
  }
  const s = summarize(samples);
  console.log(`claim round trip (phone POST → kiosk claimAccepted, loopback, n=${s.n}): p50 ${fmt(s.p50)} ms, p95 ${fmt(s.p95)} ms`);
  // Same run, same hub and HTTP stack, no store and no kiosk: what the loopback and the framework cost alone.
  const bare: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = performance.now();
    const res = await phone.get(`${hub.url}/v1/health`);
    if (res.status !== 200) throw new Error(`health failed: ${res.status}`);
    bare.push(performance.now() - start);
  }
  const b = summarize(bare);
  console.log(
    `  baseline: GET /v1/health on the same hub (n=${b.n}): p50 ${fmt(b.p50)} ms, p95 ${fmt(b.p95)} ms (the claim costs ${fmt(s.p95 / b.p95, 1)}x at p95)`,
  );
  kiosk.stop();
  store.close();
  await hub.close();
  tmp.remove();
}

async function outboxCatchUp(): Promise<void> {
  const tmp = tempDir('bench-catchup');
  const hub = await testHub(tmp.dir);
  const creds = await pairedKiosk(hub);
  const store = new TestKioskStore(tmp.dir, '', creds.kioskNo);
  const n = 10_000;
  const at = new Date().toISOString();
  store.enroll('m-1', 'Ewa', at);
  for (let i = 1; i <= n; i++) store.sale(i, 'm-1', 3, at);
  const start = performance.now();
  const kiosk = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: creds, outbox: store, batchSize: 200 }).start();
  await new Promise<void>((resolve) => {
    const check = () => (store.outboxSize() === 0 ? resolve() : undefined);
    kiosk.on('drained', check);
  });
  const seconds = (performance.now() - start) / 1000;
  if ((await hub.store.ledgerCount()) !== n) throw new Error(`hub has ${await hub.store.ledgerCount()} rows, expected ${n}`);
  console.log(`outbox catch-up, ${n} offline sales in batches of 200: ${fmt(seconds)} s, ${fmt((n + 1) / seconds, 0)} msgs/s`);
  kiosk.stop();
  store.close();
  if (hub.store.engine === 'postgres') {
    // Baseline on the same PostgreSQL: the same rows, one multi-row INSERT and one transaction per 200.
    await sql`CREATE TABLE bare_ledger (id TEXT PRIMARY KEY, member_id TEXT, points INTEGER, body TEXT)`.execute(hub.store.db);
    const pgStart = performance.now();
    for (let b = 0; b < n; b += 200) {
      const rows = Array.from({ length: 200 }, (_, k) => sql`(${`e-${b + k}`}, 'm-1', 3, '{"code":"base"}')`);
      await hub.store.db.transaction().execute((trx) => sql`INSERT INTO bare_ledger VALUES ${sql.join(rows)}`.execute(trx));
    }
    const barePg = (performance.now() - pgStart) / 1000;
    console.log(`  baseline: bare pg multi-row inserts of the same rows, same batches: ${fmt(barePg, 3)} s (sync costs ${fmt(seconds / barePg, 1)}x)`);
  }
  await hub.close();

  // Baseline from the same run: the same rows written straight into a bare SQLite file, one transaction per 200.
  const db = new Database(join(tmp.dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE ledger (id TEXT PRIMARY KEY, member_id TEXT, points INTEGER, body TEXT)');
  const ins = db.prepare('INSERT INTO ledger VALUES (?, ?, ?, ?)');
  const bareStart = performance.now();
  for (let b = 0; b < n; b += 200)
    db.transaction(() => {
      for (let i = b; i < b + 200; i++) ins.run(`e-${i}`, 'm-1', 3, '{"code":"base"}');
    })();
  const bare = (performance.now() - bareStart) / 1000;
  db.close();
  console.log(
    `  baseline: bare better-sqlite3 inserts of the same rows, same batches: ${fmt(bare, 3)} s (sync costs ${fmt(seconds / bare, 1)}x: validation, idempotency lookups, projection, network and acks)`,
  );
  tmp.remove();
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

async function memoryPerThousandKiosks(): Promise<void> {
  const tmp = tempDir('bench-kiosks');
  const dataDir = join(tmp.dir, 'hub');
  const count = 1000;
  const databaseUrl = await hubDatabaseUrl(tmp.dir);
  const seeded = await HubStore.open({ dataDir, databaseUrl });
  const shop = await seeded.ensureShop('Bench shop', 'privacy');
  const kiosks: Kiosk[] = [];
  for (let i = 0; i < count; i++) kiosks.push((await seeded.pairKiosk((await seeded.createPairingCode(shop.no, new Date())).code, `Till ${i}`, new Date()))!);
  await seeded.close();
  const child = spawn(process.execPath, ['--import', 'tsx', 'cloud/start.ts'], {
    env: { ...process.env, HUB_PORT: '0', HUB_DATA_DIR: dataDir, HUB_HOST: '127.0.0.1', DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /port (\d+)\)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  await new Promise((r) => setTimeout(r, 500));
  const before = rssKb(child.pid!);
  const sockets: Socket[] = [];
  const start = performance.now();
  await Promise.all(
    kiosks.map(
      (k) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(`http://127.0.0.1:${port}`, {
            transports: ['websocket'],
            reconnection: false,
            auth: (cb) => {
              const at = new Date().toISOString();
              cb(kioskAuth(k.secret, k.id, at, randomBytes(16)));
            },
          });
          sockets.push(socket);
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        }),
    ),
  );
  const connectSeconds = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssKb(child.pid!);
  console.log(
    `hub memory with ${count} connected kiosks: RSS ${fmt(before / 1024, 1)} MB idle → ${fmt(after / 1024, 1)} MB, ` +
      `+${fmt((after - before) / 1024, 1)} MB per 1,000 kiosks (${fmt(((after - before) * 1024) / count / 1024, 1)} KB each); all connected in ${fmt(connectSeconds)} s`,
  );
  for (const s of sockets) s.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  tmp.remove();
}

export async function run(): Promise<void> {
  console.log(`hub store engine: ${hubTestEngine()} (HUB_TEST_ENGINE=postgres for PostgreSQL)`);
  try {
    await claimRoundTrip();
    await outboxCatchUp();
    await memoryPerThousandKiosks();
  } finally {
    await dropTestDatabases();
  }
}
