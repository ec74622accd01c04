// The staff PIN pad under attack: a burst of guesses sent in one write through the real bridge, and a
// restart of the kiosk between guesses. Real parts: the kiosk store on disk keeps the lock-out, the
// bridge on loopback, the dispatcher; the staff services are the test double (it counts PIN checks).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { BRIDGE_SOCKET_PATH } from '../../core/contract';
import { storedPinLockout } from '../../main/app/kiosk-app';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { createDispatcher, type Dispatcher } from '../../main/ipc/dispatcher';
import { systemClock } from '../../core/clock';
import { openStore, type KioskStore } from '../../main/store';
import { FakeKioskServices } from '../support/fake-services';
import { tempDir } from '../support/hub-harness';
import { ensureRendererBuilt } from '../support/renderer-build';

let tmp: ReturnType<typeof tempDir>;
let store: KioskStore;
let fake: FakeKioskServices;
let dispatcher: Dispatcher;
let bridge: Bridge;
let socket: Socket | undefined;
let t = 1_000_000;

async function startKiosk(): Promise<void> {
  store = openStore({ dir: `${tmp.dir}/kiosk`, now: systemClock });
  fake = new FakeKioskServices();
  dispatcher = createDispatcher({ services: fake, log: () => {}, now: () => t, pinLockout: storedPinLockout(store) });
  bridge = await startBridge({ dispatcher, staticDir: await ensureRendererBuilt(), log: () => {} });
}

async function stopKiosk(): Promise<void> {
  socket?.close();
  await bridge.close();
  dispatcher.close();
  store.close();
}

async function connect(): Promise<Socket> {
  socket = io(bridge.url, {
    path: BRIDGE_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin: bridge.url.replace(/\/$/, '') },
    auth: { secret: bridge.secret },
  });
  const connected = socket;
  await new Promise((ok, fail) => {
    connected.once('connect', () => ok(undefined));
    connected.once('connect_error', fail);
  });
  return connected;
}

type Unlock = { ok: true; value: { unlocked: boolean; reason?: string } };
const pinChecks = (): number => fake.calls.filter((c) => c === 'checkStaffPin').length;

beforeEach(async () => {
  tmp = tempDir('kiosk-pin');
  t = 1_000_000;
  await startKiosk();
});

afterEach(async () => {
  await stopKiosk();
  tmp.remove();
});

describe('staff PIN lock-out', () => {
  it('a burst of 1,500 guesses in one write: five are checked, the rest refused unchecked, and the right PIN is then refused', async () => {
    const client = await connect();
    const guesses = Array.from({ length: 1_500 }, (_, i) => String(i).padStart(4, '0')).filter((pin) => pin !== '1234');
    const replies = (await Promise.all(guesses.map((pin) => client.emitWithAck('invoke', 'unlockStaff', { pin })))) as Unlock[];
    expect(pinChecks()).toBe(5);
    expect(replies.filter((r) => r.value.reason === 'wrongPin' || r.value.reason === 'lockedOut')).toHaveLength(guesses.length);
    expect(replies.some((r) => r.value.unlocked)).toBe(false);
    expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: false, reason: 'lockedOut' } });
    expect(pinChecks()).toBe(5);
    expect(await client.emitWithAck('invoke', 'getTodayFigures', {})).toMatchObject({ ok: false, error: { code: 'staffLocked' } });
  });

  it('a restart keeps the count and the lock-out; the lock ends on the clock, not on a restart', async () => {
    let client = await connect();
    for (const pin of ['0000', '1111', '2222']) await client.emitWithAck('invoke', 'unlockStaff', { pin });
    await stopKiosk();
    await startKiosk();
    client = await connect();
    expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '3333' })).toMatchObject({ value: { reason: 'wrongPin', attemptsLeft: 1 } });
    expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '4444' })).toMatchObject({ value: { reason: 'lockedOut' } });
    await stopKiosk();
    await startKiosk();
    client = await connect();
    expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '1234' })).toMatchObject({ value: { unlocked: false, reason: 'lockedOut' } });
    expect(pinChecks()).toBe(0);
    t += 5 * 60_000;
    expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '1234' })).toMatchObject({ value: { unlocked: true } });
    expect(store.getSetting('kiosk.staffPinLockout')).toEqual({ failures: 0, lockedUntil: 0 });
  });
});
