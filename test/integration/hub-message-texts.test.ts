// The owner's message texts: per message and language, validated (ICU syntax, the original's
// placeholders), previewed exactly as the outbox will write them, stored on the hub, and used by the
// next message; the messages page in the owner's navigation with undelivered messages and why.
// Real parts: the hub on loopback (SQLite, or PostgreSQL in hub-postgres), a real SMTP server, phones
// as HTTP clients, the owner with the bearer token.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { checkEditedText } from '../../core/i18n/message-edit';
import type { KioskCredentials } from '../../core/sync-protocol';
import { saleClaimUrl } from '../../main/sync/claims';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { joinProvenByMail, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

// Daytime in Warsaw whenever the suite runs: offers (campaigns) wait out the quiet hours of the evening.
const now = clockStartingAt(nextWednesdayMorning(new Date()));
let tmp: ReturnType<typeof tempDir>;
let sink: SmtpSink;
let hub: Hub;
let creds: KioskCredentials;
let saleNo = 0;

const saleUrl = (): string => saleClaimUrl(creds, hub.url, { saleNo: ++saleNo, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
const owner = (path: string, body?: Record<string, string>): Promise<Response> =>
  fetch(`${hub.url}${path}`, {
    redirect: 'manual',
    ...(body ? { method: 'POST', body: new URLSearchParams(body).toString() } : {}),
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': 'pl-PL', 'content-type': 'application/x-www-form-urlencoded' },
  });
const welcomeOf = (address: string): ParsedMail | undefined =>
  sink.to(address).find((m) => m.headerLines.some((h) => h.key === 'x-loyalty-message' && h.line.includes('welcome:')));
const unescape = (html: string): string =>
  html.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&#x27;', "'").replaceAll('&amp;', '&');

beforeAll(async () => {
  tmp = tempDir('hub-message-texts');
  sink = await smtpSink();
  hub = await testHub(tmp.dir, {
    now,
    smtpUrl: sink.url,
    smtpFrom: 'kawiarnia@kawiarnia.test',
    publicUrl: 'http://kawiarnia.test',
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100, firstPlanMs: 3_600_000 },
  });
  creds = await pairedKiosk(hub);
});

afterAll(async () => {
  await hub?.close();
  await sink?.close();
  tmp?.remove();
});

describe('checking an edited text', () => {
  it('needs ICU that parses and exactly the placeholders of the original', () => {
    const original = '{points, plural, one {# point} other {# points}} at {shop}';
    expect(checkEditedText(original, 'Only {points, plural, one {# point} other {# points}} left at {shop}!', 'en')).toEqual({ ok: true });
    expect(checkEditedText(original, 'Points at {shop}', 'en')).toEqual({ ok: false, error: 'placeholders', missing: ['points'], extra: [] });
    expect(checkEditedText(original, '{points} at {shop} for {nmae}', 'en')).toEqual({ ok: false, error: 'placeholders', missing: [], extra: ['nmae'] });
    expect(checkEditedText(original, '{points} at {shop', 'en')).toMatchObject({ ok: false, error: 'syntax' });
    expect(checkEditedText(original, '<b>{points}</b> at {shop}', 'en')).toMatchObject({ ok: false, error: 'syntax' });
    expect(checkEditedText(original, '  ', 'en')).toEqual({ ok: false, error: 'empty' });
  });
});

describe("the owner's messages page", () => {
  it('is in the owner navigation and lists suppressed messages with the reason', async () => {
    const dashboard = await (await owner('/owner')).text();
    expect(dashboard).toMatch(/<a href="\/owner\/messages" id="nav-messages">Wiadomości<\/a>/);
    expect((await new Phone('pl-PL').join(saleUrl(), 'zofia@example.com', 'Zofia')).status).toBe(303);
    const zofia = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'zofia@example.com' }))!;
    // A win-back to a member without consent to offers is kept as suppressed, with why.
    expect(await hub.messaging.queue({ id: `winBack:t:${zofia.id}`, purpose: 'winBack', member: zofia, values: { points: 5 } })).toBe('suppressed');
    const page = await (await owner('/owner/messages')).text();
    expect(page).toContain('id="undelivered"');
    // Why, in the owner's language too: the stored English reason stays for the log.
    expect(page).toContain('Brak zgody na oferty');
    expect(page).not.toContain('no consent for marketing');
    // What, how and its state in the owner's language, not the outbox's codes (winBack, marketing, suppressed).
    expect(page).toMatch(/<td>Wiadomość na powrót \(oferta\)<\/td><td>E-mail<\/td><td>Niewysłana<\/td>/);
    expect(page).toContain('href="/owner/messages/texts"');
  });
});

