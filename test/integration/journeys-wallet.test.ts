// The card in the phone's wallet follows what the member earns at the till, in real processes
// (test/support/journey-shop.ts): the hub is `npm run hub` with both wallets configured by the
// WALLET_* variables (throwaway Apple certificates; Apple's push service and Google's token endpoint
// and Wallet API played by stand-ins on 127.0.0.1, test/support/wallet-stand-ins.ts), the kiosk is
// `npm start -- --headless`. A member who joined on her phone adds the Apple pass, and her "device"
// registers it through the PassKit web service over HTTP; she saves the Google object. She then earns
// at the kiosk's till API with her member code: once the kiosk has synced the sale, the hub pushes
// to her device's token as Apple documents it, the pass it then serves (asked with If-Modified-Since)
// shows the new balance, and the Google object is PATCHed as Google documents it.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Phone, tempDir } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';
import { apnsStandIn, googleStandIn, throwawayAppleCerts, type GoogleStandIn, type ThrowawayAppleCerts } from '../support/wallet-stand-ins';

const PASS_TYPE = 'pass.test.kawiarnia.loyalty';
const ISSUER = '3388000000012345678';
const DEVICE = 'a1b2c3d4e5f6journeydevice';
const PUSH_TOKEN = 'f0e1d2c3b4a5journeypushtoken';

let tmp: ReturnType<typeof tempDir>;
let certs: ThrowawayAppleCerts;
let apns: Awaited<ReturnType<typeof apnsStandIn>>;
let google: GoogleStandIn;
let shop: JourneyShop;
let till: KioskProcess;
const phone = new Phone('en-GB,en;q=0.9');

beforeAll(async () => {
  tmp = tempDir('journeys-wallet');
  certs = throwawayAppleCerts(tmp.dir, PASS_TYPE);
  apns = await apnsStandIn(certs);
  google = await googleStandIn(tmp.dir, ISSUER);
  shop = await startJourneyShop('journeys-wallet', ['Till A'], {
    hubEnv: {
      WALLET_APPLE_PASS_TYPE_ID: PASS_TYPE,
      WALLET_APPLE_TEAM_ID: certs.teamId,
      WALLET_APPLE_CERT: certs.files.passCert,
      WALLET_APPLE_KEY: certs.files.passKey,
      WALLET_APPLE_WWDR: certs.files.wwdr,
      WALLET_APPLE_APNS_URL: apns.url,
      WALLET_APPLE_APNS_CA: certs.files.apnsCert,
      WALLET_GOOGLE_ISSUER_ID: ISSUER,
      WALLET_GOOGLE_KEY_FILE: google.keyFile,
      WALLET_GOOGLE_API_URL: google.base,
    },
  });
  till = shop.kiosks[0]!;
}, 150_000);

afterAll(async () => {
  await shop?.stop();
  await apns?.close();
  await google?.close();
  tmp?.remove();
});

