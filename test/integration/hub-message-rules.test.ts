// Consent per purpose, quiet hours, the weekly cap and the messages that follow from them (reward
// ready, win-back with its preview, points expiring), with real parts: the real hub on loopback
// (SQLite, or PostgreSQL in the hub-postgres project), a real SMTP server (smtp-server + mailparser),
// phones as HTTP clients, the owner with the bearer token. The hub's clock is moved, never the test's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import type { Hub } from '../../cloud/hub';
import type { Member } from '../../cloud/store';
import { addDays, localTime, zonedInstant } from '../../core/program/clock';
import type { KioskCredentials } from '../../core/sync-protocol';
import { saleClaimUrl } from '../../main/sync/claims';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { joinProven, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

const WARSAW = 'Europe/Warsaw';
const realClock = clockStartingAt(nextWednesdayMorning(new Date()));
let skewMs = 0;
const now = (): Date => new Date(realClock().getTime() + skewMs);
/** Moves the hub's clock on to `time` on Warsaw's wall clock, `days` days after the hub's today (never back). */
function moveTo(time: string, days: number): void {
  const target = zonedInstant(addDays(localTime(now(), WARSAW).date, days), time, WARSAW).getTime();
  expect(target).toBeGreaterThan(now().getTime());
  skewMs += target - now().getTime();
}

const PUBLIC = 'http://kawiarnia.test';
let tmp: ReturnType<typeof tempDir>;
let sink: SmtpSink;
let hub: Hub;
let creds: KioskCredentials;
let saleNo = 0;

const header = (mail: ParsedMail, name: string): string | undefined =>
  mail.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '');