describe("editing a message's text per language", () => {
  it('shows the locale-file text and its preview (subject, plain text, HTML, SMS with its length)', async () => {
    const res = await owner('/owner/messages/texts?purpose=welcome&locale=pl');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<strong id="preview-subject">Witamy w Kawiarnia Anna</strong>');
    expect(html).toMatch(/id="preview-html">&lt;!doctype html&gt;&lt;html lang=&quot;pl&quot;/);
    expect(html).toContain('http://kawiarnia.test/m/open');
    expect(html).toMatch(/id="preview-sms-length">Jako SMS: znaków \d+, części \d+ \(UCS-2\)/);
  });

  it('refuses a text with a missing placeholder or broken braces in words, and saves nothing', async () => {
    const base = { csrf: '', purpose: 'welcome', locale: 'pl', subject: 'Witaj w {shop}', do: 'save' };
    const missing = await owner('/owner/messages/texts', { ...base, body: 'Dziękujemy za dołączenie!' });
    expect(missing.status).toBe(400);
    expect(unescape(await missing.text())).toContain(
      'Tekst: użyj dokładnie tych pól, co w tekście oryginalnym. Brakuje: {shop}; nieznane: —. Nic nie zapisano.',
    );
    const broken = await owner('/owner/messages/texts', { ...base, body: 'Dziękujemy, {shop' });
    expect(broken.status).toBe(400);
    expect(unescape(await broken.text())).toContain('Tekst: nawiasy klamrowe nie tworzą poprawnej wiadomości');
    // Without the owner: refused by the owner hook.
    const anon = await fetch(`${hub.url}/owner/messages/texts`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...base, body: '{shop}' }) });
    expect(anon.status).toBe(401);
    expect(await hub.messaging.store.editedTexts()).toEqual([]);
  });

  it('previews a draft without saving it; saved, it is what the next member gets in that language only; reset brings the locale file back', async () => {
    const draft = { csrf: '', purpose: 'welcome', locale: 'pl', subject: 'Cześć od {shop}!', body: 'Miło nam, że jesteś z nami w {shop}.\nDo zobaczenia!' };
    const preview = await owner('/owner/messages/texts', { ...draft, do: 'preview' });
    expect(preview.status).toBe(200);
    const html = unescape(await preview.text());
    expect(html).toContain('<strong id="preview-subject">Cześć od Kawiarnia Anna!</strong>');
    expect(html).toContain('<p>Miło nam, że jesteś z nami w Kawiarnia Anna.\nDo zobaczenia!</p>');
    expect(await hub.messaging.store.editedTexts()).toEqual([]);

    const saved = await owner('/owner/messages/texts', { ...draft, do: 'save' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/owner/messages/texts?purpose=welcome&locale=pl&saved=yes');
    expect((await hub.messaging.store.editedTexts()).map((r) => [r.locale, r.key])).toEqual([
      ['pl', 'mail.welcome.body'],
      ['pl', 'mail.welcome.subject'],
    ]);
    const page = await (await owner('/owner/messages/texts?purpose=welcome&locale=pl&saved=yes')).text();
    expect(page).toContain('Tekst zapisany.');
    expect(page).toMatch(/data-text="welcome-pl"[^>]*>pl<\/a> <em class="edited">zmieniony<\/em>/);

    // The welcome mail goes once the code mailed at join is typed (cloud/join-verification.ts).
    expect((await joinProvenByMail(hub, sink, new Phone('pl-PL'), saleUrl(), 'ola@example.com', 'Ola')).status).toBe(303);
    expect((await joinProvenByMail(hub, sink, new Phone('en-GB'), saleUrl(), 'tom@example.com', 'Tom')).status).toBe(303);
    await until(() => welcomeOf('ola@example.com') !== undefined && welcomeOf('tom@example.com') !== undefined, 'two welcome e-mails');
    const ola = welcomeOf('ola@example.com')!;
    expect(ola.subject).toBe('Cześć od Kawiarnia Anna!');
    expect(ola.text).toContain('Miło nam, że jesteś z nami w Kawiarnia Anna.\nDo zobaczenia!');
    expect(ola.html).toContain('Miło nam, że jesteś z nami w Kawiarnia Anna.');
    expect(welcomeOf('tom@example.com')!.subject).toBe('Welcome to Kawiarnia Anna');

    const reset = await owner('/owner/messages/texts', { ...draft, do: 'reset' });
    expect(reset.status).toBe(303);
    expect(await hub.messaging.store.editedTexts()).toEqual([]);
    expect(await (await owner('/owner/messages/texts?purpose=welcome&locale=pl')).text()).toContain(
      '<strong id="preview-subject">Witamy w Kawiarnia Anna</strong>',
    );
  });
});

