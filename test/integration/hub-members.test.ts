// One person, one member, found at every kiosk: a hub and two kiosks (KioskService + SyncClient +
// SQLite store on disk + till API each, on loopback). A phone joins at kiosk A's claim QR; kiosk B
// finds the member by the phone number in another format and by name, offline too; enrolling the
// same number at B's till answers the same member; a member enrolled at A appears at B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { demoProgram } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import type { MemberView } from '../../core/till-api';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { startTillApi, type TillApi } from '../../main/till/server';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { Phone, pairedKiosk, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const WEDNESDAY = nextWednesdayMorning(new Date());
const now = clockStartingAt(WEDNESDAY);
const TOKEN = 'members-directory-token-0123456789';

interface Kiosk {
  creds: KioskCredentials;
  store: KioskStore;
  service: KioskService;
  sync: SyncClient;
  till: TillApi;
}

let tmp: ReturnType<typeof tempDir>;
let hub: Hub | undefined;
let a: Kiosk;
let b: Kiosk;

async function kiosk(name: string): Promise<Kiosk> {
  const creds = await pairedKiosk(hub!, name);
  const store = openStore({ dir: `${tmp.dir}/${name}`, now });
  const service = new KioskService({ store, program: demoProgram(), identity: creds, hubPublicUrl: hub!.url, now });
  const sync = new SyncClient({ hubUrl: hub!.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
  linkServiceToHub(service, sync);
  const till = await startTillApi({ port: service, token: TOKEN, listenPort: 0 });
  return { creds, store, service, sync, till };
}

async function api(k: Kiosk, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${k.till.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function member(k: Kiosk, codeOrPhone: string): Promise<MemberView | undefined> {
  const res = await api(k, `/v1/members/${encodeURIComponent(codeOrPhone)}`);
  return res.status === 200 ? (res.body as MemberView) : undefined;
}

async function search(k: Kiosk, query: string): Promise<MemberView[]> {
  const res = await api(k, `/v1/members?query=${encodeURIComponent(query)}`);
  expect(res.status).toBe(200);
  return (res.body as { members: MemberView[] }).members;
}

beforeAll(async () => {
  tmp = tempDir('hub-members');
  hub = await testHub(tmp.dir, { now });
  a = await kiosk('till-a');
  b = await kiosk('till-b');
  await until(() => a.sync.connected && b.sync.connected, 'both kiosks online');
});

afterAll(async () => {
  for (const k of [a, b]) {
    k?.sync.stop();
    await k?.till.close();
    k?.store.close();
  }
  await hub?.close();
  tmp?.remove();
});

describe('member directory: one person, one member, known at every kiosk', () => {
  it('a phone joins at kiosk A; kiosk B finds the member by phone in another format and by name', async () => {
    const { sale } = await a.service.createSale({ tillSaleId: 'A-1', total: { amount: 1840, currency: 'PLN' }, at: WEDNESDAY });
    const phone = new Phone();
    const joined = await phone.join(sale.claimUrl!, '+48 600 100 200', 'Anna Kowalska');
    expect(joined.status).toBe(303);
    // The card looks up the claim and its welcome bonus in the store; the URL carries only the sale key.
    expect(joined.location).toMatch(/^\/m\?claimed=K\d+-S\d+$/);
    const onHub = (await hub!.store.searchMembers(a.creds.shopNo, 'Anna'))[0]!;
    expect(onHub.phone).toBe('+48600100200');
    const hubBalance = await hub!.store.balance(onHub.id);
    expect(hubBalance.points).toBeGreaterThan(0);

    // The member and the claim's credit are two changes on the hub; kiosk B may hear the first before the second.
    await until(async () => (await member(b, '0048 600-100-200'))?.points === hubBalance.points, 'kiosk B to know the phone member and her points', 10_000);
    const atB = (await member(b, '0048 600-100-200'))!;
    expect(atB).toMatchObject({ name: 'Anna Kowalska', points: hubBalance.points, stamps: hubBalance.stamps });
    // The same member by her card code, by the number typed locally, and by name (prefix, any case, no accents needed).
    expect(await member(b, atB.code)).toEqual(atB);
    expect(await member(b, '600 100 200')).toEqual(atB);
    expect((await search(b, 'ann'))[0]).toEqual(atB);
    expect((await search(b, 'KOWAL'))[0]).toEqual(atB);
    expect((await search(b, '+48600100200'))[0]).toEqual(atB);
    expect(await search(b, 'zofia')).toEqual([]);
  });

  it('enrolling the same number at kiosk B answers 200 with that member: no second account, no second welcome', async () => {
    const before = await hub!.store.counts();
    const welcomes = (): Promise<number> =>
      hub!.store.db
        .selectFrom('ledger')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('reason_json', 'like', '%"welcome"%')
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    const welcomesBefore = await welcomes();
    const existing = (await member(b, '+48600100200'))!;

    const again = await api(b, '/v1/members', { method: 'POST', body: { contact: '600100200', name: 'Anna' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(existing);
    expect(b.store.counts().outboxPending).toBe(0);
    expect((await hub!.store.counts()).members).toBe(before.members);
    expect(await welcomes()).toBe(welcomesBefore);

    const bad = await api(b, '/v1/members', { method: 'POST', body: { contact: '600 1', name: 'Anna' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toMatch(/^contact: "600 1" is not a valid phone number/);
    expect((await hub!.store.counts()).members).toBe(before.members);
  });

  it('a member enrolled at kiosk A appears at kiosk B with the card code A gave', async () => {
    const enrolled = await api(a, '/v1/members', { method: 'POST', body: { contact: ' Ola.Nowak@Example.com ', name: 'Ola Nowak' } });
    expect(enrolled.status).toBe(201);
    const ola = enrolled.body as MemberView;
    expect(ola).toMatchObject({ name: 'Ola Nowak', points: 0 });

    await until(async () => (await search(b, 'nowak')).length === 1, 'kiosk B to know the member enrolled at A', 10_000);
    expect((await search(b, 'nowak'))[0]!.code).toBe(ola.code);
    expect(await member(b, ola.code)).toMatchObject({ name: 'Ola Nowak' });
    expect((await search(b, 'ola.nowak@example.com'))[0]!.code).toBe(ola.code);
    // Enrolling her again at B (any case) is her, and the hub still has one Ola.
    const again = await api(b, '/v1/members', { method: 'POST', body: { contact: 'OLA.NOWAK@example.com' } });
    expect(again.status).toBe(200);
    expect((again.body as MemberView).code).toBe(ola.code);
    expect((await hub!.store.searchMembers(a.creds.shopNo, 'Ola')).length).toBe(1);
  });

  it('a person enrolled at B before B heard of them is merged into the hub member: one member, points together', async () => {
    // Kiosk B enrols a contact while offline from the hub; kiosk A enrolled the same person meanwhile.
    b.sync.stop();
    const atB = await api(b, '/v1/members', { method: 'POST', body: { contact: '+48 601 222 333', name: 'Piotr' } });
    expect(atB.status).toBe(201);
    const atA = await api(a, '/v1/members', { method: 'POST', body: { contact: '601-222-333', name: 'Piotr Wiśniewski' } });
    expect(atA.status).toBe(201);
    await until(async () => (await hub!.store.searchMembers(a.creds.shopNo, 'Piotr')).length === 1, 'the hub to have Piotr');
    b.sync.start();
    await until(async () => (await member(b, '601222333'))?.code === (atA.body as MemberView).code, 'kiosk B to re-point Piotr to the hub member', 10_000);
    // B's own card code for him leads to the same member; the hub has one Piotr.
    expect((await member(b, (atB.body as MemberView).code))?.code).toBe((atA.body as MemberView).code);
    expect((await hub!.store.searchMembers(a.creds.shopNo, 'Piotr')).length).toBe(1);
    expect((await search(b, 'piotr')).map((m) => m.code)).toEqual([(atA.body as MemberView).code]);
  });

  it('kiosk B finds members with the hub stopped (its replica is on disk)', async () => {
    await hub!.close();
    hub = undefined;
    await until(() => !b.sync.connected, 'kiosk B to notice the hub is gone');
    expect((await search(b, 'kowalska'))[0]).toMatchObject({ name: 'Anna Kowalska' });
    expect(await member(b, '+48 600 100 200')).toMatchObject({ name: 'Anna Kowalska' });
    expect((await search(b, 'nowak'))[0]).toMatchObject({ name: 'Ola Nowak' });
  });
});
