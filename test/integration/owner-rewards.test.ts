// The owner's Rewards section on a real hub over HTTP: a program written in English with Polish and
// German reward names; a member joins on her phone and takes a voucher for "5 zł off" on her card. The
// page lists the program's rewards in the owner's language with their cost and the redemption, and the
// open voucher by the member's name and contact with its expiry on the shop's clock, never an id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { formatInstant } from '../../core/i18n/dates';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { rewardKeyOf } from '../../core/tokens';
import { Phone, pairedKiosk, saleUrl, tempDir, testHub } from '../support/hub-harness';

const program = structuredClone(DEMO_PROGRAM_DOCUMENT) as typeof DEMO_PROGRAM_DOCUMENT & Record<string, unknown>;
program.locale = 'en';
Object.assign(program.rewards[0]!, { names: { pl: 'Darmowa kawa', de: 'Gratis-Kaffee' } });
Object.assign(program.rewards[2]!, { names: { pl: 'Rabat 5 zł', de: '5 zł Rabatt' } });

let hub: Hub;
let remove: () => void;
let memberId: string;

beforeAll(async () => {
  const temp = tempDir('owner-rewards');
  remove = temp.remove;
  hub = await testHub(temp.dir);
  await hub.store.setProgram(1, program);
  const till = await pairedKiosk(hub);
  const phone = new Phone('pl-PL,pl;q=0.9');
  expect((await phone.join(saleUrl(hub, till, 1, 70), 'zofia@example.com', 'Zofia')).location).toMatch(/^\/m\?claimed=/);
  expect((await phone.post(`${hub.url}/m/redeem`, { reward: String(rewardKeyOf('five-zl')) })).status).toBe(200);
  memberId = (await hub.store.memberByContact(1, { phone: null, email: 'zofia@example.com' }))!.id;
}, 60_000);
afterAll(async () => {
  await hub?.close();
  remove?.();
});

