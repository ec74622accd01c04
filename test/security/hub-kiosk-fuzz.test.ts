// Fuzz (fast-check) of every Socket.IO event the hub accepts from a paired kiosk — syncOutbox,
// claimSale, redeemVoucher, memberChangesSince — and of events it does not know, against a real hub on
// loopback: arbitrary JSON and near-valid mutations of valid payloads. The hub never crashes, keeps
// answering, and whatever it refuses writes nothing (ledger rows and points, members, sales, claims,
// deliveries before and after). fast-check prints the seed and the shrunk payload of a failure.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import { kioskAuth, type KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { anyJson, nearValid } from '../support/fuzz';
import { Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let kiosk: KioskCredentials;
let socket: Socket;
let annaId: string;
const logs: string[] = [];
const NOW = new Date();
/** Runs per property: enough to reach the checks behind the schema, few enough to keep the suite fast. */
const RUNS = 50;

beforeAll(async () => {
  tmp = tempDir('sec-hub-fuzz');
  // No throttling here: the fuzz sends commands back to back (the throttle has its own tests).
  hub = await testHub(tmp.dir, { log: (line) => logs.push(line), kioskLimits: { burst: 100_000, perSecond: 100_000 } });
  kiosk = await pairedKiosk(hub, 'Fuzzed till');
  expect((await new Phone().join(`${hub.url}/C/${saleToken(kiosk, 1, 18, NOW)}`, '+48 600 100 200', 'Anna')).status).toBe(303);
  annaId = (await hub.store.searchMembers(1, 'Anna'))[0]!.id;
  socket = connect(hub.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: (cb) => cb(kioskAuth(kiosk.secret, kiosk.kioskId, new Date().toISOString(), randomBytes(16))),
  });
  await until(() => socket.connected, 'kiosk connected');
});

afterAll(async () => {
  socket?.close();
  await hub?.close();
  tmp?.remove();
});

/** What a refused payload must leave as it was. */
async function written(): Promise<unknown> {
  const { processedMessages: _processed, ...counts } = await hub.store.counts();
  const sales = await hub.store.db
    .selectFrom('sales')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return { ...counts, sales: Number(sales.n) };
}

const ask = async (event: string, payload: unknown): Promise<unknown> => socket.timeout(10_000).emitWithAck(event, payload);

/** The hub still answers a kiosk: a directory page past every change (reads nothing). */
async function stillAnswering(): Promise<void> {
  expect(socket.connected).toBe(true);
  expect(await ask('memberChangesSince', { cursor: 1_000_000_000 })).toMatchObject({ ok: true });
}

/** Placeholders that each run makes unique, so a mutated message is not a replay of an earlier one. */
const FRESH = 'FRESHID';
const SALE_NO = 987654;
let run = 0;
const freshen = (payload: unknown): unknown => {
  run++;
  const text = JSON.stringify(payload);
  return text === undefined ? payload : JSON.parse(text.replaceAll(FRESH, `fz${run}`).replaceAll(String(SALE_NO), String(100 + run)));
};

function validOutbox(): unknown {
  const saleId = claimSaleKey({ kioskNo: kiosk.kioskNo, saleNo: SALE_NO });
  const at = NOW.toISOString();
  return {
    messages: [
      {
        id: `${FRESH}-m`,
        at,
        type: 'saleCreated',
        payload: {
          saleId,
          saleNo: SALE_NO,
          total: { amount: 1000, currency: 'PLN' },
          points: 10,
          stamps: 0,
          memberId: annaId,
          entries: [
            { id: `${FRESH}-e`, memberId: annaId, kind: 'earn', points: 10, stamps: 0, saleId, reverses: null, reason: { code: 'base' }, at, spend: 1000 },
          ],
        },
      },
    ],
  };
}

/** True when the hub refused the payload as a whole or every message in it. */
function refusedAll(event: string, ack: unknown): boolean {
  if (typeof ack !== 'object' || ack === null) return true;
  const a = ack as { ok?: unknown; acked?: unknown; refused?: { id: string }[] };
  if (a.ok !== true) return true;
  if (event !== 'syncOutbox') return false;
  const refused = new Set((a.refused ?? []).map((r) => r.id));
  return Array.isArray(a.acked) && a.acked.every((id) => refused.has(id as string));
}

/** How the hub answered the fuzzed payloads: the schema refused them, a deeper check refused them, or it accepted them. */
const answers = { schema: 0, checked: 0, accepted: 0 };

async function sendAndCheck(event: string, payload: unknown): Promise<void> {
  const before = await written();
  const ack = await ask(event, payload);
  expect(ack).toBeTypeOf('object');
  const a = ack as { ok: boolean; refused?: unknown[]; reason?: string };
  answers[!a.ok && (a.reason === undefined || a.reason === 'invalid-request') ? 'schema' : refusedAll(event, ack) ? 'checked' : 'accepted']++;
  // An accepted payload may write (it was valid); a refused one writes nothing.
  if (refusedAll(event, ack)) expect(await written()).toEqual(before);
}

