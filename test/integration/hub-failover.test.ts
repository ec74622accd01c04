import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskCredentials } from '../../core/sync-protocol';
import { SyncClient } from '../../main/sync/client';
import { saleClaimUrl } from '../../main/sync/claims';
import { pairKiosk } from '../../main/sync/pair';
import { TestKioskStore } from '../support/hub-kiosk';
import { Phone, tempDir } from '../support/hub-harness';
import { pairingCode, queryDatabase, twoNodeHub, type HubNode, type TwoNodeHub } from '../support/hub-cluster';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

// Issue 9, item 3: a node killed with SIGKILL in the middle of a load; its kiosks carry on with the
// other node, and afterwards every kiosk's ledger agrees with PostgreSQL — nothing lost, nothing doubled.
const KIOSKS = 6;
const SALES = 120;
let hub: TwoNodeHub;
let a: HubNode;
let b: HubNode;
let ownerToken: string;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  hub = await twoNodeHub('failover');
  ({ a, b, ownerToken } = hub);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await hub?.stop();
});

interface Kiosk {
  creds: KioskCredentials;
  store: TestKioskStore;
  sync: SyncClient;
  deliveries: Set<string>;
  claimEntries: number;
}

async function hubCount(sql: string, kioskNo: number): Promise<number> {
  return Number((await queryDatabase<{ n: string }>(hub.databaseUrl, sql, [kioskNo]))[0]!.n);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a hub node SIGKILLed mid-load', () => {
  it('its kiosks fail over to the other node and every kiosk ledger equals PostgreSQL’s', async () => {
    const kiosks: Kiosk[] = [];
    for (let i = 0; i < KIOSKS; i++) {
      const first = i % 2 === 0 ? a : b;
      const other = first === a ? b : a;
      const creds = await pairKiosk([first.url, other.url], await pairingCode(first, ownerToken), `Till ${i}`);
      const store = new TestKioskStore(tempDir(`failover-${i}`).dir, `k${i}-`, creds.kioskNo);
      // HUB_URL lists both nodes, each kiosk starting with its own.
      const sync = new SyncClient({
        now: systemClock,
        hubUrl: [first.url, other.url],
        credentials: creds,
        outbox: store,
        batchSize: 20,
        minBackoffMs: 50,
        maxBackoffMs: 500,
        ackTimeoutMs: 3000,
      });
      const kiosk: Kiosk = { creds, store, sync, deliveries: new Set(), claimEntries: 0 };
      sync.on('claimAccepted', (claim) => {
        if (!kiosk.deliveries.has(claim.deliveryId)) kiosk.claimEntries += claim.entries.length;
        kiosk.deliveries.add(claim.deliveryId);
        for (const e of claim.entries) store.addLedger(e);
      });
      cleanups.push(
        () => store.close(),
        () => sync.stop(),
      );
      store.enroll(`m-${i}`, `Member ${i}`, new Date().toISOString());
      sync.start();
      kiosks.push(kiosk);
    }
    await until(() => kiosks.every((k) => k.sync.connected), 'every kiosk to connect to its first node');

    // The load: every kiosk rings a sale every few milliseconds; a phone claims some sales on each node.
    const phone = new Phone('de-DE');
    let joined = false;
    let killed = false;
    const ring = kiosks.map(async (k, i) => {
      for (let saleNo = 1; saleNo <= SALES; saleNo++) {
        k.store.sale(saleNo, `m-${i}`, 3, new Date().toISOString());
        k.sync.kick();
        await sleep(5);
      }
    });
    const phoneClaims = (async () => {
      for (let n = 0; n < 8; n++) {
        const k = kiosks[n % KIOSKS]!;
        const node = killed ? b : n % 2 === 0 ? a : b;
        const url = saleClaimUrl(k.creds, node.url, { saleNo: 10_000 + n, points: 5, stamps: 1, total: { amount: 500, currency: 'PLN' } }, new Date()).url;
        try {
          const res: { status: number } = joined ? await phone.post(url, { mode: 'member' }) : await phone.join(url, 'ewa@example.de', 'Ewa');
          joined ||= res.status === 303;
        } catch {
          // Node A died under this request: whether the claim stood is read from PostgreSQL below.
        }
        await sleep(40);
      }
    })();
    await until(() => kiosks.every((k) => k.store.ledgerCount() >= SALES / 3), 'a third of the load');
    await a.kill();
    killed = true;
    await Promise.all([...ring, phoneClaims]);

    await until(() => kiosks.every((k) => k.store.outboxSize() === 0 && k.sync.connected), 'every outbox to drain after the failover', 60_000, 50);
    // The kiosks that started on A are now on B.
    for (const k of kiosks) expect(k.sync.hubUrl).toBe(b.url);
    const claims = Number((await queryDatabase<{ n: string }>(hub.databaseUrl, "SELECT count(*) AS n FROM claims WHERE via = 'phone'"))[0]!.n);
    expect(claims).toBeGreaterThan(0);

    // Claim deliveries: every claim reached its kiosk (some were queued when A died).
    const totalDelivered = () => kiosks.reduce((n, k) => n + k.deliveries.size, 0);
    await until(() => totalDelivered() === claims, `all ${claims} claims to reach their kiosks`, 60_000, 50);

    for (const k of kiosks) {
      const no = k.creds.kioskNo;
      const hubLedger = await hubCount('SELECT count(*) AS n FROM ledger WHERE kiosk_no = $1', no);
      const hubSales = await hubCount('SELECT count(*) AS n FROM sales WHERE kiosk_no = $1', no);
      expect({ kiosk: no, ledger: k.store.ledgerCount(), sales: SALES }).toEqual({ kiosk: no, ledger: hubLedger, sales: hubSales });
      expect(hubLedger).toBe(SALES + k.claimEntries);
    }
    const queued = Number((await queryDatabase<{ n: string }>(hub.databaseUrl, 'SELECT count(*) AS n FROM deliveries'))[0]!.n);
    expect(queued).toBe(0);
  }, 180_000);
});
