import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HubStore } from '../../cloud/store';
import { SyncClient } from '../../main/sync/client';
import { pairKiosk } from '../../main/sync/pair';
import { TestKioskStore } from '../support/hub-kiosk';
import { tcpProxy } from '../support/tcp-proxy';
import { hubDatabaseUrl, pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until as waitUntil } from '../support/until';
import { systemClock } from '../../core/clock';

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> => waitUntil(check, what, ms);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface HubChild {
  child: ChildProcess;
  port: number;
  code: string;
}

/** `npm run hub` as a real child process; resolves when it printed its port and pairing code. */
function spawnHub(dataDir: string, port: number, databaseUrl: string | undefined): Promise<HubChild> {
  // `node --import tsx` keeps the hub in this one process (the tsx binary would fork a grandchild that SIGKILL misses).
  const env: NodeJS.ProcessEnv = { ...process.env, HUB_PORT: String(port), HUB_DATA_DIR: dataDir, HUB_HOST: '127.0.0.1' };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'cloud/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /port (\d+)\)/.exec(out)?.[1];
      const code = /pairing code: (\w+)/.exec(out)?.[1];
      if (port && code) resolve({ child, port: Number(port), code });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (c) => reject(new Error(`hub exited early (${c}): ${out}`)));
  });
}

function sales(store: TestKioskStore, n: number): void {
  const at = new Date().toISOString();
  store.enroll('m-1', 'Ewa', at);
  for (let i = 1; i <= n; i++) store.sale(i, 'm-1', 3, at);
}

// Each test drains thousands of messages through real hubs (one a child process started twice): about a
// minute on a quiet machine, over 90 s on a loaded one. The bound is a safety net, not a speed test.
describe('network faults during a drain', { timeout: 240_000 }, () => {
  it('the hub killed with SIGKILL in the middle of a drain and restarted: nothing lost, nothing doubled', async () => {
    const tmp = tempDir('hub-kill');
    cleanups.push(() => tmp.remove());
    const hubDir = join(tmp.dir, 'hub');
    const databaseUrl = await hubDatabaseUrl(tmp.dir);
    const first = await spawnHub(hubDir, 0, databaseUrl);
    const hubUrl = `http://127.0.0.1:${first.port}`;
    const creds = await pairKiosk(hubUrl, first.code, 'Till 1');
    const store = new TestKioskStore(tmp.dir, '', creds.kioskNo);
    cleanups.push(() => store.close());
    const total = 4000;
    sales(store, total);
    const client = new SyncClient({
      now: systemClock,
      hubUrl,
      credentials: creds,
      outbox: store,
      batchSize: 100,
      minBackoffMs: 50,
      maxBackoffMs: 300,
      ackTimeoutMs: 2000,
    });
    cleanups.push(() => client.stop());
    client.start();
    await until(() => store.outboxSize() < total - 1000, 'the drain to be under way');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const leftAtKill = store.outboxSize();
    expect(leftAtKill).toBeGreaterThan(0);
    // The client notices the dead hub by itself (the socket closes); how soon depends on the machine's load.
    await until(() => !client.connected, 'the client to see the hub gone');

    const second = await spawnHub(hubDir, first.port, databaseUrl);
    await until(() => store.outboxSize() === 0, 'the drain to finish after the restart', 60_000);
    client.stop();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    const hubStore = await HubStore.open({ dataDir: hubDir, databaseUrl });
    cleanups.push(() => hubStore.close());
    const counts = await hubStore.counts();
    expect(store.ledgerCount()).toBe(total);
    expect({ n: counts.ledger, d: counts.distinctLedgerIds, p: counts.ledgerPoints }).toEqual({ n: total, d: total, p: total * 3 });
    expect((await hubStore.balance('m-1')).points).toBe(total * 3);
  });

  it('the socket cut again and again between write and ack (a TCP proxy that drops the line): nothing lost, nothing doubled', async () => {
    const tmp = tempDir('hub-cut');
    cleanups.push(() => tmp.remove());
    const hub = await testHub(tmp.dir);
    cleanups.push(() => hub.close());
    const creds = await pairedKiosk(hub);
    const proxy = await tcpProxy(hub.port);
    cleanups.push(() => proxy.close());
    const store = new TestKioskStore(tmp.dir, '', creds.kioskNo);
    cleanups.push(() => store.close());
    const total = 3000;
    sales(store, total);
    let cuts = 0;
    // Cut every connection as soon as the hub has written a batch and before the kiosk has its ack.
    let checking = false;
    const stopCutting = setInterval(() => {
      if (checking || cuts >= 12) return;
      checking = true;
      void hub.store.ledgerCount().then((n) => {
        checking = false;
        if (n <= cuts * 200) return;
        cuts++;
        proxy.cut();
      });
    }, 5);
    cleanups.push(() => clearInterval(stopCutting));
    const client = new SyncClient({
      now: systemClock,
      hubUrl: `http://127.0.0.1:${proxy.port}`,
      credentials: creds,
      outbox: store,
      batchSize: 50,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      ackTimeoutMs: 1000,
    });
    cleanups.push(() => client.stop());
    client.start();
    await until(() => store.outboxSize() === 0, 'the drain to finish through the cuts');
    expect(cuts).toBeGreaterThanOrEqual(5);
    expect(store.ledgerCount()).toBe(total);
    expect(await hub.store.ledgerCount()).toBe(total);
    expect((await hub.store.balance('m-1')).points).toBe(total * 3);
    expect((await hub.store.counts()).processedMessages).toBe(total + 1);
  });
});
