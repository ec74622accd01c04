import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { ClaimAccepted, KioskCredentials, ProgramVersions } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { saleClaimUrl } from '../../main/sync/claims';
import { pairKiosk } from '../../main/sync/pair';
import { TestKioskStore } from '../support/hub-kiosk';
import { Phone, tempDir } from '../support/hub-harness';
import { pairingCode, queryDatabase, twoNodeHub, type HubNode, type TwoNodeHub } from '../support/hub-cluster';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

// Issue 9, item 2: two hub processes on one PostgreSQL database and one Redis share the kiosks.
let hub: TwoNodeHub;
let a: HubNode;
let b: HubNode;
let ownerToken: string;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  hub = await twoNodeHub('cluster');
  ({ a, b, ownerToken } = hub);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await hub?.stop();
});

function kioskOn(node: HubNode, creds: KioskCredentials, name: string) {
  const store = new TestKioskStore(tempDir(name).dir, '', creds.kioskNo);
  const sync = new SyncClient({
    now: systemClock,
    hubUrl: node.url,
    credentials: creds,
    outbox: store,
    minBackoffMs: 50,
    maxBackoffMs: 500,
    ackTimeoutMs: 5000,
  });
  const heard: ClaimAccepted[] = [];
  sync.on('claimAccepted', (claim) => {
    heard.push(claim);
    for (const e of claim.entries) store.addLedger(e);
  });
  cleanups.push(
    () => store.close(),
    () => sync.stop(),
  );
  return { store, sync, heard };
}

function claimUrl(node: HubNode, creds: KioskCredentials, saleNo: number, points: number): string {
  return saleClaimUrl(creds, node.url, { saleNo, points, stamps: 1, total: { amount: points * 100, currency: 'PLN' } }, new Date()).url;
}

describe('two hub nodes', () => {
  it('a claim a phone makes on node A reaches the kiosk connected to node B, once, and its delivery is deleted', async () => {
    // Paired through node A, connected to node B only.
    const creds = await pairKiosk(b.url, await pairingCode(a, ownerToken), 'Till on B');
    const kiosk = kioskOn(b, creds, 'kiosk-b');
    kiosk.sync.start();
    await until(() => kiosk.sync.connected, 'kiosk to connect to node B');

    const phone = new Phone('pl-PL');
    const joined = await phone.join(claimUrl(a, creds, 1, 18), '+48 600 100 200', 'Anna');
    expect(joined.status).toBe(303);
    await until(() => kiosk.heard.length === 1, 'claimAccepted from node A to reach the kiosk on node B');
    expect(kiosk.heard[0]).toMatchObject({ saleNo: 1, via: 'phone', member: { name: 'Anna' } });

    // A returning member, this time through node B: the cookie node A signed is good on B.
    const again = await phone.post(claimUrl(a, creds, 2, 7).replace(a.url, b.url), { mode: 'member' });
    expect(again.status).toBe(303);
    await until(() => kiosk.heard.length === 2, 'second claim (phone on B, kiosk on B)');
    const card = await phone.get(`${a.url}/m`);
    expect(card.status).toBe(200);

    // Acknowledged deliveries are gone from the shared database; none was sent twice.
    await until(async () => (await pendingDeliveries()) === 0, 'acked deliveries to be deleted from PostgreSQL');
    expect(new Set(kiosk.heard.map((h) => h.deliveryId)).size).toBe(2);
    expect(kiosk.store.ledgerCount()).toBe(kiosk.heard.reduce((n, h) => n + h.entries.length, 0));
  });

  it('a program the owner publishes on node A reaches the kiosk connected to node B, which acks it', async () => {
    const creds = await pairKiosk(b.url, await pairingCode(a, ownerToken), 'Till for programs');
    const kiosk = kioskOn(b, creds, 'kiosk-program');
    const received: ProgramVersions[] = [];
    kiosk.sync.on('programVersions', (delivery) => {
      received.push(delivery);
    });
    kiosk.sync.start();
    await until(() => received.length > 0, 'the versions sent on connecting to node B');
    const before = Math.max(...received.flatMap((d) => d.versions.map((v) => v.version)));

    const renamed = { ...DEMO_PROGRAM_DOCUMENT, name: 'Kawiarnia po zmianie' };
    const res = await fetch(`${a.url}/owner/program`, {
      method: 'PUT',
      body: JSON.stringify(renamed),
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const { version } = (await res.json()) as { version: number };
    expect(version).toBe(before + 1);
    await until(
      () => received.some((d) => d.versions.some((v) => v.version === version && (v.document as { name?: unknown }).name === 'Kawiarnia po zmianie')),
      'the new version published on node A to reach the kiosk on node B',
    );
    // The kiosk's ack travelled back across the nodes: node A lists the kiosk as having confirmed it.
    await until(async () => {
      const rows = (await (await fetch(`${a.url}/owner/program/versions`, { headers: { authorization: `Bearer ${ownerToken}` } })).json()) as {
        version: number;
        kiosks: string[];
      }[];
      return rows.find((r) => r.version === version)?.kiosks.includes('Till for programs') ?? false;
    }, 'node A to see the kiosk on node B confirm the version');
  });

  it('the owner revokes a kiosk on node A and node B drops its connection', async () => {
    const creds = await pairKiosk(a.url, await pairingCode(b, ownerToken), 'Till to revoke');
    const kiosk = kioskOn(b, creds, 'kiosk-revoked');
    kiosk.sync.start();
    await until(() => kiosk.sync.connected, 'kiosk to connect to node B');
    const res = await fetch(`${a.url}/owner/kiosks/${creds.kioskId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ownerToken}` } });
    expect(res.status).toBe(200);
    await until(() => !kiosk.sync.connected && kiosk.sync.status.state === 'refused', 'revoked kiosk to be dropped by node B and refused');
  });
});

async function pendingDeliveries(): Promise<number> {
  const rows = await queryDatabase<{ n: string }>(hub.databaseUrl, 'SELECT count(*) AS n FROM deliveries');
  return Number(rows[0]!.n);
}
