// The hub's messages with real parts: a real SMTP server on loopback (smtp-server, mails parsed with
// mailparser), the real hub on SQLite or PostgreSQL (hub-postgres project), phones as HTTP clients.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import type { Hub } from '../../cloud/hub';
import { MessageStore } from '../../cloud/message-store';
import { HubStore } from '../../cloud/store';
import type { KioskCredentials } from '../../core/sync-protocol';
import { saleClaimUrl } from '../../main/sync/claims';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { hubDatabaseUrl, pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

/** The hub's clock: real pace, and a test can move it on (a retry's back-off, a code's expiry). */
const realClock = clockStartingAt(nextWednesdayMorning(new Date()));
let skewMs = 0;
const now = (): Date => new Date(realClock().getTime() + skewMs);

const PUBLIC = 'http://kawiarnia.test';
let tmp: ReturnType<typeof tempDir>;
let sink: SmtpSink;
let hub: Hub;
let creds: KioskCredentials;
let saleNo = 0;
/** flaky@ is refused once with a temporary error, bounce@ always with a permanent one. */
let flakyRefusals = 0;
const logs: string[] = [];

const header = (mail: ParsedMail, name: string): string | undefined =>
  mail.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '');

async function joinShop(phone: Phone, contact: string, name = 'Anna'): Promise<{ status: number; location: string | null }> {
  const url = saleClaimUrl(creds, hub.url, { saleNo: ++saleNo, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
  return phone.join(url, contact, name);
}

beforeAll(async () => {
  tmp = tempDir('hub-messages');
  sink = await smtpSink({
    refuse: (to) => {
      if (to === 'bounce@example.com') return { code: 550, text: 'mailbox unavailable' };
      if (to === 'flaky@example.com' && flakyRefusals++ === 0) return { code: 451, text: 'try again later' };
      return undefined;
    },
  });
  hub = await testHub(tmp.dir, {
    now,
    smtpUrl: sink.url,
    smtpFrom: 'kawiarnia@kawiarnia.test',
    publicUrl: PUBLIC,
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100 },
    log: (line) => logs.push(line),
  });
  creds = await pairedKiosk(hub);
  // This suite's clock is the real one: quiet hours (default 21:00–08:00 in Warsaw) would hold its
  // win-back at night. They have their own suite (hub-message-rules.test.ts).
  await hub.messaging.saveRules({ quiet: null, weeklyCap: 10 });
});

afterAll(async () => {
  await hub?.close();
  await sink?.close();
  tmp?.remove();
});

describe('welcome e-mail and opening the card on a new phone by a code', () => {
  it('says at start-up where e-mail goes', () => {
    expect(logs).toContain(`messages: e-mail over SMTP to smtp://127.0.0.1:${new URL(sink.url).port}, from kawiarnia@kawiarnia.test`);
  });

  it('sends the code that proves the e-mail, then the welcome once it is typed, in the language of the phone that joined, as service messages', async () => {
    const phone = new Phone();
    const joined = await joinShop(phone, ' Anna.Nowak@Example.COM');
    expect(joined.status).toBe(303);
    // First only the code (the welcome bonus waits for it: test/security/hub-join.test.ts), in her phone's language.
    await until(() => sink.to('anna.nowak@example.com').length === 1, 'the join code');
    const codeMail = sink.to('anna.nowak@example.com')[0]!;
    expect(header(codeMail, 'Content-Language')).toBe('pl');
    const code = /\b(\d{6})\b/.exec(codeMail.subject ?? '')![1]!;
    expect((await phone.post(`${hub.url}/m/verify`, { code })).location).toBe('/m?verify=done#verify');
    await until(() => sink.to('anna.nowak@example.com').length === 2, 'the welcome e-mail');
    const mail = sink.to('anna.nowak@example.com')[1]!;
    expect(mail.subject).toBe('Witamy w Kawiarnia Anna');
    expect(mail.from?.value[0]?.address).toBe('kawiarnia@kawiarnia.test');
    expect(header(mail, 'Content-Language')).toBe('pl');
    expect(mail.text).toContain('Dzień dobry, Anna!');
    expect(mail.text).toContain(`Otwórz moją kartę: ${PUBLIC}/m/open`);
    expect(mail.html).toContain(`<a href="${PUBLIC}/m/open"`);
    expect(mail.html).toContain('Dziękujemy za dołączenie do programu lojalnościowego Kawiarnia Anna.');
    expect(header(mail, 'List-Unsubscribe')).toBeUndefined();
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'anna.nowak@example.com' }))!;
    // The server has it; the worker marks it sent right after (drain waits for the worker's round).
    await hub.messaging.drain();
    expect((await hub.messaging.store.messagesOf(member.id)).find((m) => m.purpose === 'welcome')).toMatchObject({
      id: `welcome:${member.id}`,
      kind: 'service',
      state: 'sent',
    });
  });

  it('opens the card on a new phone with the code that arrives by e-mail; the code works once and is never stored in clear', async () => {
    const phone = new Phone('de-DE,de;q=0.9');
    expect((await phone.get(`${hub.url}/m`)).status).toBe(401);
    const form = await phone.get(`${hub.url}/m/open`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Meine Karte auf diesem Handy öffnen');
    const sent = await phone.post(`${hub.url}/m/open`, { contact: ' ANNA.NOWAK@example.com ' });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('Wenn anna.nowak@example.com zu einem Mitglied gehört');
    await until(() => sink.to('anna.nowak@example.com').length === 3, 'the code e-mail');
    const mail = sink.to('anna.nowak@example.com')[2]!;
    const code = /^(\d{6}) ist Ihr Code für Kawiarnia Anna$/.exec(mail.subject ?? '')?.[1];
    expect(code).toBeDefined();
    expect(header(mail, 'Content-Language')).toBe('de');
    expect(mail.text).toContain(`Ihr Code für Kawiarnia Anna lautet ${code}. Er gilt 10 Minuten.`);
    expect(mail.html).toContain(`lautet ${code}.`);
    expect(header(mail, 'List-Unsubscribe')).toBeUndefined();

    // Neither the code table nor the outbox row holds the code.
    await hub.messaging.drain();
    const db = hub.store.db;
    const codes = await db.selectFrom('contact_codes').selectAll().where('contact', '=', 'anna.nowak@example.com').where('purpose', '=', 'open').execute();
    expect(codes).toHaveLength(1);
    expect(JSON.stringify(codes)).not.toContain(code);
    const row = await db.selectFrom('messages').selectAll().where('id', '=', `code:${codes[0]!.id}`).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'sent', kind: 'service', secret: null });
    expect(JSON.stringify(row)).not.toContain(code);

    const opened = await phone.post(`${hub.url}/m/open/code`, { contact: 'anna.nowak@example.com', code: code! });
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/m');
    expect(phone.cookie).toMatch(/^lk_member=/);
    const card = await phone.get(`${hub.url}/m`);
    expect(card.status).toBe(200);
    expect(card.text).toContain('id="balance">68<');

    const thief = new Phone('de-DE');
    const reused = await thief.post(`${hub.url}/m/open/code`, { contact: 'anna.nowak@example.com', code: code! });
    expect(reused.status).toBe(400);
    expect(reused.text).toContain('Dieser Code ist falsch oder nicht mehr gültig');
    expect(thief.cookie).toBe('');
  });

  it('kills a code after five wrong tries: the right code is refused after that', async () => {
    expect((await joinShop(new Phone(), 'jan@example.com', 'Jan')).status).toBe(303);
    await until(() => sink.to('jan@example.com').length === 1, "Jan's join code");
    const phone = new Phone('en-GB');
    expect((await phone.post(`${hub.url}/m/open`, { contact: 'jan@example.com' })).status).toBe(200);
    await until(() => sink.to('jan@example.com').length === 2, "Jan's code");
    const code = /^(\d{6}) is your code/.exec(sink.to('jan@example.com')[1]!.subject ?? '')![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const answer = await phone.post(`${hub.url}/m/open/code`, { contact: 'jan@example.com', code: wrong });
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('This code is not right or no longer valid');
    }
    const late = await phone.post(`${hub.url}/m/open/code`, { contact: 'jan@example.com', code });
    expect(late.status).toBe(400);
    expect(phone.cookie).toBe('');
    const db = hub.store.db;
    expect(
      await db.selectFrom('contact_codes').select(['tries', 'used_at']).where('contact', '=', 'jan@example.com').where('purpose', '=', 'open').execute(),
    ).toEqual([{ tries: 5, used_at: null }]);
  });

  it('answers an unknown contact with the same page and sends nothing', async () => {
    const phone = new Phone('en-GB');
    const known = await phone.post(`${hub.url}/m/open`, { contact: 'jan@example.com' });
    const unknown = await phone.post(`${hub.url}/m/open`, { contact: 'nobody@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(unknown.text.replaceAll('nobody@example.com', '@')).toBe(known.text.replaceAll('jan@example.com', '@'));
    await until(() => sink.to('jan@example.com').length === 3, "Jan's second code");
    await hub.messaging.drain();
    expect(sink.to('nobody@example.com')).toEqual([]);
    const db = hub.store.db;
    expect(await db.selectFrom('messages').select('id').where('recipient', '=', 'nobody@example.com').execute()).toEqual([]);
  });

  it('refuses a code request posted from another site', async () => {
    const res = await fetch(`${hub.url}/m/open`, {
      method: 'POST',
      body: 'contact=jan%40example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    const db = hub.store.db;
    // His join code and the two "open my card" codes of the tests above; none from the forged form.
    expect(await db.selectFrom('contact_codes').select('id').where('contact', '=', 'jan@example.com').execute()).toHaveLength(3);
  });

  it('limits codes per contact (member or not) to three an hour', async () => {
    const phone = new Phone('en-GB');
    for (let i = 0; i < 3; i++) expect((await phone.post(`${hub.url}/m/open`, { contact: '+48 600 999 000' })).status).toBe(200);
    const fourth = await phone.post(`${hub.url}/m/open`, { contact: '+48600999000' });
    expect(fourth.status).toBe(429);
    expect(fourth.text).toContain('Too many codes were asked for');
    const db = hub.store.db;
    expect(await db.selectFrom('contact_codes').select('id').where('contact', '=', '+48600999000').execute()).toHaveLength(3);
  });
});

describe("a code's ten minutes", () => {
  it('refuses the right code once ten minutes have passed', async () => {
    expect((await joinShop(new Phone(), 'ola@example.com', 'Ola')).status).toBe(303);
    const phone = new Phone('cs-CZ');
    expect((await phone.post(`${hub.url}/m/open`, { contact: 'ola@example.com' })).status).toBe(200);
    await until(() => sink.to('ola@example.com').length === 2, "Ola's code");
    const code = /^(\d{6}) je váš kód pro Kawiarnia Anna$/.exec(sink.to('ola@example.com')[1]!.subject ?? '')?.[1];
    expect(code).toBeDefined();
    skewMs += 10 * 60_000 + 1_000;
    const late = await phone.post(`${hub.url}/m/open/code`, { contact: 'ola@example.com', code: code! });
    expect(late.status).toBe(400);
    expect(late.text).toContain('Tento kód není správný nebo už neplatí');
    expect(phone.cookie).toBe('');
  });
});

describe('marketing messages and one-click unsubscribe', () => {
  it('suppresses marketing without consent, sends it with List-Unsubscribe once consented, and the one-click POST withdraws consent', async () => {
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'anna.nowak@example.com' }))!;
    expect(await hub.messaging.queue({ id: `winBack:t1:${member.id}`, purpose: 'winBack', member, values: { points: 50 } })).toBe('suppressed');
    expect((await hub.messaging.store.message(`winBack:t1:${member.id}`))?.reason).toBe('no consent for marketing');

    await hub.messaging.store.grantMarketing(member.id, now());
    expect(await hub.messaging.queue({ id: `winBack:t2:${member.id}`, purpose: 'winBack', member, values: { points: 50 } })).toBe('queued');
    // Writing the same message again is the same message.
    expect(await hub.messaging.queue({ id: `winBack:t2:${member.id}`, purpose: 'winBack', member, values: { points: 50 } })).toBe('queued');
    await until(() => sink.to('anna.nowak@example.com').some((m) => header(m, 'X-Loyalty-Message') === `winBack:t2:${member.id}`), 'the win-back');
    await hub.messaging.drain();
    const mails = sink.to('anna.nowak@example.com').filter((m) => header(m, 'X-Loyalty-Message') === `winBack:t2:${member.id}`);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    // The member last used the card page in German: the offer is in German.
    expect(mail.subject).toBe('Wir vermissen Sie bei Kawiarnia Anna');
    expect(mail.text).toContain('Auf Ihrer Karte bei Kawiarnia Anna warten 50 Bonuspunkte auf Sie.');
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = header(mail, 'List-Unsubscribe')!.replace(/\s+/g, '');
    const token = new RegExp(`^<${PUBLIC}/u/([A-Za-z0-9_.-]+)>$`).exec(listUnsubscribe)?.[1];
    expect(token).toBeDefined();
    expect(mail.text).toContain(`${PUBLIC}/u/${token}`);

    const confirm = await new Phone('de-DE').get(`${hub.url}/u/${token}`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('id="unsubscribe"');
    expect((await hub.messaging.store.preferences(member.id)).marketing).toBe(true);

    // What a mail client sends for RFC 8058: no cookie, the form body below.
    const res = await fetch(`${hub.url}/u/${token}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="unsubscribed"');
    expect((await hub.messaging.store.preferences(member.id)).marketing).toBe(false);
    expect(await hub.messaging.queue({ id: `winBack:t3:${member.id}`, purpose: 'winBack', member, values: { points: 50 } })).toBe('suppressed');

    const forged = `${token!.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA`;
    expect((await fetch(`${hub.url}/u/${forged}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(404);
  });
});

describe("sending: retries with back-off, permanent failures, the owner's list", () => {
  it('retries a temporary refusal after its back-off and marks a permanent one failed in words', async () => {
    await joinShop(new Phone('en-GB'), 'flaky@example.com', 'Flo');
    await joinShop(new Phone('en-GB'), 'bounce@example.com', 'Bo');
    const flaky = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'flaky@example.com' }))!;
    const bounce = (await hub.store.memberByContact(creds.shopNo, { phone: null, email: 'bounce@example.com' }))!;
    // The first message each gets is the code that proves the address (sent at join).
    const codeId = async (memberId: string): Promise<string> => (await hub.messaging.store.messagesOf(memberId)).find((m) => m.purpose === 'code')!.id;
    const flakyCode = await codeId(flaky.id);
    const bounceCode = await codeId(bounce.id);
    await until(async () => (await hub.messaging.store.message(bounceCode))?.state === 'failed', 'the bounce to fail');
    expect((await hub.messaging.store.message(bounceCode))?.reason).toMatch(/550.*mailbox unavailable|mailbox unavailable/);
    await until(
      async () => ((await hub.messaging.store.message(flakyCode))?.attempts ?? 0) >= 1 && (await hub.messaging.store.message(flakyCode))?.locked_until === null,
      'the first refusal',
    );
    const waiting = (await hub.messaging.store.message(flakyCode))!;
    expect(waiting).toMatchObject({ state: 'queued', attempts: 1 });
    expect(waiting.reason).toContain('try again later');
    expect(new Date(waiting.next_attempt_at).getTime() - now().getTime()).toBeGreaterThan(20_000);
    await hub.messaging.drain();
    expect(sink.to('flaky@example.com')).toEqual([]);

    skewMs += 31_000;
    await hub.messaging.drain();
    expect(await hub.messaging.store.message(flakyCode)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(sink.to('flaky@example.com')).toHaveLength(1);

    // The owner's token goes in the Authorization header; the hub takes no credential in a query string.
    const res = await fetch(`${hub.url}/owner/messages`, { headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': 'en-GB' } });
    const page = { status: res.status, text: await res.text() };
    expect(page.status).toBe(200);
    expect(page.text).toContain('Undelivered messages');
    expect(page.text).toContain('bounce@example.com');
    // Why in words for the owner: a known reason translated, the provider's own words (an SMTP reply) only in the log.
    expect(page.text).toContain('Not delivered; the details are in the server&#x27;s log');
    expect(page.text).not.toContain('mailbox unavailable');
    expect(page.text).toContain('No consent to offers');
    expect(page.text).not.toContain('no consent for marketing');
    expect(page.text).not.toContain('flaky@example.com');
    expect((await new Phone().get(`${hub.url}/owner/messages`)).status).toBe(303);

    // Erasing a member erases their messages and codes with them.
    expect(await hub.owner.eraseMember(creds.shopNo, bounce.id, 'test', now())).toBe(true);
    expect(await hub.messaging.store.messagesOf(bounce.id)).toEqual([]);
    expect((await new Phone('en-GB').get(`${hub.url}/owner/messages?token=${hub.ownerToken}`)).text).not.toContain('bounce@example.com');
  });

  it("names the shop as its Settings have it: a rename saved by the owner is the next message's name", async () => {
    const saved = await fetch(`${hub.url}/owner/settings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['name', 'Kawiarnia Pod Lipą'],
        ['country', 'PL'],
        ['currency', 'PLN'],
        ['locale', 'pl'],
        ['timeZone', 'Europe/Warsaw'],
        ['languages', 'pl'],
        ['locationName', 'Rynek'],
        ['locationAddress', 'Rynek 1, Kraków'],
      ]).toString(),
    });
    expect(saved.status).toBe(200);
    expect((await joinShop(new Phone(), 'lipa@example.com')).status).toBe(303);
    await until(() => sink.to('lipa@example.com').length === 1, 'the join code');
    const mail = sink.to('lipa@example.com')[0]!;
    expect(mail.subject).toMatch(/^\d{6} to Twój kod do Kawiarnia Pod Lipą$/);
    expect(`${mail.subject}\n${mail.text}`).not.toContain('Kawiarnia Anna');
  });
});

describe('no SMTP_URL', () => {
  it('refuses to start with an SMTP_URL that is not smtp:// or smtps://, saying so', async () => {
    const dir = tempDir('hub-badsmtp');
    try {
      await expect(testHub(dir.dir, { now, smtpUrl: 'http://127.0.0.1:2525' })).rejects.toThrow('SMTP_URL must start with smtp:// or smtps://, got http:');
    } finally {
      dir.remove();
    }
  });

  it('keeps e-mail messages as suppressed: no e-mail configured, and says so at start-up', async () => {
    const dir = tempDir('hub-nomail');
    const lines: string[] = [];
    const bare = await testHub(dir.dir, { now, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain('messages: SMTP_URL not set: no e-mail is sent; e-mail messages are kept as "suppressed: no e-mail configured"');
      const kiosk = await pairedKiosk(bare);
      const url = saleClaimUrl(kiosk, bare.url, { saleNo: 1, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
      expect((await new Phone().join(url, 'ewa@example.com', 'Ewa')).status).toBe(303);
      const member = (await bare.store.memberByContact(kiosk.shopNo, { phone: null, email: 'ewa@example.com' }))!;
      expect(await bare.messaging.store.messagesOf(member.id)).toMatchObject([{ state: 'suppressed', reason: 'no e-mail configured' }]);
    } finally {
      await bare.close();
      dir.remove();
    }
  });
});

describe('the outbox across a restart and between senders', () => {
  it('sends each queued message exactly once when the hub is closed mid-batch and started again', async () => {
    const dir = tempDir('hub-restart');
    const slow = await smtpSink({ delayMs: 40 });
    const options = { now, smtpUrl: slow.url, publicUrl: PUBLIC, messageWorker: { pollMs: 100, batchSize: 5 } };
    let first: Hub | undefined = await testHub(dir.dir, options);
    let second: Hub | undefined;
    try {
      const shopNo = (await first.store.ensureShop('x', 'y')).no;
      for (let i = 0; i < 20; i++) {
        const member = await first.store.joinMember(
          shopNo,
          { name: `M${i}`, phone: null, email: `m${i}@example.com`, consentAt: now().toISOString(), consentText: 'ok' },
          now(),
        );
        await first.messaging.queueWelcome(member, 'en');
      }
      await slow.waitFor(3, 'the first mails of the batch');
      await first.close();
      first = undefined;
      const before = slow.mails.length;
      expect(before).toBeLessThan(20);
      second = await testHub(dir.dir, options);
      await slow.waitFor(20, 'every queued message');
      await second.messaging.drain();
      const ids = slow.mails.map((m) => header(m, 'X-Loyalty-Message'));
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      expect(await second.messaging.store.countByState()).toEqual({ queued: 0, sent: 20, failed: 0, suppressed: 0 });
    } finally {
      await first?.close();
      await second?.close();
      await slow.close();
      dir.remove();
    }
  });

  it('lets a sender claim a message only once its lease ran out, and two claims at once take different messages', async () => {
    const dir = tempDir('hub-lease');
    const store = await HubStore.open({ dataDir: join(dir.dir, 'hub'), databaseUrl: await hubDatabaseUrl(dir.dir) });
    try {
      const messages = new MessageStore(store.db, store.engine);
      const at = now();
      for (let i = 0; i < 10; i++) {
        await messages.enqueue(
          {
            id: `t:${i}`,
            shopNo: 1,
            memberId: null,
            purpose: 'welcome',
            kind: 'service',
            channel: 'email',
            recipient: `t${i}@example.com`,
            locale: 'en',
            subject: 's',
            text: 't',
            html: 'h',
            state: 'queued',
          },
          at,
        );
      }
      const lease = new Date(at.getTime() + 60_000);
      const [a, b] = await Promise.all([messages.claimDue('node-a', at, lease, 5), messages.claimDue('node-b', at, new Date(at.getTime() + 600_000), 5)]);
      expect(a).toHaveLength(5);
      expect(b).toHaveLength(5);
      expect(new Set([...a, ...b].map((m) => m.id)).size).toBe(10);
      // node-a dies holding its five: nobody gets them until the lease ends, then node-b does (a second attempt).
      expect(await messages.claimDue('node-b', new Date(at.getTime() + 30_000), new Date(at.getTime() + 90_000), 10)).toEqual([]);
      const later = new Date(at.getTime() + 61_000);
      const reclaimed = await messages.claimDue('node-b', later, new Date(later.getTime() + 60_000), 10);
      expect(reclaimed.map((m) => m.id).sort()).toEqual(a.map((m) => m.id).sort());
      expect(reclaimed.every((m) => m.attempts === 2)).toBe(true);
      // The dead node's late "sent" changes nothing; the lease holder's does.
      expect(await messages.markSent(a[0]!.id, 'node-a', later)).toBe(false);
      expect(await messages.markSent(a[0]!.id, 'node-b', later)).toBe(true);
      expect((await messages.message(a[0]!.id))?.state).toBe('sent');
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
