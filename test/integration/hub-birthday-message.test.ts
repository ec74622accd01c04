// The birthday message: once a year on the member's birthday on the shop's clock, only with consent
// to offers, never to an erased member, in the member's language, with the program's birthday offer.
// Real parts: the hub on loopback (SQLite, or PostgreSQL in hub-postgres), a real SMTP server
// (smtp-server + mailparser), phones as HTTP clients. The hub's clock is set, never the test's.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { Member } from '../../cloud/store';
import { birthdaysOn } from '../../core/message-rules';
import { addDays, localTime } from '../../core/program/clock';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import { saleClaimUrl } from '../../main/sync/claims';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

const WARSAW = 'Europe/Warsaw';
const DAY = 86_400_000;
// A Wednesday 10:00 in Warsaw: outside the default quiet hours (21:00-08:00), so nothing waits for the morning.
const realClock = clockStartingAt(nextWednesdayMorning(new Date()));
let skewMs = 0;
const now = (): Date => new Date(realClock().getTime() + skewMs);

let tmp: ReturnType<typeof tempDir>;
let sink: SmtpSink;
let hub: Hub;
let creds: KioskCredentials;
let saleNo = 0;

const birthdaysOf = (address: string): ParsedMail[] =>
  sink.to(address).filter((m) => m.headerLines.some((h) => h.key === 'x-loyalty-message' && h.line.includes('birthday:')));
const saleUrl = (): string => saleClaimUrl(creds, hub.url, { saleNo: ++saleNo, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;

/** Joins with a birthday `days` from the hub's today (shop's clock); offers granted on the card when `offers`. */
async function joined(email: string, language: string, days: number, offers: boolean): Promise<Member> {
  const [, month, day] = addDays(localTime(now(), WARSAW).date, days).split('-').map(Number) as [number, number, number];
  const phone = new Phone(language);
  const answer = await phone.post(saleUrl(), { mode: 'join', name: 'Ewa', contact: email, consent: 'yes', birthDay: String(day), birthMonth: String(month) });
  expect(answer.status).toBe(303);
  if (offers) expect((await phone.post(`${hub.url}/m/offers`, { offers: 'yes' })).status).toBe(303);
  return (await hub.store.memberByContact(creds.shopNo, { phone: null, email }))!;
}

beforeAll(async () => {
  tmp = tempDir('hub-birthday');
  sink = await smtpSink();
  hub = await testHub(tmp.dir, {
    now,
    smtpUrl: sink.url,
    smtpFrom: 'kawiarnia@kawiarnia.test',
    publicUrl: 'http://kawiarnia.test',
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100, firstPlanMs: 3_600_000 },
  });
  // The demo program with a birthday bonus on the day itself, 30 points.
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT) as unknown as { rules: unknown[] };
  document.rules = [...document.rules, { type: 'birthday', id: 'birthday-day', points: 30, window: 'day' }];
  for (const shop of await hub.store.db.selectFrom('shops').select('no').execute()) await hub.store.setProgram(shop.no, document as never);
  creds = await pairedKiosk(hub);
});

afterAll(async () => {
  await hub?.close();
  await sink?.close();
  tmp?.remove();
});

describe('which birthdays a day celebrates', () => {
  it('29 February on 28 February of a year without it, and on its own day in a leap year', () => {
    expect(birthdaysOn('2027-02-28')).toEqual(['02-28', '02-29']);
    expect(birthdaysOn('2028-02-28')).toEqual(['02-28']);
    expect(birthdaysOn('2028-02-29')).toEqual(['02-29']);
    expect(birthdaysOn('2027-07-14')).toEqual(['07-14']);
  });
});

describe('the birthday message', () => {
  it('goes once on the day, in the member’s language, with consent to offers only, and never to an erased member', async () => {
    const ewa = await joined('ewa@example.com', 'pl-PL,pl;q=0.9', 0, true);
    const tom = await joined('tom@example.com', 'en-GB', 0, true);
    const nope = await joined('nope@example.com', 'pl-PL', 0, false);
    const gone = await joined('gone@example.com', 'de-DE', 0, true);
    const later = await joined('later@example.com', 'pl-PL', 1, true);
    expect(await hub.owner.eraseMember(creds.shopNo, gone.id, 'owner', now())).toBe(true);

    expect(await hub.messaging.planBirthdays(now())).toBe(2);
    await until(() => birthdaysOf('ewa@example.com').length === 1 && birthdaysOf('tom@example.com').length === 1, 'two birthday e-mails');
    const pl = birthdaysOf('ewa@example.com')[0]!;
    expect(pl.subject).toBe('Wszystkiego najlepszego od Kawiarnia Anna!');
    expect(pl.text).toContain('Dzień dobry, Ewa!');
    expect(pl.text).toContain('Odwiedź nas dziś, a dostaniesz 30 punktów bonusu.');
    expect(pl.text).toContain('http://kawiarnia.test/m/open');
    // An offer: one-click unsubscribe (RFC 8058).
    expect(pl.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const en = birthdaysOf('tom@example.com')[0]!;
    expect(en.subject).toBe('Happy birthday from Kawiarnia Anna!');
    expect(en.text).toContain('Visit us today for 30 bonus points.');

    // Without consent to offers: kept as suppressed, with why; the erased member: no message at all.
    const year = localTime(now(), WARSAW).date.slice(0, 4);
    expect(await hub.messaging.store.message(`birthday:${nope.id}:${year}`)).toMatchObject({ state: 'suppressed', reason: 'no consent for marketing' });
    expect(await hub.messaging.store.message(`birthday:${gone.id}:${year}`)).toBeUndefined();
    expect(await hub.messaging.store.message(`birthday:${later.id}:${year}`)).toBeUndefined();

    // The daily job again the same day, and later that day: nothing new.
    expect(await hub.messaging.planBirthdays(now())).toBe(0);
    expect(await hub.messaging.planBirthdays(new Date(now().getTime() + 3_600_000))).toBe(0);
    await hub.messaging.drain();
    expect(birthdaysOf('ewa@example.com')).toHaveLength(1);
    expect(birthdaysOf('nope@example.com')).toHaveLength(0);
    expect(birthdaysOf('gone@example.com')).toHaveLength(0);

    // The next day is the other member's birthday: one message, to them.
    skewMs += DAY;
    expect(await hub.messaging.planBirthdays(now())).toBe(1);
    await until(() => birthdaysOf('later@example.com').length === 1, "the next day's birthday e-mail");
    expect(birthdaysOf('ewa@example.com')).toHaveLength(1);
    expect(await hub.messaging.store.message(`birthday:${ewa.id}:${year}`)).toMatchObject({ state: 'sent', locale: 'pl' });
    expect(await hub.messaging.store.message(`birthday:${tom.id}:${year}`)).toMatchObject({ state: 'sent', locale: 'en' });
  });
});
