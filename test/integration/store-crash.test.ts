// A child process records a stream of sales and prints each id only after recordSale returned; we
// SIGKILL it mid-stream, reopen the file, and every printed sale must be there with its entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store';
import { spawnFixture } from '../fixtures/spawn-tsx';
import { systemClock } from '../../core/clock';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-crash-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL in the middle of a stream of sales', () => {
  it('loses no sale whose call had returned, keeps projections equal to the entries, and reopens every time', async () => {
    const confirmed: string[] = [];
    for (const [round, killAfter] of [
      [1, 150],
      [2, 40],
      [3, 400],
    ] as const) {
      const writer = spawnFixture('store-child.ts', ['stream', dir, `r${round}`]);
      try {
        await writer.waitFor((l) => l.filter((x) => x.startsWith('sale ')).length >= killAfter);
      } finally {
        writer.proc.kill('SIGKILL');
      }
      expect((await writer.exited).signal).toBe('SIGKILL');
      const printed = writer.lines.filter((l) => l.startsWith('sale ')).map((l) => l.slice('sale '.length));
      expect(printed.length).toBeGreaterThanOrEqual(killAfter);
      confirmed.push(...printed);

      const store = openStore({ now: systemClock, dir, lockWaitMs: 0 }); // no stale lock after the kill
      try {
        const missing = confirmed.filter((id) => store.getSale(id) === undefined);
        expect(missing).toEqual([]);
        const withoutEntries = confirmed.filter((id) => store.entriesForSale(id).length !== 2);
        expect(withoutEntries).toEqual([]);
        expect(store.checkProjections()).toEqual([]);
        const counts = store.counts();
        // At most the one sale committed between its return and its print may be unprinted.
        expect(counts.sales - confirmed.length).toBeGreaterThanOrEqual(0);
        expect(counts.sales - confirmed.length).toBeLessThanOrEqual(round);
        expect(counts.ledger).toBe(2 * counts.sales);
        expect(counts.outboxPending).toBe(counts.sales);
        let points = 0;
        let stamps = 0;
        for (let m = 0; m < 5; m++) {
          const b = store.balance(`m-${m}`);
          points += b.points;
          stamps += b.stamps;
          expect(b.stampsByCard['coffee-card'] ?? 0).toBe(b.stamps);
        }
        expect(stamps).toBe(counts.sales);
        expect(points).toBeGreaterThan(0);
      } finally {
        store.close();
      }
    }
  }, 120_000);
});
