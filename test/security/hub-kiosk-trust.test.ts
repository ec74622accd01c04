// A paired kiosk turned hostile, against a real hub on loopback: it reports facts, and the hub refuses
// whatever it would not have derived itself — and records, logs and acks each refusal once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import type { LedgerEntry } from '../../core/ledger/entry';
import { kioskAuth, type KioskCredentials, type OutboxMessage, type SyncOutboxAck } from '../../core/sync-protocol';
import { claimSaleKey, createClaimToken } from '../../core/tokens';
import { hexToBytes } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { TestKioskStore } from '../support/hub-kiosk';
import { joinProven, Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let hostile: KioskCredentials;
let honest: KioskCredentials;
let socket: Socket;
let annaId: string;
let beaId: string;
const logs: string[] = [];
const NOW = new Date();
const at = NOW.toISOString();

beforeAll(async () => {
  tmp = tempDir('sec-kiosk');
  hub = await testHub(tmp.dir, { log: (line) => logs.push(line) });
  honest = await pairedKiosk(hub, 'Till 1');
  hostile = await pairedKiosk(hub, 'Till 2');
  const anna = new Phone();
  expect((await anna.join(`${hub.url}/C/${saleToken(honest, 1, 18, NOW)}`, '+48 600 100 200', 'Anna')).status).toBe(303);
  annaId = (await hub.store.searchMembers(1, 'Anna'))[0]!.id;
  // Bea proves her number, so her welcome bonus is paid (a kiosk's second one is refused below).
  expect((await joinProven(hub, new Phone(), `${hub.url}/C/${saleToken(honest, 3, 18, NOW)}`, '+48 600 100 300', 'Bea')).status).toBe(303);
  beaId = (await hub.store.searchMembers(1, 'Bea'))[0]!.id;
  expect((await hub.store.entries(beaId)).filter((e) => e.kind === 'bonus' && e.reason.code === 'welcome')).toHaveLength(1);
  socket = connect(hub.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: (cb) => {
      const t = new Date().toISOString();
      cb(kioskAuth(hostile.secret, hostile.kioskId, t, randomBytes(16)));
    },
  });
  await until(() => socket.connected, 'hostile kiosk connected');
});

afterAll(async () => {
  socket?.close();
  await hub?.close();
  tmp?.remove();
});

const send = async (messages: OutboxMessage[]): Promise<SyncOutboxAck> =>
  (await socket.timeout(10_000).emitWithAck('syncOutbox', { messages })) as SyncOutboxAck;

/** What the attack must leave untouched. */
async function snapshot(): Promise<unknown> {
  return { counts: await hub.store.counts(), anna: await hub.store.balance(annaId), entries: await hub.store.entries(annaId) };
}

const entry = (id: string, fields: Partial<LedgerEntry>): LedgerEntry => ({
  id,
  memberId: annaId,
  kind: 'earn',
  points: 0,
  stamps: 0,
  saleId: null,
  reverses: null,
  reason: { code: 'base' },
  at,
  ...fields,
});

