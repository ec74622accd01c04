// Referral for real, against a real hub on loopback with a real SMTP server and phones as HTTP
// clients with cookie jars: member A's card shows her referral link and its QR (decoded with jsqr);
// friend B opens it, joins, proves the e-mail with the code sent to it, and her first purchase pays
// both sides once; a second purchase pays no more. Self-referral and a contact that has a card or
// was referred before are refused and change nothing.
import jsQR from 'jsqr';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralContactKey } from '../../cloud/referrals';
import { memberCodeFor } from '../../core/codes';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { LedgerEntry } from '../../core/ledger/entry';
import type { OutboxMessage } from '../../core/sync-protocol';
import { memberChangesSince } from '../../cloud/member-changes';
import { ownerSessionCookie, saleToken, startMailHub, type Browser, type MailHub } from '../support/hub-harness';
import { until } from '../support/until';

// The demo program (welcome 50) with a referral rule, and without its Tuesday campaign (the hub's clock is the system's).
const program = {
  ...structuredClone(DEMO_PROGRAM_DOCUMENT),
  rules: [
    ...DEMO_PROGRAM_DOCUMENT.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'referral', id: 'referral', referrerPoints: 40, referredPoints: 20 },
  ],
};

let shop: MailHub;
let saleNo = 0;
beforeAll(async () => {
  shop = await startMailHub('referral', { program, hub: { trustProxy: true } });
}, 60_000);
afterAll(() => shop?.close());

/** Scans a new sale's QR (18 points) and claims it with the phone's member session. */
async function buy(phone: Browser): Promise<string | null> {
  const token = saleToken(shop.till, ++saleNo, 18);
  expect((await phone.get(`/C/${token}`)).text).toContain('id="one-tap"');
  return (await phone.post(`/C/${token}`, { mode: 'member' })).location;
}

const codeIn = (address: string, index: number): string => /^(\d{6}) is your code/.exec(shop.sink.to(address)[index]!.subject ?? '')![1]!;
const memberOf = async (contact: string) => (await shop.hub.store.searchMembers(1, contact))[0];
const bonuses = async (memberId: string, code: string) => (await shop.hub.store.entries(memberId)).filter((e) => e.kind === 'bonus' && e.reason.code === code);

/** What a refusal must leave as it was. */
async function snapshot() {
  const db = shop.hub.store.db;
  return {
    members: (await shop.hub.store.counts()).members,
    ledger: (await db.selectFrom('ledger').select(['id', 'points']).orderBy('id').execute()).map((r) => `${r.id}:${r.points}`),
    referrals: await db.selectFrom('referrals').selectAll().orderBy('contact_key').execute(),
    referredBy: await db.selectFrom('members').select(['id', 'referred_by']).orderBy('id').execute(),
    joins: (await db.selectFrom('join_verifications').select('member_id').execute()).length,
  };
}

/**
 * The dark modules of a QR the card drew as SVG (qrcode's path of runs: `M x y`, `m dx dy`, `h n`),
 * painted 4 pixels a module on white, decoded with jsqr as a phone camera would read it.
 */
