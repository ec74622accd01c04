// Program versions from the owner's editor to the kiosks: a real hub on loopback, a real kiosk store
// on disk, KioskService and SyncClient wired by linkServiceToHub. A sale rung at t earns by the version
// in effect at t; a kiosk offline while the owner publishes applies the version when it reconnects;
// a kiosk restarted from its store keeps the versions; a bad document from the hub changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { addDays, localTime, weekdayOf, zonedInstant } from '../../core/program/clock';
import { DEMO_PROGRAM_DOCUMENT, demoProgram } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

const ZONE = 'Europe/Warsaw';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient;
const log: string[] = [];
/** The till rings each sale "now": the kiosk's clock reads the sale's moment while it is rung (the kiosk refuses a sale from the future). */
let ringing: Date | undefined;
const kioskClock = (): Date => ringing ?? systemClock();

function startKiosk(): void {
  store = openStore({ now: systemClock, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ now: kioskClock, store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url });
  service.on('programVersionRefused', ({ version, errors }) => log.push(`refused ${String(version)}: ${errors.map((e) => e.path).join(',')}`));
  sync = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400 });
  linkServiceToHub(service, sync);
  sync.start();
}

beforeEach(async () => {
  tmp = tempDir('hub-sync-program');
  hub = await testHub(tmp.dir);
  creds = await pairedKiosk(hub);
  log.length = 0;
  startKiosk();
});

afterEach(async () => {
  sync.stop();
  store.close();
  await hub.close();
  tmp.remove();
});

/** The owner's editor form, posted with the owner token: changed fields only (the others keep their values). */
async function publish(fields: Record<string, string>): Promise<Response> {
  return fetch(`${hub.url}/owner/program/publish`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(fields).toString(),
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
  });
}

/** The first date at least `ahead` days from today (Warsaw) that falls on ISO weekday `weekday`. */
function nextWeekday(weekday: number, ahead = 2): string {
  const start = addDays(localTime(new Date(), ZONE).date, ahead);
  return addDays(start, (weekday - weekdayOf(start) + 7) % 7);
}

let saleNo = 0;
async function pointsAt(date: string, time: string): Promise<number> {
  ringing = zonedInstant(date, time, ZONE);
  try {
    const { sale } = await service.createSale({ tillSaleId: `T-${++saleNo}`, total: { amount: 1840, currency: 'PLN' }, at: ringing.toISOString() });
    return sale.points;
  } finally {
    ringing = undefined;
  }
}

const versionsOnKiosk = (): number[] => service.programVersions().map((v) => v.version);

