// The owner sees what the hub refused from each kiosk, in words, and a kiosk that keeps sending refused
// facts is flagged (KIOSK_FLAG_RULE): a real hub on loopback, a paired kiosk's Socket.IO client that
// sends forged facts, the owner's pages over HTTP.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import { KIOSK_FLAG_RULE } from '../../cloud/outbox-check';
import type { LedgerEntry } from '../../core/ledger/entry';
import { hexToBytes, kioskAuth, type KioskCredentials, type OutboxMessage, type SyncOutboxAck } from '../../core/sync-protocol';
import { claimSaleKey, createClaimToken } from '../../core/tokens';
import { Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let hostile: KioskCredentials;
let honest: KioskCredentials;
let socket: Socket;
let annaId: string;
let cookie: string;
const logs: string[] = [];
const NOW = new Date();
const at = NOW.toISOString();
const EN = 'en-GB';

beforeAll(async () => {
  tmp = tempDir('sec-refusals');
  hub = await testHub(tmp.dir, { log: (line) => logs.push(line) });
  honest = await pairedKiosk(hub, 'Till 1');
  hostile = await pairedKiosk(hub, 'Back till');
  expect((await new Phone().join(`${hub.url}/C/${saleToken(honest, 1, 18, NOW)}`, '+48 600 100 200', 'Anna')).status).toBe(303);
  annaId = (await hub.store.searchMembers(1, 'Anna'))[0]!.id;
  socket = connect(hub.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: (cb) => cb(kioskAuth(hostile.secret, hostile.kioskId, new Date().toISOString(), randomBytes(16))),
  });
  await until(() => socket.connected, 'hostile kiosk connected');
  const login = await fetch(`${hub.url}/owner/login`, {
    method: 'POST',
    redirect: 'manual',
    body: `token=${hub.ownerToken}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  cookie = login.headers.get('set-cookie')!.split(';')[0]!;
});

afterAll(async () => {
  socket?.close();
  await hub?.close();
  tmp?.remove();
});

const get = async (path: string): Promise<{ status: number; text: string }> => {
  const res = await fetch(`${hub.url}${path}`, { redirect: 'manual', headers: { cookie, 'accept-language': EN } });
  return { status: res.status, text: await res.text() };
};
const post = async (path: string, form: Record<string, string>): Promise<{ status: number; location: string | null }> => {
  const res = await fetch(`${hub.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(form).toString(),
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': EN },
  });
  await res.text();
  return { status: res.status, location: res.headers.get('location') };
};
const csrfOf = (html: string): string => /name="csrf" value="([0-9a-f]+)"/.exec(html)![1]!;

const send = async (messages: OutboxMessage[]): Promise<SyncOutboxAck> =>
  (await socket.timeout(10_000).emitWithAck('syncOutbox', { messages })) as SyncOutboxAck;

/** What no refused fact may change: the ledger, members, claims, sales and Anna's balance. */
async function snapshot(): Promise<unknown> {
  const { processedMessages: _seen, ...counts } = await hub.store.counts();
  const sales = await hub.store.db
    .selectFrom('sales')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return { counts, sales: Number(sales.n), anna: await hub.store.balance(annaId) };
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

/** A forged sale of the hostile kiosk: 18.40 zł "earning" a million points for Anna. */
function millionSale(id: string, saleNo: number): OutboxMessage {
  const saleId = claimSaleKey({ kioskNo: hostile.kioskNo, saleNo });
  return {
    id,
    at,
    type: 'saleCreated',
    payload: {
      saleId,
      saleNo,
      total: { amount: 1840, currency: 'PLN' },
      points: 1_000_000,
      stamps: 0,
      memberId: annaId,
      entries: [entry(`${id}-e`, { points: 1_000_000, saleId, spend: 1840 })],
    },
  };
}

const kioskRow = (page: string, name: string): string => page.split('<tr>').find((row) => row.includes(`<td>${name}</td>`)) ?? '';

describe('refused facts: visible to the owner, and a kiosk that keeps sending them is flagged', () => {
  it('records each forged fact (ledger-altering, unknown member, an inflated claim token); the owner reads them in words; nothing changes', async () => {
    const before = await snapshot();
    const forged: OutboxMessage[] = [
      millionSale('ref-million', 1),
      // Two million points off Anna as an "adjustment", which only the owner may make.
      { id: 'ref-minus', at, type: 'ledgerAppended', payload: { entries: [entry('ref-minus-e', { kind: 'adjust', points: -2_000_000 })] } },
      // An offline claim for a member the hub never heard of.
      {
        id: 'ref-ghost-claim',
        at,
        type: 'saleClaimed',
        payload: {
          saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 2 }),
          saleNo: 2,
          memberId: 'ghost-member',
          entries: [
            entry(`claim:${claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 2 })}:offline`, {
              memberId: 'ghost-member',
              points: 10,
              saleId: claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 2 }),
              spend: 1000,
            }),
          ],
        },
      },
    ];
    const ack = await send(forged);
    expect(ack).toMatchObject({ ok: true });
    if (!ack.ok) return;
    expect(ack.refused?.map((r) => r.id).sort()).toEqual(forged.map((m) => m.id).sort());
    // A claim token the hostile kiosk signed itself, worth a million points for an 18.40 zł sale.
    const token = createClaimToken(
      {
        shopNo: hostile.shopNo,
        kioskNo: hostile.kioskNo,
        saleNo: 3,
        points: 1_000_000,
        stamps: 0,
        total: { amount: 1840, currency: 'PLN' },
        expiresAt: new Date(NOW.getTime() + 86_400_000),
      },
      hexToBytes(hostile.secret),
    );
    expect(await socket.timeout(10_000).emitWithAck('claimSale', { token, memberId: annaId })).toMatchObject({ ok: false, reason: 'exceeds-program' });
    expect(await snapshot()).toEqual(before);

    const recorded = await hub.store.kioskRefusals(hostile.kioskNo);
    expect(new Map(recorded.map((r) => [r.type, r.code]))).toEqual(
      new Map([
        ['saleCreated', 'over-earn'],
        ['ledgerAppended', 'not-earned'],
        ['saleClaimed', 'unknown-member'],
        ['claimSale', 'over-earn'],
      ]),
    );
    expect(await hub.store.kioskRefusals(honest.kioskNo)).toEqual([]);

    // The owner's kiosk list: the count per kiosk, no flag yet (4 is under the rule's threshold).
    const list = await get('/owner/kiosks');
    expect(list.status).toBe(200);
    expect(kioskRow(list.text, 'Back till')).toContain('4 refused');
    expect(kioskRow(list.text, 'Back till')).not.toContain('Flagged');
    expect(kioskRow(list.text, 'Till 1')).toContain('0 refused');
    expect(list.text).toContain(`flagged after ${KIOSK_FLAG_RULE.refusals} refused reports within ${KIOSK_FLAG_RULE.windowMs / 3_600_000} hours`);

    // One kiosk's refusals: when (the shop's clock), what, why — in words, not the ids.
    const page = await get(`/owner/kiosks/${hostile.kioskId}/refusals`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Reports refused from Back till');
    for (const words of [
      'More points or stamps than your program gives for the sale',
      'Points or stamps a kiosk may not give (only you can adjust points)',
      'Points for a member this shop does not have',
      '<td>Sale</td>',
      '<td>Points change</td>',
      '<td>Points collected while offline</td>',
      '<td>Points collected by a staff scan</td>',
    ]) {
      expect(page.text).toContain(words.replaceAll("'", '&#39;'));
    }
    for (const id of ['ref-million', 'ref-minus', 'ghost-member', annaId, 'claim:', `K${hostile.kioskNo}-S`]) expect(page.text).not.toContain(id);
    const shown = new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: (await hub.store.shop(1))!.program.timeZone,
    }).format(new Date(recorded[0]!.at));
    expect(page.text).toContain(shown);
    expect((await get(`/owner/kiosks/${honest.kioskId}/refusals`)).text).toContain('Nothing refused from this kiosk.');
    expect((await get('/owner/kiosks/no-such-kiosk/refusals')).status).toBe(404);
  });

  it('flags the kiosk at the threshold; its facts are still checked (an honest sale counts, a forged one does not); the owner clears the flag', async () => {
    const before = await snapshot();
    const already = (await hub.store.kioskRefusals(hostile.kioskNo)).length;
    const more = Array.from({ length: KIOSK_FLAG_RULE.refusals - already }, (_, i) => millionSale(`ref-more-${i}`, 10 + i));
    const ack = await send(more);
    expect(ack).toMatchObject({ ok: true });
    expect(await snapshot()).toEqual(before);
    expect(logs.some((l) => l.includes('Back till') && l.includes('flagged'))).toBe(true);

    const list = await get('/owner/kiosks');
    expect(kioskRow(list.text, 'Back till')).toContain('Flagged');
    expect(kioskRow(list.text, 'Back till')).toContain(`${KIOSK_FLAG_RULE.refusals} refused`);
    expect(kioskRow(list.text, 'Till 1')).not.toContain('Flagged');

    // Still checked, never trusted more: an honest 10.00 zł sale for Anna is applied, another forged one refused.
    const saleId = claimSaleKey({ kioskNo: hostile.kioskNo, saleNo: 40 });
    const honestSale: OutboxMessage = {
      id: 'ref-honest',
      at,
      type: 'saleCreated',
      payload: {
        saleId,
        saleNo: 40,
        total: { amount: 1000, currency: 'PLN' },
        points: 10,
        stamps: 0,
        memberId: annaId,
        entries: [entry('ref-honest-e', { points: 10, saleId, spend: 1000 })],
      },
    };
    const mixed = await send([honestSale, millionSale('ref-after-flag', 41)]);
    expect(mixed).toMatchObject({ ok: true, refused: [{ id: 'ref-after-flag' }] });
    const annaBefore = (before as { anna: { points: number } }).anna.points;
    expect((await hub.store.balance(annaId)).points).toBe(annaBefore + 10);

    // Only the owner's session clears it (CSRF-checked), and then only refusals after the clearing count.
    const csrf = csrfOf(list.text);
    expect((await post(`/owner/kiosks/${hostile.kioskId}/flag/clear`, { csrf: 'wrong' })).status).toBe(403);
    expect(kioskRow((await get('/owner/kiosks')).text, 'Back till')).toContain('Flagged');
    expect(await post(`/owner/kiosks/${hostile.kioskId}/flag/clear`, { csrf })).toMatchObject({ status: 303, location: '/owner/kiosks?done=flagCleared' });
    const cleared = await get('/owner/kiosks?done=flagCleared');
    expect(cleared.text).toContain('Flag cleared.');
    expect(kioskRow(cleared.text, 'Back till')).not.toContain('Flagged');
    expect((await post(`/owner/kiosks/${honest.kioskId}/flag/clear`, { csrf })).status).toBe(404);

    await send([millionSale('ref-after-clear', 42)]);
    expect(kioskRow((await get('/owner/kiosks')).text, 'Back till')).not.toContain('Flagged');
    expect(await hub.owner.auditRows(1)).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'kiosk-flag-cleared' })]));
  });
});
