// The hub's PostgreSQL goes away and comes back (issue 9, bad input): the hub refuses new work with a
// clear status, nothing the kiosk sent is acked or lost meanwhile, and everything drains by itself
// afterwards. Always on PostgreSQL (run once, in the default vitest project): the test makes its own
// database and reaches it through a TCP proxy it cuts, so the shared server keeps serving the other suites.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startHub, type Hub } from '../../cloud/hub';
import { escapeHtml } from '../../cloud/pages';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { INTL_LOCALE, LOCALES } from '../../core/i18n/locales';
import { SyncClient } from '../../main/sync/client';
import { Phone, pairedKiosk, saleUrl, tempDir } from '../support/hub-harness';
import { TestKioskStore } from '../support/hub-kiosk';
import { tcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from '../support/test-postgres';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the hub database goes away', () => {
  it('refuses new work with 503 and failed acks, loses nothing, and drains by itself when the database is back', { timeout: 90_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(database.name));
    const target = new URL(testDatabaseUrl());
    const proxy = await tcpProxy(Number(target.port || 5432), target.hostname);
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;

    const tmp = tempDir('hub-outage');
    cleanups.push(() => tmp.remove());
    const logs: string[] = [];
    const hub: Hub = await startHub({
      now: systemClock,
      dataDir: join(tmp.dir, 'hub'),
      databaseUrl: viaProxy.toString(),
      port: 0,
      host: '127.0.0.1',
      shopName: 'Kawiarnia Anna',
      log: (line) => logs.push(line),
    });
    cleanups.push(() => hub.close());
    expect(hub.store.engine).toBe('postgres');
    const creds = await pairedKiosk(hub);
    const secondCreds = await pairedKiosk(hub, 'Till 2');
    const kioskStore = new TestKioskStore(tmp.dir, '', creds.kioskNo);
    cleanups.push(() => kioskStore.close());
    const kiosk = new SyncClient({
      now: systemClock,
      hubUrl: hub.url,
      credentials: creds,
      outbox: kioskStore,
      minBackoffMs: 50,
      maxBackoffMs: 300,
      ackTimeoutMs: 5_000,
    });
    cleanups.push(() => kiosk.stop());
    const syncErrors: string[] = [];
    kiosk.on('syncError', (message: string) => syncErrors.push(message));
    const at = new Date().toISOString();
    kioskStore.enroll('m-1', 'Ewa', at);
    for (let i = 1; i <= 50; i++) kioskStore.sale(i, 'm-1', 3, at);
    kiosk.start();
    await until(() => kioskStore.outboxSize() === 0, 'the first sales to drain');
    expect(await hub.store.ledgerCount()).toBe(50);
    expect(await fetch(`${hub.url}/health`).then(async (r) => [r.status, await r.json()])).toEqual([200, { ok: true, database: 'up', engine: 'postgres' }]);

    // The database goes away: connections dropped, new ones refused.
    await proxy.refuse();
    for (let i = 51; i <= 250; i++) kioskStore.sale(i, 'm-1', 3, at);
    kiosk.kick();
    await until(() => syncErrors.some((e) => e.includes('hub database unavailable, try again shortly')), 'the kiosk to be told the hub database is away');
    // Not acked, so still on the kiosk, and the kiosk stays connected (the hub process is fine).
    expect(kioskStore.outboxSize()).toBe(200);
    expect(kiosk.connected).toBe(true);
    const health = await fetch(`${hub.url}/health`);
    expect([health.status, await health.json()]).toEqual([503, { ok: false, database: 'down', engine: 'postgres' }]);
    // A phone that scans a receipt meanwhile is told in words, in its language, with 503 and a Retry-After.
    const phone = new Phone('en-GB');
    const claimUrl = saleUrl(hub, creds, 9001, 12);
    for (const locale of LOCALES) {
      const page = await fetch(claimUrl, { headers: { 'accept-language': INTL_LOCALE[locale] } });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(/id="message">([^<]*)</.exec(await page.text())?.[1], locale).toBe(escapeHtml(formatMessage(claimMessages, locale, 'databaseUnavailable')));
    }
    const pairing = await fetch(`${hub.url}/owner/pairing-code`, { headers: { authorization: `Bearer ${hub.ownerToken}` } });
    expect([pairing.status, await pairing.json()]).toEqual([
      503,
      { ok: false, code: 'database-unavailable', error: 'hub database unavailable, try again shortly' },
    ]);
    // A kiosk that connects meanwhile is refused at the handshake with the same words, and keeps trying.
    const secondTmp = tempDir('hub-outage-2');
    cleanups.push(() => secondTmp.remove());
    const secondStore = new TestKioskStore(secondTmp.dir, '', secondCreds.kioskNo);
    cleanups.push(() => secondStore.close());
    const second = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: secondCreds, outbox: secondStore, minBackoffMs: 50, maxBackoffMs: 300 });
    cleanups.push(() => second.stop());
    const secondStatus: string[] = [];
    second.on('status', (status: { state: string; detail: string }) => secondStatus.push(`${status.state}: ${status.detail}`));
    second.start();
    await until(() => secondStatus.some((s) => s.includes('hub database unavailable, try again shortly')), 'the second kiosk to be refused');
    expect(second.connected).toBe(false);
    expect(logs.filter((l) => l.startsWith('hub database unavailable'))).toHaveLength(1);
    // Still nothing acked a few retries later.
    const errorsSoFar = syncErrors.length;
    await until(() => syncErrors.length >= errorsSoFar + 2, 'the kiosk to retry');
    expect(kioskStore.outboxSize()).toBe(200);

    // The database is back: no restart, no help; the kiosk's retries drain everything.
    await proxy.accept();
    await until(() => kioskStore.outboxSize() === 0, 'the outbox to drain after the database returned');
    await until(() => logs.some((l) => l.startsWith('hub database back after')), 'the hub to log the return');
    expect(await hub.store.ledgerCount()).toBe(kioskStore.ledgerCount());
    expect(kioskStore.ledgerCount()).toBe(250);
    const counts = await hub.store.counts();
    expect({ ledger: counts.ledger, distinct: counts.distinctLedgerIds, points: counts.ledgerPoints }).toEqual({ ledger: 250, distinct: 250, points: 750 });
    expect((await hub.store.balance('m-1')).points).toBe(750);
    expect((await fetch(`${hub.url}/health`)).status).toBe(200);
    await until(() => second.connected, 'the second kiosk to connect after the database returned');
    // And the phone's claim goes through now.
    expect((await phone.join(claimUrl, '+48 600 100 321', 'Ola')).status).toBe(303);
  });

  it(
    'connections dropped again and again in the middle of batches: every batch is either stored whole and acked, or retried',
    { timeout: 90_000 },
    async () => {
      const database = await createTestDatabase();
      cleanups.push(() => dropTestDatabase(database.name));
      const target = new URL(testDatabaseUrl());
      const proxy = await tcpProxy(Number(target.port || 5432), target.hostname);
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(database.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const tmp = tempDir('hub-blips');
      cleanups.push(() => tmp.remove());
      const hub = await startHub({
        now: systemClock,
        dataDir: join(tmp.dir, 'hub'),
        databaseUrl: viaProxy.toString(),
        port: 0,
        host: '127.0.0.1',
        log: () => {},
      });
      cleanups.push(() => hub.close());
      const creds = await pairedKiosk(hub);
      const kioskStore = new TestKioskStore(tmp.dir, '', creds.kioskNo);
      cleanups.push(() => kioskStore.close());
      const total = 2000;
      const at = new Date().toISOString();
      kioskStore.enroll('m-1', 'Ewa', at);
      for (let i = 1; i <= total; i++) kioskStore.sale(i, 'm-1', 3, at);
      let failedAcks = 0;
      const kiosk = new SyncClient({
        now: systemClock,
        hubUrl: hub.url,
        credentials: creds,
        outbox: kioskStore,
        batchSize: 20,
        minBackoffMs: 20,
        maxBackoffMs: 100,
      });
      cleanups.push(() => kiosk.stop());
      kiosk.on('syncError', (message: string) => {
        if (message.includes('hub database unavailable')) failedAcks++;
      });
      kiosk.start();
      // Drop every database connection (the pool's clients, mid-query or mid-transaction) every 250 ms,
      // until three batches in flight were hit (at most 40 times).
      let drops = 0;
      const blips = setInterval(() => {
        if (failedAcks >= 3 || ++drops >= 40) clearInterval(blips);
        else proxy.cut();
      }, 250);
      cleanups.push(() => clearInterval(blips));
      await until(() => kioskStore.outboxSize() === 0, 'the drain to finish', 60_000);
      // The drops hit batches in flight: the hub said so and the kiosk sent them again.
      expect(failedAcks).toBeGreaterThan(0);
      // The last cut may still sit in an idle pool connection: count once the database answers again.
      clearInterval(blips);
      await until(() => hub.databaseUp(), 'the database answering after the last drop');
      const counts = await hub.store.counts();
      expect({ ledger: counts.ledger, distinct: counts.distinctLedgerIds, points: counts.ledgerPoints, messages: counts.processedMessages }).toEqual({
        ledger: total,
        distinct: total,
        points: total * 3,
        messages: total + 1,
      });
      expect((await hub.store.balance('m-1')).points).toBe(total * 3);
    },
  );

  it('a hub started while its database is away says so and does not start', async () => {
    const proxy = await tcpProxy(1);
    await proxy.refuse();
    const tmp = tempDir('hub-nodb');
    cleanups.push(() => tmp.remove());
    await expect(
      startHub({
        now: systemClock,
        dataDir: join(tmp.dir, 'hub'),
        databaseUrl: `postgres://kiosk_test:kiosk_test@127.0.0.1:${proxy.port}/nowhere`,
        port: 0,
        host: '127.0.0.1',
        log: () => {},
      }),
    ).rejects.toThrow(/^hub database unavailable at postgres:\/\/127\.0\.0\.1:\d+\/nowhere \(.*ECONNREFUSED.*\): start PostgreSQL or correct DATABASE_URL$/);
  });
});
