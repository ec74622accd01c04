// "Your reward is ready" for claims a kiosk made while the hub was down (saleClaimed, synced later):
// the message goes once, for the claim that made the reward affordable, with the id an online claim
// gets (`rewardReady:<memberId>:<saleKey>`). Real parts: the hub on loopback (stopped and restarted on
// the same port), a real SMTP server (smtp-server + mailparser), the kiosk store on disk, KioskService, SyncClient.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { demoProgram } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

const WEDNESDAY = nextWednesdayMorning(new Date());
const now = clockStartingAt(WEDNESDAY);
const ANNA = 'member-anna';

let tmp: ReturnType<typeof tempDir>;
let sink: SmtpSink;
let hub: Hub | undefined;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient;

const startHub = (port = 0): Promise<Hub> =>
  testHub(tmp.dir, { port, now, smtpUrl: sink.url, smtpFrom: 'kawiarnia@kawiarnia.test', messageWorker: { pollMs: 100, firstPlanMs: 3_600_000 } });
const messageId = (mail: ParsedMail): string | undefined => mail.headerLines.find((h) => h.key === 'x-loyalty-message')?.line.replace(/^[^:]+:\s*/, '');
const rewardMails = (): ParsedMail[] => sink.to('anna@example.com').filter((m) => messageId(m)?.startsWith('rewardReady:'));

beforeAll(async () => {
  tmp = tempDir('hub-offline-reward-ready');
  sink = await smtpSink();
  hub = await startHub();
  creds = await pairedKiosk(hub);
  store = openStore({ now, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url, now });
  sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
  linkServiceToHub(service, sync);
  const anna = { id: ANNA, name: 'Anna', phone: null, email: 'anna@example.com', consentAt: WEDNESDAY };
  store.createMember({ ...anna, code: 'ANNA0001', consentText: 'loyalty v1', locale: 'pl', createdAt: WEDNESDAY });
  await hub.store.joinMember(creds.shopNo, { ...anna, consentText: null }, now());
  await until(() => sync.connected, 'kiosk online');
});

afterAll(async () => {
  sync?.stop();
  store?.close();
  await hub?.close();
  await sink?.close();
  tmp?.remove();
});

describe('reward ready after offline claims', () => {
  it('goes once per reward, for the claim that made it affordable, when the kiosk syncs; a hub restart sends nothing new', async () => {
    const port = hub!.port;
    await hub!.close();
    hub = undefined;
    await until(() => !sync.connected, 'kiosk to notice the hub is gone');

    // Four sales of 25 points each claimed offline, the first with her welcome bonus of 50 (the one earn,
    // core/claims claimEarnEntries): 75 (5 zł off costs 60), 100 (10% off costs 100), 125, 150.
    const saleIds: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const { sale } = await service.createSale({
        tillSaleId: `OFF-${i}`,
        total: { amount: 2550, currency: 'PLN' },
        at: WEDNESDAY,
        lines: [{ name: 'Latte', quantity: 2, total: { amount: 2550, currency: 'PLN' }, category: 'coffee' }],
      });
      expect(service.claimSaleOffline({ saleId: sale.saleId, memberId: ANNA })).toMatchObject({ created: true, points: i === 1 ? 75 : 25 });
      saleIds.push(sale.saleId);
    }
    expect(store.balance(ANNA)).toMatchObject({ points: 150 });

    hub = await startHub(port);
    await until(() => store.pendingOutbox(10).length === 0, 'kiosk outbox to drain');
    expect(await hub.store.balance(ANNA)).toMatchObject({ points: 150 });
    await until(() => rewardMails().length === 2, 'two reward-ready e-mails');
    await hub.messaging.drain();
    expect(
      rewardMails()
        .map((m) => [messageId(m), m.subject])
        .sort(),
    ).toEqual(
      [
        [`rewardReady:${ANNA}:${saleIds[0]}`, '5 zł off is ready for you at Kawiarnia Anna'],
        [`rewardReady:${ANNA}:${saleIds[1]}`, '10% off is ready for you at Kawiarnia Anna'],
      ].sort(),
    );
    const rows = (await hub.messaging.store.messagesOf(ANNA)).filter((m) => m.purpose === 'rewardReady');
    expect(rows.map((r) => [r.id, r.state, r.kind])).toEqual(
      expect.arrayContaining([
        [`rewardReady:${ANNA}:${saleIds[0]}`, 'sent', 'service'],
        [`rewardReady:${ANNA}:${saleIds[1]}`, 'sent', 'service'],
      ]),
    );
    expect(rows).toHaveLength(2);

    // The kiosk reconnecting to a restarted hub sends nothing again, and the hub queues nothing new.
    const again = hub.port;
    await hub.close();
    hub = await startHub(again);
    await until(() => sync.connected, 'kiosk online again');
    await hub.messaging.drain();
    expect(rewardMails()).toHaveLength(2);
    expect((await hub.messaging.store.messagesOf(ANNA)).filter((m) => m.purpose === 'rewardReady')).toHaveLength(2);
  });
});
