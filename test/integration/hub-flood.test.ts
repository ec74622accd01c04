import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import { kioskAuth, type KioskCredentials } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { TestKioskStore } from '../support/hub-kiosk';
import { pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { spawnFixture } from '../fixtures/spawn-tsx';
import { systemClock } from '../../core/clock';

// Bad input from issue 9: a kiosk that floods is throttled without slowing the others.
const limits = { burst: 20, perSecond: 40 };
let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  tmp = tempDir('hub-flood');
  hub = await testHub(tmp.dir, { kioskLimits: limits });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await hub.close();
  tmp.remove();
});

function rawSocket(creds: KioskCredentials): Promise<Socket> {
  const socket = connect(hub.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: (cb) => {
      const at = new Date().toISOString();
      cb(kioskAuth(creds.secret, creds.kioskId, at, randomBytes(16)));
    },
  });
  cleanups.push(() => socket.close());
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function kiosk(creds: KioskCredentials, name: string): { store: TestKioskStore; sync: SyncClient; errors: string[] } {
  const store = new TestKioskStore(tempDir(name).dir, '', creds.kioskNo);
  const sync = new SyncClient({
    now: systemClock,
    hubUrl: hub.url,
    credentials: creds,
    outbox: store,
    batchSize: 1,
    minBackoffMs: 20,
    maxBackoffMs: 2000,
    ackTimeoutMs: 5000,
  });
  const errors: string[] = [];
  sync.on('syncError', (e) => errors.push(e));
  cleanups.push(
    () => store.close(),
    () => sync.stop(),
  );
  return { store, sync, errors };
}