describe('a paired kiosk cannot write the ledger as it likes', () => {
  it('refuses +1,000,000 and −2,000,000 points, unknown members, foreign sale keys and hub ids; acks them once with reasons; nothing changes', async () => {
    const before = await snapshot();
    const ownSale = claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 1 });
    const otherKioskSale = claimSaleKey({ kioskNo: honest.kioskNo, saleNo: 49 });
    const attacks: OutboxMessage[] = [
      // A 18.40 zł sale "earning" a million points.
      {
        id: 'atk-million',
        at,
        type: 'saleCreated',
        payload: {
          saleId: ownSale,
          saleNo: 1,
          total: { amount: 1840, currency: 'PLN' },
          points: 1_000_000,
          stamps: 0,
          memberId: annaId,
          entries: [entry('atk-e1', { points: 1_000_000, saleId: ownSale, spend: 1840 })],
        },
      },
      // Two million points taken off Anna with an "adjustment" only the owner may make.
      { id: 'atk-minus', at, type: 'ledgerAppended', payload: { entries: [entry('atk-e2', { kind: 'adjust', points: -2_000_000 })] } },
      // A redemption bigger than any reward, and one naming no reward.
      {
        id: 'atk-redeem',
        at,
        type: 'ledgerAppended',
        payload: { entries: [entry('atk-e3', { kind: 'redeem', points: -2_000_000, reason: { code: 'redeem', ruleId: 'ten-off' } })] },
      },
      {
        id: 'atk-redeem-none',
        at,
        type: 'ledgerAppended',
        payload: { entries: [entry('atk-e4', { kind: 'redeem', points: -10, reason: { code: 'redeem', ruleId: 'no-such-reward' } })] },
      },
      // Points for a member the hub does not know.
      {
        id: 'atk-ghost',
        at,
        type: 'saleCreated',
        payload: {
          saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 2 }),
          saleNo: 2,
          total: { amount: 1000, currency: 'PLN' },
          points: 10,
          stamps: 0,
          memberId: 'ghost-member',
          entries: [entry('atk-e5', { memberId: 'ghost-member', points: 10, saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 2 }) })],
        },
      },
      // Another kiosk's sale key, and the hub's own claim id for it (which would block that kiosk's claim).
      {
        id: 'atk-foreign-sale',
        at,
        type: 'saleCreated',
        payload: { saleId: otherKioskSale, saleNo: 49, total: { amount: 100, currency: 'PLN' }, points: 1, stamps: 0, memberId: null, entries: [] },
      },
      {
        id: 'atk-claim-id',
        at,
        type: 'ledgerAppended',
        payload: { entries: [entry(`claim:${otherKioskSale}`, { kind: 'redeem', points: 0, reason: { code: 'redeem', ruleId: 'ten-off' } })] },
      },
      // A reversal of nothing, and one that "reverses" Anna's claim into +18 more.
      {
        id: 'atk-reverse-none',
        at,
        type: 'ledgerAppended',
        payload: { entries: [entry('atk-e6', { kind: 'reversal', points: -5, reverses: 'nothing-here' })] },
      },
      {
        id: 'atk-reverse-up',
        at,
        type: 'ledgerAppended',
        payload: {
          entries: [
            entry('atk-e7', {
              kind: 'reversal',
              points: 18,
              reverses: `claim:${claimSaleKey({ kioskNo: honest.kioskNo, saleNo: 1 })}`,
              saleId: claimSaleKey({ kioskNo: honest.kioskNo, saleNo: 1 }),
            }),
          ],
        },
      },
      // Anna's welcome bonus on a till sale: her number is not proven yet, so the hub holds it
      // (cloud/join-verification.ts); a kiosk cannot know that, so the hub refuses it.
      {
        id: 'atk-held-welcome',
        at,
        type: 'saleCreated',
        payload: {
          saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 3 }),
          saleNo: 3,
          total: { amount: 1000, currency: 'PLN' },
          points: 60,
          stamps: 0,
          memberId: annaId,
          entries: [
            entry('atk-e8', { points: 10, spend: 1000, saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 3 }) }),
            entry('atk-e9', {
              kind: 'bonus',
              points: 50,
              saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 3 }),
              reason: { code: 'welcome', ruleId: 'welcome', label: 'welcome' },
            }),
          ],
        },
      },
      // A second welcome bonus for Bea, who was welcomed when she joined by phone and proved her number:
      // within the sale's ceiling, refused all the same.
      {
        id: 'atk-welcome',
        at,
        type: 'saleCreated',
        payload: {
          saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 4 }),
          saleNo: 4,
          total: { amount: 1840, currency: 'PLN' },
          points: 68,
          stamps: 0,
          memberId: beaId,
          entries: [
            entry('atk-e10', { memberId: beaId, points: 18, saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 4 }), spend: 1840 }),
            entry('atk-e11', {
              memberId: beaId,
              kind: 'bonus',
              points: 50,
              saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 4 }),
              reason: { code: 'welcome', ruleId: 'welcome' },
            }),
          ],
        },
      },
      // A member id shaped like an owner session value.
      {
        id: 'atk-owner-id',
        at,
        type: 'memberEnrolled',
        payload: { id: `owner:${Date.now() + 3_600_000}`, name: 'x', phone: null, email: null, consentAt: at },
      },
    ];
    const ack = await send(attacks);
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.acked.sort()).toEqual(attacks.map((m) => m.id).sort());
    expect(new Map(ack.refused?.map((r) => [r.id, r.reason]))).toEqual(new Map(attacks.map((m) => [m.id, expect.any(String)])));
    expect(ack.refused?.find((r) => r.id === 'atk-million')?.reason).toMatch(/at most \d+/);
    expect(ack.refused?.find((r) => r.id === 'atk-foreign-sale')?.reason).toMatch(/not this kiosk's/);
    expect(ack.refused?.find((r) => r.id === 'atk-claim-id')?.reason).toMatch(/hub's namespace/);
    expect(ack.refused?.find((r) => r.id === 'atk-ghost')?.reason).toMatch(/does not know/);
    expect(ack.refused?.find((r) => r.id === 'atk-held-welcome')?.reason).toMatch(/welcome bonus the hub holds until their contact is proven/);
    expect(ack.refused?.find((r) => r.id === 'atk-welcome')?.reason).toMatch(/welcomed before: a member is welcomed once/);
    expect(await snapshot()).toMatchObject({
      ...(before as object),
      counts: {
        ...(before as { counts: object }).counts,
        processedMessages: (before as { counts: { processedMessages: number } }).counts.processedMessages + attacks.length,
      },
    });
    expect(await hub.store.member(`owner:${Date.now() + 3_600_000}`)).toBeUndefined();
    // Recorded per kiosk, and logged.
    expect((await hub.store.kioskRefusals(hostile.kioskNo)).map((r) => r.messageId).sort()).toEqual(attacks.map((m) => m.id).sort());
    expect(await hub.store.kioskRefusals(honest.kioskNo)).toEqual([]);
    expect(logs.filter((l) => l.includes('refused:')).length).toBeGreaterThanOrEqual(attacks.length);

    // Sent again (a lost ack): the same refusals, nothing new written.
    const again = await send(attacks.slice(0, 2));
    expect(again).toMatchObject({ ok: true, acked: ['atk-million', 'atk-minus'], refused: [{ id: 'atk-million' }, { id: 'atk-minus' }] });
    expect((await hub.store.kioskRefusals(hostile.kioskNo)).length).toBe(attacks.length);
  });

  it('the other kiosk can still claim its own sale 49 after the attempt to pre-empt it', async () => {
    const phone = new Phone();
    expect((await phone.post(`${hub.url}/C/${saleToken(honest, 49, 18, NOW)}`, { mode: 'join', contact: 'ewa@example.com', consent: 'yes' })).status).toBe(303);
    const ewa = (await hub.store.searchMembers(1, 'ewa@example.com'))[0]!;
    expect((await hub.store.entries(ewa.id)).map((e) => e.id)).toContain(`claim:${claimSaleKey({ kioskNo: honest.kioskNo, saleNo: 49 })}`);
  });

  it('refuses a kiosk-signed claim token worth 1,000,000 points for an 18.40 zł sale; nothing is credited', async () => {
    const token = createClaimToken(
      {
        shopNo: hostile.shopNo,
        kioskNo: hostile.kioskNo,
        saleNo: 77,
        points: 1_000_000,
        stamps: 0,
        total: { amount: 1840, currency: 'PLN' },
        expiresAt: new Date(NOW.getTime() + 86_400_000),
      },
      hexToBytes(hostile.secret),
    );
    // Zoe joins with an honest sale, then her phone (signed in) tries to collect the forged token.
    const phone = new Phone('en-GB');
    expect((await phone.post(`${hub.url}/C/${saleToken(honest, 2, 18, NOW)}`, { mode: 'join', contact: 'zoe@example.com', consent: 'yes' })).status).toBe(303);
    const mid = await snapshot();
    const tried = await phone.post(`${hub.url}/C/${token}`, { mode: 'member' });
    expect(tried.status).toBe(409);
    expect(tried.text).toContain('promises more points than');
    expect(await snapshot()).toEqual(mid);
    const staff = await socket.timeout(10_000).emitWithAck('claimSale', { token, memberId: annaId });
    expect(staff).toMatchObject({ ok: false, reason: 'exceeds-program' });
    expect(await snapshot()).toEqual(mid);
  });

  it('accepts what a real kiosk sends and keeps exactly-once: the sync client drops refused messages and reports them', async () => {
    const store = new TestKioskStore(tempDir('sec-kiosk-store').dir, 'ok-', hostile.kioskNo);
    const sync = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: hostile, outbox: store, minBackoffMs: 20, maxBackoffMs: 200 });
    const refused: string[] = [];
    sync.on('outboxRefused', (r) => refused.push(r.id));
    try {
      store.enroll(`${hostile.kioskId}:m-ok`, 'Olga', at);
      store.sale(5, `${hostile.kioskId}:m-ok`, 12, at);
      // One hostile message in the middle of honest ones.
      store.db.prepare('INSERT INTO outbox (id, body) VALUES (?, ?)').run(
        'ok-bad',
        JSON.stringify({
          id: 'ok-bad',
          at,
          type: 'ledgerAppended',
          payload: { entries: [entry('ok-bad-e', { memberId: `${hostile.kioskId}:m-ok`, kind: 'bonus', points: 500 })] },
        } satisfies OutboxMessage),
      );
      store.sale(6, `${hostile.kioskId}:m-ok`, 7, at);
      sync.start();
      await until(() => store.outboxSize() === 0, 'outbox drained, the refused message included');
      expect(refused).toEqual(['ok-bad']);
      expect(await hub.store.balance(`${hostile.kioskId}:m-ok`)).toMatchObject({ points: 19 });
    } finally {
      sync.stop();
      store.close();
    }
  });
});
