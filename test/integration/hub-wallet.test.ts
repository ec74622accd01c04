// The card in Apple Wallet and Google Wallet against the real hub on loopback, with throwaway
// certificates made by the openssl CLI (test/support/wallet-stand-ins.ts): the .pkpass is unpacked
// with unzip and its PKCS#7 signature checked with `openssl cms -verify`; the PassKit web service is
// driven as a device would; pass updates go through the APNs adapter to a local HTTP/2 stand-in over
// TLS; the Google save link's JWT is verified with the service account's public key.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { apnsPusher, walletConfigFromEnv, type AppleWalletConfig, type GoogleWalletConfig } from '../../cloud/wallet';
import type { KioskCredentials } from '../../core/sync-protocol';
import { pairedKiosk, Phone, saleUrl, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';
import { apnsStandIn, throwawayAppleCerts } from '../support/wallet-stand-ins';

const PASS_TYPE = 'pass.test.kawiarnia.loyalty';
let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let bare: Hub;
let creds: KioskCredentials;
let apple: AppleWalletConfig;
let google: GoogleWalletConfig;
let googlePublicKey: string;
/** The APNs stand-in; its `pushes` are what it received. */
let apns: Awaited<ReturnType<typeof apnsStandIn>>;
const phone = new Phone('en-GB,en;q=0.9');
let saleNo = 0;
/** The member's points as the card page shows them (the join's claim and the program's welcome bonus). */
let points = 0;

const openssl = (...args: string[]): string => execFileSync('openssl', args, { cwd: tmp.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const file = (name: string): string => readFileSync(join(tmp.dir, name), 'utf8');

/** Unpacks a .pkpass into a fresh folder and returns the folder. */
function unpack(body: Buffer, name: string): string {
  const dir = join(tmp.dir, name);
  writeFileSync(`${dir}.pkpass`, body);
  execFileSync('unzip', ['-q', '-o', `${dir}.pkpass`, '-d', dir]);
  return dir;
}

async function download(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${hub.url}${path}`, { headers: { cookie: phone.cookie, 'accept-language': phone.language, ...headers }, redirect: 'manual' });
}

beforeAll(async () => {
  tmp = tempDir('hub-wallet');
  // Apple's WWDR stand-in and a Pass Type ID certificate it signed; a server certificate for the APNs stand-in.
  const certs = throwawayAppleCerts(tmp.dir, PASS_TYPE);
  apple = { passTypeId: PASS_TYPE, teamId: 'TEAM123456', signerCert: file('pass.pem'), signerKey: file('pass.key'), wwdr: file('wwdr.pem') };
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  google = {
    issuerId: '3388000000012345678',
    classId: '3388000000012345678.kawiarnia',
    serviceAccountEmail: 'wallet@kawiarnia.iam.gserviceaccount.com',
    privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    // Balance updates of saved objects go nowhere off this machine (a closed loopback port); they are
    // tested against a stand-in in hub-google-wallet-updates.test.ts.
    tokenUrl: 'http://127.0.0.1:9/token',
    apiUrl: 'http://127.0.0.1:9',
  };
  googlePublicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  apns = await apnsStandIn(certs);
  const pusher = apnsPusher({ cert: apple.signerCert, key: apple.signerKey, url: apns.url, ca: file('apns.pem') });

  hub = await testHub(tmp.dir, { wallet: { apple, google, pusher } });
  bare = await testHub(join(tmp.dir, 'bare'));
  creds = await pairedKiosk(hub);
  expect((await phone.join(saleUrl(hub, creds, ++saleNo, 18), 'anna@example.com')).status).toBe(303);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  await bare?.close();
  await apns?.close();
  tmp?.remove();
});

describe('wallet buttons', () => {
  it('shows "Add to Apple Wallet" and "Save to Google Wallet" where configured, and neither where not', async () => {
    const card = (await phone.get(`${hub.url}/m`)).text;
    expect(card).toContain('id="apple-wallet" href="/m/wallet/apple">Add to Apple Wallet');
    expect(card).toContain('id="google-wallet" href="/m/wallet/google">Save to Google Wallet');

    const other = new Phone('en-GB');
    const otherCreds = await pairedKiosk(bare);
    await other.join(saleUrl(bare, otherCreds, 1, 18), 'ben@example.com');
    const plain = (await other.get(`${bare.url}/m`)).text;
    expect(plain).toContain('id="balance"');
    expect(plain).not.toContain('wallet');
    expect((await other.get(`${bare.url}/m/wallet/apple`)).status).toBe(404);
    expect((await other.get(`${bare.url}/m/wallet/google`)).status).toBe(404);
  });

  it('gives nothing to a phone that is not signed in', async () => {
    expect((await fetch(`${hub.url}/m/wallet/apple`)).status).toBe(401);
    expect((await fetch(`${hub.url}/m/wallet/google`, { redirect: 'manual' })).status).toBe(401);
  });
});

describe('Apple Wallet', () => {
  let serial = '';
  let token = '';
  let webService = '';
  let code = '';
  const device = 'a1b2c3d4e5f6device';
  const pushToken = 'f0e1d2c3b4a5pushtoken';

  it('gives a .pkpass signed over its manifest, whose hashes match its files, with the balance and the member QR', async () => {
    const card = (await phone.get(`${hub.url}/m`)).text;
    code = /id="member-code">([^<]+)</.exec(card)![1]!;
    points = Number(/id="balance">(\d+)</.exec(card)![1]);
    expect(points).toBeGreaterThanOrEqual(18);
    const res = await download('/m/wallet/apple');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    const dir = unpack(Buffer.from(await res.arrayBuffer()), 'first');
    const files = readdirSync(dir).sort();
    expect(files).toEqual(expect.arrayContaining(['icon.png', 'icon@2x.png', 'logo.png', 'manifest.json', 'pass.json', 'signature']));

    // PKCS#7 detached over manifest.json, by the pass certificate, chaining to the WWDR certificate.
    openssl(
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
      'wwdr.pem',
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );
    const signers = openssl(
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
      'wwdr.pem',
      '-purpose',
      'any',
      '-out',
      '/dev/null',
      '-signer',
      'signer.pem',
    );
    expect(signers).toBe('');
    expect(new X509Certificate(file('signer.pem')).fingerprint256).toBe(new X509Certificate(apple.signerCert).fingerprint256);
    // A manifest changed after signing is refused.
    writeFileSync(join(tmp.dir, 'tampered.json'), readFileSync(join(dir, 'manifest.json'), 'utf8').replace('{', '{ '));
    expect(() =>
      openssl(
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        join(dir, 'signature'),
        '-content',
        'tampered.json',
        '-CAfile',
        'wwdr.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ),
    ).toThrow();

    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual(files.filter((f) => f !== 'manifest.json' && f !== 'signature'));
    for (const [name, sha1] of Object.entries(manifest))
      expect(
        createHash('sha1')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ).toBe(sha1);

    const pass = JSON.parse(readFileSync(join(dir, 'pass.json'), 'utf8')) as {
      formatVersion: number;
      passTypeIdentifier: string;
      teamIdentifier: string;
      serialNumber: string;
      organizationName: string;
      authenticationToken: string;
      webServiceURL: string;
      storeCard: { primaryFields: { key: string; label: string; value: number }[]; secondaryFields: { key: string; value: number | string }[] };
      barcodes: { format: string; message: string; messageEncoding: string }[];
    };
    expect(pass).toMatchObject({ formatVersion: 1, passTypeIdentifier: PASS_TYPE, teamIdentifier: 'TEAM123456', organizationName: 'Kawiarnia Anna' });
    expect(pass.storeCard.primaryFields[0]).toMatchObject({ key: 'points', label: 'Balance', value: points });
    expect(pass.storeCard.secondaryFields).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'member', value: 'Anna' })]));
    // The QR says what the staff scanner takes as a member code: the card page's code.
    expect(pass.barcodes).toEqual([expect.objectContaining({ format: 'PKBarcodeFormatQR', message: code, messageEncoding: 'iso-8859-1' })]);
    expect(code).toMatch(/^M[A-R]{11}$/);
    expect(pass.webServiceURL).toBe(`${hub.url}/wallet/apple`);
    expect(pass.authenticationToken.length).toBeGreaterThanOrEqual(16);
    serial = pass.serialNumber;
    token = pass.authenticationToken;
    webService = pass.webServiceURL;
  });

  it('registers a device only with the pass token, lists its passes, and logs', async () => {
    const url = `${webService}/v1/devices/${device}/registrations/${PASS_TYPE}/${serial}`;
    const register = (auth: string) =>
      fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ pushToken }) });
    expect((await register('ApplePass wrong-token-wrong-token')).status).toBe(401);
    expect((await register(`ApplePass ${token}`)).status).toBe(201);
    expect((await register(`ApplePass ${token}`)).status).toBe(200);
    // Another pass type, or a serial that is not ours: refused.
    expect(
      (await fetch(url.replace(PASS_TYPE, 'pass.other.type'), { method: 'POST', headers: { authorization: `ApplePass ${token}` }, body: '{"pushToken":"x"}' }))
        .status,
    ).toBe(401);

    const list = await fetch(`${webService}/v1/devices/${device}/registrations/${PASS_TYPE}`);
    expect(list.status).toBe(200);
    const listed = (await list.json()) as { serialNumbers: string[]; lastUpdated: string };
    expect(listed.serialNumbers).toEqual([serial]);
    expect(
      (await fetch(`${webService}/v1/devices/${device}/registrations/${PASS_TYPE}?passesUpdatedSince=${encodeURIComponent(listed.lastUpdated)}`)).status,
    ).toBe(204);
    expect((await fetch(`${webService}/v1/devices/another-device/registrations/${PASS_TYPE}`)).status).toBe(204);

    expect((await fetch(`${webService}/v1/passes/${PASS_TYPE}/${serial}`, { headers: { authorization: 'ApplePass nope-nope-nope-nope' } })).status).toBe(401);
    expect(
      (
        await fetch(`${webService}/v1/log`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ logs: ['a device says hello'] }),
        })
      ).status,
    ).toBe(200);
  });

  it('when the balance changes, marks the pass updated, pushes to APNs as Apple documents, and serves the new pass', async () => {
    const before = (await (await fetch(`${webService}/v1/devices/${device}/registrations/${PASS_TYPE}`)).json()) as { lastUpdated: string };
    expect((await phone.post(saleUrl(hub, creds, ++saleNo, 7), { mode: 'member' })).status).toBe(303);
    await until(() => apns.pushes.length === 1, 'the push of the updated pass');
    expect(apns.pushes[0]).toEqual({
      method: 'POST',
      contentType: 'application/json',
      path: `/3/device/${pushToken}`,
      topic: PASS_TYPE,
      body: '{}',
      // The pass certificate is the client certificate, as APNs requires for pass updates.
      clientCert: new X509Certificate(apple.signerCert).fingerprint256,
    });
    const after = await fetch(`${webService}/v1/devices/${device}/registrations/${PASS_TYPE}?passesUpdatedSince=${encodeURIComponent(before.lastUpdated)}`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { serialNumbers: string[] }).serialNumbers).toEqual([serial]);

    const latest = await fetch(`${webService}/v1/passes/${PASS_TYPE}/${serial}`, {
      headers: { authorization: `ApplePass ${token}`, 'accept-language': 'de-DE' },
    });
    expect(latest.status).toBe(200);
    const dir = unpack(Buffer.from(await latest.arrayBuffer()), 'latest');
    openssl(
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
      'wwdr.pem',
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );
    const pass = JSON.parse(readFileSync(join(dir, 'pass.json'), 'utf8')) as {
      serialNumber: string;
      storeCard: { primaryFields: { label: string; value: number }[] };
    };
    expect(pass.serialNumber).toBe(serial);
    expect(pass.storeCard.primaryFields[0]).toMatchObject({ label: 'Guthaben', value: points + 7 });
  });

  it('unregisters the device with the token; its list is then empty', async () => {
    const url = `${webService}/v1/devices/${device}/registrations/${PASS_TYPE}/${serial}`;
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: 'ApplePass wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: `ApplePass ${token}` } })).status).toBe(200);
    expect((await fetch(`${webService}/v1/devices/${device}/registrations/${PASS_TYPE}`)).status).toBe(204);
  });
});

describe('Google Wallet', () => {
  it('sends the phone to a save link whose JWT, signed RS256 by the service account, carries the loyalty object', async () => {
    const res = await download('/m/wallet/google');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = location.slice('https://pay.google.com/gp/v/save/'.length);
    const { payload, protectedHeader } = await jwtVerify(jwt, await importSPKI(googlePublicKey, 'RS256'), {
      issuer: google.serviceAccountEmail,
      audience: 'google',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.typ).toBe('savetowallet');
    expect(payload.origins).toEqual([hub.url]);
    const code = /id="member-code">([^<]+)</.exec((await phone.get(`${hub.url}/m`)).text)![1]!;
    const objects = (payload.payload as { loyaltyObjects: Record<string, unknown>[] }).loyaltyObjects;
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      classId: google.classId,
      state: 'ACTIVE',
      accountId: code,
      accountName: 'Anna',
      loyaltyPoints: { label: 'Balance', balance: { int: points + 7 } },
      barcode: { type: 'QR_CODE', value: code },
    });
    expect(String(objects[0]!.id)).toMatch(new RegExp(`^${google.issuerId}\\.[\\w.-]+$`));
    // A key that is not the service account's does not verify it.
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await expect(jwtVerify(jwt, stranger)).rejects.toThrow();
  });
});

describe('configuration from the environment', () => {
  it('takes a wallet whole or not at all, and reads the key files', () => {
    expect(walletConfigFromEnv({})).toEqual({});
    expect(() => walletConfigFromEnv({ WALLET_APPLE_PASS_TYPE_ID: PASS_TYPE })).toThrow(
      /WALLET_APPLE_TEAM_ID, WALLET_APPLE_CERT, WALLET_APPLE_KEY, WALLET_APPLE_WWDR/,
    );
    writeFileSync(join(tmp.dir, 'sa.json'), JSON.stringify({ client_email: google.serviceAccountEmail, private_key: google.privateKey }));
    const config = walletConfigFromEnv({
      WALLET_APPLE_PASS_TYPE_ID: PASS_TYPE,
      WALLET_APPLE_TEAM_ID: 'TEAM123456',
      WALLET_APPLE_CERT: join(tmp.dir, 'pass.pem'),
      WALLET_APPLE_KEY: join(tmp.dir, 'pass.key'),
      WALLET_APPLE_WWDR: join(tmp.dir, 'wwdr.pem'),
      WALLET_GOOGLE_ISSUER_ID: google.issuerId,
      WALLET_GOOGLE_KEY_FILE: join(tmp.dir, 'sa.json'),
    });
    expect(config.apple).toMatchObject({ passTypeId: PASS_TYPE, teamId: 'TEAM123456', signerCert: apple.signerCert, wwdr: apple.wwdr });
    expect(config.google).toMatchObject({ issuerId: google.issuerId, classId: `${google.issuerId}.loyalty`, serviceAccountEmail: google.serviceAccountEmail });
    // Apple's push service by default; a stand-in only over https, its CA only with it.
    const appleEnv = {
      WALLET_APPLE_PASS_TYPE_ID: PASS_TYPE,
      WALLET_APPLE_TEAM_ID: 'TEAM123456',
      WALLET_APPLE_CERT: join(tmp.dir, 'pass.pem'),
      WALLET_APPLE_KEY: join(tmp.dir, 'pass.key'),
      WALLET_APPLE_WWDR: join(tmp.dir, 'wwdr.pem'),
    };
    expect(config.pusher).toBeUndefined();
    expect(
      walletConfigFromEnv({ ...appleEnv, WALLET_APPLE_APNS_URL: 'https://127.0.0.1:1', WALLET_APPLE_APNS_CA: join(tmp.dir, 'apns.pem') }).pusher,
    ).toBeDefined();
    expect(() => walletConfigFromEnv({ ...appleEnv, WALLET_APPLE_APNS_URL: 'http://127.0.0.1:1' })).toThrow(/must be an https:\/\/ address/);
    expect(() => walletConfigFromEnv({ ...appleEnv, WALLET_APPLE_APNS_CA: join(tmp.dir, 'apns.pem') })).toThrow(/only for WALLET_APPLE_APNS_URL/);
    writeFileSync(join(tmp.dir, 'bad.json'), '{"type":"not a key"}');
    expect(() => walletConfigFromEnv({ WALLET_GOOGLE_ISSUER_ID: '1', WALLET_GOOGLE_KEY_FILE: join(tmp.dir, 'bad.json') })).toThrow(/service account key/);
  });
});