/** The pass.json of a .pkpass, after checking its PKCS#7 signature over the manifest chains to the WWDR stand-in. */
function passJson(body: Buffer, name: string): PassJson {
  const dir = join(tmp.dir, name);
  writeFileSync(`${dir}.pkpass`, body);
  execFileSync('unzip', ['-q', '-o', `${dir}.pkpass`, '-d', dir]);
  execFileSync(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(dir, 'signature'),
      '-content',
      join(dir, 'manifest.json'),
      '-CAfile',
      certs.files.wwdr,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(readFileSync(join(dir, 'pass.json'), 'utf8')) as PassJson;
}

interface PassJson {
  serialNumber: string;
  passTypeIdentifier: string;
  authenticationToken: string;
  webServiceURL: string;
  storeCard: { primaryFields: { key: string; value: number }[] };
  barcodes: { message: string }[];
}

describe('journey: the wallet card follows what the member earns at the till', () => {
  let pass: PassJson;
  let code = '';
  let points = 0;
  let objectId = '';
  let lastModified = '';

  it('a phone joins with a till sale, adds the Apple pass and saves the Google object; a device registers the pass over HTTP', async () => {
    const sale = await till.sale('W-1001', 1840);
    expect((await phone.join(sale.claimUrl, 'anna.wallet@example.com', 'Anna')).status).toBe(303);
    const card = (await phone.get(`${shop.hub.url}/m`)).text;
    points = Number(/id="balance">(\d+)</.exec(card)?.[1]);
    expect(points).toBe(sale.points);
    code = /id="member-code">([^<]+)</.exec(card)![1]!;

    const download = await fetch(`${shop.hub.url}/m/wallet/apple`, { headers: { cookie: phone.cookie, 'accept-language': phone.language } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    pass = passJson(Buffer.from(await download.arrayBuffer()), 'added');
    expect(pass).toMatchObject({ passTypeIdentifier: PASS_TYPE, webServiceURL: `${shop.hub.url}/wallet/apple` });
    expect(pass.storeCard.primaryFields[0]).toMatchObject({ key: 'points', value: points });
    expect(pass.barcodes[0]!.message).toBe(code);

    // The device registers the pass with its push token (Apple's "Register a pass for update notifications").
    const registration = await fetch(`${pass.webServiceURL}/v1/devices/${DEVICE}/registrations/${PASS_TYPE}/${pass.serialNumber}`, {
      method: 'POST',
      headers: { authorization: `ApplePass ${pass.authenticationToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pushToken: PUSH_TOKEN }),
    });
    expect(registration.status).toBe(201);

    // Save to Google Wallet: the signed object's id is what Google then knows as saved.
    const save = await fetch(`${shop.hub.url}/m/wallet/google`, { headers: { cookie: phone.cookie, 'accept-language': phone.language }, redirect: 'manual' });
    expect(save.status).toBe(303);
    const jwt = save.headers.get('location')!.replace('https://pay.google.com/gp/v/save/', '');
    const { payload } = await jwtVerify(jwt, await importSPKI(google.publicKey, 'RS256'), { issuer: google.serviceAccountEmail, audience: 'google' });
    const object = (payload.payload as { loyaltyObjects: { id: string; loyaltyPoints: { balance: { int: number } } }[] }).loyaltyObjects[0]!;
    expect(object.loyaltyPoints.balance.int).toBe(points);
    objectId = object.id;
    google.saved.add(objectId);

    // The pass as the device holds it now, and its Last-Modified once that is a strong validator (a second after its change).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const held = await fetch(`${pass.webServiceURL}/v1/passes/${PASS_TYPE}/${pass.serialNumber}`, {
      headers: { authorization: `ApplePass ${pass.authenticationToken}` },
    });
    expect(held.status).toBe(200);
    lastModified = held.headers.get('last-modified') ?? '';
    expect(lastModified).not.toBe('');
    // Unchanged since then: 304, no body.
    const unchanged = await fetch(`${pass.webServiceURL}/v1/passes/${PASS_TYPE}/${pass.serialNumber}`, {
      headers: { authorization: `ApplePass ${pass.authenticationToken}`, 'if-modified-since': lastModified },
    });
    expect(unchanged.status).toBe(304);
    expect(apns.pushes).toEqual([]);
  });

  it('she earns at the till with her member code: the hub pushes to her device as Apple documents it, serves the new pass, and PATCHes the Google object', async () => {
    await until(async () => (await till.till('GET', `/v1/members/${encodeURIComponent(code)}`)).status === 200, 'the kiosk to know her card');
    const sale = await till.sale('W-1002', 2500, { memberCode: code });
    expect(sale.points).toBeGreaterThan(0);
    const balance = points + sale.points;

    // APNs: POST /3/device/<push token>, apns-topic = the Pass Type ID, an empty JSON payload, over
    // TLS with the pass certificate as the client certificate (Apple's "Send a push notification" for passes).
    await until(() => apns.pushes.length >= 1, 'the push for the updated pass', 60_000);
    const documented = {
      method: 'POST',
      path: `/3/device/${PUSH_TOKEN}`,
      topic: PASS_TYPE,
      contentType: 'application/json',
      body: '{}',
      clientCert: new X509Certificate(readFileSync(certs.files.passCert)).fingerprint256,
    };
    for (const push of apns.pushes) expect(push).toEqual(documented);

    // The device asks which of its passes changed, then the pass with the date of the one it holds.
    const changed = await fetch(`${pass.webServiceURL}/v1/devices/${DEVICE}/registrations/${PASS_TYPE}`);
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { serialNumbers: string[] }).serialNumbers).toEqual([pass.serialNumber]);
    const latest = await fetch(`${pass.webServiceURL}/v1/passes/${PASS_TYPE}/${pass.serialNumber}`, {
      headers: { authorization: `ApplePass ${pass.authenticationToken}`, 'if-modified-since': lastModified },
    });
    expect(latest.status).toBe(200);
    const updated = passJson(Buffer.from(await latest.arrayBuffer()), 'updated');
    expect(updated.serialNumber).toBe(pass.serialNumber);
    expect(updated.storeCard.primaryFields[0]).toMatchObject({ key: 'points', value: balance });

    // Google: PATCH <api>/walletobjects/v1/loyaltyObject/<object id> with the service account's
    // bearer token and the new balance (patch semantics: only the points fields), after the hub's 10 s gathering.
    await until(() => google.patches.length >= 1, 'the PATCH of the Google object', 60_000);
    expect(google.refusals).toEqual([]);
    expect(google.patches).toHaveLength(1);
    expect(google.patches[0]!.path).toBe(`/walletobjects/v1/loyaltyObject/${objectId}`);
    expect(google.patches[0]!.body).toMatchObject({ loyaltyPoints: { label: 'Balance', balance: { int: balance } } });
    expect(Object.keys(google.patches[0]!.body).every((key) => key === 'loyaltyPoints' || key === 'secondaryLoyaltyPoints')).toBe(true);
  });
});
