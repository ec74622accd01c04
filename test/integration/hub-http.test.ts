import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32nopad } from '@scure/base';
import { sql } from 'kysely';
import type { Hub } from '../../cloud/hub';
import { escapeHtml } from '../../cloud/pages';
import { MAX_FORM_BYTES, MAX_PROGRAM_BYTES } from '../../cloud/routes/app';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { INTL_LOCALE, LOCALES } from '../../core/i18n/locales';
import { claimUrl, createClaimToken } from '../../core/tokens';
import { pairKiosk } from '../../main/sync/pair';
import { Phone, pairedKiosk, saleToken, saleUrl, steadyDemoProgram, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let logLines: string[];
beforeEach(async () => {
  tmp = tempDir('hub-http');
  logLines = [];
  hub = await testHub(tmp.dir, { maxFailuresPerMinute: 8, log: (line) => logLines.push(line) });
  await steadyDemoProgram(hub);
});
afterEach(async () => {
  await hub.close();
  tmp.remove();
});

const counts = async () => {
  const c = await hub.store.counts();
  return { ledger: c.ledger, claims: c.claims, members: c.members };
};

describe('claim page refusals', () => {
  it('refuses forged, tampered, expired and other-shop tokens in the phone language and writes nothing', async () => {
    const creds = await pairedKiosk(hub);
    const token = saleToken(creds, 1, 18);
    const tampered = (() => {
      const b = base32nopad.decode(token);
      b[16] = 99;
      return base32nopad.encode(b);
    })();
    const forged = createClaimToken(
      { shopNo: 1, kioskNo: creds.kioskNo, saleNo: 2, points: 500, stamps: 0, expiresAt: new Date(Date.now() + 3600_000) },
      new Uint8Array(32),
    );
    const expired = saleToken(creds, 3, 18, new Date(Date.now() - 8 * 86_400_000));
    const otherShop = createClaimToken(
      { shopNo: 2, kioskNo: creds.kioskNo, saleNo: 4, points: 5, stamps: 0, expiresAt: new Date(Date.now() + 3600_000) },
      Uint8Array.from(creds.secret.match(/../g)!, (h) => parseInt(h, 16)),
    );
    const phone = new Phone('cs-CZ,cs;q=0.9,en;q=0.5');
    const cases: [string, number, string][] = [
      [tampered, 400, 'Tento QR kód je neplatný (byl změněn).'],
      [forged, 400, 'Tento QR kód je neplatný (byl změněn).'],
      [expired, 410, 'Platnost tohoto QR kódu vypršela.'],
      [otherShop, 400, 'Tento QR kód patří jinému obchodu.'],
      ['ABC', 400, 'Tento QR kód nelze přečíst.'],
    ];
    for (const [t, status, text] of cases) {
      const res = await phone.join(claimUrl(hub.url, t), '+420 601 123 456');
      expect(res.status, text).toBe(status);
      expect(res.text).toContain(text);
    }
    expect(await counts()).toEqual({ ledger: 0, claims: 0, members: 0 });
  });

  it("refuses a token a kiosk of another shop signed in this shop's name", async () => {
    const other = await hub.store.createShop('Other shop', 'p');
    const code = (await hub.store.createPairingCode(other.no, new Date())).code;
    const foreign = await pairKiosk(hub.url, code, 'Foreign till');
    expect(foreign.shopNo).toBe(other.no);
    const token = saleToken({ ...foreign, shopNo: 1 }, 1, 500);
    const res = await new Phone('en-GB').join(claimUrl(hub.url, token), 'x@example.com');
    expect(res.status).toBe(400);
    expect(res.text).toContain('from a kiosk this shop does not know');
    expect(await counts()).toMatchObject({ ledger: 0, claims: 0 });
  });

  it('puts a message next to a malformed phone or e-mail and a missing consent, and keeps what was typed', async () => {
    const creds = await pairedKiosk(hub);
    const url = saleUrl(hub, creds, 5);
    const phone = new Phone('en-GB');
    const bad = await phone.post(url, { mode: 'join', name: 'Tom', contact: '12ab', consent: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="contact-error"[^>]*>Enter a phone number/);
    expect(bad.text).toContain('value="Tom"');
    const noConsent = await phone.post(url, { mode: 'join', name: 'Tom', contact: 'tom@example', consent: '' });
    expect(noConsent.text).toContain('id="contact-error"');
    expect(noConsent.text).toMatch(/id="consent-error"[^>]*>Please tick the consent box/);
    const good = await phone.post(url, { mode: 'join', name: 'Tom', contact: 'tom@example.co.uk', consent: 'yes' });
    expect(good.status).toBe(303);
    // The claim (base points, the token's stamp on the coffee card); the new member's welcome bonus (demo
    // program: 50) waits for the code sent to the contact (test/security/hub-join.test.ts).
    expect(await counts()).toEqual({ ledger: 2, claims: 1, members: 1 });
  });

  it('refuses an oversized form and a malformed pairing request, and keeps serving', async () => {
    const creds = await pairedKiosk(hub);
    const big = await new Phone('en-GB').post(saleUrl(hub, creds, 20), { mode: 'join', name: 'x'.repeat(20_000), contact: 'a@b.cz', consent: 'yes' });
    expect(big.status).toBe(413);
    const pair = await fetch(`${hub.url}/v1/pair`, { method: 'POST', body: '{"code": 5' });
    expect(pair.status).toBe(400);
    expect(await pair.json()).toMatchObject({ error: expect.stringMatching(/JSON/) });
    const pair2 = await fetch(`${hub.url}/v1/pair`, { method: 'POST', body: JSON.stringify({ code: '!!', name: '' }) });
    expect(pair2.status).toBe(400);
    expect(await counts()).toEqual({ ledger: 0, claims: 0, members: 0 });
    expect((await fetch(`${hub.url}/v1/health`)).status).toBe(200);
  });

  it('slows down an address after repeated failed claims', async () => {
    const phone = new Phone('de-DE');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await phone.get(`${hub.url}/C/AAAAAAAA${'B'.repeat(i)}`)).status);
    expect(statuses.slice(0, 8).every((s) => s === 400)).toBe(true);
    const last = await phone.get(`${hub.url}/C/AAAA`);
    expect(last.status).toBe(429);
    expect(last.text).toContain('Zu viele Versuche');
  });

  it('remembers the phone with a signed HttpOnly cookie; a forged cookie is not a member', async () => {
    const creds = await pairedKiosk(hub);
    const phone = new Phone('sk-SK');
    const first = await phone.join(saleUrl(hub, creds, 10, 12), '+421 900 123 456', 'Zuzana');
    expect(first.status).toBe(303);
    expect(phone.cookie).toMatch(/^lk_member=/);
    const page = await phone.get(saleUrl(hub, creds, 11, 4));
    expect(page.text).toContain('Získať ako Zuzana');
    const card = await phone.get(`${hub.url}/m`);
    expect(card.text).toMatch(/id="balance">12</); // the welcome bonus waits for the code sent to her phone
    const stranger = new Phone('sk-SK');
    stranger.cookie = phone.cookie.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect((await stranger.get(`${hub.url}/m`)).status).toBe(401);
  });
});

