import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import { kioskAuth, type ClaimAccepted, type KioskCredentials } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { pairKiosk } from '../../main/sync/pair';
import { TestKioskStore } from '../support/hub-kiosk';
import { Phone, pairedKiosk, saleToken, saleUrl, steadyDemoProgram, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  tmp = tempDir('hub-sync');
  hub = await testHub(tmp.dir);
  await steadyDemoProgram(hub);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await hub.close();
  tmp.remove();
});

function client(creds: KioskCredentials, store: TestKioskStore, url = hub.url): SyncClient {
  const c = new SyncClient({ now: systemClock, hubUrl: url, credentials: creds, outbox: store, minBackoffMs: 50, maxBackoffMs: 400, ackTimeoutMs: 3000 });
  c.on('claimAccepted', (event) => {
    for (const e of event.entries) store.addLedger(e);
  });
  cleanups.push(() => c.stop());
  return c;
}

function kioskStore(name: string, kioskNo = 1): TestKioskStore {
  const s = new TestKioskStore(tempDir(name).dir, '', kioskNo);
  cleanups.push(() => s.close());
  return s;
}

describe('pairing and authentication', () => {
  it('pairs once with the shown code; the code cannot be used again; unknown and revoked kiosks are refused', async () => {
    const code = await hub.newPairingCode();
    const creds = await pairKiosk(hub.url, code, 'Till 1');
    expect(creds.shopNo).toBe(1);
    await expect(pairKiosk(hub.url, code, 'Till 2')).rejects.toThrow(/unknown, used or expired/);

    const ok = client(creds, kioskStore('k1')).start();
    await until(() => ok.connected, 'paired kiosk to connect');

    const stranger = client({ ...creds, kioskId: 'not-a-kiosk' }, kioskStore('k2')).start();
    await until(() => stranger.status.state === 'refused', 'unknown kiosk refusal');
    expect(stranger.status.detail).toMatch(/unknown kiosk/);

    const forged = client({ ...creds, secret: '0'.repeat(64) }, kioskStore('k3')).start();
    await until(() => forged.status.state === 'refused', 'wrong secret refusal');

    const res = await fetch(`${hub.url}/owner/kiosks/${creds.kioskId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${hub.ownerToken}` } });
    expect(res.status).toBe(200);
    await until(() => !ok.connected && ok.status.state === 'refused', 'revoked kiosk to be dropped and refused');
    expect(ok.status.detail).toMatch(/revoked/);
    const noOwner = await fetch(`${hub.url}/owner/pairing-code`);
    expect(noOwner.status).toBe(401);
  });
});

describe('outbox drain', () => {
  it('drains 1,500 sales in order, exactly once in effect, and a replayed batch changes nothing', async () => {
    const creds = await pairedKiosk(hub);
    const store = kioskStore('drain', creds.kioskNo);
    const at = new Date().toISOString();
    store.enroll('member-1', 'Ewa', at);
    for (let i = 1; i <= 1500; i++) store.sale(i, 'member-1', 10, at);
    const replay = store.pending(300);
    const c = client(creds, store).start();
    await until(() => store.outboxSize() === 0, 'outbox to drain');
    expect(await hub.store.ledgerCount()).toBe(1500);
    expect((await hub.store.balance('member-1')).points).toBe(15_000);

    const raw = connect(hub.url, {
      transports: ['websocket'],
      auth: (cb) => {
        const t = new Date().toISOString();
        cb(kioskAuth(creds.secret, creds.kioskId, t, randomBytes(16)));
      },
    });
    cleanups.push(() => raw.close());
    const answer = await raw.timeout(5000).emitWithAck('syncOutbox', { messages: replay });
    expect(answer).toMatchObject({ ok: true });
    expect(await hub.store.ledgerCount()).toBe(1500);
    expect((await hub.store.balance('member-1')).points).toBe(15_000);
    expect(c.connected).toBe(true);
  });

  it('refuses hostile payloads with an error, drops oversized packets, and keeps serving other kiosks', async () => {
    const creds = await pairedKiosk(hub);
    const auth = (cb: (a: object) => void) => {
      const t = new Date().toISOString();
      cb(kioskAuth(creds.secret, creds.kioskId, t, randomBytes(16)));
    };
    const raw = connect(hub.url, { transports: ['websocket'], auth, reconnection: false });
    cleanups.push(() => raw.close());
    await until(() => raw.connected, 'raw socket');
    const bad = await raw.timeout(5000).emitWithAck('syncOutbox', { messages: [{ id: 'x', type: 'saleCreated', payload: { points: -1 } }] });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    const notObject = await raw.timeout(5000).emitWithAck('syncOutbox', 'DROP TABLE ledger');
    expect(notObject).toMatchObject({ ok: false });
    raw.emit('syncOutbox', { messages: [] }); // no ack callback: ignored
    const claimBad = await raw.timeout(5000).emitWithAck('claimSale', { token: 42 });
    expect(claimBad).toMatchObject({ ok: false, reason: 'invalid-request' });
    raw.emit('syncOutbox', { blob: 'x'.repeat(2_000_000) });
    await until(() => !raw.connected, 'oversized packet to close that socket');

    const till2 = await pairedKiosk(hub, 'Till 2');
    const store = kioskStore('other', till2.kioskNo);
    store.enroll('m-2', 'Jan', new Date().toISOString());
    store.sale(1, 'm-2', 5, new Date().toISOString());
    client(till2, store).start();
    await until(() => store.outboxSize() === 0, 'the other kiosk to drain');
    expect(await hub.store.ledgerCount()).toBe(1);
  });
});

