// Fuzz (fast-check) of the kiosk's local bridge as the kiosk starts it: `npm start` without
// `--headless` in a child process (no Electron binary here, so it serves the kiosk screen over the
// bridge and prints its address with the per-launch secret), paired with `npm run hub`
// (test/support/journey-shop.ts). Connections without the bridge's own Origin or without the secret
// are refused and receive no sale's claim URL; the customer display (Origin and secret) does. Over
// the display's connection, with staff mode unlocked, messages the contract refuses — arbitrary
// command names and arguments, near-valid arguments of every command, unknown events, invokes
// without an ack — never crash the kiosk, are refused, and write nothing: the kiosk's store (sales,
// ledger, members, refunds, outbox; read from its file once the process is stopped, as its store
// locks the file while it runs) and the hub's store (ledger, sales, claims, members, member
// sessions, processed messages; read from its file) are as they were. The same properties against
// the bridge module over a test double: kiosk-bridge-fuzz.test.ts.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { BRIDGE_SOCKET_PATH } from '../../core/contract';
import { openStore } from '../../main/store';
import { anyCommandName, anyJson, bridgeCommandSeeds, contractAccepts, nearValidCommand } from '../support/fuzz';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { ensureRendererBuilt } from '../support/renderer-build';
import { until } from '../support/until';

const RUNS = 100;
const PIN = '4711';
let shop: JourneyShop;
let kiosk: KioskProcess;
let display: Socket;
/** What every kiosk-event the display received said, in order. */
const displayEvents: { name: string; payload: unknown }[] = [];

const SEEDS = bridgeCommandSeeds('K1-S1', 'B-1001');

/** The bridge's origin and launch secret, from the `kiosk UI:` line the kiosk printed. */
function bridgeOf(k: KioskProcess): { origin: string; secret: string } {
  const url = new URL(k.uiUrl);
  const secret = /^#bridge=(.+)$/.exec(url.hash)?.[1];
  if (!secret) throw new Error(`no launch secret in ${k.uiUrl}`);
  return { origin: url.origin, secret };
}

function connect(origin: string | undefined, secret: string | undefined): Socket {
  const { origin: bridge } = bridgeOf(kiosk);
  return io(bridge, {
    path: BRIDGE_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    ...(origin !== undefined ? { extraHeaders: { origin } } : {}),
    ...(secret !== undefined ? { auth: { secret } } : {}),
  });
}

/** Connects; resolves with the refusal's message, or undefined when the bridge let it in. */
function attempt(socket: Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(undefined));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

/** The kiosk store's counts (the process stopped: its store locks the file while it runs). */
function kioskCounts(): unknown {
  const store = openStore({ dir: kiosk.dataDir, now: systemClock });
  try {
    const { outboxPending, outboxAcked, ...rest } = store.counts();
    // Pending and acked move as the sync link catches up; the messages written are what must not change.
    return { ...rest, outbox: outboxPending + outboxAcked };
  } finally {
    store.close();
  }
}

