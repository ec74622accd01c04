import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { aggregate, dashboard, figures, zonedMidnight, type Dashboard } from '../../core/metrics';
import { winBackEntries } from '../../core/owner-actions';
import { NOW, WEEK, seedOwnerShop, type OwnerSeed } from '../fixtures/owner-seed';
import { pairedKiosk, tempDir, testHub } from '../support/hub-harness';

// The owner's member data and writes over HTTP (no browser), and the dashboard's SQL sums against
// the in-memory definition in core/metrics on the seeded shop.
let hub: Hub;
let seed: OwnerSeed;
let remove: () => void;
let cookie: string;
const EN = 'en-GB';

async function get(path: string, headers: Record<string, string> = { cookie }): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${hub.url}${path}`, { redirect: 'manual', headers: { 'accept-language': EN, ...headers } });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}
async function post(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = { cookie },
): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(`${hub.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': EN, ...headers },
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}
/** The CSRF token of the owner's session, as the page's forms carry it. */
async function csrf(): Promise<string> {
  return /name="csrf" value="([0-9a-f]+)"/.exec((await get(`/owner/members/${seed.ids.anna}`)).text)![1]!;
}
const ledgerRows = async (): Promise<number> => (await get('/owner/export/ledger.csv')).text.trimEnd().split('\r\n').length - 1;

/** The in-memory path: every row of the shop through core's aggregate(), locations by kiosk. */
async function inMemory(from: string, to: string, location: string | null, inactiveDays = 60): Promise<Dashboard> {
  const facts = await hub.store.ownerFacts(1);
  const where = new Map((await hub.owner.kioskLocations(1)).map((k) => [String(k.no), k.location]));
  const sales = facts.sales.map((s) => ({ ...s, location: where.get(s.location)! }));
  const zone = 'Europe/Warsaw';
  return dashboard({ ...facts, sales, from: zonedMidnight(from, zone), to: zonedMidnight(to, zone), now: NOW, timeZone: zone, location, inactiveDays });
}
/** The SQL path the page uses. */
async function inSql(from: string, to: string, location: string | null, inactiveDays = 60): Promise<Dashboard> {
  const zone = 'Europe/Warsaw';
  const period = { from: zonedMidnight(from, zone), to: zonedMidnight(to, zone) };
  const agg = await hub.owner.dashboardAggregates(1, {
    ...period,
    location,
    inactiveBefore: new Date(NOW.getTime() - inactiveDays * 86_400_000),
    timeZone: zone,
  });
  return figures(agg, { to: period.to, now: NOW, timeZone: zone, inactiveDays });
}

