// Member search on the kiosk's replica of the member directory at 100,000 members (goal: p95 ≤ 5 ms
// per search), against a bare better-sqlite3 `SELECT … WHERE code = ?` on the same file in the same run.
import { systemClock } from '../../core/clock';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberCodeFor } from '../../core/codes';
import type { MemberChange } from '../../core/sync-protocol';
import { openStore, type KioskStore } from '../../main/store';
import { fmt, summarize } from './stats';

const MEMBERS = 100_000;
const FIRST = ['Anna', 'Zofia', 'Łukasz', 'Piotr', 'Ewa', 'Bálint', 'Jiří', 'Katarína', 'Jürgen', 'Ola', 'Marek', 'Hanna', 'Tomáš', 'Ildikó', 'Lena'];
const LAST = ['Kowalska', 'Nowak', 'Wiśniewski', 'Szabó', 'Novák', 'Horváth', 'Müller', 'Dvořák', 'Kováč', 'Zieliński', 'Schmidt', 'Tóth', 'Varga'];

function phoneOf(i: number): string {
  return `+48${600_000_000 + i}`;
}

/** The replica filled as the hub's initial sync fills it: pages of 1,000 changes. */
function fill(store: KioskStore): void {
  for (let start = 0; start < MEMBERS; start += 1000) {
    const page: MemberChange[] = [];
    for (let i = start; i < Math.min(MEMBERS, start + 1000); i++) {
      page.push({
        seq: i + 1,
        id: `m-${i}`,
        no: i + 1,
        code: null,
        erased: false,
        name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}${i % 10 === 0 ? `-${i}` : ''}`,
        phone: i % 3 === 2 ? null : phoneOf(i),
        email: i % 3 === 0 ? null : `member${i}@example.com`,
        points: i % 500,
        stamps: i % 9,
      });
    }
    store.applyMemberChanges(page, start + page.length, { locale: 'pl' });
  }
}

/** The queries staff type, in turn: names (prefix, accents or not), phone numbers in several formats, e-mails, card codes (a third of the members have no phone, so some phone searches find nobody). */
function queries(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const n = (i * 7919) % MEMBERS;
    out.push(
      ['ann', 'kowal', 'zofia nov', 'lukasz', 'szabo', 'jurgen m', 'hor'][i % 7]!,
      `${600_000_000 + n}`.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3'),
      `0048 ${600_000_000 + n}`,
      `member${n - (n % 3) + 1}@example.com`,
      memberCodeFor(n + 1),
    );
  }
  return out;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'members-bench-'));
  try {
    const store = openStore({ dir: join(dir, 'kiosk'), now: systemClock });
    let search: number[];
    const codes: string[] = [];
    try {
      const t = performance.now();
      fill(store);
      console.log(
        `replica of ${MEMBERS.toLocaleString('en-GB')} members written in ${fmt((performance.now() - t) / 1000, 1)} s (100 pages of 1,000, one transaction each)`,
      );
      const list = queries();
      for (const q of list.slice(0, 50)) store.searchMembers(q, 20, 'PL'); // warm the cache
      search = [];
      let found = 0;
      for (let round = 0; round < 3; round++) {
        for (const q of list) {
          const start = performance.now();
          found += store.searchMembers(q, 20, 'PL').length > 0 ? 1 : 0;
          search.push(performance.now() - start);
        }
      }
      if (found < search.length * 0.8) throw new Error(`bench: only ${found} of ${search.length} searches found someone`);
      for (let i = 0; i < 1000; i++) codes.push(store.findMemberByCode(memberCodeFor(((i * 7919) % MEMBERS) + 1))!.code);
    } finally {
      store.close();
    }
    // Baseline: the same file, the same table, a bare lookup by the unique code.
    const db = new Database(join(dir, 'kiosk', 'kiosk.sqlite'), { readonly: true });
    const bare: number[] = [];
    try {
      const stmt = db.prepare('SELECT * FROM members WHERE code = ?');
      for (const code of codes.slice(0, 50)) stmt.get(code);
      for (let round = 0; round < 3; round++) {
        for (const code of codes) {
          const start = performance.now();
          if (!stmt.get(code)) throw new Error('bench: bare lookup found nothing');
          bare.push(performance.now() - start);
        }
      }
    } finally {
      db.close();
    }
    const s = summarize(search);
    const b = summarize(bare);
    console.log(
      `member search (code, phone any format, e-mail, name prefix; ranked): p50 ${fmt(s.p50, 3)} ms  p95 ${fmt(s.p95, 3)} ms  (n=${s.n}; goal p95 ≤ 5 ms)`,
    );
    console.log(`bare SELECT … WHERE code = ? on the same file:                       p50 ${fmt(b.p50, 3)} ms  p95 ${fmt(b.p95, 3)} ms  (n=${b.n})`);
    console.log(`ratio search/bare p95: ${fmt(s.p95 / b.p95, 1)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
