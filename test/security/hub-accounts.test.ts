// Sessions and accounts against a real hub on loopback: owner set-up link, password and TOTP sign-in,
// roles, API keys, members' sessions on the server, and the kiosk handshake nonce.
import { createHmac, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { escapeHtml } from '../../cloud/pages';
import { ownerAccountMessages } from '../../core/i18n/accounts';
import { formatMessage } from '../../core/i18n/catalog';
import { formatInstant } from '../../core/i18n/dates';
import { kioskAuth, type KioskCredentials } from '../../core/sync-protocol';
import { clockStartingAt } from '../support/dates';
import { Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let till: KioskCredentials;
const OWNER_TOKEN = 'c0ffee9a1b2c3d4e5f60718293a4b5c6d7e8f901a2b3c4d5';
const PASSWORD = 'correct horse battery';
/** The hub's clock: the real pace, moved on by `shift` where a test needs time to pass. */
const base = clockStartingAt(new Date());
let shift = 0;
const clock = (): Date => new Date(base().getTime() + shift);
const logs: string[] = [];

beforeAll(async () => {
  tmp = tempDir('sec-accounts');
  // Loopback proxies are trusted, so X-Real-IP stands for different addresses in the per-account counter test.
  hub = await testHub(tmp.dir, { ownerToken: OWNER_TOKEN, maxFailuresPerMinute: 3, now: clock, trustProxy: true, log: (line) => logs.push(line) });
  till = await pairedKiosk(hub);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

interface Answer {
  status: number;
  text: string;
  location: string | null;
  cookie: string | undefined;
}

async function request(
  path: string,
  init: { method?: string; form?: Record<string, string>; cookie?: string; ip?: string; bearer?: string; language?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'accept-language': init.language ?? 'en' };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.ip) headers['x-real-ip'] = init.ip;
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${hub.url}${path}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers,
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location'), cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

const setupPath = (link: string): string => new URL(link).pathname;
const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
const tableOf = (html: string, id: string): string => new RegExp(`<table id="${id}">(.*?)</table>`, 's').exec(html)?.[1] ?? '';
const textOf = (cell: string): string => cell.replace(/<[^>]+>/g, '').trim();
/** A table's column headers, and its body rows as cell texts (tags stripped). */
const headers = (html: string, id: string): string[] => [...tableOf(html, id).matchAll(/<th scope="col">(.*?)<\/th>/gs)].map((m) => textOf(m[1]!));
const cells = (html: string, id: string): string[][] =>
  [...(/<tbody>(.*?)<\/tbody>/s.exec(tableOf(html, id))?.[1] ?? '').matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) =>
    [...r[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((c) => textOf(c[1]!)),
  );
/** What a page shows: its text with tags (and so attributes and hidden form values) left out. */
const visibleText = (html: string): string => html.replace(/<[^>]*>/g, ' ');
const shopZone = async (): Promise<string> =>
  ((await (await fetch(`${hub.url}/owner/settings`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } })).json()) as { settings: { timeZone: string } })
    .settings.timeZone;
let ownerCookie = '';

describe('owner accounts', () => {
  it('prints a set-up link at first start that works once, and signs the owner in with the password', async () => {
    expect(hub.setupLink).toMatch(/\/owner\/setup\/[A-Za-z0-9_-]{32}$/);
    expect(logs.some((l) => l.includes('owner set-up link (valid 24 h, once)'))).toBe(true);
    const path = setupPath(hub.setupLink!);
    expect((await request(path)).status).toBe(200);
    // A weak password is refused and leaves the link usable.
    const weak = await request(path, { form: { name: 'anna@kawiarnia.pl', password: 'short' } });
    expect([weak.status, weak.text.includes('at least 12 characters')]).toEqual([400, true]);
    const made = await request(path, { form: { name: 'Anna@Kawiarnia.pl', password: PASSWORD } });
    // A fresh shop: the owner goes on to the first-run wizard (cloud/routes/owner-settings.ts).
    expect([made.status, made.location]).toEqual([303, '/owner/welcome']);
    expect(made.cookie).toMatch(/^lk_owner_session=o2\./);
    // Once only.
    const again = await request(path, { form: { name: 'mallory', password: 'another long password' } });
    expect(again.status).toBe(410);
    expect((await hub.accounts.accounts()).map((a) => [a.name, a.role])).toEqual([['anna@kawiarnia.pl', 'owner']]);

    const signIn = await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD } });
    expect([signIn.status, signIn.location]).toEqual([303, '/owner']);
    ownerCookie = signIn.cookie!;
    expect((await request('/owner', { cookie: ownerCookie })).status).toBe(200);
    // Signing out ends the session on the server: a copy of the cookie opens nothing afterwards.
    const copy = ownerCookie;
    const accountsPage = await request('/owner/accounts', { cookie: ownerCookie });
    expect((await request('/owner/logout', { form: { csrf: csrfOf(accountsPage.text) }, cookie: ownerCookie })).status).toBe(303);
    expect((await request('/owner', { cookie: copy })).location).toBe('/owner/login');
    ownerCookie = (await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD } })).cookie!;
  });

  it('counts wrong passwords per address and per account', async () => {
    // Three wrong passwords for one account, each from another address: the account is told to wait, even with the right password from a fresh address.
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: 'wrong password!' }, ip })).status).toBe(401);
    }
    expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD }, ip: '10.0.0.4' })).status).toBe(429);
    // Another account name from one address: the address is counted too.
    for (let i = 0; i < 3; i++)
      expect((await request('/owner/login', { form: { name: `nobody${i}`, password: 'x'.repeat(12) }, ip: '10.0.0.9' })).status).toBe(401);
    expect((await request('/owner/login', { form: { token: OWNER_TOKEN }, ip: '10.0.0.9' })).status).toBe(429);
    expect(logs.some((l) => /owner sign-in refused \(wrong-password\) for "anna@kawiarnia.pl"/.test(l))).toBe(true);
    shift += 61_000; // the failure window is a minute on the hub's clock
    expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD }, ip: '10.0.0.4' })).status).toBe(303);
  });

  it('turns TOTP on only after a right code, then asks for it at sign-in; wrong codes count', async () => {
    const page = await request('/owner/accounts', { cookie: ownerCookie });
    const started = await request('/owner/totp/start', { form: { csrf: csrfOf(page.text) }, cookie: ownerCookie });
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(started.text)![1]!;
    expect(started.text).toMatch(/otpauth:\/\/totp\/Loyalty%20Kiosk:anna%40kawiarnia\.pl\?/);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    const right = totp.generate({ timestamp: clock().getTime() });
    const wrong = await request('/owner/totp/confirm', {
      form: { csrf: csrfOf(page.text), code: right === '000000' ? '111111' : '000000' },
      cookie: ownerCookie,
    });
    expect(wrong.status).toBe(400);
    expect((await hub.accounts.accounts())[0]!.totp).toBe(false);
    const on = await request('/owner/totp/confirm', {
      form: { csrf: csrfOf(page.text), code: totp.generate({ timestamp: clock().getTime() }) },
      cookie: ownerCookie,
    });
    expect([on.status, on.text.includes('id="totp-on"')]).toEqual([200, true]);

    // The password alone asks for the code (not counted as a guess); a wrong code is refused and counted.
    const noCode = await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD }, ip: '10.0.1.1' });
    expect([noCode.status, noCode.text.includes('authenticator app')]).toEqual([401, true]);
    for (const ip of ['10.0.1.2', '10.0.1.3']) {
      expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD, totp: '12345x' }, ip })).status).toBe(401);
    }
    expect(logs.some((l) => /owner sign-in refused \(totp-wrong\)/.test(l))).toBe(true);
    shift += 61_000;
    // Next time step's code: the confirming code's step is used already.
    shift += 30_000;
    const code = totp.generate({ timestamp: clock().getTime() });
    const signIn = await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD, totp: code }, ip: '10.0.1.4' });
    expect(signIn.status).toBe(303);
    ownerCookie = signIn.cookie!;
    // The same code again is refused (used once).
    expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD, totp: code }, ip: '10.0.1.5' })).status).toBe(401);
  });

  it('lets the owner invite a manager, who is refused the owner-only actions', async () => {
    const page = await request('/owner/accounts', { cookie: ownerCookie });
    const invited = await request('/owner/accounts/invite', { form: { csrf: csrfOf(page.text) }, cookie: ownerCookie });
    expect(invited.status).toBe(201);
    const link = /id="invite-link">[^<]*<code>([^<]+)</.exec(invited.text)![1]!;
    expect((await request(setupPath(link), { form: { name: 'bartek', password: 'a manager password' } })).status).toBe(303);
    expect((await request(setupPath(link), { form: { name: 'bartek2', password: 'a manager password' } })).status).toBe(410);
    const manager = (await request('/owner/login', { form: { name: 'bartek', password: 'a manager password' } })).cookie!;
    const managerPage = await request('/owner/accounts', { cookie: manager });
    const csrf = csrfOf(managerPage.text);
    expect(managerPage.text).not.toContain('/owner/api-keys');
    // Day-to-day pages work.
    expect((await request('/owner', { cookie: manager })).status).toBe(200);
    // Owner only: invitations, API keys, pairing codes, revoking kiosks. Nothing changes.
    const accountsBefore = (await hub.accounts.accounts()).length;
    expect((await request('/owner/accounts/invite', { form: { csrf }, cookie: manager })).status).toBe(403);
    // The accounts page's form, refused to a manager: a page in the reader's language (not the API's JSON).
    const keyForm = await request('/owner/api-keys', { form: { csrf, name: 'mine' }, cookie: manager, language: 'hu' });
    expect([keyForm.status, keyForm.text]).toEqual([403, expect.stringContaining(escapeHtml(formatMessage(ownerAccountMessages, 'hu', 'ownerOnly')))]);
    expect((await request('/owner/api-keys', { cookie: manager })).status).toBe(403);
    const pairing = await fetch(`${hub.url}/owner/pairing-code`, { method: 'POST', headers: { cookie: manager, 'x-csrf-token': csrf } });
    expect(pairing.status).toBe(403);
    const revoke = await fetch(`${hub.url}/owner/kiosks/${till.kioskId}/revoke`, { method: 'POST', headers: { cookie: manager, 'x-csrf-token': csrf } });
    expect(revoke.status).toBe(403);
    expect((await hub.store.kiosk(till.kioskId))!.revokedAt).toBeNull();
    expect((await hub.accounts.accounts()).length).toBe(accountsBefore);
    expect(await hub.accounts.apiKeys()).toEqual([]);
  });

  it('makes named API keys that work as bearer, are listed without the secret, and stop when revoked', async () => {
    const made = await fetch(`${hub.url}/owner/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=nightly+export',
    });
    expect(made.status).toBe(201);
    const { id, key } = (await made.json()) as { id: string; key: string };
    expect(key).toMatch(new RegExp(`^lko_${id}_[A-Za-z0-9_-]{43}$`));
    expect((await request('/owner/program', { bearer: key })).status).toBe(200);
    expect((await request('/owner/export/members.csv', { bearer: key })).status).toBe(200);
    const listed = await request('/owner/api-keys', { bearer: key });
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('nightly export');
    expect(listed.text).not.toContain(key.slice(17));
    // The accounts page shows the key by its name, when it was made and last used (the shop's clock, the viewer's language), under named columns; never its id or prefix.
    const page = await request('/owner/accounts', { cookie: ownerCookie });
    const [info] = await hub.accounts.apiKeys();
    expect(info?.lastUsedAt).not.toBeNull();
    const zone = await shopZone();
    expect(headers(page.text, 'api-keys')).toEqual(['Name', 'Created', 'Created by', 'Last used', 'Actions']);
    expect(cells(page.text, 'api-keys')).toEqual([
      ['nightly export', formatInstant(info!.createdAt, 'en', zone), info!.createdBy, formatInstant(info!.lastUsedAt!, 'en', zone), 'Revoke'],
    ]);
    expect(headers(page.text, 'accounts')).toEqual(['Name', 'Role', 'Two-step sign-in', 'Created', 'Actions']);
    expect(visibleText(page.text)).not.toContain('lko_');
    expect(visibleText(page.text)).not.toContain(id);
    expect(page.text).not.toContain(key);
    // In Polish too.
    const polish = await request('/owner/accounts', { cookie: ownerCookie, language: 'pl' });
    expect(headers(polish.text, 'api-keys')).toEqual(['Nazwa', 'Utworzono', 'Kto utworzył', 'Ostatnie użycie', 'Akcje']);
    // Revoked from the page (CSRF-checked), then refused and counted like a wrong bearer.
    expect((await request(`/owner/api-keys/${id}/revoke`, { form: { csrf: 'wrong' }, cookie: ownerCookie })).status).toBe(403);
    expect((await request(`/owner/api-keys/${id}/revoke`, { form: { csrf: csrfOf(page.text) }, cookie: ownerCookie })).status).toBe(303);
    expect((await request('/owner/program', { bearer: key })).status).toBe(401);
    expect(logs.some((l) => l.startsWith('owner bearer credential refused'))).toBe(true);
  });

  it('refuses an API key with no name or a name too long, saying why on the page (or in JSON), and makes nothing', async () => {
    const csrf = csrfOf((await request('/owner/accounts', { cookie: ownerCookie })).text);
    const before = await hub.accounts.apiKeys();
    const empty = await request('/owner/api-keys', { form: { csrf, name: '   ' }, cookie: ownerCookie });
    expect(empty.status).toBe(400);
    expect(/id="key-error" role="alert">([^<]*)</.exec(empty.text)?.[1]).toBe(
      'Give the key a name that says what it is for, such as “till export”; no key was made.',
    );
    const long = 'k'.repeat(81);
    const tooLong = await request('/owner/api-keys', { form: { csrf, name: long }, cookie: ownerCookie, language: 'de' });
    expect(tooLong.status).toBe(400);
    expect(/id="key-error" role="alert">([^<]*)</.exec(tooLong.text)?.[1]).toBe(
      'Der Name eines Schlüssels darf höchstens 80 Zeichen haben; es wurde kein Schlüssel erstellt.',
    );
    // The name typed stays in the field, to shorten.
    expect(tooLong.text).toContain(`value="${long}"`);
    const scripted = await fetch(`${hub.url}/owner/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: long }).toString(),
    });
    expect([scripted.status, await scripted.json()]).toEqual([400, { error: "a key's name may have at most 80 characters", code: 'key-name-too-long' }]);
    expect(await hub.accounts.apiKeys()).toEqual(before);
    // 80 characters, spaces around them trimmed, are fine.
    const made = await request('/owner/api-keys', { form: { csrf, name: ` ${'k'.repeat(80)} ` }, cookie: ownerCookie });
    expect(made.status).toBe(201);
    const [added] = (await hub.accounts.apiKeys()).filter((k) => !before.some((b) => b.id === k.id));
    expect(added?.name).toBe('k'.repeat(80));
    expect(await hub.accounts.revokeApiKey(added!.id, clock())).toBe(true);
  });

  it('lets an owner change roles and remove accounts, never the last owner, and ends a removed account’s sessions at once', async () => {
    const accountId = async (name: string): Promise<string> => (await hub.accounts.accounts()).find((a) => a.name === name)!.id;
    const roles = async (): Promise<string[][]> => (await hub.accounts.accounts()).map((a) => [a.name, a.role]);
    const anna = await accountId('anna@kawiarnia.pl');
    const bartek = await accountId('bartek');
    const managerCookie = (await request('/owner/login', { form: { name: 'bartek', password: 'a manager password' }, ip: '10.0.2.1' })).cookie!;
    const managerCsrf = csrfOf((await request('/owner/accounts', { cookie: managerCookie })).text);
    const page = await request('/owner/accounts', { cookie: ownerCookie });
    const csrf = csrfOf(page.text);
    expect(page.text).toContain(`action="/owner/accounts/${bartek}/remove"`);
    const before = await roles();

    // A manager may do neither; a forged form (no CSRF token) neither; an unknown account is a 404.
    expect((await request(`/owner/accounts/${anna}/role`, { form: { csrf: managerCsrf, role: 'manager' }, cookie: managerCookie })).status).toBe(403);
    expect((await request(`/owner/accounts/${anna}/remove`, { form: { csrf: managerCsrf }, cookie: managerCookie })).status).toBe(403);
    expect((await request(`/owner/accounts/${bartek}/remove`, { form: { role: 'owner' }, cookie: ownerCookie })).status).toBe(403);
    expect((await request(`/owner/accounts/${bartek}/role`, { form: { csrf, role: 'admin' }, cookie: ownerCookie })).status).toBe(400);
    expect((await request('/owner/accounts/00000000-0000-0000-0000-000000000000/remove', { form: { csrf }, cookie: ownerCookie })).status).toBe(404);
    // The last owner can be neither demoted nor removed (by themselves, or by a script with the token).
    const demote = await request(`/owner/accounts/${anna}/role`, { form: { csrf, role: 'manager' }, cookie: ownerCookie });
    expect([demote.status, demote.text.includes('id="last-owner"')]).toEqual([409, true]);
    expect((await request(`/owner/accounts/${anna}/remove`, { form: { csrf }, cookie: ownerCookie })).status).toBe(409);
    const scripted = await fetch(`${hub.url}/owner/accounts/${anna}/remove`, { method: 'POST', headers: { authorization: `Bearer ${OWNER_TOKEN}` } });
    expect([scripted.status, await scripted.json()]).toEqual([409, { error: 'last-owner', code: 'last-owner' }]);
    expect(await roles()).toEqual(before);
    expect((await request('/owner', { cookie: ownerCookie })).status).toBe(200);

    // Bartek made an owner: his live session has the owner's rights at once; then Anna may step down, and is a manager at once.
    expect((await request(`/owner/accounts/${bartek}/role`, { form: { csrf, role: 'owner' }, cookie: ownerCookie })).status).toBe(303);
    expect((await request('/owner/api-keys', { cookie: managerCookie })).status).toBe(200);
    expect((await request(`/owner/accounts/${anna}/role`, { form: { csrf, role: 'manager' }, cookie: ownerCookie })).status).toBe(303);
    expect((await request('/owner/api-keys', { cookie: ownerCookie })).status).toBe(403);
    expect(await roles()).toEqual([
      ['anna@kawiarnia.pl', 'manager'],
      ['bartek', 'owner'],
    ]);
    // Now Bartek is the last owner: he cannot remove himself. He removes Anna: her session opens nothing from now on.
    expect((await request(`/owner/accounts/${bartek}/remove`, { form: { csrf: managerCsrf }, cookie: managerCookie })).status).toBe(409);
    const removed = await request(`/owner/accounts/${anna}/remove`, { form: { csrf: managerCsrf }, cookie: managerCookie });
    expect([removed.status, removed.location]).toEqual([303, '/owner/accounts']);
    expect((await request('/owner', { cookie: ownerCookie })).location).toBe('/owner/login');
    const rows = await hub.store.db.selectFrom('owner_sessions').select(['revoked_at']).where('account_id', '=', anna).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
    expect((await request('/owner/login', { form: { name: 'anna@kawiarnia.pl', password: PASSWORD }, ip: '10.0.2.2' })).status).toBe(401);
    expect(await roles()).toEqual([['bartek', 'owner']]);
    expect(logs.some((l) => l === 'owner account anna@kawiarnia.pl: removed, its sessions ended by bartek')).toBe(true);
    // The tests below act as the shop's owner: Bartek now.
    ownerCookie = managerCookie;
  });
});

