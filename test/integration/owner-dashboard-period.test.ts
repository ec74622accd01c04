// The owner dashboard's dates on the shop's clock: the default period ("the last 30 days") is counted
// in the shop's days (the time zone of its settings, read through the hub's injected clock), and a bad
// period gets a hint in the owner's language with today's date as the owner reads dates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { formatInstant } from '../../core/i18n/dates';
import { addDays, localTime } from '../../core/program/clock';
import { nextWarsawWeekday } from '../support/dates';
import { saveShopSettings, tempDir, testHub } from '../support/hub-harness';

// Twenty minutes after midnight in Warsaw on a Thursday: still Wednesday in UTC and in London.
const AFTER_MIDNIGHT = new Date(nextWarsawWeekday(4, '00:20', new Date()));
const THURSDAY = localTime(AFTER_MIDNIGHT, 'Europe/Warsaw').date;

let hub: Hub;
let remove: () => void;
let now = AFTER_MIDNIGHT;

async function dashboard(query = '', acceptLanguage = 'en-GB'): Promise<{ status: number; html: string }> {
  const res = await fetch(`${hub.url}/owner${query}`, { headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': acceptLanguage } });
  return { status: res.status, html: await res.text() };
}
const input = (html: string, name: string): string | undefined => new RegExp(`<input type="date" name="${name}" value="([^"]*)"`).exec(html)?.[1];

beforeAll(async () => {
  const temp = tempDir('owner-period');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => now });
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

describe("the dashboard's default period", () => {
  it("is the last 30 of the shop's days and today, just after midnight in Warsaw", async () => {
    // UTC still says Wednesday; the shop (Warsaw, the start-up program's zone) is on Thursday.
    expect(AFTER_MIDNIGHT.toISOString().slice(0, 10)).toBe(addDays(THURSDAY, -1));
    const { status, html } = await dashboard();
    expect(status).toBe(200);
    expect(input(html, 'from')).toBe(addDays(THURSDAY, -30));
    expect(input(html, 'to')).toBe(addDays(THURSDAY, 1));
  });

  it('and just before midnight, still the same day', async () => {
    now = new Date(nextWarsawWeekday(4, '23:50', new Date()));
    try {
      const day = localTime(now, 'Europe/Warsaw').date;
      const { html } = await dashboard();
      expect(input(html, 'from')).toBe(addDays(day, -30));
      expect(input(html, 'to')).toBe(addDays(day, 1));
    } finally {
      now = AFTER_MIDNIGHT;
    }
  });

  it("follows the time zone of the shop's settings, not the program's", async () => {
    await saveShopSettings(hub, { timeZone: 'Europe/London' });
    try {
      // 23:20 on Wednesday in London.
      const { html } = await dashboard();
      expect(input(html, 'from')).toBe(addDays(THURSDAY, -31));
      expect(input(html, 'to')).toBe(THURSDAY);
    } finally {
      await saveShopSettings(hub, { timeZone: 'Europe/Warsaw' });
    }
    expect(input((await dashboard()).html, 'to')).toBe(addDays(THURSDAY, 1));
  });
});

describe('a bad period', () => {
  it.each([
    ['pl', 'pl-PL,pl;q=0.9', 'Wybierz datę początkową'],
    ['de', 'de-DE,de;q=0.9', 'Wählen Sie ein Startdatum'],
    ['hu', 'hu-HU', 'Válasszon a záró dátumnál'],
    ['en', 'en-GB', 'Choose a start date'],
  ] as const)('%s: says what to change in the owner’s language, with today as the owner reads a date', async (locale, acceptLanguage, hint) => {
    for (const query of ['?from=2026-13-40', `?from=${THURSDAY}&to=${addDays(THURSDAY, -1)}`, '?inactive=-3']) {
      const { status, html } = await dashboard(query, acceptLanguage);
      expect(status, query).toBe(400);
      expect(html).toContain(hint);
      expect(html).toContain(formatInstant(AFTER_MIDNIGHT, locale, 'Europe/Warsaw', 'date'));
      // No raw date and no English left over (the form's date pickers take care of the format).
      expect(html).not.toMatch(/today is \d{4}-\d{2}-\d{2}/);
      expect(html.replace(/<[^>]*>/g, '')).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
      expect(html).toContain('href="/owner"');
    }
  });
});
