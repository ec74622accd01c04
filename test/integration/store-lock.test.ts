// The one-writer rule, with real second processes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, PID_FILE, StoreLockedError } from '../../main/store';
import type { Child } from '../fixtures/spawn-tsx';
import { spawnFixture } from '../fixtures/spawn-tsx';
import { systemClock } from '../../core/clock';

let dir: string;
const children: Child[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-lock-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function child(mode: string): Child {
  const c = spawnFixture('store-child.ts', [mode, dir]);
  children.push(c);
  return c;
}

describe('one writer per store', () => {
  it('refuses a second process while this one has the store open, naming this pid', async () => {
    const store = openStore({ now: systemClock, dir });
    try {
      const second = child('try');
      const { code } = await second.exited;
      expect(code).toBe(3);
      expect(second.stderr()).toContain(`locked: Another kiosk process (pid ${process.pid}) is using ${join(dir, 'kiosk.sqlite')}; close it first`);
      // This process still owns a working store.
      expect(store.counts().sales).toBe(0);
    } finally {
      store.close();
    }
    const third = child('try');
    expect((await third.exited).code).toBe(0);
    expect(third.lines).toEqual(['opened']);
  }, 60_000);

  it('refuses this process while a child holds the store, and opens at once after the child is SIGKILLed', async () => {
    const holder = child('hold');
    await holder.waitFor((l) => l.includes('ready'));
    let refusal: unknown;
    try {
      openStore({ now: systemClock, dir, lockWaitMs: 100 }).close();
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(StoreLockedError);
    expect((refusal as StoreLockedError).holderPid).toBe(holder.proc.pid);
    expect((refusal as Error).message).toMatch(new RegExp(`^Another kiosk process \\(pid ${String(holder.proc.pid)}\\) is using .*; close it first`));

    holder.proc.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, PID_FILE))).toBe(true); // the dead child's pid file is left behind …
    const store = openStore({ now: systemClock, dir, lockWaitMs: 0 }); // … and does not block
    expect(store.counts().members).toBe(0);
    store.close();
    expect(existsSync(join(dir, PID_FILE))).toBe(false);
  }, 60_000);

  it('says "Another process" when the pid file names no live process', async () => {
    const holder = child('hold');
    await holder.waitFor((l) => l.includes('ready'));
    rmSync(join(dir, PID_FILE));
    expect(() => openStore({ now: systemClock, dir, lockWaitMs: 100 })).toThrow(/^Another process is using .*kiosk\.sqlite; close it first/);
  }, 60_000);
});
