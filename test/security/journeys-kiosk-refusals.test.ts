// A tampered kiosk is flagged for the owner, across real processes (test/support/journey-shop.ts):
// the hub is `npm run hub`, the kiosks `npm start -- --headless`. Someone edits the back till's store
// while it is off (its SQLite file, as anyone with the machine's disk could) and queues forged facts —
// sales of 18.40 zł "earning" a million points for a member. Started again, the kiosk's own sync link
// (its SyncClient, with its pairing key) sends them; the hub refuses each one, records it, flags the
// kiosk at KIOSK_FLAG_RULE, and the owner's pages list it in words. The member's balance, the ledger
// and the honest till are untouched. The same attack from a bare Socket.IO client against an
// in-process hub: hub-kiosk-refusals.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIOSK_FLAG_RULE } from '../../cloud/outbox-check';
import type { KioskCredentials, OutboxMessage } from '../../core/sync-protocol';
import { systemClock } from '../../core/clock';
import { claimSaleKey } from '../../core/tokens';
import { openStore } from '../../main/store';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';

let shop: JourneyShop;
let front: KioskProcess;
let back: KioskProcess;
const phone = new Phone('en-GB,en;q=0.9');

beforeAll(async () => {
  shop = await startJourneyShop('sec-refusals-journey', ['Front till', 'Back till']);
  [front, back] = shop.kiosks as [KioskProcess, KioskProcess];
}, 150_000);

afterAll(async () => {
  await shop?.stop();
});

/** The owner's kiosk list row of the kiosk named `name`. */
async function kioskRow(name: string): Promise<string> {
  const list = await shop.hub.owner('GET', '/owner/kiosks');
  expect(list.status).toBe(200);
  return list.text.split('<tr>').find((row) => row.includes(`<td>${name}</td>`)) ?? '';
}

async function cardBalance(): Promise<number> {
  const card = await phone.get(`${shop.hub.url}/m`);
  expect(card.status).toBe(200);
  return Number(/id="balance">(\d+)</.exec(card.text)?.[1]);
}

describe('journey: a kiosk whose store was tampered with is flagged for the owner', () => {
  it('its own sync link sends forged sales; the hub refuses each, flags the kiosk, and the owner reads it in words; nothing changes', async () => {
    // A member, joined on her phone with a sale at the front till.
    const sale = await front.sale('R-1001', 1840);
    expect((await phone.join(sale.claimUrl, 'anna.refusals@example.com', 'Anna')).status).toBe(303);
    const balance = await cardBalance();
    expect(balance).toBe(sale.points);
    const members = await shop.hub.owner('GET', `/owner/members?q=${encodeURIComponent('Anna')}`);
    const annaId = decodeURIComponent(/href="\/owner\/members\/([^"?/]+)"/.exec(members.text)![1]!);
    expect(await kioskRow('Back till')).toContain('0 refused');
    expect(await kioskRow('Back till')).not.toContain('Flagged');

    // The back till is stopped; its store is opened as a file and forged facts are queued in its outbox.
    await back.stop();
    // The hub process runs on the wall clock, so the forged facts are dated by it too (within its allowed skew).
    const store = openStore({ dir: back.dataDir, now: systemClock });
    let creds: KioskCredentials;
    try {
      creds = store.getSetting('hub.credentials') as KioskCredentials;
      expect(creds.kioskNo).toBeGreaterThan(0);
      const at = systemClock().toISOString();
      const forged = Array.from({ length: KIOSK_FLAG_RULE.refusals }, (_, i): OutboxMessage => {
        const saleNo = 900 + i;
        const saleId = claimSaleKey({ kioskNo: creds.kioskNo, saleNo });
        return {
          id: `forged-${i}`,
          at,
          type: 'saleCreated',
          payload: {
            saleId,
            saleNo,
            total: { amount: 1840, currency: 'PLN' },
            points: 1_000_000,
            stamps: 0,
            memberId: annaId,
            entries: [
              {
                id: `forged-${i}-e`,
                memberId: annaId,
                kind: 'earn',
                points: 1_000_000,
                stamps: 0,
                saleId,
                reverses: null,
                reason: { code: 'base' },
                at,
                spend: 1840,
              },
            ],
          },
        };
      });
      store.enqueue(forged.map((m) => ({ id: m.id, topic: m.type, payload: m.payload, memberId: null, createdAt: m.at })));
    } finally {
      store.close();
    }

    // Started again on its data dir: its sync link sends the queue as it sends any.
    await back.start(shop.hub);
    await until(
      () => back.child.lines.filter((l) => l.includes('hub refused outbox message forged-')).length === KIOSK_FLAG_RULE.refusals,
      'the kiosk told of each refusal',
      60_000,
    );

    // The owner: the back till flagged with its count, the front till clean.
    await until(async () => (await kioskRow('Back till')).includes('Flagged'), 'the back till flagged on the owner page');
    expect(await kioskRow('Back till')).toContain(`${KIOSK_FLAG_RULE.refusals} refused`);
    expect(await kioskRow('Front till')).toContain('0 refused');
    expect(await kioskRow('Front till')).not.toContain('Flagged');
    const page = await shop.hub.owner('GET', `/owner/kiosks/${creds.kioskId}/refusals`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Reports refused from Back till');
    expect(page.text).toContain('More points or stamps than your program gives for the sale');
    expect(page.text.split('<td>Sale</td>').length - 1).toBe(KIOSK_FLAG_RULE.refusals);
    expect(page.text).not.toContain(annaId);
    expect(shop.hub.child!.lines.some((l) => l.includes('Back till') && l.includes('flagged'))).toBe(true);

    // Nothing the forged facts claimed was written: her balance stands, on her card and at the honest till.
    expect(await cardBalance()).toBe(balance);
    await until(async () => (await front.search('anna.refusals@example.com'))[0]?.points === balance, 'the front till to have her balance');

    // The flagged kiosk keeps working: an honest sale at it is taken and synced.
    const honest = await back.sale('R-2001', 1000);
    expect(honest.points).toBeGreaterThan(0);
  });
});
