// A new contact proven before the welcome bonus, against a real hub on loopback with a real SMTP
// server: joining credits the sale and holds the bonus until the code sent to the contact is typed on
// the card (or opens the card on another phone); new cards are limited per claim QR, per device
// cookie and per address. Each refusal leaves members, ledger and sessions as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOINS_PER_ADDRESS_PER_HOUR, JOINS_PER_DEVICE_PER_DAY } from '../../cloud/join-verification';
import { saleToken, startMailHub, type Browser, type MailHub } from '../support/hub-harness';
import { until } from '../support/until';

let shop: MailHub;
let saleNo = 0;
beforeAll(async () => {
  // Loopback proxies are trusted, so X-Real-IP stands for the phone's network in each test.
  shop = await startMailHub('sec-join', { hub: { trustProxy: true } });
}, 60_000);
afterAll(() => shop?.close());

/** Scans a new sale's QR (the page sets the device id) and joins with a contact. */
async function join(phone: Browser, contact: string): Promise<{ status: number; location: string | null; token: string }> {
  const token = saleToken(shop.till, ++saleNo, 18);
  expect((await phone.get(`/C/${token}`)).status).toBe(200);
  return { ...(await phone.post(`/C/${token}`, { mode: 'join', name: 'Ewa', contact, consent: 'yes' })), token };
}

const memberOf = async (contact: string) => (await shop.hub.store.searchMembers(1, contact))[0]!;
const welcomes = async (memberId: string) => (await shop.hub.store.entries(memberId)).filter((e) => e.reason.code === 'welcome');
const codeIn = (address: string, index: number): string => /^(\d{6}) is your code/.exec(shop.sink.to(address)[index]!.subject ?? '')![1]!;
/** What a refusal must leave as it was. */
async function snapshot() {
  const db = shop.hub.store.db;
  return {
    members: (await shop.hub.store.counts()).members,
    ledger: (await db.selectFrom('ledger').select(['id', 'points']).orderBy('id').execute()).length,
    sessions: (await db.selectFrom('member_sessions').select('id_hash').execute()).length,
  };
}