/** The hub store's counts, read from its SQLite file beside the running hub (WAL: readers do not block it). */
function hubCounts(): Record<string, number> {
  const db = new Database(join(shop.hub.dataDir, 'hub.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const tables = ['ledger', 'sales', 'claims', 'members', 'member_sessions', 'processed_messages'];
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

async function tillSales(): Promise<number> {
  const res = await kiosk.till('GET', '/v1/sales?since=2000-01-01T00:00:00Z');
  expect(res.status).toBe(200);
  return (res.json.sales as unknown[]).length;
}

let kioskBefore: unknown;
let hubBefore: Record<string, number>;

beforeAll(async () => {
  // The kiosk process serves the renderer build; build it once here rather than in the child.
  await ensureRendererBuilt();
  shop = await startJourneyShop('sec-bridge-journey', ['Till A'], { screen: true, kioskEnv: { KIOSK_STAFF_PIN: PIN } });
  kiosk = shop.kiosks[0]!;
}, 300_000);

afterAll(async () => {
  display?.close();
  await shop?.stop();
});

describe('the bridge of a real kiosk process', () => {
  it('refuses a client without the Origin, from another origin, or without the launch secret; the customer display gets in and is shown each sale with its claim URL', async () => {
    const { origin, secret } = bridgeOf(kiosk);
    const refused = [connect(undefined, secret), connect('http://evil.example', secret), connect(origin, 'not-the-secret'), connect(origin, undefined)];
    const refusals = await Promise.all(refused.map(attempt));
    for (const message of refusals) expect(message).toBeDefined();
    const heard: unknown[] = [];
    for (const socket of refused) socket.onAny((...args: unknown[]) => heard.push(args));

    display = connect(origin, secret);
    display.on('kiosk-event', (event: { name: string; payload: unknown }) => displayEvents.push(event));
    expect(await attempt(display)).toBeUndefined();

    // A till sale: the display is shown its claim URL; none of the refused clients hears anything.
    const sale = await kiosk.sale('B-0001', 1840);
    await until(() => displayEvents.some((e) => e.name === 'saleCreated' && JSON.stringify(e.payload).includes(sale.claimUrl)), 'the sale on the display');
    expect(heard).toEqual([]);
    for (const socket of refused) {
      expect(socket.connected).toBe(false);
      socket.close();
    }
    const lines = kiosk.child.lines;
    expect(lines.some((l) => l.includes('refused a connection from a client without an Origin'))).toBe(true);
    expect(lines.some((l) => l.includes('refused a connection from origin http://evil.example'))).toBe(true);
    expect(lines.some((l) => l.includes('refused a connection without the launch secret'))).toBe(true);
  });

  it('a valid message reaches the real services and writes (the control); the stores are counted, and the kiosk started again', async () => {
    expect(await display.timeout(10_000).emitWithAck('invoke', 'unlockStaff', { pin: PIN })).toMatchObject({ ok: true, value: { unlocked: true } });
    const before = await tillSales();
    const reply = (await display.timeout(10_000).emitWithAck('invoke', 'createSale', SEEDS.createSale)) as { ok: boolean };
    expect(reply).toMatchObject({ ok: true });
    expect(await tillSales()).toBe(before + 1);
    await until(() => (hubCounts().sales ?? 0) >= 2, 'both sales at the hub');

    // The kiosk's store locks its file while the kiosk runs: stopped (cleanly), counted, started again.
    display.close();
    await kiosk.stop();
    kioskBefore = kioskCounts();
    expect(kioskBefore).toMatchObject({ sales: before + 1 });
    await kiosk.start(shop.hub);
    await until(async () => (await kiosk.health()).services.hub === 'online', 'the kiosk online again');
    const { origin, secret } = bridgeOf(kiosk);
    display = connect(origin, secret);
    expect(await attempt(display)).toBeUndefined();
    // Staff mode unlocked, so that a message the contract accepted would reach the services (and a refused one provably does not).
    expect(await display.timeout(10_000).emitWithAck('invoke', 'unlockStaff', { pin: PIN })).toMatchObject({ ok: true, value: { unlocked: true } });
    hubBefore = hubCounts();
  });

  it('fuzzed messages the contract refuses: each answered with a refusal, the kiosk keeps answering, nothing written in the kiosk or the hub', async () => {
    const sales = await tillSales();
    const invalid = async (name: unknown, args: unknown): Promise<void> => {
      fc.pre(!contractAccepts(name, args));
      const reply = (await display.timeout(10_000).emitWithAck('invoke', name, args)) as { ok: boolean; error?: { code: string } };
      expect(reply).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(badArgs|unknownCommand|tooLarge)$/) } });
    };
    await fc.assert(fc.asyncProperty(anyCommandName(SEEDS), fc.oneof(anyJson, fc.constant(undefined)), invalid), { numRuns: RUNS });
    await fc.assert(
      fc.asyncProperty(nearValidCommand(SEEDS), ([name, args]) => invalid(name, args)),
      { numRuns: RUNS },
    );
    // Unknown events, invokes without an ack and odd arities: ignored.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('invoke', 'kiosk-event', 'noSuchEvent', '__proto__', 'constructor'),
        fc.array(anyJson, { maxLength: 3 }),
        async (event, args) => {
          display.emit(event, ...args);
        },
      ),
      { numRuns: 50 },
    );
    expect(await display.timeout(10_000).emitWithAck('invoke', 'getStatus', {})).toMatchObject({ ok: true });
    expect(display.connected).toBe(true);
    // No crash: the same kiosk process, still running.
    expect(kiosk.child.proc.exitCode).toBeNull();
    expect(kiosk.child.proc.signalCode).toBeNull();
    expect(kiosk.child.lines.some((l) => l.includes('without acknowledgement'))).toBe(true);
    expect(await tillSales()).toBe(sales);
    expect(hubCounts()).toEqual(hubBefore);
  }, 240_000);

  it('the kiosk store, read from its file after a clean stop, is as it was before the fuzz; so is the hub store', async () => {
    display.close();
    await kiosk.stop();
    expect(kiosk.child.proc.exitCode).toBe(0);
    expect(kioskCounts()).toEqual(kioskBefore);
    expect(hubCounts()).toEqual(hubBefore);
  });
});
