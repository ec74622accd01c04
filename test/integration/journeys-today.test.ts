// The staff screen's "Today" and the owner's Overview for today agree, in real processes
// (test/support/journey-shop.ts): the hub as `npm run hub` (on its SQLite, or on a throw-away
// PostgreSQL database in the hub-postgres project), two kiosks as `npm start` serving their screen over
// the local bridge. The till enrols members and rings sales over each kiosk's till API (member sales,
// a non-member sale), a customer joins on her phone from a sale's claim URL, the till refunds part of two
// sales (one of them her claimed one) through the same API; on the staff screen staff void a sale
// (held a minute, then recorded) and redeem a reward. Once the kiosks have synced, what each kiosk's staff screen shows for
// today (`getTodayFigures` over the bridge, staff mode unlocked with the PIN) is compared with what
// the owner reads on the Overview for today (`GET /owner?from=<today>&to=<tomorrow>`, the shop's
// days): the shop's figures with the sum of the kiosks', each kiosk's row of the locations table with
// that kiosk's. Both screens fold their figures with core/metrics, the kiosk from its own store and
// the hub from its roll-ups, so only this comparison would catch the two inputs drifting apart.
// "Today" is the hub's clock in the shop's time zone (its settings), never a calendar date.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_SOCKET_PATH, type TodayFigures } from '../../core/contract';
import { formatMoney } from '../../core/money';
import { addDays, localTime, zonedInstant } from '../../core/program/clock';
import type { MemberView } from '../../core/till-api';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { ensureRendererBuilt } from '../support/renderer-build';
import { createTestDatabase, hubTestEngine } from '../support/test-postgres';
import { until } from '../support/until';

const PIN = '4711';
/** The owner reads the Overview in English here: numbers and money as an English page formats them. */
const OWNER_LANGUAGE = 'en-GB,en;q=0.9';

let shop: JourneyShop;
let a: KioskProcess;
let b: KioskProcess;
const screens: Socket[] = [];

beforeAll(async () => {
  // The kiosk processes serve the renderer build; build it once here rather than in each child.
  await ensureRendererBuilt();
  const hubEnv = hubTestEngine() === 'postgres' ? { DATABASE_URL: (await createTestDatabase()).url } : {};
  shop = await startJourneyShop('journeys-today', ['Till A', 'Till B'], { screen: true, kioskEnv: { KIOSK_STAFF_PIN: PIN }, hubEnv });
  [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
}, 300_000);

afterAll(async () => {
  for (const socket of screens) socket.close();
  await shop?.stop();
});

/** The kiosk's staff screen: a bridge connection as the kiosk page makes it (its Origin, the launch secret), staff mode unlocked. */
async function staffScreen(kiosk: KioskProcess): Promise<Socket> {
  const url = new URL(kiosk.uiUrl);
  const secret = /^#bridge=(.+)$/.exec(url.hash)?.[1];
  if (!secret) throw new Error(`no launch secret in ${kiosk.uiUrl}`);
  const socket = io(url.origin, {
    path: BRIDGE_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin: url.origin },
    auth: { secret },
  });
  screens.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  expect(await socket.emitWithAck('invoke', 'unlockStaff', { pin: PIN })).toMatchObject({ ok: true, value: { unlocked: true } });
  return socket;
}

/** A staff-screen command; fails the test unless the kiosk answered it. */
async function staff<T>(screen: Socket, command: string, args: Record<string, unknown>): Promise<T> {
  const reply = (await screen.emitWithAck('invoke', command, args)) as { ok: true; value: T } | { ok: false; error: unknown };
  if (!reply.ok) throw new Error(`${command} refused: ${JSON.stringify(reply.error)}`);
  return reply.value;
}

/** Enrols a customer at the till (she agreed); her member record as the till sees it. */
async function enrol(kiosk: KioskProcess, contact: string, name: string): Promise<MemberView> {
  const res = await kiosk.till('POST', '/v1/members', { contact, name });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as unknown as MemberView;
}

async function memberAt(kiosk: KioskProcess, code: string): Promise<MemberView> {
  const res = await kiosk.till('GET', `/v1/members/${code}`);
  expect(res.status).toBe(200);
  return res.json as unknown as MemberView;
}

/** The shop's time zone as its settings on the hub give it (the zone both screens count days in). */
async function shopZone(): Promise<string> {
  const res = await shop.hub.owner('GET', '/owner/settings');
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { settings: { timeZone: string } }).settings.timeZone;
}

/** The figures both screens show, as the owner's page writes them (counts as digits, money in the shop's currency). */
interface Shown {
  sales: string;
  memberSales: string;
  takings: string;
  pointsEarned: string;
  pointsRedeemed: string;
}
interface LocationShown {
  sales: string;
  memberSales: string;
  takings: string;
}

