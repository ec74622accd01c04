// A phone claim that reaches the hub before the kiosk's sale report, in a shop with two stamp cards:
// the hub pays the points and holds the stamps until the report names the cards (landWaitingStamps).
// The counter's thank-you shows the stamps the customer will get, as the kiosk rang them. Real parts:
// the kiosk store on disk, KioskService, the sync client, the hub on loopback, a phone joining.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { parseProgram, type Program } from '../../core/program/schema';
import type { ClaimAccepted, KioskCredentials } from '../../core/sync-protocol';
import { linkServiceToHub } from '../../main/kiosk/hub-link';
import { KioskService } from '../../main/kiosk/service';
import { openStore, type KioskStore } from '../../main/store';
import { SyncClient } from '../../main/sync/client';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { joinProven, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const now = clockStartingAt(nextWednesdayMorning(new Date()));
/** The demo café with a bread card beside its coffee card. */
const DOCUMENT = {
  ...structuredClone(DEMO_PROGRAM_DOCUMENT),
  rules: [
    ...DEMO_PROGRAM_DOCUMENT.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' },
  ],
};

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let store: KioskStore;
let service: KioskService;
let sync: SyncClient | undefined;

beforeEach(async () => {
  tmp = tempDir('kiosk-waiting-stamps');
  hub = await testHub(tmp.dir, { now });
  await hub.store.setProgram(1, DOCUMENT);
  creds = await pairedKiosk(hub);
  const parsed = parseProgram(DOCUMENT);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const program: Program = parsed.program;
  store = openStore({ now, dir: `${tmp.dir}/kiosk` });
  service = new KioskService({ store, program, identity: creds, hubPublicUrl: hub.url, now });
});

afterEach(async () => {
  sync?.stop();
  store.close();
  await hub.close();
  tmp.remove();
});

describe('the thank-you of a claim whose stamps wait for the sale report', () => {
  it('shows the sale’s stamps, which the hub lands once the report names the cards', async () => {
    // Rung while the kiosk is not connected: the report waits in its outbox, the QR is in the customer's hands.
    const { sale } = await service.createSale({
      tillSaleId: 'W-1',
      total: { amount: 3040, currency: 'PLN' },
      lines: [
        { name: 'Latte', quantity: 2, total: { amount: 2040, currency: 'PLN' }, category: 'coffee' },
        { name: 'Rye loaf', quantity: 1, total: { amount: 1000, currency: 'PLN' }, category: 'bread' },
      ],
    });
    expect(sale.stamps).toBe(3);
    const phone = new Phone('en');
    expect((await joinProven(hub, phone, sale.claimUrl!, 'jan@example.com', 'Jan', now())).location).toBe(`/m?claimed=${sale.saleId}`);

    const thanks: ClaimAccepted[] = [];
    service.on('claimAccepted', (claim) => thanks.push(claim));
    sync = new SyncClient({ hubUrl: hub.url, credentials: creds, outbox: service.outbox(), minBackoffMs: 50, maxBackoffMs: 400, now }).start();
    linkServiceToHub(service, sync);
    await until(() => thanks.length > 0, 'the claim to reach the kiosk');
    const claim = thanks[0]!;
    // The hub paid the points and held the stamps: its claim says 0 stamps …
    expect(claim.points).toBeGreaterThan(0);
    expect(claim.stamps).toBe(0);
    // … the thank-you adds the three the kiosk rang.
    expect(service.stampsAwaitingReport(claim)).toBe(3);

    // They do land: once the report is in, the hub's balance has them, and the claim no longer waits for anything.
    const memberId = claim.member.id;
    await until(async () => (await hub.store.balance(memberId))?.stamps === 3, 'the stamps to land on the hub');
    expect(service.stampsAwaitingReport({ ...claim, stamps: 3 })).toBe(0);
  });
});
