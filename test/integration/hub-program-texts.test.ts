// Program texts per language on a real hub (core/program/texts.ts): a program written in English with
// Polish and German reward and stamp-card names; phones join over HTTP and their member card names the
// rewards, the progress and the history in the phone's language, a language with no text of its own gets
// the program's; the owner's member page names the history in the owner's language; the "reward ready"
// e-mail (to a real SMTP server on loopback) names the reward in the member's language.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { rewardKeyOf } from '../../core/tokens';
import { Phone, saleUrl, startMailHub, type MailHub } from '../support/hub-harness';
import { until } from '../support/until';

const program = structuredClone(DEMO_PROGRAM_DOCUMENT) as typeof DEMO_PROGRAM_DOCUMENT & Record<string, unknown>;
program.locale = 'en';
program.rules = program.rules.filter((rule) => rule.type !== 'multiplier');
Object.assign(program.rules[1]!, { label: 'coffee card', labels: { pl: 'karta kawowa', de: 'Kaffeekarte' } });
Object.assign(program.rewards[0]!, { names: { pl: 'Darmowa kawa', de: 'Gratis-Kaffee' } });
Object.assign(program.rewards[2]!, { names: { pl: 'Rabat 5 zł', de: '5 zł Rabatt' } });

let shop: MailHub;
beforeAll(async () => {
  shop = await startMailHub('program-texts', { program });
}, 60_000);
afterAll(() => shop?.close());

const rewardsOn = (card: string): string[] => [...card.matchAll(/<div class="row"><span>([^<]*)<\/span><span class="muted cost">/g)].map((m) => m[1]!);
const progressOn = (card: string): string => /<p id="progress">([^<]*)<\/p>/.exec(card)?.[1] ?? '';
/** The card's history lines, each "date label". */
const historyOn = (card: string): string[] => [...card.matchAll(/<li><span class="row"><span>([^<]*)<\/span>/g)].map((m) => m[1]!);
/** The label column of the owner's member page's history table. */
const ownerHistory = (html: string): string[] => {
  const body = /<table id="history">.*?<tbody>(.*?)<\/tbody>/s.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) => [...row[1]!.matchAll(/<td>(.*?)<\/td>/gs)].at(-1)?.[1] ?? '');
};
const ownerPage = async (path: string, language: string): Promise<{ status: number; text: string }> => {
  const res = await fetch(`${shop.hub.url}${path}`, { headers: { authorization: `Bearer ${shop.hub.ownerToken}`, 'accept-language': language } });
  return { status: res.status, text: await res.text() };
};
const header = (mail: ParsedMail, name: string): string | undefined =>
  mail.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '');
const rewardReadyMails = (address: string): ParsedMail[] => shop.sink.to(address).filter((m) => header(m, 'X-Loyalty-Message')?.startsWith('rewardReady:'));

describe('program texts on the member card', () => {
  it('shows the German names on a German phone, the Polish ones on a Polish phone, the program’s own elsewhere', async () => {
    const cards: Record<string, string> = {};
    for (const [n, language, contact] of [
      [1, 'de-DE', 'dora@example.com'],
      [2, 'pl-PL', 'pola@example.com'],
      [3, 'cs-CZ', 'cyril@example.com'],
    ] as const) {
      const phone = new Phone(language);
      expect((await phone.join(saleUrl(shop.hub, shop.till, n), contact, 'Kunde')).location).toMatch(/^\/m\?claimed=/);
      const card = await phone.get(`${shop.hub.url}/m`);
      expect(card.status).toBe(200);
      cards[language] = card.text;
    }
    expect(rewardsOn(cards['de-DE']!)).toEqual(['Gratis-Kaffee', '10% off', '5 zł Rabatt']);
    expect(rewardsOn(cards['pl-PL']!)).toEqual(['Darmowa kawa', '10% off', 'Rabat 5 zł']);
    expect(rewardsOn(cards['cs-CZ']!)).toEqual(['Free coffee', '10% off', '5 zł off']);
    // 18 points of 60 for "5 zł off": the progress line names it in the phone's language.
    expect(progressOn(cards['de-DE']!)).toContain('5 zł Rabatt');
    expect(progressOn(cards['pl-PL']!)).toContain('Rabat 5 zł');
    expect(progressOn(cards['cs-CZ']!)).toContain('5 zł off');
  });

  it('names the card and the reward in the history: on the phone in its language, on the owner’s member page in the owner’s', async () => {
    const phone = new Phone('de-DE');
    // 70 points and a stamp of the coffee card; "5 zł off" (60 points) redeemed on the card holds its points.
    expect((await phone.join(saleUrl(shop.hub, shop.till, 11, 70), 'dieter@example.com', 'Dieter')).location).toMatch(/^\/m\?claimed=/);
    const voucher = await phone.post(`${shop.hub.url}/m/redeem`, { reward: String(rewardKeyOf('five-zl')) });
    expect(voucher.status).toBe(200);
    expect(voucher.text).toContain('5 zł Rabatt');
    const card = await phone.get(`${shop.hub.url}/m`);
    const lines = historyOn(card.text);
    expect(lines.some((line) => line.endsWith(' 5 zł Rabatt'))).toBe(true);
    expect(lines.some((line) => line.endsWith(' Kaffeekarte'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/5 zł off|coffee card/);

    const member = (await shop.hub.store.memberByContact(1, { phone: null, email: 'dieter@example.com' }))!;
    const path = `/owner/members/${encodeURIComponent(member.id)}`;
    const polish = await ownerPage(path, 'pl-PL');
    expect(polish.status).toBe(200);
    expect(ownerHistory(polish.text)).toEqual(expect.arrayContaining(['Rabat 5 zł', 'karta kawowa']));
    expect(ownerHistory(polish.text)).not.toEqual(expect.arrayContaining(['5 zł off']));
    // Czech has no texts of its own: the program's English stands.
    expect(ownerHistory((await ownerPage(path, 'cs-CZ')).text)).toEqual(expect.arrayContaining(['5 zł off', 'coffee card']));
  });
});

describe('program texts in the "reward ready" e-mail', () => {
  it('names the reward in the member’s language, the program’s own where the language has none', async () => {
    for (const [n, language, address] of [
      [21, 'pl-PL', 'paula@example.com'],
      [23, 'cs-CZ', 'cenek@example.com'],
    ] as const) {
      const phone = new Phone(language);
      // Joined with 10 points (the welcome waits for the e-mail to be proven); then 55 more: "5 zł off" (60) is ready.
      expect((await phone.join(saleUrl(shop.hub, shop.till, n, 10), address, 'Klient')).location).toMatch(/^\/m\?claimed=/);
      expect((await phone.post(saleUrl(shop.hub, shop.till, n + 1, 55), { mode: 'member' })).status).toBe(303);
    }
    await until(() => rewardReadyMails('paula@example.com').length === 1 && rewardReadyMails('cenek@example.com').length === 1, 'both reward-ready e-mails');
    const polish = rewardReadyMails('paula@example.com')[0]!;
    expect(polish.subject).toBe('Rabat 5 zł czeka na Ciebie w Kawiarnia Anna');
    expect(polish.text).toContain('Rabat 5 zł');
    expect(polish.text).not.toContain('5 zł off');
    expect(rewardReadyMails('cenek@example.com')[0]!.subject).toBe('5 zł off na vás čeká v Kawiarnia Anna');
  });
});