/** The text of the message page (cloud/pages.ts messagePage), as escaped in its HTML. */
const pageMessage = (html: string): string | undefined => /id="message">([^<]*)</.exec(html)?.[1];

describe("error pages in the reader's language", () => {
  it('a body over the limit: a page or JSON in the language asked for, with the limit that applies, and nothing changed', async () => {
    const creds = await pairedKiosk(hub);
    for (const [i, locale] of LOCALES.entries()) {
      const language = `${INTL_LOCALE[locale]},${locale};q=0.9`;
      const formText = formatMessage(claimMessages, locale, 'tooLarge', { kilobytes: MAX_FORM_BYTES / 1024 });
      const big = await new Phone(language).post(saleUrl(hub, creds, 30 + i), { mode: 'join', name: 'x'.repeat(20_000), contact: 'a@b.cz', consent: 'yes' });
      expect([big.status, pageMessage(big.text)], locale).toEqual([413, escapeHtml(formText)]);
      const pair = await fetch(`${hub.url}/v1/pair`, {
        method: 'POST',
        headers: { 'accept-language': language },
        body: JSON.stringify({ code: 'x'.repeat(20_000) }),
      });
      expect([pair.status, await pair.json()], locale).toEqual([413, { error: formText, code: 'too-large' }]);
      // The program routes allow more, and say so.
      const program = await fetch(`${hub.url}/owner/program`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': language, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(MAX_PROGRAM_BYTES) }),
      });
      expect([program.status, await program.json()], locale).toEqual([
        413,
        { error: formatMessage(claimMessages, locale, 'tooLarge', { kilobytes: MAX_PROGRAM_BYTES / 1024 }), code: 'too-large' },
      ]);
    }
    // Each language says it its own way (no English left in a translation).
    expect(new Set(LOCALES.map((locale) => claimMessages[locale].tooLarge)).size).toBe(LOCALES.length);
    expect(await counts()).toEqual({ ledger: 0, claims: 0, members: 0 });
  });

  it("a link the router cannot read (a cut-off %-escape, a part over the length limit): a page in the reader's language, JSON for JSON clients, nothing changed", async () => {
    const creds = await pairedKiosk(hub);
    // A claim QR's link with a %-escape cut off on its way to the phone, and one whose token grew past the router's limit.
    const broken = `${saleUrl(hub, creds, 40)}%E0%A4%A`;
    const overlong = `${hub.url}/C/${'A'.repeat(300)}`;
    const before = await counts();
    for (const locale of LOCALES) {
      const headers = { 'accept-language': `${INTL_LOCALE[locale]},${locale};q=0.9` };
      const text = escapeHtml(formatMessage(claimMessages, locale, 'badAddress'));
      for (const [url, status] of [
        [broken, 400],
        [overlong, 414],
      ] as const) {
        const res = await fetch(url, { headers });
        const html = await res.text();
        expect([res.status, res.headers.get('content-type'), pageMessage(html)], `${locale} ${status}`).toEqual([status, 'text/html; charset=utf-8', text]);
        expect(html).toContain(`<html lang="${locale}"`);
        expect(html).not.toMatch(/bad request|FST_ERR/i);
        // The headers every answer carries (the onSend hook): no sniffing, no Referer, the pages' CSP.
        expect([res.headers.get('x-content-type-options'), res.headers.get('referrer-policy')]).toEqual(['nosniff', 'no-referrer']);
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
      const json = await fetch(broken, { headers: { ...headers, accept: 'application/json' } });
      expect([json.status, await json.json()], locale).toEqual([400, { error: 'bad request: the URL has a malformed %-encoding', code: 'bad-address' }]);
    }
    // The kiosks' and scripts' routes answer JSON without asking.
    const api = await fetch(`${hub.url}/v1/sales/%E0%A4%A`);
    expect([api.status, api.headers.get('content-type'), await api.json()]).toEqual([
      400,
      'application/json; charset=utf-8',
      { error: 'bad request: the URL has a malformed %-encoding', code: 'bad-address' },
    ]);
    const longApi = await fetch(`${hub.url}/owner/kiosks/${'k'.repeat(300)}/refusals`, { headers: { accept: 'application/json' } });
    expect([longApi.status, await longApi.json()]).toEqual([414, { error: 'bad request: a part of the URL is too long', code: 'bad-address' }]);
    // Each language says it its own way, and none is the form's "something was missing".
    expect(new Set(LOCALES.map((locale) => claimMessages[locale].badAddress)).size).toBe(LOCALES.length);
    for (const locale of LOCALES) expect(claimMessages[locale].badAddress).not.toBe(claimMessages[locale]['refusal.invalid-request']);
    // The same link, whole, still opens its claim page: the hub kept serving and nothing was written.
    expect((await new Phone().get(saleUrl(hub, creds, 40))).status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  it("a failure inside the hub: 500 in the reader's language, the error itself only in the log", async () => {
    // A real store failure: the table the voucher-conflicts route reads is renamed away under the running hub.
    await sql`ALTER TABLE voucher_conflicts RENAME TO voucher_conflicts_away`.execute(hub.store.db);
    try {
      for (const locale of LOCALES) {
        const headers = { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': `${INTL_LOCALE[locale]},${locale};q=0.9` };
        const text = formatMessage(claimMessages, locale, 'serverError');
        const page = await fetch(`${hub.url}/owner/voucher-conflicts`, { headers });
        const html = await page.text();
        expect([page.status, page.headers.get('content-type'), pageMessage(html)], locale).toEqual([500, 'text/html; charset=utf-8', escapeHtml(text)]);
        expect(html).not.toMatch(/voucher_conflicts|no such table|does not exist/);
        const api = await fetch(`${hub.url}/owner/voucher-conflicts`, { headers: { ...headers, accept: 'application/json' } });
        expect([api.status, await api.json()], locale).toEqual([500, { error: text, code: 'server-error' }]);
      }
      expect(new Set(LOCALES.map((locale) => claimMessages[locale].serverError)).size).toBe(LOCALES.length);
      const logged = logLines.filter((line) => line.startsWith('http error on GET /owner/voucher-conflicts'));
      expect(logged).toHaveLength(2 * LOCALES.length);
      expect(logged[0]).toMatch(/voucher_conflicts/);
    } finally {
      await sql`ALTER TABLE voucher_conflicts_away RENAME TO voucher_conflicts`.execute(hub.store.db);
    }
    // The same route answers again once the table is back.
    const again = await fetch(`${hub.url}/owner/voucher-conflicts`, { headers: { authorization: `Bearer ${hub.ownerToken}` } });
    expect([again.status, await again.json()]).toEqual([200, { conflicts: [] }]);
  });
});
