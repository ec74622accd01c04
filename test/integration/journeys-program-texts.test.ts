// Program texts per language on paper, in real processes (test/support/journey-shop.ts): the hub as
// `npm run hub`, a kiosk as `npm start -- --headless` printing ESC/POS over TCP to a VirtualPrinter on
// loopback that decodes the bytes back to text. The owner publishes a program written in English with
// Polish and German names for the coffee card and the free coffee, and makes the shop Polish (the
// program's language follows, its Polish texts becoming its own): the kiosk's receipt for a member's
// coffees names the card and the reward in Polish, never in English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMessage } from '../../core/i18n/catalog';
import { receiptMessages } from '../../core/i18n/receipt';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { MemberView } from '../../core/till-api';
import { saveShopSettings } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';

let shop: JourneyShop;
let a: KioskProcess;

/** The demo café written in English, with Polish and German texts for its coffee card, its Tuesday campaign and its free coffee. */
function multilingualProgram(): unknown {
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT) as typeof DEMO_PROGRAM_DOCUMENT & Record<string, unknown>;
  document.locale = 'en';
  Object.assign(document.rules[1]!, { label: 'coffee card', labels: { pl: 'karta kawowa', de: 'Kaffeekarte' } });
  Object.assign(document.rules[2]!, { label: 'x2 Tuesday', labels: { pl: 'x2 wtorek', de: 'x2 Dienstag' } });
  Object.assign(document.rewards[0]!, { names: { pl: 'Darmowa kawa', de: 'Gratis-Kaffee' } });
  return document;
}

beforeAll(async () => {
  shop = await startJourneyShop('journeys-program-texts', ['Till A']);
  [a] = shop.kiosks as [KioskProcess];
}, 150_000);

afterAll(async () => {
  await shop?.stop();
});

describe('journey: program texts on a Polish kiosk’s receipt', () => {
  it('prints the Polish card and reward names of a program written in English', async () => {
    // A program in English is taken once the shop offers English (its settings are the languages' home).
    const offered = await saveShopSettings(shop.hub, { languages: ['pl', 'en', 'de'], locationName: 'Till A', locationAddress: '' });
    expect(offered.status, await offered.clone().text()).toBe(200);
    const put = await fetch(`${shop.hub.url}/owner/program`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${shop.hub.ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(multilingualProgram()),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const { version } = (await put.json()) as { version: number };
    const saved = await saveShopSettings(shop.hub, { languages: ['pl', 'en', 'de'], locationName: 'Till A', locationAddress: '' });
    expect(saved.status, await saved.clone().text()).toBe(200);
    // The shop's new language is the program's (a new version): the Polish texts became its own, the English ones went beside them.
    const program = JSON.parse((await shop.hub.owner('GET', '/owner/program')).text) as {
      locale: string;
      rules: { label?: string; labels?: Record<string, string> }[];
      rewards: { name: string; names?: Record<string, string> }[];
    };
    expect(program.locale).toBe('pl');
    expect(program.rules[1]).toMatchObject({ label: 'karta kawowa', labels: { en: 'coffee card', de: 'Kaffeekarte' } });
    expect(program.rewards[0]).toMatchObject({ name: 'Darmowa kawa', names: { en: 'Free coffee', de: 'Gratis-Kaffee' } });
    // The kiosk confirmed that version and took the shop's language.
    const versions = async (): Promise<{ version: number; kiosks: string[] }[]> =>
      (await fetch(`${shop.hub.url}/owner/program/versions`, { headers: { authorization: `Bearer ${shop.hub.ownerToken}` } })).json() as Promise<
        { version: number; kiosks: string[] }[]
      >;
    await until(async () => (await versions()).some((v) => v.version > version && v.kiosks.includes('Till A')), 'kiosk A to confirm the Polish program');
    await until(async () => (await a.health()).shop.locale === 'pl' && (await a.health()).shop.fromHub, "the shop's Polish settings at kiosk A");

    const enrolled = await a.till('POST', '/v1/members', { contact: 'ola@example.com', name: 'Ola' });
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    const member = enrolled.json as unknown as MemberView;
    // Nine coffees: nine stamps of the card, the free coffee is ready.
    const lines = [{ name: 'Latte', quantity: 9, total: { amount: 4500, currency: 'PLN' }, category: 'coffee' }];
    await a.sale('A-1', 4500, { memberCode: member.code, lines });
    await until(() => a.receiptOf('A-1') !== undefined, "kiosk A's receipt for A-1");
    const receipt = a.receiptOf('A-1')!;
    const text = receipt.lines.join('\n');

    expect(receipt.lines.some((line) => /^karta kawowa +\+9 /.test(line.trim()))).toBe(true);
    expect(receipt.lines.map((line) => line.trim())).toContain(formatMessage(receiptMessages, 'pl', 'rewardReady', { reward: 'Darmowa kawa' }));
    expect(text).toContain(formatMessage(receiptMessages, 'pl', 'earned'));
    expect(text).not.toMatch(/coffee card|Free coffee|Kaffeekarte|Gratis-Kaffee/);
  });
});
