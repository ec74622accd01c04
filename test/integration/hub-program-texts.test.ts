// Program texts per language on a real hub (core/program/texts.ts): a program written in English with
// Polish and German reward names; phones join over HTTP and their member card names the rewards and the
// progress in the phone's language, a language with no text of its own gets the program's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import { Phone, pairedKiosk, saleUrl, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let till: KioskCredentials;

beforeAll(async () => {
  tmp = tempDir('program-texts');
  hub = await testHub(tmp.dir);
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT) as typeof DEMO_PROGRAM_DOCUMENT & Record<string, unknown>;
  document.locale = 'en';
  document.rules = document.rules.filter((rule) => rule.type !== 'multiplier');
  Object.assign(document.rewards[0]!, { names: { pl: 'Darmowa kawa', de: 'Gratis-Kaffee' } });
  Object.assign(document.rewards[2]!, { names: { pl: 'Rabat 5 zł', de: '5 zł Rabatt' } });
  await hub.store.setProgram(1, document);
  till = await pairedKiosk(hub);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

const rewardsOn = (card: string): string[] => [...card.matchAll(/<div class="row"><span>([^<]*)<\/span><span class="muted cost">/g)].map((m) => m[1]!);
const progressOn = (card: string): string => /<p id="progress">([^<]*)<\/p>/.exec(card)?.[1] ?? '';

describe('program texts on the member card', () => {
  it('shows the German names on a German phone, the Polish ones on a Polish phone, the program’s own elsewhere', async () => {
    const cards: Record<string, string> = {};
    for (const [n, language, contact] of [
      [1, 'de-DE', 'dora@example.com'],
      [2, 'pl-PL', 'pola@example.com'],
      [3, 'cs-CZ', 'cyril@example.com'],
    ] as const) {
      const phone = new Phone(language);
      expect((await phone.join(saleUrl(hub, till, n), contact, 'Kunde')).location).toMatch(/^\/m\?claimed=/);
      const card = await phone.get(`${hub.url}/m`);
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
});
