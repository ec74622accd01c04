// The overview's default period is made ready off the request path (cloud/hub.ts prepareOverview,
// OwnerStore.prepareDefaultPeriod): at the hub's start, after the shop's midnight (the hub's
// 10-minute tick calls the same function; here the test moves the injected clock and calls it) and
// after a change of time zone in the settings. The page's read then finds the period kept: the
// store's counter of periods made on a read stays where it was, also after win-back clicks that
// each keep a period of their own (the prepared one is pinned). A period not kept is still built by
// the read, with the same figures. On SQLite here, on PostgreSQL in the hub-postgres project.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { defaultPeriod } from '../../core/metrics';
import { addDays, localTime } from '../../core/program/clock';
import type { KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { nextWarsawWeekday } from '../support/dates';
import { pairedKiosk, saveShopSettings, tempDir, testHub } from '../support/hub-harness';

// Half an hour before midnight in Warsaw on a Wednesday; the shop's zone is Warsaw (the start-up program's).
const START = new Date(nextWarsawWeekday(3, '23:30', new Date()));
const WEDNESDAY = localTime(START, 'Europe/Warsaw').date;

let hub: Hub;
let till: KioskCredentials;
let remove: () => void;
let now = START;
const lines: string[] = [];

beforeAll(async () => {
  const temp = tempDir('owner-prepared');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => now, log: (line) => lines.push(line) });
  till = await pairedKiosk(hub, 'Till 1');
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

async function dashboard(): Promise<{ status: number; html: string }> {
  const res = await fetch(`${hub.url}/owner`, { headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': 'en-GB' } });
  return { status: res.status, html: await res.text() };
}

/** Members and sales over the last seven weeks (the period and the one before it), written as the sync path writes them. */
async function seed(): Promise<void> {
  const db = hub.store.db;
  const back = (days: number, hours = 0): string => new Date(START.getTime() - days * 86_400_000 - hours * 3_600_000).toISOString();
  for (const [i, id] of ['pp-0', 'pp-1', 'pp-2'].entries())
    await db
      .insertInto('members')
      .values({ id, shop_no: 1, name: `Member ${i}`, phone: `+4860077000${i}`, email: null, created_at: back(60) })
      .execute();
  // Sales in the period just closing (today included), one only in the day the next period drops, and in the previous period.
  const sales: [number, number, string | null, number][] = [
    [1, 0, 'pp-0', 1840],
    [2, 0.5, 'pp-1', 2500],
    [3, 2, 'pp-0', 990],
    [4, 30, 'pp-2', 4200],
    [5, 31, 'pp-1', 1500],
    [6, 40, 'pp-2', 700],
    [7, 3, null, 1200],
  ];
  for (const [saleNo, days, memberId, amount] of sales)
    await db
      .insertInto('sales')
      .values({
        id: claimSaleKey({ kioskNo: till.kioskNo, saleNo }),
        kiosk_no: till.kioskNo,
        sale_no: saleNo,
        amount,
        currency: 'PLN',
        points: Math.floor(amount / 100),
        member_id: memberId,
        at: back(days, 1),
      })
      .execute();
}

const aggregatesNow = (timeZone: string) =>
  hub.owner.dashboardAggregates(1, { ...defaultPeriod(now, timeZone), location: null, inactiveBefore: new Date(now.getTime() - 60 * 86_400_000), timeZone });

describe("the overview's default period, made ahead", () => {
  it('is made at the start, so the first page read finds it kept', async () => {
    await hub.prepareOverview(); // waits for the start's own run
    expect(hub.owner.periodsMade.ahead).toBe(1);
    await seed();
    const page = await dashboard();
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${addDays(WEDNESDAY, -30)}"`);
    // The writes were folded into the kept period by the read's refresh; nothing was built on the read.
    expect(hub.owner.periodsMade.onRead).toBe(0);
  });

  it("after the shop's midnight the next day's period is shifted ahead; the page reads it kept, with the figures of a build", async () => {
    now = new Date(START.getTime() + 3_600_000); // 00:30 on Thursday in Warsaw
    expect(localTime(now, 'Europe/Warsaw').date).toBe(addDays(WEDNESDAY, 1));
    await hub.prepareOverview();
    expect(hub.owner.periodsMade.ahead).toBe(2);
    expect(lines.filter((l) => l.startsWith('overview: the default period shifted ahead'))).toHaveLength(1);
    const page = await dashboard();
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${addDays(WEDNESDAY, -29)}"`);
    expect(hub.owner.periodsMade.onRead).toBe(0);

    // The same period not kept: the read builds it (as before), and the figures are the same.
    const prepared = await aggregatesNow('Europe/Warsaw');
    expect(prepared.members.active).toBeGreaterThan(0);
    await sql`DELETE FROM member_period_sums`.execute(hub.store.db);
    await sql`DELETE FROM member_periods`.execute(hub.store.db);
    const built = await aggregatesNow('Europe/Warsaw');
    expect(hub.owner.periodsMade.onRead).toBe(1);
    expect(built).toEqual(prepared);
  });

  it('is made once a day: the tick later the same day makes nothing', async () => {
    now = new Date(START.getTime() + 5 * 3_600_000);
    await hub.prepareOverview();
    expect(hub.owner.periodsMade.ahead).toBe(2);
  });

  it('a new time zone in the settings: the period is made ahead in that zone (the roll-ups rebuilt there), not by the page', async () => {
    const res = await saveShopSettings(hub, { timeZone: 'Asia/Tokyo' });
    expect(res.status).toBeLessThan(400);
    await hub.prepareOverview(); // runs after the one the save started
    expect(hub.owner.periodsMade.ahead).toBe(3);
    const page = await dashboard();
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${addDays(localTime(now, 'Asia/Tokyo').date, -30)}"`);
    expect(hub.owner.periodsMade.onRead).toBe(1);
  });

  it('win-back clicks, each keeping a period of its own, do not push the prepared period out: the page then makes none', async () => {
    const onRead = hub.owner.periodsMade.onRead;
    for (let click = 1; click <= 9; click++) {
      now = new Date(now.getTime() + 60_000); // each click's audience is read over its own instant: a new period
      const res = await fetch(`${hub.url}/owner/winback`, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ inactive: '0', campaign: `back-${click}`, points: '5' }).toString(),
      });
      expect(res.status).toBe(303);
    }
    // More periods than a shop keeps (8) were made by the clicks...
    expect(hub.owner.periodsMade.onRead).toBe(onRead + 9);
    // ...and the default one, prepared ahead, is still kept.
    const page = await dashboard();
    expect(page.status).toBe(200);
    expect(hub.owner.periodsMade.onRead).toBe(onRead + 9);
  });
});
