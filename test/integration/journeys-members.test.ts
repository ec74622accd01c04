// Journeys of one member across the shop, in real processes (test/support/journey-shop.ts): the hub
// as `npm run hub`, two kiosks as `npm start -- --headless`, the till over each kiosk's HTTP API and
// a phone speaking HTTP with its cookie. A phone joins with a sale rung at kiosk A; kiosk B finds the
// same member, with her points, by the number written two other ways. The owner erases her: neither
// kiosk finds her any more and her phone's old cookie opens nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberView } from '../../core/till-api';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';

let shop: JourneyShop;
let a: KioskProcess;
let b: KioskProcess;
const phone = new Phone();

beforeAll(async () => {
  shop = await startJourneyShop('journeys-members');
  [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
}, 150_000);

afterAll(async () => {
  await shop?.stop();
});

/** The card's balance as the phone's page shows it. */
async function cardBalance(): Promise<number> {
  const card = await phone.get(`${shop.hub.url}/m`);
  expect(card.status).toBe(200);
  return Number(/id="balance">(\d+)</.exec(card.text)?.[1]);
}

describe('journey: one member, every kiosk', () => {
  let anna: MemberView;

  it('a phone joins with "600 100 200" at kiosk A; kiosk B finds her by +48600100200 and 0048 600-100-200 with her points', async () => {
    const sale = await a.sale('A-1001', 1840);
    expect(sale.points).toBeGreaterThan(0);
    const joined = await phone.join(sale.claimUrl, '600 100 200', 'Anna Kowalska');
    expect(joined.status).toBe(303);
    const points = await cardBalance();
    // The sale's points; the welcome bonus is held until her number is proven, and this hub (as with
    // `npm start`) has no SMS sender, so the card says so in words instead of asking for a code.
    expect(points).toBe(sale.points);
    expect((await phone.get(`${shop.hub.url}/m`)).text).toContain('id="verify-unsendable"');

    await until(async () => (await b.search('+48600100200'))[0]?.points === points, 'kiosk B to find the phone member with her points');
    anna = (await b.search('+48600100200'))[0]!;
    expect(anna).toMatchObject({ name: 'Anna Kowalska', points });
    expect(await b.search('0048 600-100-200')).toEqual([anna]);
    expect(await b.search('600100200')).toEqual([anna]);
    // Kiosk A, where she joined, knows her as the same member.
    await until(async () => (await a.search('+48 600 100 200'))[0]?.points === points, 'kiosk A to have her points');
    expect((await a.search('+48 600 100 200'))[0]!.code).toBe(anna.code);
    expect((await b.till('GET', `/v1/members/${encodeURIComponent('0048 600-100-200')}`)).json).toMatchObject({ code: anna.code, points });
  });

  it("the owner erases her: kiosks A and B find nothing by name, phone or code, and her phone's old cookie opens nothing", async () => {
    const oldCookie = phone.cookie;
    expect(oldCookie).not.toBe('');
    // The owner finds her in the back office and erases her (the owner API with the owner token).
    const list = await shop.hub.owner('GET', `/owner/members?q=${encodeURIComponent('Kowalska')}`);
    expect(list.status).toBe(200);
    const ids = [...new Set([...list.text.matchAll(/href="\/owner\/members\/([^"?/]+)"/g)].map((m) => decodeURIComponent(m[1]!)))];
    expect(ids).toHaveLength(1);
    const erased = await shop.hub.owner('POST', `/owner/members/${encodeURIComponent(ids[0]!)}/erase`, { confirm: 'ERASE' });
    expect(erased.status).toBe(303);

    for (const kiosk of [a, b]) {
      await until(async () => (await kiosk.search('Kowalska')).length === 0, `kiosk ${kiosk.name} to forget her`);
      expect(await kiosk.search('+48600100200')).toEqual([]);
      expect(await kiosk.search('0048 600-100-200')).toEqual([]);
      expect(await kiosk.search(anna.code)).toEqual([]);
      expect((await kiosk.till('GET', `/v1/members/${encodeURIComponent(anna.code)}`)).status).toBe(404);
    }

    // The phone still sends its old cookie: the card does not open, nothing about her is shown.
    const card = await phone.get(`${shop.hub.url}/m`);
    expect(card.status).toBe(401);
    expect(card.text).not.toContain('Anna');
    expect((await phone.post(`${shop.hub.url}/m/redeem`, { reward: '1' })).status).toBe(401);
    expect(phone.cookie).toBe(oldCookie);
  });
});
