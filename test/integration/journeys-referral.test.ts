// Referral paid by a till sale, in real processes (test/support/journey-shop.ts): the hub as
// `npm run hub` with a loopback SMTP server, a kiosk as `npm start -- --headless`, the till over the
// kiosk's HTTP API, phones speaking HTTP with their cookie. Member A's card shows her referral link; a
// friend opens it on her phone, joins, proves her e-mail with the code mailed to it; her first purchase
// is a till sale carrying her member code at the kiosk. The kiosk knows nothing of the referral: the
// hub pays both sides when the sale syncs, once, and both balances reach the kiosk's replica and the
// phones' cards. A second till sale pays no more. The till voids the friend's first purchase: the kiosk
// holds the referral the hub derived (saleEntriesDerived), so the void takes it back from both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { MemberView } from '../../core/till-api';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { smtpSink, type SmtpSink } from '../support/smtp-sink';
import { until } from '../support/until';

const REFERRER_POINTS = 40;
const REFERRED_POINTS = 20;

let sink: SmtpSink;
let shop: JourneyShop;
let kiosk: KioskProcess;

beforeAll(async () => {
  sink = await smtpSink();
  shop = await startJourneyShop('journeys-referral', ['Till A'], { hubEnv: { SMTP_URL: sink.url, SMTP_FROM: 'kawiarnia@kawiarnia.test' } });
  [kiosk] = shop.kiosks as [KioskProcess];
  // The demo program with a referral rule, without its Tuesday campaign (the processes run on the system clock).
  const rules = [
    ...DEMO_PROGRAM_DOCUMENT.rules.filter((rule) => rule.type !== 'multiplier'),
    { type: 'referral', id: 'referral', referrerPoints: REFERRER_POINTS, referredPoints: REFERRED_POINTS },
  ];
  const program = { ...structuredClone(DEMO_PROGRAM_DOCUMENT), rules };
  const res = await fetch(`${shop.hub.url}/owner/program`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${shop.hub.ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(program),
  });
  expect(res.status).toBe(200);
}, 150_000);

afterAll(async () => {
  await shop?.stop();
  await sink?.close();
});

/** The card's balance as the phone's page shows it. */
async function cardBalance(phone: Phone): Promise<number> {
  const card = await phone.get(`${shop.hub.url}/m`);
  expect(card.status).toBe(200);
  return Number(/id="balance">(-?\d+)</.exec(card.text)?.[1]);
}

/** The member as the kiosk's replica has her (the till API's member view). */
async function atKiosk(query: string): Promise<MemberView | undefined> {
  return (await kiosk.search(query))[0];
}

/** The code mailed to `address` last, typed on the card. */
async function proveByMail(phone: Phone, address: string, mails: number): Promise<void> {
  await until(() => sink.to(address).length >= mails, `the code mailed to ${address}`);
  const code = /\b(\d{6})\b/.exec(sink.to(address).at(-1)!.subject ?? '')?.[1];
  expect(code, `a code in the mail to ${address}`).toBeDefined();
  expect((await phone.post(`${shop.hub.url}/m/verify`, { code: code! })).location).toBe('/m?verify=done#verify');
}

describe('journey: a referral paid by a till sale', () => {
  const anna = new Phone('en');
  const bea = new Phone('en');
  let link: string;
  let annaBefore: number;
  let beaCode: string;
  let secondPoints: number;

  it('member A joins on her phone and her card shows her referral link', async () => {
    const sale = await kiosk.sale('R-1001', 1840);
    expect((await anna.join(sale.claimUrl, 'anna@example.com', 'Anna')).status).toBe(303);
    await proveByMail(anna, 'anna@example.com', 1);
    const card = await anna.get(`${shop.hub.url}/m`);
    link = /id="referral-link" readonly value="([^"]+)"/.exec(card.text)?.[1] ?? '';
    expect(link).toMatch(new RegExp(`^${shop.hub.url}/r/[a-z2-7]{16}$`));
  });

  it('the friend joins through the link, proves her e-mail, and her first purchase is a till sale with her code: both sides paid once', async () => {
    expect((await bea.get(link)).status).toBe(200);
    const joined = await bea.post(link, { name: 'Bea', contact: 'bea@example.com', consent: 'yes' });
    expect([joined.status, joined.location]).toEqual([303, '/m#verify']);
    await proveByMail(bea, 'bea@example.com', 1);
    expect(await cardBalance(bea)).toBe(0);

    // The kiosk's replica knows her (no purchase yet) and Anna with her balance.
    annaBefore = await cardBalance(anna);
    await until(async () => (await atKiosk('bea@example.com')) !== undefined, 'the friend in the kiosk replica');
    await until(async () => (await atKiosk('anna@example.com'))?.points === annaBefore, "Anna's balance in the kiosk replica");
    const code = (await atKiosk('bea@example.com'))!.code;
    beaCode = code;

    // Her first purchase, rung at the till with her member code: the kiosk pays what it knows (points, welcome).
    const first = await kiosk.sale('R-2001', 1840, { memberCode: code });
    expect(first.points).toBeGreaterThan(0);
    const beaAfter = first.points + REFERRED_POINTS;
    await until(async () => (await atKiosk('bea@example.com'))?.points === beaAfter, "the friend's referral bonus in the kiosk replica");
    await until(async () => (await atKiosk('anna@example.com'))?.points === annaBefore + REFERRER_POINTS, "Anna's referral bonus in the kiosk replica");
    expect((await kiosk.till('GET', `/v1/members/${encodeURIComponent(code)}`)).json).toMatchObject({ code, points: beaAfter });
    expect(await cardBalance(bea)).toBe(beaAfter);
    expect(await cardBalance(anna)).toBe(annaBefore + REFERRER_POINTS);

    // A second till sale: her points, no second referral on either side.
    const second = await kiosk.sale('R-2002', 1840, { memberCode: code });
    await until(async () => (await atKiosk('bea@example.com'))?.points === beaAfter + second.points, 'the second sale in the kiosk replica');
    expect((await atKiosk('anna@example.com'))?.points).toBe(annaBefore + REFERRER_POINTS);
    expect(await cardBalance(anna)).toBe(annaBefore + REFERRER_POINTS);
    expect(await cardBalance(bea)).toBe(beaAfter + second.points);
    secondPoints = second.points;
  });

  it('the till voids her first purchase: its points, her welcome and the referral of both sides are taken back, at the kiosk and on the hub', async () => {
    const voided = await kiosk.till('POST', '/v1/sales/R-2001/void');
    expect(voided.status).toBe(201);
    // What is left: her second purchase; Anna as before the referral.
    await until(async () => (await cardBalance(anna)) === annaBefore, "Anna's referral bonus taken back on her card");
    await until(async () => (await cardBalance(bea)) === secondPoints, "the friend's first purchase and referral taken back on her card");
    await until(async () => (await atKiosk('anna@example.com'))?.points === annaBefore, "Anna's balance back in the kiosk replica");
    await until(async () => (await atKiosk(beaCode))?.points === secondPoints, "the friend's balance in the kiosk replica");
  });
});