describe('a campaign the owner writes', () => {
  const mailsOf = (address: string): ParsedMail[] =>
    sink.to(address).filter((m) => m.headerLines.some((h) => h.key === 'x-loyalty-message' && h.line.includes('campaign:')));
  it('counts and previews, then sends to the members with consent to offers only, each in their language or the first written; twice sends nothing new', async () => {
    const ola = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'ola@example.com' }))!;
    const tom = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'tom@example.com' }))!;
    await hub.messaging.store.grantMarketing(ola.id, now());
    await hub.messaging.store.grantMarketing(tom.id, now());
    const texts = {
      csrf: '',
      campaign: 'lato',
      subject_pl: 'Lato w {shop}',
      body_pl: 'Lemoniada za pół ceny w {shop} do niedzieli.',
      subject_de: 'Sommer bei {shop}',
      body_de: 'Limonade zum halben Preis.',
    };
    expect((await owner('/owner/messages')).status).toBe(200);
    expect(await (await owner('/owner/messages')).text()).toContain('href="/owner/messages/campaign"');
    expect((await owner('/owner/messages/campaign')).status).toBe(200);

    const bad = await owner('/owner/messages/campaign', { ...texts, body_de: 'Hallo {name}!', do: 'check' });
    expect(bad.status).toBe(400);
    expect(unescape(await bad.text())).toContain(
      'Tekst (de): użyj dokładnie tych pól, co w tekście oryginalnym. Brakuje: —; nieznane: {name}. Nic nie zapisano.',
    );
    expect((await owner('/owner/messages/campaign', { ...texts, campaign: 'no spaces', do: 'check' })).status).toBe(400);

    const check = await owner('/owner/messages/campaign', { ...texts, do: 'check' });
    expect(check.status).toBe(200);
    const html = unescape(await check.text());
    expect(html).toMatch(/id="campaign-will-send" data-n="2"/);
    expect(html).toContain('Bez wysyłki, brak zgody na oferty: 1'); // Zofia
    expect(html).toContain('<strong id="preview-subject">Lato w Kawiarnia Anna</strong>');
    expect(html).toMatch(/id="preview-sms-length">Jako SMS: znaków \d+, części \d+ \(UCS-2\)/);
    expect(html).toContain('id="campaign-send"');
    expect(await hub.messaging.store.countByPrefix('campaign:lato:')).toEqual({ queued: 0, sent: 0, failed: 0, suppressed: 0 });

    const sent = await owner('/owner/messages/campaign', { ...texts, do: 'send' });
    expect(sent.status).toBe(200);
    await until(() => mailsOf('ola@example.com').length === 1 && mailsOf('tom@example.com').length === 1, 'the campaign');
    expect(mailsOf('ola@example.com')[0]!.subject).toBe('Lato w Kawiarnia Anna');
    expect(mailsOf('tom@example.com')[0]!.subject).toBe('Lato w Kawiarnia Anna'); // no English text: the first written
    expect(mailsOf('ola@example.com')[0]!.headerLines.some((h) => h.key === 'list-unsubscribe-post')).toBe(true);
    expect(mailsOf('zofia@example.com')).toEqual([]);
    expect(await hub.messaging.store.countByPrefix('campaign:lato:')).toMatchObject({ suppressed: 0, failed: 0 });

    expect((await owner('/owner/messages/campaign', { ...texts, do: 'send' })).status).toBe(200);
    await hub.messaging.drain();
    expect(mailsOf('ola@example.com')).toHaveLength(1);
    expect(await hub.messaging.store.countByPrefix('campaign:lato:')).toEqual({ queued: 0, sent: 2, failed: 0, suppressed: 0 });
  });
});