describe('fuzzing the hub from a paired kiosk', () => {
  it('arbitrary JSON on every kiosk event (and unknown events, and events without an ack): refused, nothing written, still answering', async () => {
    const before = await written();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('syncOutbox', 'claimSale', 'redeemVoucher', 'memberChangesSince'), anyJson, async (event, payload) => {
        await sendAndCheck(event, payload);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('syncOutbox', 'claimSale', 'noSuchEvent', 'ledgerAppend', '__proto__'), anyJson, async (event, payload) => {
        socket.emit(event, payload); // no ack callback: the hub must not answer, nor fail
      }),
      { numRuns: 20 },
    );
    await stillAnswering();
    expect(await written()).toEqual(before);
    expect(logs.filter((l) => /failed:/.test(l))).toEqual([]);
  });

  it('near-valid outbox batches: what is refused writes nothing; the hub keeps answering', async () => {
    Object.assign(answers, { schema: 0, checked: 0, accepted: 0 });
    await fc.assert(
      fc.asyncProperty(nearValid(validOutbox(), 2), async (payload) => {
        await sendAndCheck('syncOutbox', freshen(payload));
      }),
      { numRuns: RUNS },
    );
    await stillAnswering();
    expect(logs.filter((l) => /failed:/.test(l))).toEqual([]);
  });

  it('schema-valid forged sales (points, members, kinds, ids, sale keys): the outbox check refuses them and nothing is written', async () => {
    Object.assign(answers, { schema: 0, checked: 0, accepted: 0 });
    const forged = fc.record({
      amount: fc.integer({ min: 1, max: 100_000 }),
      points: fc.integer({ min: 0, max: 2_000_000 }),
      entryPoints: fc.integer({ min: -2_000_000, max: 2_000_000 }),
      stamps: fc.integer({ min: 0, max: 1000 }),
      memberId: fc.constantFrom(annaId, 'ghost-member', `${kiosk.kioskId}:ghost`, `owner:${Date.now()}`),
      entryMember: fc.constantFrom(annaId, 'ghost-member'),
      kind: fc.constantFrom('earn', 'bonus', 'adjust', 'redeem', 'reversal', 'expiry'),
      reason: fc.constantFrom('base', 'welcome', 'referrer', 'campaign'),
      idPrefix: fc.constantFrom('', 'claim:', 'welcome:', 'refused:', 'reversal:', 'adjust:'),
      saleKiosk: fc.constantFrom(kiosk.kioskNo, kiosk.kioskNo + 1, 0),
      extraEntries: fc.nat({ max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(forged, async (f) => {
        const saleNo = SALE_NO;
        const saleId = claimSaleKey({ kioskNo: f.saleKiosk, saleNo });
        const at = NOW.toISOString();
        const entry = (n: number) => ({
          id: `${f.idPrefix}${FRESH}-e${n}`,
          memberId: f.entryMember,
          kind: f.kind,
          points: f.entryPoints,
          stamps: 0,
          saleId,
          reverses: f.kind === 'reversal' ? 'nothing' : null,
          reason: { code: f.reason },
          at,
          spend: f.amount,
        });
        const message = {
          id: `${FRESH}-m`,
          at,
          type: 'saleCreated',
          payload: {
            saleId,
            saleNo,
            total: { amount: f.amount, currency: 'PLN' },
            points: f.points,
            stamps: f.stamps,
            memberId: f.memberId,
            entries: Array.from({ length: 1 + f.extraEntries }, (_, n) => entry(n)),
          },
        };
        await sendAndCheck('syncOutbox', freshen({ messages: [message] }));
      }),
      { numRuns: RUNS },
    );
    // The payloads get past the schema to the outbox check (cloud/outbox-check.ts), which is what is fuzzed here.
    expect(answers.checked).toBeGreaterThan(RUNS / 2);
    await stillAnswering();
    expect(logs.filter((l) => /failed:/.test(l))).toEqual([]);
  });

  it('near-valid claimSale, redeemVoucher and memberChangesSince: refused ones write nothing; the hub keeps answering', async () => {
    const valid = {
      claimSale: { token: saleToken(kiosk, 5, 10, NOW), memberId: annaId },
      redeemVoucher: { code: `V${'A'.repeat(40)}`, redemptionId: 'fz-redemption' },
      memberChangesSince: { cursor: 0 },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(...Object.entries(valid).map(([event, payload]) => fc.tuple(fc.constant(event), nearValid(payload)))),
        async ([event, payload]) => {
          await sendAndCheck(event, payload);
        },
      ),
      { numRuns: RUNS },
    );
    await stillAnswering();
    expect(logs.filter((l) => /failed:/.test(l))).toEqual([]);
  });
});
