// A member's Google Wallet object follows their balance: the hub PATCHes the loyalty object through
// the Google Wallet REST API with the service account's OAuth token, gathered after a burst of
// changes, never in the way of a claim, and retried after a failure. No machine here reaches Google:
// a stand-in on 127.0.0.1 (test/support/wallet-stand-ins.ts) plays the OAuth token endpoint (the key file's token_uri) and the Wallet
// API (WALLET_GOOGLE_API_URL), and checks each request against Google's documented shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { walletConfigFromEnv } from '../../cloud/wallet';
import type { KioskCredentials } from '../../core/sync-protocol';
import { pairedKiosk, Phone, saleUrl, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { googleStandIn, type GoogleStandIn } from '../support/wallet-stand-ins';

const ISSUER = '3388000000012345678';
// The hub's clock stands still unless the test moves it: "gathered for 300 ms" then means "until the test says so".
let clockMs = Date.now();
const now = (): Date => new Date(clockMs);
const later = (ms = 1000): void => void (clockMs += ms);
let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let google: GoogleStandIn;
let saleNo = 0;
const lines: string[] = [];

/** The member's points and stamps as the hub holds them now. */
async function balanceOf(memberId: string): Promise<{ points: number; stamps: number }> {
  const member = (await hub.store.member(memberId))!;
  const view = await hub.store.memberView(member, now());
  return { points: view.points, stamps: view.stamps };
}

beforeAll(async () => {
  tmp = tempDir('hub-google-wallet');
  // Google's token endpoint and Wallet API on loopback; the key file as Google hands it out (token_uri included).
  google = await googleStandIn(tmp.dir, ISSUER);
  const config = walletConfigFromEnv({
    WALLET_GOOGLE_ISSUER_ID: ISSUER,
    WALLET_GOOGLE_KEY_FILE: google.keyFile,
    WALLET_GOOGLE_API_URL: google.base,
  });
  hub = await testHub(tmp.dir, {
    now,
    log: (line) => lines.push(line),
    wallet: { ...config, googleTiming: { debounceMs: 300, pollMs: 100, baseDelayMs: 300, maxDelayMs: 600 } },
  });
  creds = await pairedKiosk(hub);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  await google?.close();
  tmp?.remove();
});

describe('Google Wallet object updates', () => {
  it('PATCHes the saved object with the new balance after a burst of claims, once, with the OAuth token; failures are retried and said in words', async () => {
    const phone = new Phone('de-DE');
    expect((await phone.join(saleUrl(hub, creds, ++saleNo, 18), 'greta@example.com', 'Greta')).status).toBe(303);
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'greta@example.com' }))!;
    const objectId = `${ISSUER}.member-${member.id.replace(/[^A-Za-z0-9._-]/g, '_')}`;

    // Before the member saved the card: a balance change finds no object (404), sends nothing more, and is no failure.
    expect((await phone.get(`${hub.url}/m/wallet/google`)).status).toBe(303);
    expect((await phone.post(saleUrl(hub, creds, ++saleNo, 5), { mode: 'member' })).status).toBe(303);
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at != null, 'the update due');
    later();
    await until(() => lines.some((l) => l.includes(`${objectId} is not saved in a wallet yet`)), 'the unsaved object noticed');
    expect(google.patches).toEqual([]);

    // Saved now (Google knows the object). Three claims in a row: one update with the balance after all three.
    google.saved.add(objectId);
    for (const points of [7, 8, 9]) expect((await phone.post(saleUrl(hub, creds, ++saleNo, points), { mode: 'member' })).status).toBe(303);
    const balance = await balanceOf(member.id);
    expect(balance.stamps).toBeGreaterThan(0);
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at != null, 'the update due');
    // Not yet: the changes are gathered until the debounce time passes on the hub's clock.
    await hub.wallet.updateGoogleObjects();
    expect(google.patches).toEqual([]);
    later();
    await until(() => google.patches.length >= 1, 'the PATCH');
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at === null, 'nothing due');
    expect(google.refusals).toEqual([]);
    expect(google.patches).toHaveLength(1);
    expect(google.patches[0]!.path).toBe(`/walletobjects/v1/loyaltyObject/${objectId}`);
    expect(google.patches[0]!.body).toEqual({
      loyaltyPoints: { label: 'Guthaben', balance: { int: balance.points } },
      secondaryLoyaltyPoints: { label: 'Stempel', balance: { int: balance.stamps } },
    });

    // Google unavailable: the update waits, the failure is logged in words and kept, and the next try goes through.
    google.failNext.push(503);
    expect((await phone.post(saleUrl(hub, creds, ++saleNo, 11), { mode: 'member' })).status).toBe(303);
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at != null, 'the update due');
    later();
    await until(() => lines.some((l) => l.includes(`${objectId} not updated (attempt 1): Google Wallet API answered 503`)), 'the failure in the log');
    expect(await hub.store.db.selectFrom('wallet_google_objects').select(['attempts', 'last_error']).executeTakeFirst()).toEqual({
      attempts: 1,
      last_error: 'Google Wallet API answered 503 Service Unavailable: The service is currently unavailable.',
    });
    later();
    await until(() => google.patches.length === 2, 'the retry');
    const after = await balanceOf(member.id);
    expect(after.points).toBeGreaterThan(balance.points);
    expect(google.patches[1]!.body).toMatchObject({
      loyaltyPoints: { balance: { int: after.points } },
      secondaryLoyaltyPoints: { balance: { int: after.stamps } },
    });
    // The hub writes down the success once Google has answered: read the row when it has.
    await until(
      async () => (await hub.store.db.selectFrom('wallet_google_objects').select('attempts').executeTakeFirstOrThrow()).attempts === 0,
      'the success written',
    );
    const row = await hub.store.db.selectFrom('wallet_google_objects').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ object_id: objectId, attempts: 0, last_error: null, points: after.points, stamps: after.stamps, locale: 'de' });
    // One token for all of it (kept until it expires).
    expect(google.tokens.size).toBe(1);
  });
});