describe('claims reach the kiosk', () => {
  it('a phone claim while the kiosk is offline is delivered when it reconnects, once', async () => {
    const creds = await pairedKiosk(hub);
    const store = kioskStore('offline');
    const url = saleUrl(hub, creds, 7, 18);
    const phone = new Phone('de-DE,de;q=0.9');
    const joined = await phone.join(url, 'anna@example.com');
    expect(joined.status).toBe(303);
    expect(await hub.store.pendingDeliveries(creds.kioskNo)).toHaveLength(1);

    const received: ClaimAccepted[] = [];
    const c = client(creds, store);
    c.on('claimAccepted', (e) => received.push(e));
    c.start();
    await until(async () => received.length === 1 && (await hub.store.pendingDeliveries(creds.kioskNo)).length === 0, 'queued claim delivery');
    // 18 points: the claim earns member-aware (core/claims claimEarnEntries), but the welcome bonus of a
    // member who joined with it waits for the code sent to her contact.
    expect(received[0]).toMatchObject({ saleNo: 7, points: 18, via: 'phone', member: { name: 'Anna' }, balance: { points: 18 } });
    // The claim's base entry and the token's stamp on the coffee card.
    expect(received[0]!.entries.map((e) => [e.id, e.reason.code])).toEqual([
      ['claim:K1-S7', 'base'],
      ['claim:K1-S7:1', 'stamps'],
    ]);
    expect(store.ledgerCount()).toBe(2);

    // Online now: the next claim arrives as it happens.
    const second = await phone.post(saleUrl(hub, creds, 8, 5), { mode: 'member' });
    expect(second.status).toBe(303);
    await until(() => received.length === 2, 'live claim delivery');
    expect(received[1]).toMatchObject({
      saleNo: 8,
      points: 5,
      balance: { points: 23 },
      progress: { next: { rewardId: 'five-zl', rewardName: '5 zł off', ready: false }, tier: 'Bronze' },
    });
    // Base points and the token's stamp: no welcome a second time.
    expect(received[1]!.entries.map((e) => e.reason.code)).toEqual(['base', 'stamps']);
  });

  it('a QR claimed by two phones and a staff scan at once: exactly one wins, the others are told why in their language', async () => {
    const creds = await pairedKiosk(hub);
    const store = kioskStore('race');
    const at = new Date().toISOString();
    store.enroll('staff-member', 'Piotr', at);
    const c = client(creds, store).start();
    await until(() => c.connected && store.outboxSize() === 0, 'kiosk online with its member synced');
    const url = saleUrl(hub, creds, 99, 30);
    const token = saleToken(creds, 99, 30);
    const [a, b, staff] = await Promise.all([
      new Phone('pl-PL').join(url, '+48 600 100 200', 'Ola'),
      new Phone('hu-HU').join(url, '+36 30 123 4567', 'Réka'),
      c.claimSale(token, 'staff-member'),
    ]);
    const wins = [a.status === 303, b.status === 303, staff.ok].filter(Boolean);
    expect(wins).toHaveLength(1);
    if (a.status !== 303) expect(a.text).toContain('Punkty za te zakupy zostały już odebrane.');
    if (b.status !== 303) expect(b.text).toContain('Ennek a vásárlásnak a pontjait már begyűjtötték.');
    if (!staff.ok) expect(staff.reason).toBe('already-claimed');
    expect((await hub.store.saleEntries('K1-S99')).filter((e) => e.id === 'claim:K1-S99')).toHaveLength(1);
  });
});
