// Two hub processes' worth of stores on one PostgreSQL database: every "only once" of the hub holds
// across them because the database decides (primary keys, conditional updates, a per-sale lock),
// never a read followed by a write. Always on PostgreSQL (run once, in the default vitest project).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startHub, type Hub } from '../../cloud/hub';
import type { OutboxMessage } from '../../core/sync-protocol';
import { pairKiosk } from '../../main/sync/pair';
import { Phone, pairedKiosk, saleToken, tempDir } from '../support/hub-harness';
import { createTestDatabase, dropTestDatabase } from '../support/test-postgres';
import { claimUrl } from '../../core/tokens';
import { systemClock } from '../../core/clock';

let database: { name: string; url: string };
let tmp: ReturnType<typeof tempDir>;
let a: Hub;
let b: Hub;

beforeAll(async () => {
  database = await createTestDatabase();
  tmp = tempDir('hub-nodes');
  // Both start at once on an empty database: one migration, one shop, one set of keys.
  const nodes = await Promise.all(
    ['a', 'b'].map((node) =>
      startHub({
        now: systemClock,
        dataDir: join(tmp.dir, node),
        databaseUrl: database.url,
        port: 0,
        host: '127.0.0.1',
        shopName: 'Kawiarnia Anna',
        log: () => {},
        maxFailuresPerMinute: 1000,
      }),
    ),
  );
  a = nodes[0]!;
  b = nodes[1]!;
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  tmp?.remove();
  if (database) await dropTestDatabase(database.name);
});

describe('two hub nodes on one PostgreSQL', () => {
  it('started together: one schema, one shop, the same owner token and voucher key on both', async () => {
    expect(await a.store.db.selectFrom('shops').select('no').execute()).toEqual([{ no: 1 }]);
    expect(b.ownerToken).toBe(a.ownerToken);
    expect(b.hubPublicKey).toBe(a.hubPublicKey);
  });

  it('a pairing code used on both nodes at once pairs one kiosk', async () => {
    const code = await a.newPairingCode();
    const results = await Promise.allSettled([pairKiosk(a.url, code, 'Till A'), pairKiosk(b.url, code, 'Till B')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/unknown, used or expired/);
  });

  it('phones claiming the same QR through both nodes at once: exactly one claim, one entry, per sale', async () => {
    const creds = await pairedKiosk(a, 'Till race');
    // Four phones with cards of their own, each made on a sale of its own. The race is between members
    // claiming: racing joins would each make a card (the losers keep theirs), and 8 sales × 4 new cards
    // from one address would run into its budget of new cards (JOINS_PER_ADDRESS_PER_HOUR) and answer 429.
    const phones = [0, 1, 2, 3].map(() => new Phone('pl-PL'));
    for (const [i, phone] of phones.entries()) {
      expect((await phone.join(claimUrl(a.url, saleToken(creds, 100 + i)), `+48 600 200 00${i}`, `P${i}`)).status).toBe(303);
    }
    for (let saleNo = 1; saleNo <= 8; saleNo++) {
      const url = (hub: Hub) => claimUrl(hub.url, saleToken(creds, saleNo));
      const answers = await Promise.all([a, b, a, b].map((hub, i) => phones[i]!.post(url(hub), { mode: 'member' })));
      expect(answers.map((r) => r.status).sort()).toEqual([303, 409, 409, 409]);
      const saleKey = `K${creds.kioskNo}-S${saleNo}`;
      // One claim: one base entry, and every entry of the sale (its stamps too) for one member.
      const entries = await b.store.saleEntries(saleKey);
      expect(entries.filter((e) => e.reason.code === 'base')).toHaveLength(1);
      expect(new Set(entries.map((e) => e.memberId)).size).toBe(1);
      expect(await a.store.claimOf(saleKey)).toMatchObject({ via: 'phone', points: 18 });
    }
  });

  it('the same outbox batch applied by both nodes at once (a kiosk that reconnected elsewhere) counts once', async () => {
    const creds = await pairedKiosk(b, 'Till twice');
    const kiosk = (await a.store.kiosk(creds.kioskId))!;
    const at = new Date().toISOString();
    const messages: OutboxMessage[] = [
      { id: 'twice-enroll', at, type: 'memberEnrolled', payload: { id: 'm-twice', name: 'Ewa', phone: null, email: null, consentAt: at } },
    ];
    for (let i = 1; i <= 40; i++) {
      messages.push({
        id: `twice-${i}`,
        at,
        type: 'saleCreated',
        payload: {
          saleId: `K${kiosk.no}-S${i}`,
          saleNo: i,
          total: { amount: 500, currency: 'PLN' },
          points: 5,
          stamps: 0,
          memberId: 'm-twice',
          entries: [
            {
              id: `twice-e${i}`,
              memberId: 'm-twice',
              kind: 'earn',
              points: 5,
              stamps: 0,
              saleId: `K${kiosk.no}-S${i}`,
              reverses: null,
              reason: { code: 'base' },
              at,
            },
          ],
        },
      });
    }
    const acks = await Promise.all([a.store.applyOutbox(kiosk, messages, new Date()), b.store.applyOutbox(kiosk, messages, new Date())]);
    expect(acks[0]).toEqual(acks[1]);
    expect(await a.store.ledgerCount({ kioskNo: kiosk.no })).toBe(40);
    expect(await b.store.balance('m-twice')).toMatchObject({ points: 200, earned: 200 });
  });

  it('the same phone joining through both nodes at once is one member', async () => {
    const joins = await Promise.all(
      [a, b, a, b].map((hub) => hub.store.joinMember(1, { name: 'Zofia', phone: '+48600999111', email: null, consentAt: null, consentText: null }, new Date())),
    );
    expect(new Set(joins.map((m) => m.id)).size).toBe(1);
    expect(joins.filter((m) => m.created)).toHaveLength(1);
  });
});
