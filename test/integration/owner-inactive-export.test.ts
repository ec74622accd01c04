import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskCredentials } from '../../core/sync-protocol';
import { joinProven, ownerSessionCookie, pairedKiosk, Phone, saleToken, tempDir, testHub } from '../support/hub-harness';

// The inactive members' export on a real hub (both engines: `--project hub-postgres` runs it on PostgreSQL): members
// join and claim through the phone pages while the hub's clock moves on, then the owner downloads the CSV and reads the
// Overview at the same moment. The export holds exactly the members the Overview counts as inactive.

const DAY = 86_400_000;
/** 23:30 UTC on 10 March 2026 is 00:30 on 11 March in Warsaw (the demo program's zone): the last visit's date is the shop's. */
const START = new Date('2026-03-10T23:30:00Z');
/** When the owner looks: 70 days after START. */
const LOOK = new Date(START.getTime() + 70 * DAY);
const EN = 'en-GB';

let hub: Hub;
let remove: () => void;
let clock = START;
let till: KioskCredentials;
let cookie: string;
let saleNo = 0;

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${hub.url}${path}`, { redirect: 'manual', headers: { cookie, 'accept-language': EN, ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A CSV body as rows of cells (RFC 4180: quoted cells may hold commas and doubled quotes; none here holds a line break). */
function rows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\r\n')
    .map((line) => {
      const cells: string[] = [];
      for (let i = 0; i <= line.length; i++) {
        let cell = '';
        if (line[i] === '"') {
          for (i++; i < line.length && !(line[i] === '"' && line[i + 1] !== '"'); i++) cell += line[i] === '"' ? line[++i] : line[i];
          i++;
        } else for (; i < line.length && line[i] !== ','; i++) cell += line[i];
        cells.push(cell);
      }
      return cells;
    });
}

/** A customer joining on the claim page of the till's next sale, at the hub's clock; `proven`: then typing the code sent to the contact (the welcome bonus is paid). */
async function join(contact: string, name: string, proven = false): Promise<Phone> {
  const phone = new Phone();
  const url = `${hub.url}/C/${saleToken(till, ++saleNo, 18, clock)}`;
  const answer = proven ? await joinProven(hub, phone, url, contact, name, clock) : await phone.join(url, contact, name);
  if (answer.status !== 303) throw new Error(`${name} did not join: ${String(answer.status)} ${answer.text.slice(0, 200)}`);
  return phone;
}

/** The Overview's count of inactive members, as its win-back button says it, and the rows of its inactive table. */
async function overview(inactive: number): Promise<{ count: number; names: string[]; text: string }> {
  const page = await get(`/owner?inactive=${inactive}`);
  expect(page.status).toBe(200);
  const count = Number(/Give (\d+) inactive members? the bonus/.exec(page.text)?.[1] ?? 0);
  const table = /<table[^>]*id="inactive"[\s\S]*?<\/table>/.exec(page.text)?.[0] ?? '';
  const names = [...table.matchAll(/<a href="\/owner\/members\/[^"]+">([^<]*)<\/a>/g)].map((m) => m[1]!);
  return { count, names, text: page.text };
}

async function exported(inactive: number): Promise<string[][]> {
  const res = await get(`/owner/export/inactive-members.csv?inactive=${inactive}`);
  expect([res.status, res.headers.get('content-type'), res.headers.get('content-disposition')]).toEqual([
    200,
    'text/csv; charset=utf-8',
    'attachment; filename="inactive-members.csv"',
  ]);
  return rows(res.text);
}

/** The members export's rows by name: number, phone, e-mail and points as that export gives them. */
async function membersExport(): Promise<Map<string, { no: string; phone: string; email: string; points: string }>> {
  const [header, ...body] = rows((await get('/owner/export/members.csv')).text);
  expect(header).toEqual(['no', 'id', 'name', 'phone', 'email', 'joined_at', 'points']);
  return new Map(body.map(([no, , name, phone, email, , points]) => [name!, { no: no!, phone: phone!, email: email!, points: points! }]));
}

beforeAll(async () => {
  const temp = tempDir('owner-inactive-export');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => clock });
  till = await pairedKiosk(hub, 'Till 1');
  // On 11 March (Warsaw) four customers join; Gosia comes back 65 days later, Henryk joins 50 days later.
  await join('+48 600 200 300', 'Ewa', true);
  await join('jan@example.com', 'Nowak, Jan');
  const gosia = await join('+48 600 200 301', 'Gosia');
  await join('+48 600 200 302', 'Zofia');
  clock = new Date(START.getTime() + 50 * DAY);
  await join('+48 600 200 303', 'Henryk');
  clock = new Date(START.getTime() + 65 * DAY);
  const back = await gosia.post(`${hub.url}/C/${saleToken(till, ++saleNo, 18, clock)}`, { mode: 'member' });
  if (back.status !== 303) throw new Error(`Gosia did not claim: ${String(back.status)}`);
  clock = LOOK;
  // Signed in when looking (a session from 70 days ago would have ended).
  cookie = await ownerSessionCookie(hub);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

describe('the inactive members export', () => {
  it('holds exactly the members the Overview counts as inactive, with contact, last visit on the shop’s clock and balance', async () => {
    const [header, ...body] = await exported(60);
    expect(header).toEqual(['no', 'name', 'phone', 'email', 'last_visit', 'days_inactive', 'points']);
    const members = await membersExport();
    // Gosia (5 days) and Henryk (20 days) are active.
    expect(body.map((r) => r[1]).sort()).toEqual(['Ewa', 'Nowak, Jan', 'Zofia']);
    for (const [no, name, phone, email, lastVisit, days, points] of body) {
      const member = members.get(name!)!;
      expect([no, phone, email, points]).toEqual([member.no, member.phone, member.email, member.points]);
      // 00:30 on 11 March in Warsaw, not the UTC date (10 March).
      expect([lastVisit, days]).toEqual(['2026-03-11', '70']);
    }
    // A phone starts with +, so it carries the apostrophe that keeps a spreadsheet from reading it as a formula (as in members.csv).
    expect(body.find((r) => r[1] === 'Ewa')![2]).toBe("'+48600200300");
    expect(body.find((r) => r[1] === 'Nowak, Jan')![3]).toBe('jan@example.com');
    // Ewa proved her phone, so her welcome bonus was paid: 18 + 50 points, the others 18.
    expect(body.map((r) => [r[1], r[6]]).sort()).toEqual([
      ['Ewa', '68'],
      ['Nowak, Jan', '18'],
      ['Zofia', '18'],
    ]);

    const seen = await overview(60);
    expect(seen.count).toBe(body.length);
    expect([...seen.names].sort()).toEqual(body.map((r) => r[1]).sort());
  });

  it('follows the Overview’s days without a visit', async () => {
    for (const [days, expected] of [
      [10, ['Ewa', 'Henryk', 'Nowak, Jan', 'Zofia']],
      [4, ['Ewa', 'Gosia', 'Henryk', 'Nowak, Jan', 'Zofia']],
      [70, []],
    ] as const) {
      const body = (await exported(days)).slice(1);
      expect(body.map((r) => r[1]).sort()).toEqual(expected);
      expect((await overview(days)).count).toBe(body.length);
    }
    // The oldest idle come first: Henryk (20 days) after the three of 70 days.
    expect((await exported(10)).slice(1).map((r) => r[5])).toEqual(['70', '70', '70', '20']);
    // No `inactive` is the Overview's default, 60 days.
    expect(await exported(60)).toEqual(rows((await get('/owner/export/inactive-members.csv')).text));
  });

  it('the Overview links the export for the days it shows, beside the inactive list', async () => {
    const { text } = await overview(10);
    const link = /<a href="([^"]*)" download="" id="export-inactive">([^<]*)<\/a>/.exec(text);
    expect([link?.[1], link?.[2]]).toEqual(['/owner/export/inactive-members.csv?inactive=10', 'Export the inactive members (CSV)']);
    expect(text.indexOf('id="export-inactive"')).toBeGreaterThan(text.indexOf('Members inactive for more than 10 days'));
    expect(text.indexOf('id="export-inactive"')).toBeLessThan(text.indexOf('id="inactive"'));
    const polish = await get('/owner?inactive=10', { 'accept-language': 'pl-PL' });
    expect(polish.text).toContain('Eksport nieaktywnych członków (CSV)');
  });

  it('an erased member stays counted, as on the Overview, without name or contact', async () => {
    const members = await membersExport();
    const zofia = (await hub.store.searchMembers(1, 'Zofia'))[0]!;
    const page = await get(`/owner/members/${encodeURIComponent(zofia.id)}`);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)![1]!;
    const erased = await fetch(`${hub.url}/owner/members/${encodeURIComponent(zofia.id)}/erase`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ confirm: 'ERASE', csrf }).toString(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(erased.status).toBe(303);
    const body = (await exported(60)).slice(1);
    const row = body.find((r) => r[0] === members.get('Zofia')!.no);
    expect(row?.slice(1, 4)).toEqual(['', '', '']);
    expect(JSON.stringify(body)).not.toContain('600200302');
    expect((await overview(60)).count).toBe(body.length);
  });

  it('bad days answer 400 in the owner’s language and change nothing; without a session it is the sign-in', async () => {
    const before = (await get('/owner/export/ledger.csv')).text;
    for (const bad of ['abc', '-1', '3651', '1.5', '1e9']) {
      const res = await get(`/owner/export/inactive-members.csv?inactive=${bad}`);
      expect([res.status, res.headers.get('content-type'), res.text.includes('whole number from 0 to 3650')]).toEqual([400, 'text/html; charset=utf-8', true]);
    }
    const german = await get('/owner/export/inactive-members.csv?inactive=x', { 'accept-language': 'de-DE' });
    expect([german.status, german.text.includes('Geben Sie die Tage ohne Besuch als ganze Zahl von 0 bis 3650 an.')]).toEqual([400, true]);
    expect((await get('/owner/export/ledger.csv')).text).toBe(before);
    const stranger = await fetch(`${hub.url}/owner/export/inactive-members.csv`, { redirect: 'manual' });
    expect([stranger.status, stranger.headers.get('location')]).toEqual([303, '/owner/login']);
  });
});