describe('flood throttling', () => {
  it('refuses a flooding kiosk with "slow down" and retryAfterMs while a normal kiosk has every sale acked', async () => {
    const flooderCreds = await pairedKiosk(hub, 'Flooder');
    const tillCreds = await pairedKiosk(hub, 'Till');
    const till = kiosk(tillCreds, 'till');
    till.store.enroll('m-1', 'Ewa', new Date().toISOString());
    till.sync.start();
    await until(() => till.sync.connected, 'normal kiosk to connect');

    // The flooder (its own process) sends 2,000 commands a second without waiting for answers…
    const flooder = spawnFixture('flood-kiosk.ts', [hub.url, flooderCreds.kioskId, flooderCreds.secret, '2000', String(flooderCreds.kioskNo)]);
    cleanups.push(() => {
      flooder.proc.kill('SIGKILL');
    });
    await flooder.waitFor((lines) => lines.includes('flooding'));
    // …while the normal kiosk rings 40 sales, one at a time, each acked before the next.
    for (let saleNo = 1; saleNo <= 40; saleNo++) {
      till.store.sale(saleNo, 'm-1', 5, new Date().toISOString());
      till.sync.kick();
      await until(() => till.store.outboxSize() === 0, `normal kiosk sale ${saleNo} to be acked`);
    }
    flooder.proc.stdin.write('stop\n');
    await flooder.waitFor((lines) => lines.some((l) => l.startsWith('{')));
    const flood = JSON.parse(flooder.lines.find((l) => l.startsWith('{'))!) as {
      sent: number;
      accepted: number;
      refused: number;
      slowDown: number;
      otherErrors: string[];
      noAnswer: number;
      minRetryAfterMs: number;
      elapsedMs: number;
      disconnects: number;
    };

    expect(flood.sent).toBeGreaterThanOrEqual(1000);
    // It ignored "slow down", so the hub cut it off (and again after each reconnection); commands it
    // sent while cut off got no answer.
    expect(flood.disconnects).toBeGreaterThan(0);
    expect(flood.accepted + flood.refused + flood.noAnswer).toBe(flood.sent);
    // The refusals are "slow down" with a time to wait. (On a loaded machine the hub may also answer a
    // command it let through with its retryable "database unavailable"; no refusal says a batch is bad.)
    expect(flood.slowDown).toBeGreaterThan(0);
    expect(flood.otherErrors.filter((e) => !/will be retried/.test(e))).toEqual([]);
    expect(flood.minRetryAfterMs).toBeGreaterThan(0);
    // What the hub stored: every accepted command, plus at most those whose answer was lost when it cut
    // the flooder off; never more than the bucket allows over the time the flood lasted (a full bucket
    // at its start: the enrolment's token had refilled); refused commands changed nothing.
    const stored = await hub.store.ledgerCount({ kioskNo: flooderCreds.kioskNo });
    expect(stored).toBeGreaterThanOrEqual(flood.accepted);
    expect(stored).toBeLessThanOrEqual(flood.accepted + flood.noAnswer);
    expect(stored).toBeLessThanOrEqual(Math.floor(limits.burst + (flood.elapsedMs * limits.perSecond) / 1000));
    // The normal kiosk: every sale acked and stored, never told to slow down.
    expect(await hub.store.ledgerCount({ kioskNo: tillCreds.kioskNo })).toBe(40);
    expect(till.errors.filter((e) => /slow down/.test(e))).toEqual([]);
  }, 90_000);

  it('throttles staff claims (claimSale) too, with too-many-attempts and retryAfterMs', async () => {
    const creds = await pairedKiosk(hub, 'Flooder');
    const socket = await rawSocket(creds);
    // 90 at once: over the burst of 20, under the 100 commands sent while told to wait that would cut the socket off.
    const answers = await Promise.all(
      Array.from(
        { length: 90 },
        (_, i) =>
          socket.timeout(20_000).emitWithAck('claimSale', { token: saleToken(creds, i), memberId: 'nobody' }) as Promise<{
            ok: boolean;
            reason: string;
            retryAfterMs?: number;
          }>,
      ),
    );
    const throttled = answers.filter((a) => a.retryAfterMs !== undefined);
    expect(throttled.length).toBeGreaterThan(0);
    for (const a of throttled) expect(a).toMatchObject({ ok: false, reason: 'too-many-attempts' });
    expect(answers.filter((a) => a.retryAfterMs === undefined).every((a) => a.reason === 'unknown-member')).toBe(true);
  });

  it('a kiosk told to slow down backs off and resends: its backlog arrives whole, each sale once', async () => {
    await hub.close();
    hub = await testHub(`${tmp.dir}/tight`, { kioskLimits: { burst: 2, perSecond: 10 } });
    const creds = await pairedKiosk(hub, 'Busy till');
    const { store, sync, errors } = kiosk(creds, 'busy');
    const at = new Date().toISOString();
    store.enroll('m-2', 'Jan', at);
    for (let saleNo = 1; saleNo <= 30; saleNo++) store.sale(saleNo, 'm-2', 2, at);
    sync.start();
    await until(() => store.outboxSize() === 0, 'backlog of 31 single-message batches to drain', 30_000);
    expect(errors.some((e) => /slow down/.test(e))).toBe(true);
    expect(await hub.store.ledgerCount({ kioskNo: creds.kioskNo })).toBe(30);
  });
});

describe('behind a reverse proxy (trustProxy)', () => {
  it('counts failed claims per phone (X-Real-IP), not per proxy: one phone is told to wait, another is not', async () => {
    const proxied = await testHub(tempDir('hub-proxy').dir, { trustProxy: true, maxFailuresPerMinute: 3 });
    cleanups.push(() => proxied.close());
    const forged = `${proxied.url}/C/${'A'.repeat(58)}`;
    const from = (ip: string) => fetch(forged, { headers: { 'x-real-ip': ip } }).then((r) => r.status);
    for (let i = 0; i < 3; i++) expect(await from('203.0.113.7')).toBe(400);
    expect(await from('203.0.113.7')).toBe(429);
    expect(await from('198.51.100.2')).toBe(400);
  });
});
