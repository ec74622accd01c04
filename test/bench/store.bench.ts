// Store figures: durable sales per second against a bare better-sqlite3 insert loop with the same
// durability pragmas (same run, same disk), and the balance read for 100 vs 10,000 entries.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../core/ledger/entry';
import { openStore } from '../../main/store';
import { earn, member, saleWithEntries, T0 } from '../fixtures/store-data';
import { fmt, summarize } from './stats';
import { systemClock } from '../../core/clock';

const SECONDS = 4;

function fsName(dir: string): string {
  const type = statfsSync(dir).type;
  const names: Record<number, string> = {
    0xef53: 'ext4',
    0x01021994: 'tmpfs (fsync is a no-op: figures not durable)',
    0x9123683e: 'btrfs',
    0x58465342: 'xfs',
    0x794c7630: 'overlayfs',
  };
  return names[type] ?? `0x${type.toString(16)}`;
}

/** Runs `step(i)` for about `seconds`, returning per-call times in ms. */
function timed(step: (i: number) => void, seconds: number): number[] {
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    step(i);
    samples.push(performance.now() - t);
  }
  return samples;
}

function durableSales(dir: string): number[] {
  const store = openStore({ now: systemClock, dir: join(dir, 'kiosk') });
  try {
    store.createMember(member(0));
    for (let i = 0; i < 20; i++) store.recordSale(saleWithEntries(i, 'm-0', 1840, 'warm'));
    return timed((i) => {
      const result = store.recordSale(saleWithEntries(i, 'm-0', 1840 + (i % 100)));
      if (result.status !== 'recorded') throw new Error('bench: sale not recorded');
    }, SECONDS);
  } finally {
    store.close();
  }
}

function bareInserts(dir: string): number[] {
  const db = new Database(join(dir, 'bare.sqlite'));
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, amount INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (id, amount) VALUES (?, ?)');
    for (let i = 0; i < 20; i++) insert.run(`warm-${i}`, i);
    return timed((i) => {
      insert.run(`row-${i}`, 1840 + (i % 100));
    }, SECONDS);
  } finally {
    db.close();
  }
}

function balanceReads(dir: string): { small: number[]; large: number[] } {
  const store = openStore({ now: systemClock, dir: join(dir, 'balances') });
  try {
    const history = (memberId: string, n: number): void => {
      for (let start = 0; start < n; start += 1000) {
        const batch: LedgerEntry[] = [];
        for (let i = start; i < Math.min(n, start + 1000); i++)
          batch.push(earn(`${memberId}-${i}`, memberId, `sale-${memberId}-${i}`, 10 + (i % 7), i % 3 === 0 ? 1 : 0, T0 + i * 60_000, 'coffee-card'));
        store.appendEntries(batch);
      }
    };
    history('m-100', 100);
    history('m-10000', 10_000);
    // Interleave the two so neither gets a warmer cache; 20 rounds of 1,000 reads each.
    const small: number[] = [];
    const large: number[] = [];
    const round = (memberId: string, out: number[]): void => {
      const t = performance.now();
      for (let i = 0; i < 1000; i++) store.balance(memberId);
      out.push(((performance.now() - t) / 1000) * 1000); // µs per read
    };
    for (let r = 0; r < 20; r++) {
      round('m-100', small);
      round('m-10000', large);
    }
    const a = store.balance('m-100');
    const b = store.balance('m-10000');
    if (a.entries !== 100 || b.entries !== 10_000) throw new Error('bench: histories not written');
    return { small, large };
  } finally {
    store.close();
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  try {
    console.log(`disk: ${dir} on ${fsName(dir)}; journal_mode=WAL, synchronous=FULL, locking_mode=EXCLUSIVE, one transaction per write`);
    const sales = durableSales(dir);
    const bare = bareInserts(dir);
    const salesPerSecond = sales.length / (sales.reduce((s, x) => s + x, 0) / 1000);
    const barePerSecond = bare.length / (bare.reduce((s, x) => s + x, 0) / 1000);
    const s = summarize(sales);
    const b = summarize(bare);
    console.log(
      `durable sales (sale row + 2 ledger entries + 2 projection upserts + outbox row, 1 tx): ${fmt(salesPerSecond, 0)} /s  (p50 ${fmt(s.p50, 3)} ms, p95 ${fmt(s.p95, 3)} ms, n=${s.n})`,
    );
    console.log(
      `bare better-sqlite3 single-row INSERT, autocommit:                             ${fmt(barePerSecond, 0)} /s  (p50 ${fmt(b.p50, 3)} ms, p95 ${fmt(b.p95, 3)} ms, n=${b.n})`,
    );
    console.log(`ratio store/bare: ${fmt(salesPerSecond / barePerSecond, 2)}  (both pay one fsync-bound commit per call)`);
    const { small, large } = balanceReads(dir);
    const ss = summarize(small);
    const ll = summarize(large);
    console.log('balance read (projection row + stamp cards), µs per read, median and p95 of 20 rounds × 1,000 reads:');
    console.log(`  100 entries:    p50 ${fmt(ss.p50, 2)} µs  p95 ${fmt(ss.p95, 2)} µs`);
    console.log(`  10,000 entries: p50 ${fmt(ll.p50, 2)} µs  p95 ${fmt(ll.p95, 2)} µs   (ratio 10,000/100: ${fmt(ll.p50 / ss.p50, 2)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
