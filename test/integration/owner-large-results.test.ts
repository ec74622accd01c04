// No background job of the hub and no owner request reads a ledger-sized result into memory. At
// 10,000,000 entries one did (the points-expiring planner read every sale and entry of the shop) and the
// hub ran out of JavaScript heap (docs/benchmarks.md). The store reports every result longer than its
// limit (cloud/store/result-watch.ts); here the limit is the export's page, the ledger more than twice
// that, and a member's entries, an hour's rows and the marked hours far fewer: the planner, the expiry
// job, the preparation of the overview, the overview page and the ledger export run, and nothing is
// reported. On SQLite here, on PostgreSQL in the hub-postgres project.
import { sql, type Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { LEDGER_PAGE_ROWS } from '../../cloud/store/facts';
import type { HubDatabase } from '../../cloud/store-schema';
import type { KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';

const LIMIT = LEDGER_PAGE_ROWS;
const MEMBERS = 40;
const SALES = 1200;
const DAY_MS = 86_400_000;

let hub: Hub;
let till: KioskCredentials;
let remove: () => void;
const now = new Date();
const reports: string[] = [];

beforeAll(async () => {
  const temp = tempDir('owner-large-results');
  remove = temp.remove;
  hub = await testHub(temp.dir, {
    now: () => now,
    largeResultRows: LIMIT,
    log: (line) => {
      if (line.startsWith('hub store: a query returned')) reports.push(line);
    },
  });
  till = await pairedKiosk(hub, 'Till 1');
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

/** Inserts rows a few hundred at a time (one statement's parameters stay well under both engines' limits). */
async function insertAll<T extends 'members' | 'sales' | 'ledger' | 'balances'>(table: T, rows: Insertable<HubDatabase[T]>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 300)
    await hub.store.db
      .insertInto(table)
      .values(rows.slice(i, i + 300))
      .execute();
}

/**
 * 40 members; 1,200 member sales in 30 hours of the last month, each with its earn entry; 1,200 bonus
 * entries of 10 points at 10 instants a year ago (many entries at one instant, as a bulk import writes
 * them): half a week short of the program's 12 months (a reminder is due), half past them (due to expire).
 */
async function seed(): Promise<number> {
  const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
  const memberId = (i: number): string => `lr-${i % MEMBERS}`;
  await insertAll(
    'members',
    Array.from({ length: MEMBERS }, (_, i) => ({
      id: memberId(i),
      shop_no: 1,
      name: `Member ${i}`,
      phone: null,
      email: `lr${i}@example.com`,
      created_at: ago(400 * DAY_MS),
    })),
  );
  const sales = Array.from({ length: SALES }, (_, i) => {
    const amount = 500 + ((i * 131) % 5000);
    return {
      id: claimSaleKey({ kioskNo: till.kioskNo, saleNo: i + 1 }),
      kiosk_no: till.kioskNo,
      sale_no: i + 1,
      amount,
      currency: 'PLN',
      points: Math.floor(amount / 100),
      member_id: memberId(i),
      at: ago((i % 30) * DAY_MS + 3_600_000 + (i % 7) * 60_000),
    };
  });
  await insertAll('sales', sales);
  const earn = sales.map((s) => ({
    id: `claim:${s.id}`,
    member_id: s.member_id,
    kind: 'earn',
    points: s.points,
    stamps: 0,
    sale_id: s.id,
    reverses: null,
    reason_json: '{"code":"base"}',
    at: s.at,
    kiosk_no: s.kiosk_no,
    spend: s.amount,
  }));
  const bonus = Array.from({ length: SALES }, (_, i) => ({
    id: `lr-bonus-${i}`,
    member_id: memberId(i),
    kind: 'bonus',
    points: 10,
    stamps: 0,
    sale_id: null,
    reverses: null,
    reason_json: '{"code":"birthday"}',
    at: ago((Math.floor(i / MEMBERS) % 2 === 0 ? 361 : 380) * DAY_MS + (i % 5) * 3_600_000),
    kiosk_no: null,
    spend: null,
  }));
  await insertAll('ledger', [...earn, ...bonus]);
  const points = new Map<string, number>();
  for (const e of [...earn, ...bonus]) points.set(e.member_id, (points.get(e.member_id) ?? 0) + e.points);
  await insertAll(
    'balances',
    [...points].map(([member_id, p]) => ({ member_id, points: p, stamps: 0, earned: p, entries: (2 * SALES) / MEMBERS })),
  );
  return earn.length + bonus.length;
}

describe('the hub never reads a ledger-sized result into memory', () => {
  it('reports a result longer than its limit, with the statement', async () => {
    const entries = await seed();
    expect(entries).toBeGreaterThan(2 * LIMIT);
    await sql`SELECT id FROM ledger`.execute(hub.store.db);
    expect(reports).toEqual([
      `hub store: a query returned ${entries.toLocaleString('en')} rows (more than ${LIMIT.toLocaleString('en')}): SELECT id FROM ledger`,
    ]);
    reports.length = 0;
  });

  it('runs the planner, the expiry job, the overview and the ledger export without one', async () => {
    // The reminder of points expiring within 14 days: every member has some (suppressed here: no e-mail is configured).
    await hub.messaging.planDaily(now);
    const reminders = await hub.messaging.store.countByPrefix('pointsExpiring:');
    expect(reminders.queued + reminders.sent + reminders.suppressed + reminders.failed).toBe(MEMBERS);
    // The points past 12 months are written off, one entry per member.
    expect((await hub.expirePoints()).members).toBe(MEMBERS);
    // The overview's default period made ready (the marks of every write above summed first), then the page.
    await hub.owner.prepareDefaultPeriod(1, 'Europe/Warsaw', now);
    const page = await fetch(`${hub.url}/owner`, { headers: { authorization: `Bearer ${hub.ownerToken}`, 'accept-language': 'en-GB' } });
    expect(page.status).toBe(200);
    await page.text();
    // The export holds every entry once, in order, though it is read a page at a time (entries share instants across pages).
    const res = await fetch(`${hub.url}/owner/export/ledger.csv`, { headers: { authorization: `Bearer ${hub.ownerToken}` } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,member_id,kind,points,stamps,sale_id,reverses,reason,label,spend,at');
    const ids = lines.slice(1).map((line) => line.slice(0, line.indexOf(',')));
    expect(ids).toHaveLength(await hub.store.ledgerCount());
    expect(new Set(ids).size).toBe(ids.length);
    const ats = lines.slice(1).map((line) => line.slice(line.lastIndexOf(',') + 1));
    expect([...ats].sort()).toEqual(ats);
    expect(reports).toEqual([]);
  });
});