const mailsOf = (address: string, idPrefix: string): ParsedMail[] => sink.to(address).filter((m) => header(m, 'X-Loyalty-Message')?.startsWith(idPrefix));
const saleUrl = (): string => saleClaimUrl(creds, hub.url, { saleNo: ++saleNo, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
const owner = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${hub.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': 'pl-PL', 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
  });

/** The pages' CSP allows no inline script or style, so a page must carry none (its styles come from /assets). */
function expectNoInline(res: Response, html: string): void {
  expect(res.headers.get('content-security-policy')).not.toContain("'unsafe-inline'");
  expect(html).not.toMatch(/<script>|<style>|\sstyle="/);
}

async function joined(email: string, language = 'pl-PL,pl;q=0.9'): Promise<{ phone: Phone; member: Member }> {
  const phone = new Phone(language);
  // Joined, with the contact proven as the code sent to it does: 18 points + the 50-point welcome bonus.
  expect((await joinProven(hub, phone, saleUrl(), email, 'Anna', now())).status).toBe(303);
  const member = (await hub.store.memberByContact(creds.shopNo, { phone: null, email }))!;
  return { phone, member };
}

let anna: { phone: Phone; member: Member };
let bela: { phone: Phone; member: Member };
let cyril: { phone: Phone; member: Member };

beforeAll(async () => {
  tmp = tempDir('hub-message-rules');
  sink = await smtpSink();
  // Daytime in Warsaw to begin with: the welcome and the joins are not the point here.
  skewMs = 0;
  const today = zonedInstant(localTime(now(), WARSAW).date, '12:00', WARSAW).getTime();
  skewMs = today + 86_400_000 - realClock().getTime();
  hub = await testHub(tmp.dir, {
    now,
    smtpUrl: sink.url,
    smtpFrom: 'kawiarnia@kawiarnia.test',
    publicUrl: PUBLIC,
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100, firstPlanMs: 3_600_000 },
  });
  creds = await pairedKiosk(hub);
  anna = await joined('anna@example.com');
  bela = await joined('bela@example.com', 'hu-HU,hu;q=0.9');
  cyril = await joined('cyril@example.com', 'cs-CZ');
  await until(() => sink.mails.length === 3, 'three welcome e-mails');
});

afterAll(async () => {
  await hub?.close();
  await sink?.close();
  tmp?.remove();
});

describe('consent per purpose', () => {
  it('logs the programme consent (service) at joining with the text version and language', async () => {
    expect(await hub.messaging.store.consents(bela.member.id)).toMatchObject([
      { purpose: 'service', granted: true, version: 'claim.consent@1', locale: 'hu', via: 'join' },
    ]);
    expect((await hub.messaging.store.preferences(bela.member.id)).marketing).toBe(false);
  });

  it('offers are switched on and off from the member card in one click each, logged with the consent text version; another site cannot', async () => {
    const card = await anna.phone.get(`${hub.url}/m`);
    expect(card.text).toContain('id="offers-grant"');
    expect(card.text).toContain('Tak, wysyłajcie mi oferty od Kawiarnia Anna');

    const forged = await fetch(`${hub.url}/m/offers`, {
      method: 'POST',
      redirect: 'manual',
      body: 'offers=yes',
      headers: { cookie: anna.phone.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    });
    expect(forged.status).toBe(403);
    expect((await hub.messaging.store.preferences(anna.member.id)).marketing).toBe(false);
    expect((await new Phone().post(`${hub.url}/m/offers`, { offers: 'yes' })).status).toBe(401);

    expect((await anna.phone.post(`${hub.url}/m/offers`, { offers: 'yes' })).status).toBe(303);
    expect((await hub.messaging.store.preferences(anna.member.id)).marketing).toBe(true);
    expect((await anna.phone.get(`${hub.url}/m`)).text).toContain('id="offers-withdraw"');
    expect((await anna.phone.post(`${hub.url}/m/offers`, { offers: 'no' })).status).toBe(303);
    expect((await hub.messaging.store.preferences(anna.member.id)).marketing).toBe(false);
    expect((await anna.phone.post(`${hub.url}/m/offers`, { offers: 'yes' })).status).toBe(303);
    expect((await hub.messaging.store.consents(anna.member.id)).map((c) => [c.purpose, c.granted, c.version, c.locale, c.via])).toEqual([
      ['service', true, 'claim.consent@1', 'pl', 'join'],
      ['marketing', true, 'card.offers.consent@1', 'pl', 'card'],
      ['marketing', false, 'card.offers.consent@1', 'pl', 'card'],
      ['marketing', true, 'card.offers.consent@1', 'pl', 'card'],
    ]);
    expect((await bela.phone.post(`${hub.url}/m/offers`, { offers: 'yes' })).status).toBe(303);
    // Cyril gives no consent to offers.
  });
});

describe("the owner's quiet hours and weekly cap", () => {
  it('the owner sees and changes the rules in a CSRF-checked form; a bad value changes nothing', async () => {
    const page = await owner('/owner/messages');
    const text = await page.text();
    expect(page.status).toBe(200);
    expect(text).toContain('name="quietFrom" value="21:00"');
    expect(text).toMatch(/name="weeklyCap"[^>]* value="2"/);
    expect(text).toContain('Europe/Warsaw');
    expectNoInline(page, text);
    const bad = await owner('/owner/messages/rules', { method: 'POST', body: 'quietFrom=21:00&quietTo=&weeklyCap=2' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Nic nie zmieniono');
    // A cookie-less, token-less POST (another site's form) is refused (the owner hook: 401, not the login page).
    const anon = await fetch(`${hub.url}/owner/messages/rules`, { method: 'POST', redirect: 'manual', body: 'quietFrom=&quietTo=&weeklyCap=50' });
    expect(anon.status).toBe(401);
    expect(await hub.messaging.rules()).toEqual({ quiet: { from: '21:00', to: '08:00' }, weeklyCap: 2 });
    const saved = await owner('/owner/messages/rules', { method: 'POST', body: 'quietFrom=22:00&quietTo=07:30&weeklyCap=2' });
    expect(saved.status).toBe(303);
    expect(await hub.messaging.rules()).toEqual({ quiet: { from: '22:00', to: '07:30' }, weeklyCap: 2 });
  });

  it('holds a marketing message asked for at night until the window opens, and never holds a service message', async () => {
    moveTo('23:10', 1);
    const id = `winBack:night:${anna.member.id}`;
    expect(await hub.messaging.queue({ id, purpose: 'winBack', member: anna.member, values: { points: 10 } })).toBe('queued');
    const row = (await hub.messaging.store.message(id))!;
    expect(row.next_attempt_at).toBe(zonedInstant(addDays(localTime(now(), WARSAW).date, 1), '07:30', WARSAW).toISOString());
    // A code (service) at the same hour goes at once.
    const phone = new Phone();
    expect((await phone.post(`${hub.url}/m/open`, { contact: 'anna@example.com' })).status).toBe(200);
    await until(() => mailsOf('anna@example.com', 'code:').length === 1, 'the code at night');
    // One queued before the window began (as if asked for at 21:59) is given back by the worker until the morning, the attempt not counted.
    const early = `winBack:early:${anna.member.id}`;
    const row0 = {
      shopNo: creds.shopNo,
      memberId: anna.member.id,
      purpose: 'winBack',
      kind: 'marketing',
      channel: 'email',
      recipient: 'anna@example.com',
    } as const;
    await hub.messaging.store.enqueue({ ...row0, id: early, locale: 'pl', subject: 'early', text: 'early', html: '<p>early</p>', state: 'queued' }, now());
    await hub.messaging.drain();
    expect(mailsOf('anna@example.com', id)).toHaveLength(0);
    expect(mailsOf('anna@example.com', early)).toHaveLength(0);
    expect((await hub.messaging.store.message(id))!.state).toBe('queued');
    expect(await hub.messaging.store.message(early)).toMatchObject({ state: 'queued', attempts: 0, next_attempt_at: row.next_attempt_at });

    moveTo('07:31', 1);
    await until(() => mailsOf('anna@example.com', id).length === 1 && mailsOf('anna@example.com', early).length === 1, 'both in the morning');
    expect(header(mailsOf('anna@example.com', id)[0]!, 'List-Unsubscribe')).toContain(`${PUBLIC}/u/`);
  });

  it('suppresses the marketing message beyond the weekly cap, with the reason in words; a week later they go again', async () => {
    moveTo('10:00', 1);
    const queue = (n: string) =>
      hub.messaging.queue({ id: `winBack:cap${n}:${bela.member.id}`, purpose: 'winBack', member: bela.member, values: { points: 5 } });
    expect(await queue('1')).toBe('queued');
    expect(await queue('2')).toBe('queued');
    expect(await queue('3')).toBe('suppressed');
    expect((await hub.messaging.store.message(`winBack:cap3:${bela.member.id}`))!.reason).toBe(
      'frequency cap: this member already had 2 marketing messages in the last 7 days',
    );
    await until(() => mailsOf('bela@example.com', 'winBack:cap').length === 2, 'two offers');
    moveTo('10:00', 8);
    expect(await queue('4')).toBe('queued');
    await until(() => mailsOf('bela@example.com', 'winBack:cap').length === 3, 'the offer a week later');
  });
});

describe('the messages', () => {
  it('reward ready arrives once, when a claim makes a reward affordable (not with the join claim)', async () => {
    // Joined with 18 + 50 welcome = 68 points (5 zł off costs 60: the card says so, no message).
    expect(mailsOf('cyril@example.com', 'rewardReady:')).toHaveLength(0);
    expect((await cyril.phone.post(saleUrl(), { mode: 'member' })).status).toBe(303); // 86
    expect((await cyril.phone.post(saleUrl(), { mode: 'member' })).status).toBe(303); // 104: 10% off (100)
    await until(() => mailsOf('cyril@example.com', 'rewardReady:').length === 1, 'the reward-ready e-mail');
    expect((await cyril.phone.post(saleUrl(), { mode: 'member' })).status).toBe(303); // 122
    await hub.messaging.drain();
    const mails = mailsOf('cyril@example.com', 'rewardReady:');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('10% off na vás čeká v Kawiarnia Anna');
    expect(header(mails[0]!, 'List-Unsubscribe')).toBeUndefined();
    const rows = (await hub.messaging.store.messagesOf(cyril.member.id)).filter((m) => m.purpose === 'rewardReady');
    expect(rows).toMatchObject([{ kind: 'service', state: 'sent' }]);
  });

  it('win-back: the preview counts the members and the messages, shows the text and its SMS length; sending queues that many, twice nothing new', async () => {
    moveTo('11:00', 8); // the cap's week is over for everyone
    const preview = await owner('/owner/messages/winback?inactive=0&campaign=spring&points=25');
    const html = await preview.text();
    expect(preview.status).toBe(200);
    const willSend = Number(/id="winback-will-send" data-n="(\d+)"/.exec(html)?.[1]);
    expect(willSend).toBe(2); // Anna and Béla agreed to offers; Cyril did not.
    expect(html).toContain('Bez wysyłki, brak zgody na oferty: 1');
    expect(html).toContain('Tęsknimy za Tobą w Kawiarnia Anna');
    expect(html).toMatch(/Polski: Jako SMS: znaków \d+, części \d+ \(UCS-2\)/);
    expect(html).toMatch(/Magyar: Jako SMS: znaków \d+, części \d+ \(UCS-2\)/);
    expectNoInline(preview, html);
    // A value out of range is refused by the route's schema (400).
    expect((await owner('/owner/messages/winback?inactive=0&campaign=spring&points=0')).status).toBe(400);
    expect((await owner('/owner/messages/winback?inactive=0&campaign=no%20spaces&points=25')).status).toBe(400);

    const send = (): Promise<Response> => owner('/owner/winback', { method: 'POST', body: 'inactive=0&campaign=spring&points=25' });
    expect((await send()).status).toBe(303);
    const counts = await hub.messaging.store.countByPrefix('winBack:spring:');
    expect(counts.queued + counts.sent).toBe(willSend);
    expect(counts.suppressed).toBe(1);
    await until(() => mailsOf('anna@example.com', 'winBack:spring:').length === 1 && mailsOf('bela@example.com', 'winBack:spring:').length === 1, 'win-back');
    expect(mailsOf('bela@example.com', 'winBack:spring:')[0]!.subject).toBe('Hiányzik nekünk: Kawiarnia Anna');

    expect((await send()).status).toBe(303);
    await hub.messaging.drain();
    expect(await hub.messaging.store.countByPrefix('winBack:spring:')).toEqual({ ...counts, queued: 0, sent: counts.queued + counts.sent });
    expect(mailsOf('anna@example.com', 'winBack:spring:')).toHaveLength(1);
    // Run again: no new messages (ids are per member per campaign), and the preview says nobody would get one.
    expect(/id="winback-will-send" data-n="(\d+)"/.exec(await (await owner('/owner/messages/winback?inactive=0&campaign=spring&points=25')).text())?.[1]).toBe(
      '0',
    );
  });

  it('points expiring in the next 14 days: one reminder per member per expiry date, however often the planner runs', async () => {
    // The demo program keeps points 12 months: move the hub's clock to 10 days before Anna's first ones go.
    const joinedAt = new Date((await hub.store.entries(anna.member.id))[0]!.at);
    skewMs += joinedAt.getTime() + 355 * 86_400_000 - now().getTime();
    expect(await hub.messaging.planDaily(now())).toBeGreaterThanOrEqual(1);
    await until(() => mailsOf('anna@example.com', 'pointsExpiring:').length === 1, 'the expiry reminder');
    expect(await hub.messaging.planDaily(now())).toBe(0);
    skewMs += 86_400_000;
    expect(await hub.messaging.planDaily(now())).toBe(0);
    await hub.messaging.drain();
    const mail = mailsOf('anna@example.com', 'pointsExpiring:');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toMatch(/^Twoje punkty w Kawiarnia Anna wygasają /);
    expect(mail[0]!.text).toMatch(/Punkty na Twojej karcie w Kawiarnia Anna \(\d+\) wygasną/);
  });
});