const ownerPage = async (path: string, language: string, auth = true): Promise<{ status: number; text: string; location: string | null }> => {
  const res = await fetch(`${hub.url}${path}`, {
    redirect: 'manual',
    headers: { 'accept-language': language, ...(auth ? { authorization: `Bearer ${hub.ownerToken}` } : {}) },
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
};
/** The body rows of a table as cell texts (tags stripped). */
const rows = (html: string, id: string): string[][] => {
  const body = new RegExp(`<table id="${id}">.*?<tbody>(.*?)</tbody>`, 's').exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) => [...r[1]!.matchAll(/<td(?: [^>]*)?>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')));
};
const shopZone = async (): Promise<string> =>
  ((await (await fetch(`${hub.url}/owner/settings`, { headers: { authorization: `Bearer ${hub.ownerToken}` } })).json()) as { settings: { timeZone: string } })
    .settings.timeZone;

describe("the owner's Rewards section", () => {
  it('is the owner’s only: without credentials the browser goes to the sign-in', async () => {
    const page = await ownerPage('/owner/rewards', 'en', false);
    expect([page.status, page.location]).toEqual([303, '/owner/login']);
    expect(page.text).not.toContain('zofia@example.com');
  });

  it('lists the rewards in the owner’s language with their cost and redemptions, and the open voucher by name, contact and expiry', async () => {
    const [open] = await hub.store.openVouchers(1, new Date());
    expect(open).toBeDefined();
    const zone = await shopZone();
    for (const [language, locale, names, cost, redeemed] of [
      ['de-DE,de;q=0.9', 'de', ['Gratis-Kaffee', '10% off', '5 zł Rabatt'], ['9 Stempel', '100 Punkte', '60 Punkte'], 'Eingelöst in den letzten 30 Tagen'],
      ['pl-PL,pl;q=0.9', 'pl', ['Darmowa kawa', '10% off', 'Rabat 5 zł'], ['9 pieczątek', '100 punktów', '60 punktów'], 'Odebrane w ostatnich 30 dniach'],
      ['cs-CZ,cs;q=0.9', 'cs', ['Free coffee', '10% off', '5 zł off'], ['9 razítek', '100 bodů', '60 bodů'], 'Uplatněno za posledních 30 dní'],
    ] as const) {
      const page = await ownerPage('/owner/rewards', language);
      expect(page.status).toBe(200);
      expect(page.text).toContain(redeemed);
      expect(page.text).toMatch(/<a href="\/owner\/rewards" id="nav-rewards" aria-current="page">/);
      expect(rows(page.text, 'reward-catalog')).toEqual([
        [names[0], cost[0], '0'],
        [names[1], cost[1], '0'],
        [names[2], cost[2], '1'],
      ]);
      expect(rows(page.text, 'open-vouchers')).toEqual([[names[2], 'Zofia', 'zofia@example.com', formatInstant(open!.expiresAt, locale, zone)]]);
      // Every open voucher is listed: no word of a cut list.
      expect(page.text).not.toContain('id="open-vouchers-cut"');
      // No internal id and no raw ISO date on the page.
      expect(page.text).not.toContain(memberId);
      expect(page.text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });

  it('a voucher past its expiry is not open any more', async () => {
    const [open] = await hub.store.openVouchers(1, new Date());
    expect(await hub.store.openVouchers(1, new Date(Date.parse(open!.expiresAt)))).toEqual([]);
    expect(await hub.store.openVouchers(1, new Date(Date.parse(open!.expiresAt) - 1))).toHaveLength(1);
  });

  it('says when the open vouchers are more than it lists: the 500 that expire first, of how many', async () => {
    const now = new Date();
    const [first] = await hub.store.openVouchers(1, now);
    // 501 more open vouchers for Zofia, each expiring after hers (stored as issued vouchers are; set-up only, no ledger holds needed for the list).
    const later = Date.parse(first!.expiresAt);
    await hub.store.db
      .insertInto('vouchers')
      .values(
        Array.from({ length: 501 }, (_, i) => ({
          id: `bulk-voucher-${i}`,
          member_id: memberId,
          reward_key: first!.rewardKey,
          reward_id: first!.rewardId,
          created_at: now.toISOString(),
          cost_points: 60,
          cost_stamps: 0,
          expires_at: new Date(later + (i + 1) * 60_000).toISOString(),
          status: 'held',
        })),
      )
      .execute();
    expect(await hub.store.openVoucherCount(1, now)).toBe(502);
    const zone = await shopZone();
    for (const [language, locale, cut] of [
      ['en-GB,en;q=0.9', 'en', 'Showing the 500 vouchers that expire first, of 502 open.'],
      ['pl-PL,pl;q=0.9', 'pl', 'Pokazano 500 voucherów, które wygasają najwcześniej, z 502 ważnych.'],
      ['hu-HU,hu;q=0.9', 'hu', 'A legkorábban lejáró 500 utalvány látható, összesen 502 érvényes van.'],
      ['sk-SK,sk;q=0.9', 'sk', 'Zobrazuje sa 500 poukážok, ktorým platnosť končí najskôr, z 502 platných.'],
      ['cs-CZ,cs;q=0.9', 'cs', 'Zobrazuje se 500 poukazů, jejichž platnost končí nejdříve, z 502 platných.'],
      ['de-DE,de;q=0.9', 'de', 'Angezeigt werden die 500 Gutscheine, die zuerst ablaufen, von 502 offenen.'],
    ] as const) {
      const page = await ownerPage('/owner/rewards', language);
      expect(page.status).toBe(200);
      expect(/<p id="open-vouchers-cut">([^<]*)<\/p>/.exec(page.text)?.[1]).toBe(cut);
      const listed = rows(page.text, 'open-vouchers');
      expect(listed).toHaveLength(500);
      // The soonest to expire first (Zofia's own), the 501st bulk voucher (the latest) left off.
      expect(listed[0]![3]).toBe(formatInstant(first!.expiresAt, locale, zone));
      expect(listed[499]![3]).toBe(formatInstant(new Date(later + 499 * 60_000), locale, zone));
    }
  });
});
