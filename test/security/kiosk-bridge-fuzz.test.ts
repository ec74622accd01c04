// Fuzz (fast-check) of the kiosk's local bridge (main/bridge/server.ts → the IPC dispatcher), through a
// real Socket.IO client with the bridge's Origin and launch secret: arbitrary command names and
// arguments, near-valid mutations of every command's valid arguments, unknown events and messages
// without an ack. The bridge never crashes and keeps answering; a message the contract refuses reaches
// no service (the test double counts every service call) and writes nothing to the kiosk store.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { BRIDGE_SOCKET_PATH } from '../../core/contract';
import { systemClock } from '../../core/clock';
import { storedPinLockout } from '../../main/app/kiosk-app';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { createDispatcher, type Dispatcher } from '../../main/ipc/dispatcher';
import { openStore, type KioskStore } from '../../main/store';
import { FakeKioskServices } from '../support/fake-services';
import { anyCommandName, anyJson, bridgeCommandSeeds, contractAccepts, nearValidCommand } from '../support/fuzz';
import { tempDir } from '../support/hub-harness';
import { ensureRendererBuilt } from '../support/renderer-build';

let tmp: ReturnType<typeof tempDir>;
let store: KioskStore;
let fake: FakeKioskServices;
let dispatcher: Dispatcher;
let bridge: Bridge;
let client: Socket;
const logs: string[] = [];
const RUNS = 100;

const SEEDS = bridgeCommandSeeds('s-1', 'A-1001');

beforeAll(async () => {
  tmp = tempDir('sec-bridge-fuzz');
  store = openStore({ dir: `${tmp.dir}/kiosk`, now: systemClock });
  fake = new FakeKioskServices();
  dispatcher = createDispatcher({ services: fake, log: () => {}, now: () => Date.now(), pinLockout: storedPinLockout(store) });
  bridge = await startBridge({ dispatcher, staticDir: await ensureRendererBuilt(), log: (line) => logs.push(line) });
  client = io(bridge.url, {
    path: BRIDGE_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin: bridge.url.replace(/\/$/, '') },
    auth: { secret: bridge.secret },
  });
  await new Promise((ok, fail) => {
    client.once('connect', () => ok(undefined));
    client.once('connect_error', fail);
  });
  // Staff mode unlocked, so that a message the contract accepts reaches the services (and a refused one provably does not).
  expect(await client.emitWithAck('invoke', 'unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: true } });
});

afterAll(async () => {
  client?.close();
  await bridge?.close();
  dispatcher?.close();
  store?.close();
  tmp?.remove();
});

const storeCounts = (): unknown => store.counts();

type Reply = { ok: boolean; error?: { code: string } };

async function invokeAndCheck(name: unknown, args: unknown): Promise<void> {
  const calls = fake.calls.length;
  const written = storeCounts();
  const reply = (await client.timeout(10_000).emitWithAck('invoke', name, args)) as Reply;
  expect(typeof reply.ok).toBe('boolean');
  if (!contractAccepts(name, args)) {
    expect(reply).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(badArgs|unknownCommand|tooLarge)$/) } });
    expect(fake.calls.length).toBe(calls);
    expect(storeCounts()).toEqual(written);
  }
}

async function stillAnswering(): Promise<void> {
  expect(client.connected).toBe(true);
  expect(await client.timeout(10_000).emitWithAck('invoke', 'getStatus', {})).toMatchObject({ ok: true });
}

describe('fuzzing the kiosk bridge', () => {
  it('the seeds are valid: each passes the contract', () => {
    for (const [name, args] of Object.entries(SEEDS)) expect(contractAccepts(name, args), name).toBe(true);
  });

  it('arbitrary command names and arguments: refused, no service reached, nothing written; the bridge keeps answering', async () => {
    await fc.assert(
      fc.asyncProperty(anyCommandName(SEEDS), fc.oneof(anyJson, fc.constant(undefined)), async (name, args) => {
        await invokeAndCheck(name, args);
      }),
      { numRuns: RUNS },
    );
    await stillAnswering();
  });

  it('near-valid arguments of every command: what the contract refuses reaches no service and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nearValidCommand(SEEDS), async ([name, args]) => {
        await invokeAndCheck(name, args);
      }),
      { numRuns: RUNS },
    );
    await stillAnswering();
  });

  it('unknown events, invokes without an ack, odd arities: ignored; the bridge keeps answering', async () => {
    const calls = fake.calls.length;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('invoke', 'kiosk-event', 'noSuchEvent', '__proto__', 'constructor'),
        fc.array(anyJson, { maxLength: 3 }),
        async (event, args) => {
          client.emit(event, ...args); // no ack callback
        },
      ),
      { numRuns: 50 },
    );
    await stillAnswering();
    // Nothing reached a service but the status asked just now.
    expect(fake.calls.slice(calls).every((c) => c === 'getStatus')).toBe(true);
    expect(logs.some((l) => l.includes('without acknowledgement'))).toBe(true);
  });
});