function decodeSvgQr(svg: string): string | undefined {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)![1]!;
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, args] of path.matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const n = args!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (op === 'M') [x, y] = [n[0]!, n[1]!];
    else if (op === 'm') [x, y] = [x + n[0]!, y + n[1]!];
    else if (op === 'h') {
      for (let i = 0; i < n[0]!; i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += n[0]!;
    } else throw new Error(`unexpected path command ${op}`);
  }
  const scale = 4;
  const width = size * scale;
  const rgba = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      if (!dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`)) continue;
      const at = (py * width + px) * 4;
      rgba[at] = rgba[at + 1] = rgba[at + 2] = 0;
    }
  }
  return jsQR(rgba, width, width)?.data;
}

/** Joins on a claim page with an e-mail and types the code sent to it: a proven member with a session. */
async function provenMember(phone: Browser, email: string): Promise<string> {
  const token = saleToken(shop.till, ++saleNo, 18);
  await phone.get(`/C/${token}`);
  expect((await phone.post(`/C/${token}`, { mode: 'join', name: 'Anna', contact: email, consent: 'yes' })).status).toBe(303);
  await until(() => shop.sink.to(email).length >= 1, 'the code e-mail');
  expect((await phone.post('/m/verify', { code: codeIn(email, 0) })).location).toBe('/m?verify=done#verify');
  return (await memberOf(email))!.id;
}

/** The referral link and the QR the card shows. */
async function cardReferral(phone: Browser): Promise<{ link: string; qr: string | undefined }> {
  const card = await phone.get('/m');
  expect(card.status).toBe(200);
  const link = /id="referral-link" readonly value="([^"]+)"/.exec(card.text)?.[1];
  const svg = /<div class="qr" id="referral-qr">([\s\S]*?<\/svg>)/.exec(card.text)?.[1];
  expect(link, 'the card shows a referral link').toBeDefined();
  expect(svg, 'the card shows the link as a QR').toBeDefined();
  return { link: link!, qr: decodeSvgQr(svg!) };
}

describe('referral', () => {
  let anna: Browser;
  let annaId: string;
  let link: string;

  it("shows the member's stable, opaque referral link and its QR on her card", async () => {
    anna = shop.browser('10.7.0.1');
    annaId = await provenMember(anna, 'anna@example.com');
    const shown = await cardReferral(anna);
    link = shown.link;
    expect(link).toMatch(new RegExp(`^${shop.hub.url}/r/[a-z2-7]{16}$`));
    expect(shown.qr).toBe(link);
    // Nothing of hers in it: not her id, number or contact.
    const code = link.slice(link.lastIndexOf('/') + 1);
    for (const part of [annaId, memberCodeFor((await memberOf('anna@example.com'))!.no), 'anna', 'example']) expect(code).not.toContain(part.toLowerCase());
    // The same link every time.
    expect((await cardReferral(anna)).link).toBe(link);
  });

  it('pays both sides once: a friend joins through the link, proves her e-mail, and makes her first purchase', async () => {
    const bea = shop.browser('10.7.0.2');
    const page = await bea.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('A friend invites you to Kawiarnia Anna');
    expect(page.text).toContain('+20 points');
    const joined = await bea.post(link, { name: 'Bea', contact: 'bea@example.com', consent: 'yes' });
    expect([joined.status, joined.location]).toEqual([303, '/m#verify']);
    const beaId = (await memberOf('bea@example.com'))!.id;
    // Joined, but nothing is referred before the code: no referrer recorded, nothing paid.
    expect((await snapshot()).referredBy.find((m) => m.id === beaId)?.referred_by).toBeNull();
    expect(await shop.hub.store.balance(beaId)).toMatchObject({ points: 0 });
    const card = await bea.get('/m');
    expect(card.text).toContain('id="verify"');
    // The box asks for the code and promises what the first purchase brings (the 50 welcome and the 20 referral),
    // not a welcome "added" on confirming: she has bought nothing yet.
    const box = /<p id="verify-sent">([^<]*)<\/p>/.exec(card.text)?.[1] ?? '';
    expect(box).toContain('We sent a code to bea@example.com. Enter it here');
    expect(box).toContain('your first purchase earns you +70 points, and the friend who invited you gets a bonus too');
    expect(box).not.toContain('welcome bonus');

    await until(() => shop.sink.to('bea@example.com').length === 1, 'the code e-mail');
    expect((await bea.post('/m/verify', { code: codeIn('bea@example.com', 0) })).location).toBe('/m?verify=done#verify');
    expect((await snapshot()).referredBy.find((m) => m.id === beaId)?.referred_by).toBe(annaId);
    // Proven, still no purchase: nothing paid yet.
    expect(await bonuses(annaId, 'referrer')).toEqual([]);
    const annaBefore = (await shop.hub.store.balance(annaId)).points;

    // Her first purchase: 18 points, the 50 welcome, the 20 referral; 40 to Anna.
    expect(await buy(bea)).toMatch(/^\/m\?claimed=K1-S\d+$/);
    expect((await bonuses(beaId, 'referred')).map((e) => e.points)).toEqual([20]);
    expect((await bonuses(annaId, 'referrer')).map((e) => e.points)).toEqual([40]);
    expect(await shop.hub.store.balance(beaId)).toMatchObject({ points: 18 + 50 + 20 });
    expect((await shop.hub.store.balance(annaId)).points).toBe(annaBefore + 40);
    // Anna's card shows it.
    expect((await anna.get('/m')).text).toContain(`id="balance">${annaBefore + 40}<`);

    // A second purchase pays the referral no more.
    expect(await buy(bea)).toMatch(/^\/m\?claimed=K1-S\d+$/);
    expect(await bonuses(beaId, 'referred')).toHaveLength(1);
    expect(await bonuses(annaId, 'referrer')).toHaveLength(1);
    expect(await shop.hub.store.balance(beaId)).toMatchObject({ points: 18 + 50 + 20 + 18 });
    expect((await shop.hub.store.balance(annaId)).points).toBe(annaBefore + 40);
  });

  it('refuses self-referral and a contact that has a card, changing nothing', async () => {
    const cyd = shop.browser('10.7.0.5');
    await provenMember(cyd, 'cyd@example.com');
    expect((await cardReferral(cyd)).link).not.toBe(link);
    const before = await snapshot();

    // Anna on her own link, signed in: the page and its form.
    const own = await anna.get(link);
    expect(own.status).toBe(409);
    expect(own.text).toContain('This is your own invitation link');
    expect((await anna.post(link, { name: 'Anna', contact: 'anna2@example.com', consent: 'yes' })).status).toBe(409);
    // Anna's own contact typed on another phone.
    const other = shop.browser('10.7.0.3');
    expect((await other.get(link)).status).toBe(200);
    const self = await other.post(link, { name: 'Anna', contact: 'anna@example.com', consent: 'yes' });
    expect(self.status).toBe(409);
    expect(self.text).toContain('This is your own invitation link');
    // Bea's contact (a member, referred once already), written another way.
    const again = await other.post(link, { name: 'Bea', contact: ' BEA@example.com ', consent: 'yes' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already has a card at Kawiarnia Anna');
    // Cyd, a member, signed in on her phone, opening Anna's link.
    const signedIn = await cyd.get(link);
    expect(signedIn.status).toBe(409);
    expect(signedIn.text).toContain('You already have a card at Kawiarnia Anna');
    // A made-up link.
    expect((await other.get(`/r/${'a'.repeat(16)}`)).status).toBe(404);
    // No session was opened on the phone that typed someone's contact.
    expect(other.cookies.get('lk_member')).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a contact referred before, also once that member was erased', async () => {
    const beaId = (await memberOf('bea@example.com'))!.id;
    expect(await shop.hub.owner.eraseMember(1, beaId, 'owner', new Date())).toBe(true);
    const before = await snapshot();
    const phone = shop.browser('10.7.0.6');
    expect((await phone.get(link)).status).toBe(200);
    const answer = await phone.post(link, { name: 'Bea', contact: 'bea@example.com', consent: 'yes' });
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('was invited before');
    expect(phone.cookies.get('lk_member')).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });
});

describe('referral proven after a purchase', () => {
  it('pays on the first purchase once the contact is proven, not before', async () => {
    const anna = shop.browser('10.8.0.1');
    const annaId = await provenMember(anna, 'anna.b@example.com');
    const { link } = await cardReferral(anna);
    const dan = shop.browser('10.8.0.2');
    await dan.get(link);
    expect((await dan.post(link, { name: 'Dan', contact: 'dan@example.com', consent: 'yes' })).location).toBe('/m#verify');
    const danId = (await memberOf('dan@example.com'))!.id;
    // A purchase before the code: its points, but neither the welcome nor the referral.
    await buy(dan);
    expect(await shop.hub.store.balance(danId)).toMatchObject({ points: 18 });
    expect(await bonuses(annaId, 'referrer')).toEqual([]);
    // The code: the held welcome is paid (she has a purchase), the referral is recorded.
    await until(() => shop.sink.to('dan@example.com').length >= 1, 'the code e-mail');
    expect((await dan.post('/m/verify', { code: codeIn('dan@example.com', 0) })).location).toBe('/m?verify=done#verify');
    expect(await shop.hub.store.balance(danId)).toMatchObject({ points: 18 + 50 });
    expect(await bonuses(danId, 'referred')).toEqual([]);
    // Her next purchase pays both sides, once.
    await buy(dan);
    await buy(dan);
    expect((await bonuses(danId, 'referred')).map((e) => e.points)).toEqual([20]);
    expect((await bonuses(annaId, 'referrer')).map((e) => e.points)).toEqual([40]);
    expect(await shop.hub.store.balance(danId)).toMatchObject({ points: 18 + 50 + 18 + 20 + 18 });
  });
});

describe('referral paid by a till sale at a kiosk', () => {
  let annaId: string;
  let eveId: string;
  let annaLink: string;
  /** A kiosk's report of a sale rung with a member's card, with the entries its earn gave (18 points; a welcome when `welcome`). */
  const tillSale = (kioskNo: number, memberId: string, options: { welcome?: boolean } = {}): Extract<OutboxMessage, { type: 'saleCreated' }> => {
    const no = ++saleNo;
    const saleId = `K${kioskNo}-S${no}`;
    const at = new Date().toISOString();
    const entry = (id: string, kind: 'earn' | 'bonus', points: number, code: string): LedgerEntry => ({
      id: `${saleId}-${id}`,
      memberId,
      kind,
      points,
      stamps: 0,
      saleId,
      reverses: null,
      reason: { code },
      at,
      ...(code === 'base' ? { spend: 1840 } : {}),
    });
    const entries = [entry('base', 'earn', 18, 'base'), ...(options.welcome ? [entry('welcome', 'bonus', 50, 'welcome')] : [])];
    const points = entries.filter((e) => e.memberId === memberId).reduce((sum, e) => sum + e.points, 0);
    return {
      id: `msg-${saleId}`,
      at,
      type: 'saleCreated',
      payload: { saleId, saleNo: no, total: { amount: 1840, currency: 'PLN' }, points, stamps: 0, memberId, entries },
    };
  };

  it("pays both sides once when the friend's first purchase is a till sale carrying her card", async () => {
    const anna = shop.browser('10.9.0.1');
    annaId = await provenMember(anna, 'anna.c@example.com');
    const { link } = await cardReferral(anna);
    annaLink = link;
    const eve = shop.browser('10.9.0.2');
    await eve.get(link);
    expect((await eve.post(link, { name: 'Eve', contact: 'eve@example.com', consent: 'yes' })).location).toBe('/m#verify');
    await until(() => shop.sink.to('eve@example.com').length >= 1, 'the code e-mail');
    expect((await eve.post('/m/verify', { code: codeIn('eve@example.com', 0) })).location).toBe('/m?verify=done#verify');
    eveId = (await memberOf('eve@example.com'))!.id;
    const annaBefore = (await shop.hub.store.balance(annaId)).points;
    const kiosk = (await shop.hub.store.kiosk(shop.till.kioskId))!;

    // The kiosk knows nothing of the referral: its earn pays her 18 points and the welcome.
    const first = tillSale(kiosk.no, eveId, { welcome: true });
    expect((await shop.hub.store.applyOutbox(kiosk, [first], new Date())).refused).toEqual([]);
    const referred = await bonuses(eveId, 'referred');
    expect(referred.map((e) => [e.id, e.points, e.saleId])).toEqual([[`referral:${first.payload.saleId}:0`, 20, first.payload.saleId]]);
    expect((await bonuses(annaId, 'referrer')).map((e) => [e.id, e.points])).toEqual([[`referral:${first.payload.saleId}:1`, 40]]);
    expect(await shop.hub.store.balance(eveId)).toMatchObject({ points: 18 + 50 + 20 });
    expect((await shop.hub.store.balance(annaId)).points).toBe(annaBefore + 40);

    // The same report again (a lost ack), a second till sale and a phone claim: nothing more.
    await shop.hub.store.applyOutbox(kiosk, [first, tillSale(kiosk.no, eveId)], new Date());
    expect(await buy(eve)).toMatch(/^\/m\?claimed=K1-S\d+$/);
    expect(await bonuses(eveId, 'referred')).toHaveLength(1);
    expect(await bonuses(annaId, 'referrer')).toHaveLength(1);
    expect(await shop.hub.store.balance(eveId)).toMatchObject({ points: 18 + 50 + 20 + 18 + 18 });
    expect((await shop.hub.store.balance(annaId)).points).toBe(annaBefore + 40);
    // The change reaches the kiosks' replicas: both members are in the directory's changes after the sale.
    const changed = await memberChangesSince(shop.hub.store.db, 1, 0, 10_000);
    expect(changed.changes.filter((c) => c.id === annaId || c.id === eveId).map((c) => c.points)).toEqual(
      expect.arrayContaining([annaBefore + 40, 18 + 50 + 20 + 18 + 18]),
    );
  });

  it("refuses a kiosk's entry in the hub's referral namespace, and pays a friend whose card was never referred nothing", async () => {
    const kiosk = (await shop.hub.store.kiosk(shop.till.kioskId))!;
    const gus = shop.browser('10.9.0.3');
    const gusId = await provenMember(gus, 'gus@example.com');
    const forged = tillSale(kiosk.no, gusId);
    forged.payload.entries[0]!.id = `referral:${forged.payload.saleId}:0`;
    const applied = await shop.hub.store.applyOutbox(kiosk, [forged, tillSale(kiosk.no, gusId)], new Date());
    expect(applied.refused.map((r) => r.id)).toEqual([forged.id]);
    expect(await bonuses(gusId, 'referred')).toEqual([]);
    expect((await shop.hub.store.entries(gusId)).filter((e) => e.id.startsWith('referral:'))).toEqual([]);
  });

  /** A friend who joins through Anna's link and proves her e-mail: her member id. */
  async function referredFriend(ip: string, email: string, name: string): Promise<string> {
    const phone = shop.browser(ip);
    await phone.get(annaLink);
    expect((await phone.post(annaLink, { name, contact: email, consent: 'yes' })).location).toBe('/m#verify');
    await until(() => shop.sink.to(email).length >= 1, 'the code e-mail');
    expect((await phone.post('/m/verify', { code: codeIn(email, 0) })).location).toBe('/m?verify=done#verify');
    return (await memberOf(email))!.id;
  }

  it('pays it for a staff scan of her card the kiosk claimed while the hub was down, and not for a till sale refunded in full before it synced', async () => {
    const kiosk = (await shop.hub.store.kiosk(shop.till.kioskId))!;
    const referrerBefore = (await bonuses(annaId, 'referrer')).length;

    // Fay: a sale rung with no member, then her card scanned while the hub was down (the kiosk's own claim).
    const fayId = await referredFriend('10.9.0.4', 'fay@example.com', 'Fay');
    const rung = tillSale(kiosk.no, fayId);
    const unclaimed: OutboxMessage = { ...rung, payload: { ...rung.payload, memberId: null, entries: [] } };
    const saleKey = rung.payload.saleId;
    const at = new Date().toISOString();
    const claimed: OutboxMessage = {
      id: `claim-${saleKey}`,
      at,
      type: 'saleClaimed',
      payload: {
        saleId: saleKey,
        saleNo: rung.payload.saleNo,
        memberId: fayId,
        entries: [
          {
            id: `claim:${saleKey}:offline`,
            memberId: fayId,
            kind: 'earn',
            points: 18,
            stamps: 0,
            saleId: saleKey,
            reverses: null,
            reason: { code: 'base' },
            at,
            spend: 1840,
          },
        ],
      },
    };
    expect((await shop.hub.store.applyOutbox(kiosk, [unclaimed, claimed], new Date())).refused).toEqual([]);
    expect((await bonuses(fayId, 'referred')).map((e) => [e.id, e.points])).toEqual([[`referral:${saleKey}:0`, 20]]);
    expect(await bonuses(annaId, 'referrer')).toHaveLength(referrerBefore + 1);

    // Gil: her first till sale voided at the kiosk before it synced (its base entry reversed in full, same batch): no referral.
    const gilId = await referredFriend('10.9.0.5', 'gil@example.com', 'Gil');
    const voided = tillSale(kiosk.no, gilId);
    const base = voided.payload.entries[0]!;
    const reversal: OutboxMessage = {
      id: `void-${voided.payload.saleId}`,
      at: new Date().toISOString(),
      type: 'ledgerAppended',
      payload: { entries: [{ ...base, id: `${base.id}-void`, kind: 'reversal', points: -18, reverses: base.id, reason: { code: 'reversal' }, spend: -1840 }] },
    };
    expect((await shop.hub.store.applyOutbox(kiosk, [voided, reversal], new Date())).refused).toEqual([]);
    expect(await bonuses(gilId, 'referred')).toEqual([]);
    expect(await bonuses(annaId, 'referrer')).toHaveLength(referrerBefore + 1);
  });

  it('shows the owner who referred whom, by name and date, never by internal id', async () => {
    const cookie = await ownerSessionCookie(shop.hub);
    const page = async (id: string): Promise<string> => {
      const res = await fetch(`${shop.hub.url}/owner/members/${id}`, { headers: { cookie, 'accept-language': 'en-GB' } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const today = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: DEMO_PROGRAM_DOCUMENT.timeZone }).format(new Date());
    const text = (html: string, id: string): string =>
      new RegExp(`<[a-z0-9]+ id="${id}"[^>]*>([\\s\\S]*?)</(p|table)>`)
        .exec(html)![1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();

    // Eve's page: referred by Anna (her name; she gave one when she joined), on the day her code proved her e-mail.
    const eve = await page(eveId);
    expect(text(eve, 'referred-by')).toBe(`Referred by Anna on ${today}`);
    expect(eve).toContain(`<a href="/owner/members/${annaId}">Anna</a>`);
    expect(text(eve, 'referred-none')).toBe('Has not referred anyone yet.');
    // Anna's page: not referred herself; Eve in her list with the date.
    const anna = await page(annaId);
    expect(text(anna, 'referred-by')).toBe('Not referred by another member.');
    expect(text(anna, 'referred')).toContain(`Eve ${today}`);
    for (const html of [text(eve, 'referred-by'), text(anna, 'referred')]) {
      expect(html).not.toContain(annaId);
      expect(html).not.toContain(eveId);
    }
  });
});

/** Every table of the hub's database with each row as JSON, on either engine: what an erasure must have cleaned. */
async function everyRow(): Promise<Map<string, string[]>> {
  const db = shop.hub.store.db;
  const names =
    shop.hub.store.engine === 'postgres'
      ? (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
        ).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
  const tables = new Map<string, string[]>();
  for (const { name } of names)
    tables.set(
      name,
      (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows.map((row) => JSON.stringify(row)),
    );
  return tables;
}

describe('erasure forgets the contact everywhere', () => {
  it('leaves no row in any table holding an erased member’s phone or e-mail; referrals keep a hash only', async () => {
    const anna = shop.browser('10.9.1.1');
    await provenMember(anna, 'anna.erasure@example.com');
    const { link } = await cardReferral(anna);
    // Eve joins through the link and never types her code: her welcome, referral and code wait on her contact.
    const eve = shop.browser('10.9.1.2');
    await eve.get(link);
    expect((await eve.post(link, { name: 'Eve', contact: 'Eve.Erased@Example.com', consent: 'yes' })).location).toBe('/m#verify');
    await until(() => shop.sink.to('eve.erased@example.com').length >= 1, 'the code e-mail');
    // Fay joins on a claim page with a phone number (no SMS sender here: her welcome waits on the number).
    const fay = shop.browser('10.9.1.3');
    const token = saleToken(shop.till, ++saleNo, 18);
    await fay.get(`/C/${token}`);
    expect((await fay.post(`/C/${token}`, { mode: 'join', name: 'Fay', contact: '+48 600 100 299', consent: 'yes' })).status).toBe(303);
    // Gil joins through the link and proves his e-mail: a referral is recorded (by a hash of the contact).
    const gil = shop.browser('10.9.1.4');
    await gil.get(link);
    expect((await gil.post(link, { name: 'Gil', contact: 'gil.erased@example.com', consent: 'yes' })).location).toBe('/m#verify');
    await until(() => shop.sink.to('gil.erased@example.com').length >= 1, 'the code e-mail');
    expect((await gil.post('/m/verify', { code: codeIn('gil.erased@example.com', 0) })).location).toBe('/m?verify=done#verify');

    const contacts = ['eve.erased@example.com', '48600100299', 'gil.erased@example.com'];
    const holding = (rows: Map<string, string[]>, contact: string): string[] =>
      [...rows].filter(([, list]) => list.some((row) => row.toLowerCase().includes(contact))).map(([table]) => table);
    // Before: the contacts are there (so the search below can find them).
    const before = await everyRow();
    for (const contact of contacts) expect(holding(before, contact), contact).toContain('join_verifications');

    for (const contact of ['eve.erased@example.com', '+48600100299', 'gil.erased@example.com']) {
      expect(await shop.hub.owner.eraseMember(1, (await memberOf(contact))!.id, 'owner', new Date())).toBe(true);
    }
    const after = await everyRow();
    for (const contact of contacts) expect(holding(after, contact), `tables still holding ${contact}`).toEqual([]);
    // The referral stays (so the contact is not referred twice), under its hash.
    expect(after.get('referrals')!.some((row) => row.includes(referralContactKey(1, 'gil.erased@example.com')))).toBe(true);
    // Nobody can be found by those contacts, and the held joins still count per device and address.
    for (const contact of ['eve.erased@example.com', '+48600100299', 'gil.erased@example.com']) expect(await memberOf(contact)).toBeUndefined();
    expect(after.get('join_verifications')!.length).toBe(before.get('join_verifications')!.length);
  });
});
