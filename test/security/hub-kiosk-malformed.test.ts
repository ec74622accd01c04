// A kiosk that keeps sending Socket.IO batches failing the schema is flagged like one sending refused
// facts (issue 16): a real hub on loopback, a paired kiosk's socket.io-client sending malformed batches.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../cloud/hub';
import { KIOSK_FLAG_RULE } from '../../cloud/outbox-check';
import { kioskAuth, type KioskCredentials, type SyncOutboxAck } from '../../core/sync-protocol';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let kiosk: KioskCredentials;
let socket: Socket;

beforeAll(async () => {
  tmp = tempDir('sec-malformed');
  hub = await testHub(tmp.dir, { log: () => {} });
  kiosk = await pairedKiosk(hub, 'Back till');
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

describe('malformed outbox batches', () => {
  it('are refused, recorded as the kiosk’s refusals and flag it once there are enough', async () => {
    const kioskNo = (await hub.store.kiosk(kiosk.kioskId))!.no;
    for (let i = 0; i < KIOSK_FLAG_RULE.refusals; i++) {
      const ack = (await socket.timeout(10_000).emitWithAck('syncOutbox', { messages: [{ id: `bad-${i}`, type: 'saleCreated' }] })) as SyncOutboxAck;
      expect(ack.ok).toBe(false);
    }
    const refusals = await hub.store.kioskRefusals(kioskNo);
    expect(refusals).toHaveLength(KIOSK_FLAG_RULE.refusals);
    expect(refusals.every((r) => r.code === 'malformed')).toBe(true);
    const row = await hub.store.db.selectFrom('kiosks').select('flagged_at').where('no', '=', kioskNo).executeTakeFirstOrThrow();
    expect(row.flagged_at).not.toBeNull();
  });
});