beforeAll(async () => {
  const temp = tempDir('owner-data');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  seed = await seedOwnerShop(hub);
  const res = await fetch(`${hub.url}/owner/login`, {
    method: 'POST',
    redirect: 'manual',
    body: `token=${hub.ownerToken}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
}, 60_000);

afterAll(async () => {
  await hub?.close();
  remove?.();
});

describe('dashboard sums in SQL agree with core/metrics', () => {
  it.each([
    ['2026-11-01', '2026-11-08', null],
    ['2026-11-01', '2026-11-08', 'Rynek'],
    ['2026-11-01', '2026-11-08', 'Kazimierz'],
    ['2026-10-25', '2026-11-01', null],
    ['2026-07-01', '2026-12-01', null],
    ['2026-07-01', '2026-12-01', 'Rynek'],
    ['2025-01-01', '2025-01-02', null],
  ] as const)('%s to %s at %s', async (from, to, location) => {
    const sqlFigures = await inSql(from, to, location);
    expect(sqlFigures).toEqual(await inMemory(from, to, location));
    // Not a vacuous match: the week has the fixture's sales.
    if (from === '2026-11-01' && location === null) expect([sqlFigures.sales, sqlFigures.retention.previousActive]).toEqual([5, 2]);
  });

  it('the inactive list agrees for other thresholds too', async () => {
    for (const days of [0, 4, 5, 92, 93]) {
      expect((await inSql('2026-11-01', '2026-11-08', null, days)).inactive).toEqual((await inMemory('2026-11-01', '2026-11-08', null, days)).inactive);
    }
    // Dora (5 days) is inactive for "more than 4 days", not for "more than 5".
    expect((await inSql('2026-11-01', '2026-11-08', null, 4)).inactive.map((m) => [m.name, m.days])).toEqual([
      ['Cyril', 93],
      ['Dora', 5],
    ]);
    expect((await inSql('2026-11-01', '2026-11-08', null, 5)).inactive.map((m) => m.name)).toEqual(['Cyril']);
  });

  it('aggregate() and the SQL give the same sums (the layer under the figures)', async () => {
    const facts = await hub.store.ownerFacts(1);
    const where = new Map((await hub.owner.kioskLocations(1)).map((k) => [String(k.no), k.location]));
    const from = zonedMidnight('2026-11-01', 'Europe/Warsaw');
    const to = zonedMidnight('2026-11-08', 'Europe/Warsaw');
    const mem = aggregate({
      ...facts,
      sales: facts.sales.map((s) => ({ ...s, location: where.get(s.location)! })),
      from,
      to,
      now: NOW,
      timeZone: 'Europe/Warsaw',
    });
    const db = await hub.owner.dashboardAggregates(1, {
      from,
      to,
      location: null,
      inactiveBefore: new Date(NOW.getTime() - 60 * 86_400_000),
      timeZone: 'Europe/Warsaw',
    });
    expect([db.members, db.top]).toEqual([mem.members, mem.top]);
    expect([db.anonymous, db.pointsEarned, db.pointsRedeemed, db.previous]).toEqual([mem.anonymous, mem.pointsEarned, mem.pointsRedeemed, mem.previous]);
    expect([...db.quarters].sort((a, b) => a.quarter - b.quarter)).toEqual([...mem.quarters].sort((a, b) => a.quarter - b.quarter));
  });
});

describe('owner writes need the owner and the form’s CSRF token', () => {
  it('a POST without the token, with a wrong one, or without the owner changes nothing', async () => {
    const rowsBefore = await ledgerRows();
    const target = `/owner/members/${seed.ids.anna}/adjust`;
    expect((await post(target, { delta: '5', reason: 'x' })).status).toBe(403);
    expect((await post(target, { delta: '5', reason: 'x', csrf: '00'.repeat(32) })).status).toBe(403);
    expect((await post(target, { delta: '5', reason: 'x', csrf: await csrf() }, {})).status).toBe(401);
    expect((await post('/owner/winback', { campaign: 'c', points: '5', inactive: '4' })).status).toBe(403);
    expect((await post(`/owner/members/${seed.ids.bela}/erase`, { confirm: 'ERASE' })).status).toBe(403);
    const belaNo = (await hub.store.member(seed.ids.bela))!.no;
    expect((await post(`/owner/members/${seed.ids.anna}/merge`, { other: String(belaNo) })).status).toBe(403);
    expect((await hub.store.member(seed.ids.bela))?.id).toBe(seed.ids.bela);
    expect(await ledgerRows()).toBe(rowsBefore);
    expect((await get(`/owner/members/${seed.ids.bela}`)).text).toContain('bela@example.com');
    // A script with the bearer token needs no CSRF token (a browser cannot be made to send it).
    const scripted = await post(target, { delta: '1', reason: 'scripted' }, { authorization: `Bearer ${hub.ownerToken}` });
    expect([scripted.status, scripted.location]).toEqual([303, `/owner/members/${seed.ids.anna}?done=adjustDone`]);
    expect(await ledgerRows()).toBe(rowsBefore + 1);
  });

  it('a form posted without a session is refused in the owner’s language, with the way back to the sign-in, and changes nothing', async () => {
    const rowsBefore = await ledgerRows();
    const target = `/owner/members/${seed.ids.anna}/adjust`;
    const said = {
      'pl-PL': 'Twoje logowanie wygasło, więc nic nie zostało zmienione',
      'hu-HU': 'Bejelentkezése lejárt, ezért semmi sem változott',
      'de-DE': 'Ihre Anmeldung ist abgelaufen, daher wurde nichts geändert',
      'en-GB': 'Your sign-in has ended, so nothing was changed',
    };
    for (const [language, text] of Object.entries(said)) {
      const refused = await post(target, { delta: '5', reason: 'x', csrf: await csrf() }, { 'accept-language': language });
      expect([refused.status, refused.text.includes(text), refused.text.includes('href="/owner/login"')]).toEqual([401, true, true]);
      expect(refused.text).not.toContain('owner login required');
    }
    expect((await post('/owner/winback', { campaign: 'c', points: '5', inactive: '4' }, { 'accept-language': 'sk-SK' })).text).toContain(
      'Vaše prihlásenie vypršalo',
    );
    expect(await ledgerRows()).toBe(rowsBefore);
  });
});

describe('points adjustment', () => {
  it.each([
    ['0', 'why', 'Enter a number other than 0.'],
    ['2.5', 'why', 'Enter a whole number of points, such as 20 or -15.'],
    ['', 'why', 'Enter a whole number of points, such as 20 or -15.'],
    ['10', '  ', 'Say why: the reason is kept in the audit log.'],
    ['-1000', 'why', 'The balance would go below zero (it is 88 points now).'],
    ['200000', 'why', 'At most 100,000 points at once.'],
  ])('delta %j reason %j is refused: %s', async (delta, reason, message) => {
    const rowsBefore = await ledgerRows();
    const balance = await hub.owner.balance(seed.ids.anna);
    const res = await post(`/owner/members/${seed.ids.anna}/adjust`, { delta, reason, csrf: await csrf() });
    expect(res.status).toBe(400);
    expect(res.text).toContain(message.replaceAll('’', '&#39;'));
    expect([await ledgerRows(), await hub.owner.balance(seed.ids.anna)]).toEqual([rowsBefore, balance]);
  });

  it('a good one is an adjust entry with the reason, an audit row with who and when', async () => {
    const res = await post(`/owner/members/${seed.ids.anna}/adjust`, { delta: '-2', reason: 'Double claim', csrf: await csrf() });
    expect(res.status).toBe(303);
    const data = JSON.parse((await get(`/owner/members/${seed.ids.anna}/export.json`)).text) as {
      ledger: { kind: string; points: number; reason: unknown; at: string }[];
      audit: { action: string; actor: string; at: string; entryId: string; detail: { points: number; reason: string } }[];
    };
    const entry = data.ledger.find((e) => e.kind === 'adjust' && e.points === -2)!;
    expect([entry.reason, entry.at]).toEqual([{ code: 'adjust', label: 'Double claim' }, NOW.toISOString()]);
    const audit = data.audit.find((a) => a.detail.reason === 'Double claim')!;
    expect([audit.action, audit.actor, audit.at, audit.detail.points]).toEqual(['adjust', 'owner@127.0.0.1', NOW.toISOString(), -2]);
    expect(await hub.owner.balance(seed.ids.anna)).toBe(86); // 87 + 1 (scripted) − 2
  });
});

describe('win-back bonus', () => {
  it('credits each member inactive N days once per campaign', async () => {
    const res = await post('/owner/winback', { campaign: 'autumn', points: '30', inactive: '4', csrf: await csrf(), back: `/owner?${WEEK}&inactive=4` });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(res.location!)).toBe(`/owner?${WEEK}&inactive=4&winback=2 members credited, 0 already had this campaign’s bonus.`);
    for (const id of [seed.ids.cyril, seed.ids.dora]) {
      const data = JSON.parse((await get(`/owner/members/${id}/export.json`)).text) as {
        ledger: { id: string; kind: string; points: number; reason: unknown }[];
      };
      expect(data.ledger.filter((e) => e.id.startsWith('winback:'))).toEqual([
        expect.objectContaining({
          id: `winback:autumn:${id}`,
          kind: 'bonus',
          points: 30,
          reason: { code: 'winback', ruleId: 'autumn', label: 'Win-back bonus: inactive more than 4 days' },
        }),
      ]);
    }
    // The same campaign again for the same members writes nothing (the ids exist); the store says so.
    const again = winBackEntries({ campaign: 'autumn', memberIds: [seed.ids.cyril, seed.ids.dora], points: 30, label: 'again', at: NOW });
    expect(again.ok && (await hub.owner.creditWinBack(1, again.entries, 'autumn', 'test', NOW))).toEqual({ written: 0, skipped: 2 });
    expect(await hub.owner.balance(seed.ids.cyril)).toBe(37);
    // Nobody is inactive any more: the click is refused with a message.
    const none = await post('/owner/winback', { campaign: 'autumn2', points: '30', inactive: '4', csrf: await csrf() });
    expect(decodeURIComponent(none.location!)).toContain('Nobody is inactive for that long.');
    const bad = await post('/owner/winback', { campaign: 'a b', points: '30', inactive: '0', csrf: await csrf() });
    expect(decodeURIComponent(bad.location!)).toContain('Campaign: letters, digits, - and _ only');
  });
});

describe('kiosk locations', () => {
  it('the owner renames a location; a bad name is refused', async () => {
    const page = await get('/owner/kiosks');
    expect(page.text).toContain('value="Kazimierz"');
    const token = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)![1]!;
    expect((await post(`/owner/kiosks/${seed.tills[2]!.kioskId}/location`, { location: ' ', csrf: token })).status).toBe(400);
    expect((await post('/owner/kiosks/no-such-kiosk/location', { location: 'X', csrf: token })).status).toBe(404);
    // The 404 says so in the owner's language, as every page does.
    const missing = await post('/owner/kiosks/no-such-kiosk/location', { location: 'X', csrf: token }, { cookie, 'accept-language': 'pl-PL' });
    expect(missing.text).toContain('Nie ma takiego kiosku w tym sklepie.');
    const noMember = await get(`/owner/members/${seed.ids.anna.slice(0, -4)}beef`, { cookie, 'accept-language': 'de-DE' });
    expect([noMember.status, noMember.text.includes('Dieses Mitglied gibt es in diesem Geschäft nicht.')]).toEqual([404, true]);
    expect((await post(`/owner/kiosks/${seed.tills[2]!.kioskId}/location`, { location: 'Rynek', csrf: token })).status).toBe(303);
    // All three tills at Rynek now: one location with the week's 5 sales.
    const d = await inSql('2026-11-01', '2026-11-08', null);
    expect(d.locations.map((l) => [l.location, l.sales])).toEqual([['Rynek', 5]]);
    expect(await hub.owner.locations(1)).toEqual(['Rynek']);
    expect((await post(`/owner/kiosks/${seed.tills[2]!.kioskId}/location`, { location: 'Kazimierz', csrf: token })).status).toBe(303);
  });

  it('every column of the kiosks table is named, the last one saying whether a kiosk is active or revoked', async () => {
    const table = (html: string): string => /<table id="kiosks">(.*?)<\/table>/s.exec(html)![1]!;
    const status = (html: string): string[] => [...table(html).matchAll(/<td>([^<]*)<\/td><\/tr>/g)].map((m) => m[1]!);
    const page = await get('/owner/kiosks');
    expect([...table(page.text).matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1])).toEqual([
      'Kiosk',
      'Location',
      'Refused reports',
      'Flag',
      'Status',
    ]);
    expect(status(page.text)).toEqual(seed.tills.map(() => 'Active'));
    const spare = await pairedKiosk(hub, 'Spare till');
    expect(
      (await fetch(`${hub.url}/owner/kiosks/${spare.kioskId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${hub.ownerToken}` } })).status,
    ).toBe(200);
    const after = await get('/owner/kiosks', { cookie, 'accept-language': 'pl' });
    expect(status(after.text).sort()).toEqual([...seed.tills.map(() => 'Aktywny'), 'Unieważniony'].sort());
  });
});

describe('a member’s data: export and erasure', () => {
  it('export: personal data, consent and every ledger entry as JSON', async () => {
    const res = await get(`/owner/members/${seed.ids.bela}/export.json`);
    expect(res.type).toMatch(/application\/json/);
    const data = JSON.parse(res.text) as {
      member: { name: string; email: string; phone: null };
      consent: { at: string; text: string };
      ledger: { points: number }[];
    };
    expect([data.member.name, data.member.email, data.member.phone]).toEqual(['Béla', 'bela@example.com', null]);
    expect(data.consent.at).toBe(NOW.toISOString());
    expect(data.consent.text).toContain('Kawiarnia Anna');
    // Her claim (18), the Tuesday ×2 campaign on it (18), its stamp (0 points) and her welcome (50).
    expect(data.ledger.map((e) => e.points)).toEqual([18, 18, 0, 50]);
    expect((await get(`/owner/members/${seed.ids.bela}/export.json`, {})).status).toBe(303); // not without the owner
  });

  it('erasure: the person is gone from pages, search and CSV; the ledger and every total stay', async () => {
    const figuresBefore = await inSql('2026-07-01', '2026-12-01', null);
    const ledgerBefore = (await get('/owner/export/ledger.csv')).text;
    const res = await post(`/owner/members/${seed.ids.bela}/erase`, { confirm: 'ERASE', csrf: await csrf() });
    expect(res.status).toBe(303);
    const after = await inSql('2026-07-01', '2026-12-01', null);
    // Same figures; only the name on Béla's customer row is gone.
    expect({ ...after, top: [] }).toEqual({ ...figuresBefore, top: [] });
    expect(after.top.map((c) => [c.memberId, c.visits, c.spend])).toEqual(figuresBefore.top.map((c) => [c.memberId, c.visits, c.spend]));
    expect(after.top.find((c) => c.memberId === seed.ids.bela)!.name).toBeNull();
    expect((await get('/owner/export/ledger.csv')).text).toBe(ledgerBefore);
    const members = (await get('/owner/export/members.csv')).text;
    expect(members).not.toMatch(/Béla|bela@example\.com/);
    expect(members).toContain(`,${seed.ids.bela},,,,`);
    expect((await get('/owner/members?q=bela')).text).toContain('No members found.');
    const exported = JSON.parse((await get(`/owner/members/${seed.ids.bela}/export.json`)).text) as {
      member: Record<string, unknown>;
      consent: { text: unknown };
    };
    expect([exported.member.name, exported.member.email, exported.consent.text, exported.member.erasedAt]).toEqual([null, null, null, NOW.toISOString()]);
    for (const path of ['/owner?' + WEEK, `/owner/members/${seed.ids.bela}`, '/owner/members']) {
      expect((await get(path)).text).not.toMatch(/Béla|bela@example\.com/);
    }
  });
});
