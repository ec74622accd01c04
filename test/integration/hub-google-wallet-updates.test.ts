// A member's Google Wallet object follows their balance: the hub PATCHes the loyalty object through
// the Google Wallet REST API with the service account's OAuth token, gathered after a burst of
// changes, never in the way of a claim, and retried after a failure. No machine here reaches Google:
// a stand-in on 127.0.0.1 plays the OAuth token endpoint (the key file's token_uri) and the Wallet
// API (WALLET_GOOGLE_API_URL), and checks each request against Google's documented shape.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { GOOGLE_WALLET_SCOPE, walletConfigFromEnv } from '../../cloud/wallet';
import type { KioskCredentials } from '../../core/sync-protocol';
import { pairedKiosk, Phone, saleUrl, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const ISSUER = '3388000000012345678';
const EMAIL = 'wallet@kawiarnia.iam.gserviceaccount.com';
// The hub's clock stands still unless the test moves it: "gathered for 300 ms" then means "until the test says so".
let clockMs = Date.now();
const now = (): Date => new Date(clockMs);
const later = (ms = 1000): void => void (clockMs += ms);
let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let google: Server;
let base = '';
let publicKey = '';
let saleNo = 0;
const lines: string[] = [];

/** What the stand-in accepted, as Google documents it; and what it refused, with why. */
const patches: { path: string; body: Record<string, unknown> }[] = [];
const refusals: string[] = [];
const tokens = new Set<string>();
/** Object ids the stand-in knows (saved by a member); others answer 404 as Google does. */
const saved = new Set<string>();
/** The next PATCH answers with this status instead (a Google outage). */
let failNext: number[] = [];

const read = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
  });

async function standIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await read(req);
  const answer = (status: number, json: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  };
  const refuse = (why: string, status = 400) => {
    refusals.push(why);
    answer(status, { error: { code: status, message: why } });
  };
  if (req.method === 'POST' && req.url === '/token') {
    // RFC 7523 as Google's OAuth 2.0 for service accounts documents it.
    const form = new URLSearchParams(body);
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return refuse('token: not a form');
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('token: wrong grant_type');
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', await importSPKI(publicKey, 'RS256'), { issuer: EMAIL, audience: `${base}/token` });
      if (payload.scope !== GOOGLE_WALLET_SCOPE) return refuse(`token: scope ${String(payload.scope)}`);
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > 3600) return refuse('token: exp');
    } catch (error) {
      return refuse(`token: assertion ${String(error)}`);
    }
    const token = `ya29.test-${tokens.size + 1}`;
    tokens.add(token);
    return answer(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }
  const match = /^\/walletobjects\/v1\/loyaltyObject\/([^/?]+)$/.exec(req.url ?? '');
  if (!match) return refuse(`no such path: ${req.method} ${req.url}`, 404);
  if (req.method !== 'PATCH') return refuse(`method ${req.method}`, 405);
  const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!auth || !tokens.has(auth)) return refuse('no valid bearer token', 401);
  if (!String(req.headers['content-type']).startsWith('application/json')) return refuse('not JSON');
  const id = decodeURIComponent(match[1]!);
  if (!new RegExp(`^${ISSUER}\\.[\\w.-]+$`).test(id)) return refuse(`resourceId ${id}`);
  if (!saved.has(id)) return answer(404, { error: { code: 404, message: `No resource with id ${id}` } });
  const status = failNext.shift();
  if (status) return answer(status, { error: { code: status, message: 'The service is currently unavailable.' } });
  const parsed = JSON.parse(body) as Record<string, unknown>;
  patches.push({ path: req.url!, body: parsed });
  return answer(200, { id, ...parsed });
}

/** The member's points and stamps as the hub holds them now. */
async function balanceOf(memberId: string): Promise<{ points: number; stamps: number }> {
  const member = (await hub.store.member(memberId))!;
  const view = await hub.store.memberView(member, now());
  return { points: view.points, stamps: view.stamps };
}

beforeAll(async () => {
  tmp = tempDir('hub-google-wallet');
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  google = createServer((req, res) => void standIn(req, res));
  await new Promise<void>((resolve) => google.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(google.address() as AddressInfo).port}`;
  // The service account key file as Google hands it out (token_uri included), and the variables a shop sets.
  writeFileSync(
    join(tmp.dir, 'sa.json'),
    JSON.stringify({
      type: 'service_account',
      client_email: EMAIL,
      private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: `${base}/token`,
    }),
  );
  const config = walletConfigFromEnv({
    WALLET_GOOGLE_ISSUER_ID: ISSUER,
    WALLET_GOOGLE_KEY_FILE: join(tmp.dir, 'sa.json'),
    WALLET_GOOGLE_API_URL: base,
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
  await new Promise((resolve) => google?.close(resolve));
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
    expect(patches).toEqual([]);

    // Saved now (Google knows the object). Three claims in a row: one update with the balance after all three.
    saved.add(objectId);
    for (const points of [7, 8, 9]) expect((await phone.post(saleUrl(hub, creds, ++saleNo, points), { mode: 'member' })).status).toBe(303);
    const balance = await balanceOf(member.id);
    expect(balance.stamps).toBeGreaterThan(0);
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at != null, 'the update due');
    // Not yet: the changes are gathered until the debounce time passes on the hub's clock.
    await hub.wallet.updateGoogleObjects();
    expect(patches).toEqual([]);
    later();
    await until(() => patches.length >= 1, 'the PATCH');
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at === null, 'nothing due');
    expect(refusals).toEqual([]);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe(`/walletobjects/v1/loyaltyObject/${objectId}`);
    expect(patches[0]!.body).toEqual({
      loyaltyPoints: { label: 'Guthaben', balance: { int: balance.points } },
      secondaryLoyaltyPoints: { label: 'Stempel', balance: { int: balance.stamps } },
    });

    // Google unavailable: the update waits, the failure is logged in words and kept, and the next try goes through.
    failNext = [503];
    expect((await phone.post(saleUrl(hub, creds, ++saleNo, 11), { mode: 'member' })).status).toBe(303);
    await until(async () => (await hub.store.db.selectFrom('wallet_google_objects').select('due_at').executeTakeFirst())?.due_at != null, 'the update due');
    later();
    await until(() => lines.some((l) => l.includes(`${objectId} not updated (attempt 1): Google Wallet API answered 503`)), 'the failure in the log');
    expect(await hub.store.db.selectFrom('wallet_google_objects').select(['attempts', 'last_error']).executeTakeFirst()).toEqual({
      attempts: 1,
      last_error: 'Google Wallet API answered 503 Service Unavailable: The service is currently unavailable.',
    });
    later();
    await until(() => patches.length === 2, 'the retry');
    const after = await balanceOf(member.id);
    expect(after.points).toBeGreaterThan(balance.points);
    expect(patches[1]!.body).toMatchObject({ loyaltyPoints: { balance: { int: after.points } }, secondaryLoyaltyPoints: { balance: { int: after.stamps } } });
    // The hub writes down the success once Google has answered: read the row when it has.
    await until(
      async () => (await hub.store.db.selectFrom('wallet_google_objects').select('attempts').executeTakeFirstOrThrow()).attempts === 0,
      'the success written',
    );
    const row = await hub.store.db.selectFrom('wallet_google_objects').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ object_id: objectId, attempts: 0, last_error: null, points: after.points, stamps: after.stamps, locale: 'de' });
    // One token for all of it (kept until it expires).
    expect(tokens.size).toBe(1);
  });
});