describe('a new contact is proven before the welcome bonus', () => {
  it('credits the sale at once, holds the welcome bonus until the code sent to the e-mail is typed on the card, and pays it once', async () => {
    const phone = shop.browser('10.1.0.1');
    const joined = await join(phone, 'ewa@example.com');
    expect([joined.status, joined.location]).toEqual([303, expect.stringMatching(/^\/m\?claimed=K1-S\d+$/)]);
    expect(phone.cookies.get('lk_device')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(phone.cookies.get('lk_member')).toMatch(/^s1\./);
    const ewa = await memberOf('ewa@example.com');
    // The sale's 18 points now; the 50-point welcome held.
    expect(await shop.hub.store.balance(ewa.id)).toMatchObject({ points: 18 });
    expect(await welcomes(ewa.id)).toEqual([]);
    // Only the code goes to a contact nobody has proven yet: no welcome e-mail before it.
    await until(() => shop.sink.to('ewa@example.com').length === 1, 'the code e-mail');
    const code = codeIn('ewa@example.com', 0);
    const card = await phone.get('/m');
    expect(card.text).toContain('id="verify"');
    expect(card.text).toContain('We sent a code to ewa@example.com');
    expect(card.text).toContain('welcome bonus of 50 points');

    // A wrong code: a note, nothing paid.
    const wrong = await phone.post('/m/verify', { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.location).toBe('/m?verify=wrong#verify');
    expect((await phone.get('/m?verify=wrong')).text).toContain('id="verify-note"');
    expect(await welcomes(ewa.id)).toEqual([]);
    // A page of another site cannot post a code for her.
    const forged = await fetch(`${shop.hub.url}/m/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', cookie: `lk_member=${phone.cookies.get('lk_member')}` },
      body: `code=${code}`,
    });
    expect(forged.status).toBe(403);
    expect(await welcomes(ewa.id)).toEqual([]);

    const right = await phone.post('/m/verify', { code });
    expect(right.location).toBe('/m?verify=done#verify');
    expect((await welcomes(ewa.id)).map((e) => [e.id, e.points, e.saleId])).toEqual([[`welcome:${ewa.id}`, 50, null]]);
    expect(await shop.hub.store.balance(ewa.id)).toMatchObject({ points: 68 });
    const done = await phone.get('/m?verify=done');
    expect(done.text).toContain('id="verified"');
    expect(done.text).not.toContain('id="verify-sent"');
    // Then the welcome e-mail, to the proven address.
    await until(() => shop.sink.to('ewa@example.com').length === 2, 'the welcome e-mail');
    // The code again, or a new one: nothing more is paid.
    expect((await phone.post('/m/verify', { code })).location).toBe('/m');
    expect((await phone.post('/m/verify/resend', {})).location).toBe('/m');
    expect(await welcomes(ewa.id)).toHaveLength(1);
    expect(await shop.hub.store.balance(ewa.id)).toMatchObject({ points: 68 });
  });

  it('pays a held welcome when the code opens the card on another phone (it proves the same contact)', async () => {
    const first = shop.browser('10.1.1.1');
    expect((await join(first, 'olek@example.com')).status).toBe(303);
    await until(() => shop.sink.to('olek@example.com').length === 1, 'the join code');
    const olek = await memberOf('olek@example.com');
    expect(await welcomes(olek.id)).toEqual([]);
    const second = shop.browser('10.1.1.2');
    expect((await second.post('/m/open', { contact: 'olek@example.com' })).status).toBe(200);
    await until(() => shop.sink.to('olek@example.com').length === 2, 'the open code');
    expect((await second.post('/m/open/code', { contact: 'olek@example.com', code: codeIn('olek@example.com', 1) })).location).toBe('/m');
    expect((await welcomes(olek.id)).map((e) => e.points)).toEqual([50]);
    // The first phone's box is gone: nothing is held any more.
    expect((await first.get('/m')).text).not.toContain('id="verify-sent"');
  });

  it('resends a code at most as often as the contact’s limit allows', async () => {
    const phone = shop.browser('10.1.2.1');
    expect((await join(phone, 'kasia@example.com')).status).toBe(303);
    // Three codes an hour per contact: the join's and two more.
    expect((await phone.post('/m/verify/resend', {})).location).toBe('/m?verify=resent#verify');
    expect((await phone.post('/m/verify/resend', {})).location).toBe('/m?verify=resent#verify');
    expect((await phone.post('/m/verify/resend', {})).location).toBe('/m?verify=tooMany#verify');
    await until(() => shop.sink.to('kasia@example.com').length === 3, 'three codes');
    // The newest code works.
    expect((await phone.post('/m/verify', { code: codeIn('kasia@example.com', 2) })).location).toBe('/m?verify=done#verify');
    expect((await welcomes((await memberOf('kasia@example.com')).id)).map((e) => e.points)).toEqual([50]);
  });
});

describe('limits on new cards', () => {
  it('makes one card per claim QR: a QR whose sale is claimed makes no second card', async () => {
    const phone = shop.browser('10.2.0.1');
    const first = await join(phone, 'qr-one@example.com');
    expect(first.status).toBe(303);
    const before = await snapshot();
    const other = shop.browser('10.2.0.2');
    const again = await other.post(`/C/${first.token}`, { mode: 'join', name: 'Mallory', contact: 'qr-two@example.com', consent: 'yes' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already been collected');
    expect(await shop.hub.store.searchMembers(1, 'qr-two@example.com')).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(other.cookies.has('lk_member')).toBe(false);
  });

  it(`lets one phone make ${JOINS_PER_DEVICE_PER_DAY} cards a day, whatever address it comes from`, async () => {
    const phone = shop.browser('10.3.0.1');
    for (let i = 0; i < JOINS_PER_DEVICE_PER_DAY; i++) {
      expect((await join(phone, `farm${i}@example.com`)).status).toBe(303);
      phone.cookies.delete('lk_member'); // a farmer signs out between cards; the device id stays
    }
    const before = await snapshot();
    // Another network, the same phone: still refused.
    const moved = Object.assign(shop.browser('10.3.0.2'), { cookies: phone.cookies });
    const refused = await join(moved, 'farm-next@example.com');
    expect(refused.status).toBe(429);
    expect(await shop.hub.store.searchMembers(1, 'farm-next@example.com')).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it(`lets one address make ${JOINS_PER_ADDRESS_PER_HOUR} cards an hour from phones that drop their cookies`, async () => {
    for (let i = 0; i < JOINS_PER_ADDRESS_PER_HOUR; i++) {
      // A fresh "phone" each time: no device id, no session.
      const token = saleToken(shop.till, ++saleNo, 18);
      const res = await shop.browser('10.4.0.1').post(`/C/${token}`, { mode: 'join', name: 'Bot', contact: `bot${i}@example.com`, consent: 'yes' });
      expect(res.status).toBe(303);
    }
    const before = await snapshot();
    const token = saleToken(shop.till, ++saleNo, 18);
    const refused = await shop.browser('10.4.0.1').post(`/C/${token}`, { mode: 'join', name: 'Bot', contact: 'bot-last@example.com', consent: 'yes' });
    expect(refused.status).toBe(429);
    expect(await snapshot()).toEqual(before);
    // Another address is not held up by it.
    expect((await join(shop.browser('10.4.0.2'), 'someone@example.com')).status).toBe(303);
  });
});