const count = (n: number): string => new Intl.NumberFormat('en-GB').format(n);
const money = (amount: number): string => formatMoney({ amount, currency: 'PLN' }, 'en-GB');

/** What a kiosk's staff screen shows for today, written as the Overview writes it. */
function kioskShown(f: TodayFigures): Shown {
  return {
    sales: count(f.sales),
    memberSales: count(f.memberSales),
    takings: money(f.salesTotal.amount),
    pointsEarned: count(f.pointsIssued),
    pointsRedeemed: count(f.pointsRedeemed),
  };
}

/** The value cell of a figure of the Overview's summary table. */
function summaryFigure(html: string, id: string): string {
  const match = new RegExp(`<table id="summary">.*?data-figure="${id}"><th scope="row">[^<]*</th><td class="n">([^<]*)</td>`, 's').exec(html);
  if (!match) throw new Error(`figure ${id} not on the Overview`);
  return match[1]!;
}

/** The body rows of a table of the Overview as cell texts (tags stripped), each row's header cell included. */
function tableRows(html: string, id: string): string[][] {
  const body = new RegExp(`<table id="${id}">.*?<tbody>(.*?)</tbody>`, 's').exec(html)?.[1];
  if (body === undefined) throw new Error(`table ${id} not on the Overview`);
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((r) =>
    [...r[1]!.matchAll(/<t[dh](?: [^>]*)?>(.*?)<\/t[dh]>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')),
  );
}

/** The Overview for today as the owner opens it: the shop's figures and each location's row (sales, member sales, takings). */
async function overviewToday(today: string): Promise<{ shop: Shown; locations: Record<string, LocationShown> }> {
  const res = await fetch(`${shop.hub.url}/owner?from=${today}&to=${addDays(today, 1)}`, {
    headers: { authorization: `Bearer ${shop.hub.ownerToken}`, 'accept-language': OWNER_LANGUAGE },
  });
  const html = await res.text();
  expect(res.status, html).toBe(200);
  const locations = Object.fromEntries(
    tableRows(html, 'locations').map(([location, sales, memberSales, , takings]) => [
      location!,
      { sales: sales!, memberSales: memberSales!, takings: takings! },
    ]),
  );
  // The last row of the locations table is all of them together: the shop's takings.
  const together = tableRows(html, 'locations').at(-1)!;
  return {
    shop: {
      sales: summaryFigure(html, 'sales'),
      memberSales: summaryFigure(html, 'memberSales'),
      takings: together[4]!,
      pointsEarned: summaryFigure(html, 'pointsEarned'),
      pointsRedeemed: summaryFigure(html, 'pointsRedeemed'),
    },
    locations,
  };
}

describe("journey: the staff screen's Today equals the owner's Overview for today", () => {
  it('sales, a phone claim, partial refunds, a void and a redemption at two kiosks: each kiosk and the shop show the same figures on both screens', async () => {
    // The hub runs on the engine of the vitest project (its start line names its store).
    expect(shop.hub.child!.lines.find((l) => l.startsWith('hub listening on '))).toContain(`store: ${hubTestEngine()} `);
    const zone = await shopZone();
    // A day that ends while the sales are rung would put them on two days: start after the shop's midnight if it is near.
    const nextMidnight = zonedInstant(addDays(localTime(new Date(), zone).date, 1), '00:00', zone);
    const left = nextMidnight.getTime() - Date.now();
    if (left < 300_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
    const today = localTime(new Date(), zone).date;

    const screenA = await staffScreen(a);
    const screenB = await staffScreen(b);
    // Nothing was rung yet: both screens show an empty day.
    expect((await staff<TodayFigures>(screenA, 'getTodayFigures', {})).sales).toBe(0);

    // Kiosk A: Anna joins at the till and buys twice, a customer who is no member buys once, Jan joins and buys.
    const anna = await enrol(a, '+48 600 100 301', 'Anna Nowak');
    const a1 = await a.sale('A-1', 4000, { memberCode: anna.code });
    const a2 = await a.sale('A-2', 990);
    const jan = await enrol(a, '+48 600 100 302', 'Jan Kowal');
    const a3 = await a.sale('A-3', 2500, { memberCode: jan.code });
    // Part of Jan's sale comes back: 10.00 zł of 25.00 zł.
    const refund = await a.till('POST', '/v1/sales/A-3/refunds', { refundId: 'R-1', amount: { amount: 1000, currency: 'PLN' } });
    expect(refund.status, JSON.stringify(refund.json)).toBe(201);
    // A customer who is no member yet scans the QR of her sale and joins on her phone: the hub accepts the claim and tells the kiosk.
    const a4 = await a.sale('A-4', 1500);
    expect((await new Phone().join(a4.claimUrl, '600 100 304', 'Ewa Zielińska')).status).toBe(303);
    await until(async () => (await staff<TodayFigures>(screenA, 'getTodayFigures', {})).claims === 1, "kiosk A to hear of Ewa's claim");
    // Part of her claimed sale comes back too: the hub takes it off the sale it knows from the claim.
    const ewaRefund = await a.till('POST', '/v1/sales/A-4/refunds', { refundId: 'R-2', amount: { amount: 500, currency: 'PLN' } });
    expect(ewaRefund.status, JSON.stringify(ewaRefund.json)).toBe(201);
    // Anna spends points on the staff screen: "5 zł off" (60 points).
    const annaNow = await memberAt(a, anna.code);
    expect(annaNow.points).toBeGreaterThanOrEqual(60);
    const annaId = (await staff<{ members: { memberId: string; code: string }[] }>(screenA, 'searchMembers', { query: anna.code })).members[0]!.memberId;
    await staff(screenA, 'redeemReward', { memberId: annaId, rewardId: 'five-zl' });

    // Kiosk B: Ola joins and buys; her second sale is voided on the staff screen, as staff do it: they see what it takes
    // back, confirm, and the void is recorded once its minute to undo is over.
    const ola = await enrol(b, '+48 600 100 303', 'Ola Wiśniewska');
    const b1 = await b.sale('B-1', 1840, { memberCode: ola.code });
    const b2 = await b.sale('B-2', 3200, { memberCode: ola.code });
    expect(await staff(screenB, 'previewReversal', { saleId: b2.saleId, kind: 'void' })).toMatchObject({ amount: { amount: 3200 }, pointsReversed: b2.points });
    await staff(screenB, 'voidSale', { saleId: b2.saleId });
    await until(
      async () => (await staff<TodayFigures>(screenB, 'getTodayFigures', {})).refunds === 1,
      'kiosk B to record the void after its minute',
      120_000,
      500,
    );
    expect(b2.points).toBeGreaterThan(0);

    const todayA = await staff<TodayFigures>(screenA, 'getTodayFigures', {});
    const todayB = await staff<TodayFigures>(screenB, 'getTodayFigures', {});
    // The staff screens net the refund out and leave the voided sale out (so the comparison below is about real figures).
    expect(todayA).toMatchObject({
      sales: 4,
      memberSales: 3,
      salesTotal: { amount: 4000 + 990 + 2500 - 1000 + 1500 - 500, currency: 'PLN' },
      claims: 1,
      redemptions: 1,
      pointsRedeemed: 60,
      refunds: 2,
    });
    expect(todayB).toMatchObject({ sales: 1, memberSales: 1, salesTotal: { amount: 1840, currency: 'PLN' }, redemptions: 0, refunds: 1 });
    // Points earned are what the members' sales earned, the claimed one and the voided one included (what the void took back is
    // shown beside them, as the Overview's points earned do not subtract it); the unclaimed sale's points are nobody's.
    expect(todayA.pointsIssued).toBe(a1.points + a3.points + a4.points);
    expect(todayB.pointsIssued).toBe(b1.points + b2.points);
    expect(todayB.pointsTakenBack).toBe(b2.points);
    expect(a2.points).toBeGreaterThan(0);

    const shopToday: TodayFigures = {
      ...todayA,
      sales: todayA.sales + todayB.sales,
      memberSales: todayA.memberSales + todayB.memberSales,
      salesTotal: { amount: todayA.salesTotal.amount + todayB.salesTotal.amount, currency: 'PLN' },
      pointsIssued: todayA.pointsIssued + todayB.pointsIssued,
      pointsRedeemed: todayA.pointsRedeemed + todayB.pointsRedeemed,
    };
    const expected = {
      shop: kioskShown(shopToday),
      locations: {
        'Till A': { sales: count(todayA.sales), memberSales: count(todayA.memberSales), takings: money(todayA.salesTotal.amount) },
        'Till B': { sales: count(todayB.sales), memberSales: count(todayB.memberSales), takings: money(todayB.salesTotal.amount) },
      },
    };
    // The kiosks sync in the background: wait (bounded) until the hub has it all, then compare, so a mismatch shows as a diff.
    let seen = await overviewToday(today);
    await until(
      async () => {
        seen = await overviewToday(today);
        return JSON.stringify(seen.shop) === JSON.stringify(expected.shop);
      },
      "the Overview's today to take in both kiosks' sales",
      60_000,
      250,
    ).catch(() => undefined);
    expect(seen.shop).toEqual(expected.shop);
    expect({ 'Till A': seen.locations['Till A'], 'Till B': seen.locations['Till B'] }).toEqual(expected.locations);
    // The day did not end meanwhile (the figures compared are one day's on both screens).
    expect(localTime(new Date(), zone).date).toBe(today);
  }, 600_000);
});