describe('program versions reach the kiosk', () => {
  it('offline while the owner publishes: old rules until it reconnects; a scheduled version applies from its moment, also after a restart', async () => {
    // Connected: the shop's program as version 1 (the demo café: 1 point per zł, x2 on Tuesday).
    await until(() => versionsOnKiosk().join() === '1', 'version 1 on the kiosk');
    const wednesday = nextWeekday(3);
    expect(await pointsAt(wednesday, '10:00')).toBe(18);

    // Offline: the owner doubles the base points; the kiosk earns by what it has.
    sync.stop();
    const doubled = await publish({ 'rules.0.bands.0.points': '2' });
    expect(doubled.status).toBe(303);
    expect((await hub.store.programVersions(1)).map((v) => v.version)).toEqual([1, 2]);
    expect(await pointsAt(wednesday, '10:00')).toBe(18);
    expect(versionsOnKiosk()).toEqual([1]);

    // Back online: version 2 arrives and applies.
    sync.start();
    await until(() => versionsOnKiosk().includes(2), 'version 2 after reconnecting');
    expect(await pointsAt(wednesday, '10:00')).toBe(36);

    // Scheduled: x3 on Tuesday from next Tuesday 12:00 (shop time). Before it: x2 of version 2; after: x3.
    const tuesday = nextWeekday(2);
    const scheduled = await publish({ 'rules.2.multiplier': '3', 'publish.from': `${tuesday}T12:00` });
    expect(scheduled.status).toBe(303);
    await until(() => versionsOnKiosk().includes(3), 'version 3 on the kiosk');
    // The owner sees which kiosks confirmed which version, and their state.
    const rows = async (): Promise<unknown> =>
      (await fetch(`${hub.url}/owner/program/versions`, { headers: { authorization: `Bearer ${hub.ownerToken}` } })).json();
    await expect.poll(rows).toMatchObject([
      { version: 1, state: 'superseded', kiosks: ['Till 1'] },
      { version: 2, state: 'inEffect', kiosks: ['Till 1'] },
      { version: 3, state: 'scheduled', kiosks: ['Till 1'] },
    ]);
    expect(service.programVersions().find((v) => v.version === 3)?.effectiveFrom).toBe(zonedInstant(tuesday, '12:00', ZONE).toISOString());
    expect(await pointsAt(tuesday, '11:59')).toBe(72);
    expect(await pointsAt(tuesday, '12:00')).toBe(108);
    // The hub's own copy (claims, member cards) is still version 2 until then.
    expect((await hub.store.shop(1))!.program.rules[2]).toMatchObject({ multiplier: 2 });

    // A restart reads the versions from the store: same answers, before any sync.
    sync.stop();
    store.close();
    store = openStore({ now: systemClock, dir: `${tmp.dir}/kiosk` });
    const restarted = new KioskService({ now: kioskClock, store, program: demoProgram(), identity: creds, hubPublicUrl: hub.url });
    expect(restarted.programVersions().map((v) => v.version)).toEqual([1, 2, 3]);
    ringing = zonedInstant(tuesday, '15:00', ZONE);
    const { sale } = await restarted.createSale({ tillSaleId: 'after-restart', total: { amount: 1840, currency: 'PLN' }, at: ringing.toISOString() });
    ringing = undefined;
    expect(sale.points).toBe(108);
    sync = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: creds, outbox: restarted.outbox() });
  });

  it('a refused edit publishes nothing, and a bad document from the hub is refused by the kiosk, which keeps its rules', async () => {
    await until(() => versionsOnKiosk().join() === '1', 'version 1 on the kiosk');
    // The only points rule removed with points rewards left: refused at the reward, nothing published.
    const refused = await publish({ 'rules.0._remove': 'on', 'rules.3._remove': 'on', 'rules.4._remove': 'on', 'rules.5._remove': 'on' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('data-error-for="rewards.1.cost.points">No rule earns points');
    expect((await hub.store.programVersions(1)).map((v) => v.version)).toEqual([1]);
    // A start in the past is refused too.
    const past = await publish({ 'rules.2.multiplier': '3', 'publish.from': '2020-01-01T10:00' });
    expect(past.status).toBe(400);
    expect(await past.text()).toContain('data-error-for="publish.from">Choose a moment from now on');
    expect(await hub.store.programVersions(1)).toHaveLength(1);

    // A hub that sends a document that fails parseProgram: acked, logged, not stored; the rules stay.
    const [socket] = await hub.io.in(`kiosk:${creds.kioskNo}`).fetchSockets();
    const bad = { ...structuredClone(DEMO_PROGRAM_DOCUMENT), currency: 'XXX' };
    const answer: unknown = await socket!.timeout(5000).emitWithAck('programVersions', {
      deliveryId: 'bad-1',
      versions: [{ version: 7, effectiveFrom: new Date().toISOString(), document: bad }],
    });
    expect(answer).toEqual({ ok: true });
    expect(log).toEqual(['refused 7: document.currency']);
    expect(versionsOnKiosk()).toEqual([1]);
    expect(service.program.currency).toBe('PLN');
    // A payload that fails the protocol schema is not acked as taken.
    const malformed: unknown = await socket!.timeout(5000).emitWithAck('programVersions', { deliveryId: 'bad-2', versions: 'all of them' as never });
    expect(malformed).toEqual({ ok: false });
  });
});