describe('the greeting and the footer every e-mail shares', () => {
  const mailOf = (address: string, prefix: string): ParsedMail | undefined =>
    sink.to(address).find((m) => m.headerLines.some((h) => h.key === 'x-loyalty-message' && h.line.includes(prefix)));

  it('are edited per language in all six, previewed in the messages that show them, and checked like the other texts', async () => {
    for (const locale of ['pl', 'hu', 'sk', 'cs', 'de', 'en']) {
      for (const purpose of ['greeting', 'footer', 'birthday']) {
        const res = await owner(`/owner/messages/texts?purpose=${purpose}&locale=${locale}`);
        expect(res.status, `${purpose} in ${locale}`).toBe(200);
      }
    }
    const greeting = unescape(await (await owner('/owner/messages/texts?purpose=greeting&locale=de')).text());
    expect(greeting).toContain('name="hello"');
    expect(greeting).toContain('name="helloAnon"');
    // Two previews: greeted by name, and without one.
    expect(greeting).toMatch(/id="preview-text">Hallo Anna,/);
    expect(greeting).toMatch(/id="preview-text-2">Hallo,/);
    const footer = unescape(await (await owner('/owner/messages/texts?purpose=footer&locale=en')).text());
    expect(footer).toContain('You get this message because you are a member of the loyalty programme of Kawiarnia Anna.');
    expect(footer).toMatch(
      /id="preview-text-2">[^<]*You get this offer because you agreed to offers from Kawiarnia Anna\.\nUnsubscribe from offers: http:\/\/kawiarnia\.test\/u\//,
    );

    const badGreeting = await owner('/owner/messages/texts', { csrf: '', purpose: 'greeting', locale: 'pl', hello: 'Cześć!', helloAnon: 'Cześć!', do: 'save' });
    expect(badGreeting.status).toBe(400);
    expect(unescape(await badGreeting.text())).toContain('Brakuje: {name}; nieznane: —. Nic nie zapisano.');
    const badFooter = await owner('/owner/messages/texts', {
      csrf: '',
      purpose: 'footer',
      locale: 'pl',
      footerService: 'Stopka {shop}',
      footerMarketing: 'Oferty od {shop} dla {name}',
      unsubscribe: 'Wypisz mnie',
      do: 'save',
    });
    expect(badFooter.status).toBe(400);
    expect(unescape(await badFooter.text())).toContain('nieznane: {name}');
    expect(await hub.messaging.store.editedTexts()).toEqual([]);
  });

  it('saved, they are what the next e-mail in that language carries; reset brings the locale file back', async () => {
    const greeting = { csrf: '', purpose: 'greeting', locale: 'pl', hello: 'Cześć {name}!', helloAnon: 'Cześć!' };
    const preview = unescape(await (await owner('/owner/messages/texts', { ...greeting, do: 'preview' })).text());
    expect(preview).toMatch(/id="preview-text">Cześć Anna!/);
    expect(await hub.messaging.store.editedTexts()).toEqual([]);
    expect((await owner('/owner/messages/texts', { ...greeting, do: 'save' })).status).toBe(303);
    const footer = {
      csrf: '',
      purpose: 'footer',
      locale: 'pl',
      footerService: 'Należysz do klubu {shop}.',
      footerMarketing: 'Oferty od {shop}, bo się zgodziłeś.',
      unsubscribe: 'Nie chcę ofert',
    };
    expect((await owner('/owner/messages/texts', { ...footer, do: 'save' })).status).toBe(303);
    expect(await (await owner('/owner/messages/texts?purpose=footer&locale=pl')).text()).toMatch(/data-text="footer-pl"[^>]*>pl<\/a> <em class="edited">/);

    await joinProvenByMail(hub, sink, new Phone('pl-PL'), saleUrl(), 'ida@example.com', 'Ida');
    await joinProvenByMail(hub, sink, new Phone('en-GB'), saleUrl(), 'ben@example.com', 'Ben');
    await until(() => welcomeOf('ida@example.com') !== undefined && welcomeOf('ben@example.com') !== undefined, 'two welcome e-mails');
    const ida = welcomeOf('ida@example.com')!;
    expect(ida.text).toMatch(/^Cześć Ida!/);
    expect(ida.text).toContain('Należysz do klubu Kawiarnia Anna.');
    expect(ida.html).toContain('<p>Cześć Ida!</p>');
    const ben = welcomeOf('ben@example.com')!;
    expect(ben.text).toMatch(/^Hello Ben,/);
    expect(ben.text).toContain('You get this message because you are a member of the loyalty programme of Kawiarnia Anna.');

    // An offer carries the marketing footer and the unsubscribe link's label.
    const idaMember = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'ida@example.com' }))!;
    await hub.messaging.store.grantMarketing(idaMember.id, now());
    expect(await hub.messaging.queue({ id: `winBack:texts:${idaMember.id}`, purpose: 'winBack', member: idaMember, values: { points: 5 } })).toBe('queued');
    await until(() => mailOf('ida@example.com', 'winBack:texts:') !== undefined, 'the offer');
    const offer = mailOf('ida@example.com', 'winBack:texts:')!;
    expect(offer.text).toContain('Oferty od Kawiarnia Anna, bo się zgodziłeś.\nNie chcę ofert: http://kawiarnia.test/u/');

    for (const f of [greeting, footer]) expect((await owner('/owner/messages/texts', { ...f, do: 'reset' })).status).toBe(303);
    expect(await hub.messaging.store.editedTexts()).toEqual([]);
  });
});