describe('members’ sessions on the server', () => {
  const firefox = 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0';
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

  async function joinOn(userAgent: string, saleNo: number, contact: string): Promise<string> {
    const res = await fetch(`${hub.url}/C/${saleToken(till, saleNo, 18)}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent, 'accept-language': 'pl' },
      body: new URLSearchParams({ mode: 'join', name: 'Ewa', contact, consent: 'yes' }).toString(),
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^lk_member=s1\.[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    return cookie.split(';')[0]!;
  }
  const card = (cookie: string): Promise<Answer> => request('/m', { cookie, language: 'pl' });

  it('lists the devices, signs one out, then everywhere', async () => {
    const phone = await joinOn(firefox, 101, 'ewa@example.com');
    const memberId = (await hub.store.searchMembers(1, 'ewa@example.com'))[0]!.id;
    // A second phone of hers, opened as a one-time code would: a session for the same member.
    const second = `lk_member=${await hub.memberSessions.open(memberId, iphone, clock())}`;
    const page = await card(phone);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Firefox, Android, od [^<]+<strong class="this-device">\(ten telefon\)/);
    expect(page.text).toContain('Safari, iPhone, od');
    expect(page.text).toContain('Wyloguj wszędzie');
    // The stored row holds a hash, never the cookie's id.
    expect(JSON.stringify(await hub.store.db.selectFrom('member_sessions').selectAll().execute())).not.toContain(phone.slice('lk_member=s1.'.length));
    // Sign the iPhone out from the Android phone; a forged form (no CSRF token) changes nothing.
    const iphoneRef = /data-ref="([^"]+)"><span>Safari/.exec(page.text)![1]!;
    expect((await request('/m/sessions/end', { form: { ref: iphoneRef }, cookie: phone })).status).toBe(403);
    expect((await card(second)).status).toBe(200);
    expect((await request('/m/sessions/end', { form: { ref: iphoneRef, csrf: csrfOf(page.text) }, cookie: phone })).status).toBe(200);
    expect((await card(second)).status).toBe(401);
    expect((await hub.memberSessions.list(memberId)).map((s) => s.device)).toEqual(['Firefox, Android']);
    // Everywhere: this phone too.
    const third = `lk_member=${await hub.memberSessions.open(memberId, iphone, clock())}`;
    const all = await request('/m/sessions/end-all', { form: { csrf: csrfOf((await card(phone)).text) }, cookie: phone });
    expect(all.status).toBe(200);
    expect(all.cookie).toBe('lk_member=');
    expect((await card(phone)).status).toBe(401);
    expect((await card(third)).status).toBe(401);
    expect(await hub.memberSessions.list(memberId)).toEqual([]);
  });

  it('rotates the session at sign-in and refuses an erased member’s cookie', async () => {
    const phone = await joinOn(firefox, 102, '+48 600 222 333');
    const memberId = (await hub.store.searchMembers(1, '600222333'))[0]!.id;
    const rotated = await hub.memberSessions.open(memberId, firefox, clock(), phone.slice('lk_member='.length));
    expect((await card(phone)).status).toBe(401);
    expect((await card(`lk_member=${rotated}`)).status).toBe(200);

    const page = await request(`/owner/members/${memberId}`, { cookie: ownerCookie });
    const erased = await request(`/owner/members/${memberId}/erase`, { form: { confirm: 'ERASE', csrf: csrfOf(page.text) }, cookie: ownerCookie });
    expect(erased.status).toBe(303);
    expect((await card(`lk_member=${rotated}`)).status).toBe(401);
    expect(await hub.memberSessions.list(memberId)).toEqual([]);
  });

  it('converts a stateless cookie of before 0010 once, and not after "sign out everywhere"', async () => {
    const anna = new Phone();
    expect((await anna.join(`${hub.url}/C/${saleToken(till, 103, 18)}`, '+48 600 444 555', 'Anna')).status).toBe(303);
    const memberId = (await hub.store.searchMembers(1, '600444555'))[0]!.id;
    const key = (await hub.store.db.selectFrom('settings').select('value').where('key', '=', 'cookieSecret').executeTakeFirstOrThrow()).value;
    const legacy = `lk_member=${encodeURIComponent(`m1.${memberId}.${createHmac('sha256', key).update(`m1|${memberId}`).digest('hex')}`)}`;
    const first = await request('/m', { cookie: legacy });
    expect([first.status, first.location]).toEqual([303, '/m']);
    expect(first.cookie).toMatch(/^lk_member=s1\./);
    expect((await card(first.cookie!)).status).toBe(200);
    // The same stateless cookie again (a copy): cleared, no second session.
    const second = await request('/m', { cookie: legacy });
    expect([second.status, second.cookie]).toEqual([303, 'lk_member=']);
    await hub.memberSessions.endAll(memberId, clock());
    const forgedAgain = `lk_member=${encodeURIComponent(`${memberId}.${createHmac('sha256', key).update(memberId).digest('hex')}`)}`;
    expect((await request('/m', { cookie: forgedAgain })).cookie).toBe('lk_member=');
  });
});

describe('kiosk handshake nonce', () => {
  it('refuses a captured handshake replayed inside the time window', async () => {
    const captured = kioskAuth(till.secret, till.kioskId, clock().toISOString(), randomBytes(16));
    const open = (auth: object): Promise<{ socket: Socket; error?: string }> =>
      new Promise((resolve) => {
        const socket = connect(hub.url, { transports: ['websocket'], reconnection: false, auth });
        socket.once('connect', () => resolve({ socket }));
        socket.once('connect_error', (error) => resolve({ socket, error: error.message }));
      });
    const first = await open(captured);
    expect(first.error).toBeUndefined();
    first.socket.close();
    const replay = await open(captured);
    replay.socket.close();
    expect(replay.error).toBe('kiosk proof refused: this handshake was used before');
    // A fresh nonce from the same kiosk is welcome; a proof without a nonce (an old kiosk) is told to update.
    const fresh = await open(kioskAuth(till.secret, till.kioskId, clock().toISOString(), randomBytes(16)));
    fresh.socket.close();
    expect(fresh.error).toBeUndefined();
    const old = await open({ kioskId: till.kioskId, at: captured.at, proof: captured.proof });
    old.socket.close();
    expect(old.error).toMatch(/update the kiosk software/);
  });
});

describe('set-up link expiry', () => {
  it('refuses the link after 24 hours on the hub’s clock', async () => {
    const dir = tempDir('sec-accounts-expiry');
    let later = 0;
    const own = await testHub(dir.dir, { ownerToken: OWNER_TOKEN, now: () => new Date(base().getTime() + later) });
    try {
      const path = setupPath(own.setupLink!);
      later = 24 * 3_600_000 + 1_000;
      const res = await fetch(`${own.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=anna&password=a+long+enough+password',
      });
      expect(res.status).toBe(410);
      expect(await own.accounts.hasOwner()).toBe(false);
    } finally {
      await own.close();
      dir.remove();
    }
  });
});
