// Attacks from a phone, a browser page and the network against a real hub on loopback: each is
// refused, and the store (members, balances, sessions, program versions, kiosks) is as it was.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerTokenWeakness, type Hub } from '../../cloud/hub';
import { csv } from '../../cloud/owner-pages';
import type { KioskCredentials, OutboxMessage } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { joinProven, Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let till: KioskCredentials;
let anna: Phone;
let annaId: string;
const NOW = new Date();
const OWNER_TOKEN = 'f3a9c1d27b64e580a1b2c3d4e5f60718293a4b5c6d7e8f90';

beforeAll(async () => {
  tmp = tempDir('sec-phone');
  hub = await testHub(tmp.dir, { ownerToken: OWNER_TOKEN, maxFailuresPerMinute: 3 });
  till = await pairedKiosk(hub);
  anna = new Phone('pl-PL');
  expect((await joinProven(hub, anna, `${hub.url}/C/${saleToken(till, 1, 18, NOW)}`, '+48 600 100 200', 'Anna')).status).toBe(303);
  annaId = (await hub.store.searchMembers(1, 'Anna'))[0]!.id;
});

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

const ownerLogin = async (): Promise<string> => {
  const res = await fetch(`${hub.url}/owner/login`, {
    method: 'POST',
    redirect: 'manual',
    body: `token=${OWNER_TOKEN}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
};

describe('account takeover by typing someone else’s contact', () => {
  it('credits the sale to the card that owns the contact but opens no session on this phone, in the phone’s language, with no welcome bonus', async () => {
    const before = { members: (await hub.store.counts()).members, anna: await hub.store.balance(annaId) };
    const thief = new Phone('de-DE,de;q=0.9');
    const res = await thief.join(`${hub.url}/C/${saleToken(till, 2, 18, NOW)}`, '+48600100200', 'Mallory');
    expect(res.status).toBe(200);
    expect(thief.cookie).toBe('');
    expect(res.text).toContain('hat bereits eine Karte bei Kawiarnia Anna');
    expect(res.text).toContain('Personal scannen');
    // No session: the card page is not Anna's.
    expect((await thief.get(`${hub.url}/m`)).status).toBe(401);
    // The purchase is Anna's (she did buy), without a welcome bonus, and her name is left alone.
    expect((await hub.store.counts()).members).toBe(before.members);
    expect(await hub.store.balance(annaId)).toMatchObject({ points: before.anna.points + 18 });
    expect((await hub.store.entries(annaId)).filter((e) => e.reason.code === 'welcome')).toHaveLength(1);
    expect((await hub.store.member(annaId))!.name).toBe('Anna');
  });

  it('the same with her e-mail address: no cookie', async () => {
    const ewa = new Phone('en-GB');
    expect((await ewa.join(`${hub.url}/C/${saleToken(till, 3, 18, NOW)}`, 'ewa@example.com', 'Ewa')).status).toBe(303);
    const thief = new Phone('en-GB');
    const res = await thief.join(`${hub.url}/C/${saleToken(till, 4, 18, NOW)}`, 'EWA@example.com', '');
    expect([res.status, thief.cookie]).toEqual([200, '']);
    expect(res.text).toContain('already has a card');
  });
});

describe('owner sessions cannot be forged from member cookies', () => {
  it('a member enrolled as "owner:<ms>" by a kiosk is refused, and the old-format cookie opens nothing', async () => {
    const kiosk = (await hub.store.kiosk(till.kioskId))!;
    const forgedId = `owner:${NOW.getTime() + 3_600_000}`;
    const at = NOW.toISOString();
    const applied = await hub.store.applyOutbox(
      kiosk,
      [
        {
          id: 'forge-enrol',
          at,
          type: 'memberEnrolled',
          payload: { id: forgedId, name: null, phone: null, email: null, consentAt: at },
        } satisfies OutboxMessage,
      ],
      NOW,
    );
    expect(applied.refused).toEqual([{ id: 'forge-enrol', reason: expect.stringMatching(/opaque/) }]);
    expect(await hub.store.member(forgedId)).toBeUndefined();
    // Even with the member key in hand, a member-signed value is not an owner session (own key, own purpose, own name).
    const memberKey = await hub.store.setting('cookieSecret', () => {
      throw new Error('the hub has a member key');
    });
    const legacy = `${forgedId}.${createHmac('sha256', memberKey).update(forgedId).digest('hex')}`;
    const asMember = `m1.${forgedId}.${createHmac('sha256', memberKey).update(`m1|${forgedId}`).digest('hex')}`;
    for (const cookie of [
      `lk_owner=${encodeURIComponent(legacy)}`,
      `lk_owner_session=${encodeURIComponent(legacy)}`,
      `lk_owner_session=${encodeURIComponent(asMember)}`,
      `lk_owner_session=${encodeURIComponent(
        `o1.${NOW.getTime() + 3_600_000}.${createHmac('sha256', memberKey)
          .update(`o1|${NOW.getTime() + 3_600_000}`)
          .digest('hex')}`,
      )}`,
    ]) {
      const res = await fetch(`${hub.url}/owner`, { headers: { cookie }, redirect: 'manual' });
      expect([cookie, res.status, res.headers.get('location')]).toEqual([cookie, 303, '/owner/login']);
    }
    expect(await hub.store.setting('ownerCookieSecret', () => '')).not.toBe(memberKey);
  });
});

describe('owner routes are guarded', () => {
  it('refuses to publish a program or revoke a kiosk without the session’s CSRF token; nothing changes', async () => {
    const cookie = await ownerLogin();
    const versions = (await hub.store.programVersions(1)).length;
    const publish = await fetch(`${hub.url}/owner/program/publish`, {
      method: 'POST',
      redirect: 'manual',
      body: 'name=Hacked',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(publish.status).toBe(403);
    const revoke = await fetch(`${hub.url}/owner/kiosks/${till.kioskId}/revoke`, { method: 'POST', headers: { cookie } });
    expect(revoke.status).toBe(403);
    expect((await hub.store.programVersions(1)).length).toBe(versions);
    expect((await hub.store.kiosk(till.kioskId))!.revokedAt).toBeNull();
    // The editor's own form carries the token.
    const editor = await (await fetch(`${hub.url}/owner/program/edit`, { headers: { cookie } })).text();
    expect(editor).toMatch(/<form id="editor"[^>]*><input type="hidden" name="csrf" value="[0-9a-f]{64}"\/?>/);
  });

  it('never takes the owner token from the query string', async () => {
    const res = await fetch(`${hub.url}/owner/pairing-code?token=${OWNER_TOKEN}`);
    expect(res.status).toBe(401);
    expect((await fetch(`${hub.url}/owner/pairing-code`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } })).status).toBe(200);
  });

  it('every page forbids framing and referrers; /m?claimed does not echo anything', async () => {
    for (const path of ['/owner/login', `/C/${saleToken(till, 5, 18, NOW)}`, '/m', '/nowhere']) {
      const res = await fetch(`${hub.url}${path}`, { headers: { cookie: anna.cookie }, redirect: 'manual' });
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      // Scripts and styles come from the hub's files only: an injected inline script would not run.
      expect(res.headers.get('content-security-policy')).not.toContain("'unsafe-inline'");
      const html = await res.text();
      expect(html).not.toMatch(/<script>|<style>|\sstyle="/);
    }
    // A malformed %-encoding is the client's mistake (400), not the hub's (500).
    expect((await fetch(`${hub.url}/C/%E0%A4%A`)).status).toBe(400);
    const fake = await anna.get(`${hub.url}/m?claimed=1000000&welcome=999999`);
    expect(fake.status).toBe(200);
    expect(fake.text).not.toContain('1000000');
    expect(fake.text).not.toContain('999999');
    expect(fake.text).not.toContain('id="flash"');
    const hers = await anna.get(`${hub.url}/m?claimed=${claimSaleKey({ kioskNo: till.kioskNo, saleNo: 1 })}`);
    expect(hers.text).toContain('id="flash"');
  });

  it('the CSV export neutralises every formula-leading cell', async () => {
    const evil = new Phone('en-GB');
    expect((await evil.join(`${hub.url}/C/${saleToken(till, 6, 18, NOW)}`, 'evil@example.com', '=HYPERLINK("http://x")')).status).toBe(303);
    const cookie = await ownerLogin();
    const text = await (await fetch(`${hub.url}/owner/export/members.csv`, { headers: { cookie } })).text();
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    for (const lead of ['=', '+', '-', '@', '\t', '\r', ' =']) {
      const cell = csv(['a'], [[`${lead}1+1`]]).split('\r\n')[1]!;
      expect(cell.replace(/^"/, '').startsWith("'")).toBe(true);
    }
    expect(csv(['a'], [['a;=b']]).split('\r\n')[1]).toBe('"a;=b"');
  });
});

describe('owner credentials and failure counters', () => {
  it('refuses a weak HUB_OWNER_TOKEN at start, in words', async () => {
    expect(ownerTokenWeakness('1')).toMatch(/at least 32/);
    expect(ownerTokenWeakness('a'.repeat(40))).toMatch(/random/);
    expect(ownerTokenWeakness(OWNER_TOKEN)).toBeUndefined();
    expect(ownerTokenWeakness('ab'.repeat(20))).toMatch(/random/);
    // Every random token the kiosk or `openssl rand -hex 16` makes passes (the local hub's start must never fail on it).
    const refused = Array.from({ length: 5_000 }, () => randomBytes(16).toString('hex')).filter((t) => ownerTokenWeakness(t) !== undefined);
    expect(refused).toEqual([]);
    const weak = tempDir('sec-weak');
    try {
      await expect(testHub(weak.dir, { ownerToken: '1' })).rejects.toThrow(/HUB_OWNER_TOKEN refused: it has 1 characters; at least 32/);
    } finally {
      weak.remove();
    }
  });

  it('bad claims do not lock the owner out; wrong bearer tokens are throttled; X-Real-IP counts only from a trusted proxy', async () => {
    const forged = `${hub.url}/C/${'A'.repeat(58)}`;
    for (let i = 0; i < 3; i++) expect((await fetch(forged)).status).toBe(400);
    expect((await fetch(forged)).status).toBe(429);
    // The same address can still sign in as the owner and pair a kiosk.
    await ownerLogin();
    expect((await pairedKiosk(hub, 'Till 9')).kioskNo).toBeGreaterThan(0);
    // Guessing the bearer token: three wrong ones, then even the right one waits.
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${hub.url}/owner/pairing-code`, { headers: { authorization: `Bearer guess-${i}` } })).status).toBe(401);
    }
    expect((await fetch(`${hub.url}/owner/pairing-code`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } })).status).toBe(401);
    // This hub trusts no proxy: a phone's own X-Real-IP does not give it a fresh counter.
    expect((await fetch(forged, { headers: { 'x-real-ip': '203.0.113.9' } })).status).toBe(429);
  });

  it('with HUB_TRUSTED_PROXIES the loopback proxy’s X-Real-IP names the phone', async () => {
    const dir = tempDir('sec-proxy');
    const proxied = await testHub(dir.dir, { trustedProxies: ['127.0.0.1', '::ffff:127.0.0.1'], maxFailuresPerMinute: 2 });
    try {
      const forged = `${proxied.url}/C/${'A'.repeat(58)}`;
      const from = (ip: string) => fetch(forged, { headers: { 'x-real-ip': ip } }).then((r) => r.status);
      expect([await from('203.0.113.7'), await from('203.0.113.7'), await from('203.0.113.7')]).toEqual([400, 400, 429]);
      expect(await from('198.51.100.2')).toBe(400);
    } finally {
      await proxied.close();
      dir.remove();
    }
  });
});
