import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { formatMoney } from '../../core/money';
import type { KioskCredentials } from '../../core/sync-protocol';
import { claimSaleKey } from '../../core/tokens';
import { joinProven, Phone, pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';

// Every claim happens at one fixed hub time: Tuesday 3 Nov 2026 08:40Z = 09:40 in Europe/Warsaw (the demo program's zone).
const NOW = new Date('2026-11-03T08:40:00Z');
const EN = 'en-GB,en;q=0.9';

let hub: Hub;
let remove: () => void;
let till1: KioskCredentials;
let till2: KioskCredentials;
let annaId: string;

async function ownerFetch(path: string, cookie = ''): Promise<{ status: number; text: string; location: string | null; type: string | null }> {
  const res = await fetch(`${hub.url}${path}`, { redirect: 'manual', headers: { cookie, 'accept-language': EN } });
  return { status: res.status, text: await res.text(), location: res.headers.get('location'), type: res.headers.get('content-type') };
}

async function login(token: string): Promise<{ status: number; cookie: string; setCookie: string | null }> {
  const res = await fetch(`${hub.url}/owner/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': EN },
  });
  await res.text();
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, cookie: setCookie?.split(';')[0] ?? '', setCookie };
}

/** The value cell of a summary figure. */
function figure(html: string, id: string): string {
  const match = new RegExp(`data-figure="${id}"><th scope="row">[^<]*</th><td class="n">([^<]*)</td>`).exec(html);
  if (!match) throw new Error(`figure ${id} not on the page`);
  return match[1]!;
}
/** The body rows of a table as cell texts (tags stripped). */
function rows(html: string, id: string): string[][] {
  const body = new RegExp(`<table id="${id}">.*?<tbody>(.*?)</tbody>`, 's').exec(html)?.[1];
  if (body === undefined) throw new Error(`table ${id} not on the page`);
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) => [...r[1]!.matchAll(/<td(?: [^>]*)?>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')));
}
const zl = (amount: number): string => formatMoney({ amount, currency: 'PLN' }, 'en-GB');

beforeAll(async () => {
  const temp = tempDir('owner');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  till1 = await pairedKiosk(hub, 'Till 1');
  till2 = await pairedKiosk(hub, 'Till 2');
  // Real claims through the phone pages: each sale 18 points, 1 stamp, 18.40 zł (the harness's token).
  const anna = new Phone();
  // Anna and Béla proved their contacts (the code sent at join): their welcome bonuses are paid.
  const joined = await joinProven(hub, anna, `${hub.url}/C/${saleToken(till1, 1, 18, NOW)}`, '+48 600 100 200', 'Anna', NOW);
  expect(joined.status).toBe(303);
  expect((await anna.post(`${hub.url}/C/${saleToken(till1, 2, 18, NOW)}`, { mode: 'member' })).status).toBe(303);
  const bela = new Phone('hu-HU');
  expect((await joinProven(hub, bela, `${hub.url}/C/${saleToken(till2, 1, 18, NOW)}`, 'bela@example.com', 'Béla', NOW)).status).toBe(303);
  annaId = (await hub.store.searchMembers(1, 'Anna'))[0]!.id;
  // A kiosk's outbox, applied as the hub's syncOutbox handler applies it: an anonymous sale of 12.00 zł on till 1
  // and Anna's redemption of "5 zł off" (60 points).
  const kiosk1 = (await hub.store.kiosk(till1.kioskId))!;
  await hub.store.applyOutbox(
    kiosk1,
    [
      {
        id: 'm1',
        at: NOW.toISOString(),
        type: 'saleCreated',
        payload: {
          saleId: claimSaleKey({ kioskNo: till1.kioskNo, saleNo: 3 }),
          saleNo: 3,
          total: { amount: 1200, currency: 'PLN' },
          points: 18,
          stamps: 0,
          memberId: null,
          entries: [],
        },
      },
      {
        id: 'm2',
        at: NOW.toISOString(),
        type: 'ledgerAppended',
        payload: {
          entries: [
            {
              id: 'redeem-1',
              memberId: annaId,
              kind: 'redeem',
              points: -60,
              stamps: 0,
              saleId: null,
              reverses: null,
              reason: { code: 'redeem', ruleId: 'five-zl', label: '5 zł off' },
              at: NOW.toISOString(),
            },
          ],
        },
      },
      // Sale 4 (50.00 zł, anonymous) voided at the till: not a sale on the dashboard.
      {
        id: 'm3',
        at: NOW.toISOString(),
        type: 'saleCreated',
        payload: {
          saleId: claimSaleKey({ kioskNo: till1.kioskNo, saleNo: 4 }),
          saleNo: 4,
          total: { amount: 5000, currency: 'PLN' },
          points: 50,
          stamps: 0,
          memberId: null,
          entries: [],
        },
      },
      {
        id: 'm4',
        at: NOW.toISOString(),
        type: 'saleReversed',
        payload: {
          saleId: claimSaleKey({ kioskNo: till1.kioskNo, saleNo: 4 }),
          saleNo: 4,
          total: { amount: 5000, currency: 'PLN' },
          refunded: { amount: 5000, currency: 'PLN' },
          full: true,
        },
      },
    ],
    NOW,
  );
});

afterAll(async () => {
  await hub?.close();
  remove?.();
});

describe('owner pages on the hub', () => {
  it('a non-owner is sent to the login and never sees figures or exports', async () => {
    for (const path of ['/owner', '/owner/members', `/owner/members/${annaId}`, '/owner/export/members.csv', '/owner/export/ledger.csv']) {
      const anon = await ownerFetch(path);
      expect([anon.status, anon.location]).toEqual([303, '/owner/login']);
      expect(anon.text).not.toContain('Anna');
    }
    const wrong = await login('not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBeNull();
    // A forged cookie (right shape, no valid signature) and a member's phone cookie are refused too.
    expect((await ownerFetch('/owner', `lk_owner_session=${encodeURIComponent(`o1.${NOW.getTime() + 3_600_000}.deadbeef`)}`)).status).toBe(303);
    const member = new Phone();
    await member.post(`${hub.url}/C/${saleToken(till1, 99, 18, NOW)}`, { mode: 'join', contact: '+48 600 999 999', consent: 'yes', name: 'Eve' });
    expect((await ownerFetch('/owner/export/ledger.csv', member.cookie)).status).toBe(303);
    // The JSON owner API still answers 401 without the token.
    expect((await ownerFetch('/owner/program')).status).toBe(401);
  });

  it('every page has one frame: the shop’s name, seven sections with the shown one marked, a skip link, the exports on their pages', async () => {
    const { cookie } = await login(hub.ownerToken);
    const settings = (await (await fetch(`${hub.url}/owner/settings`, { headers: { authorization: `Bearer ${hub.ownerToken}` } })).json()) as {
      settings: { name: string };
    };
    const sections = ['/owner', '/owner/members', '/owner/program/edit', '/owner/rewards', '/owner/messages', '/owner/kiosks', '/owner/settings'];
    const shown: [string, string][] = [
      ['/owner', '/owner'],
      ['/owner/members?q=Anna', '/owner/members'],
      [`/owner/members/${encodeURIComponent(annaId)}`, '/owner/members'],
      ['/owner/program/edit', '/owner/program/edit'],
      ['/owner/messages', '/owner/messages'],
      ['/owner/kiosks', '/owner/kiosks'],
      ['/owner/settings', '/owner/settings'],
      ['/owner/accounts', '/owner/settings'],
    ];
    for (const [path, section] of shown) {
      const page = await ownerFetch(path, cookie);
      expect(page.status, path).toBe(200);
      const nav = /<nav class="sections" aria-label="[^"]+">(.*?)<\/nav>/s.exec(page.text)?.[1] ?? '';
      expect(
        [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]),
        path,
      ).toEqual(sections);
      expect(
        [...nav.matchAll(/<a href="([^"]+)"[^>]*aria-current="page"/g)].map((m) => m[1]),
        path,
      ).toEqual([section]);
      expect(page.text, path).toContain(`<span class="shop-name" id="shop-name">${settings.settings.name}</span>`);
      expect(page.text, path).toMatch(/<body><a class="skip-link" href="#main">Skip to the content<\/a>/);
      expect(page.text, path).toContain('<main id="main" tabindex="-1">');
      expect(nav, path).not.toContain('.csv');
    }
    // The exports sit on the pages they belong to.
    expect((await ownerFetch('/owner/members', cookie)).text).toContain('href="/owner/export/members.csv"');
    expect((await ownerFetch('/owner', cookie)).text).toContain('href="/owner/export/ledger.csv"');
    expect((await ownerFetch('/owner/kiosks', cookie)).text).not.toContain('.csv');
  });

  it('logs out only with the session’s CSRF token, clearing the cookie; every page links the kiosks page', async () => {
    const { cookie } = await login(hub.ownerToken);
    const members = (await ownerFetch('/owner/members', cookie)).text;
    expect(members).toContain('<a href="/owner/kiosks" id="nav-kiosks">Kiosks</a>');
    const csrf = /<form (?=[^>]*action="\/owner\/logout")[^>]*id="logout"[^>]*><input type="hidden" name="csrf" value="([0-9a-f]{64})"\/?>/.exec(members)?.[1];
    expect(csrf).toBeDefined();
    const logout = (body: string): Promise<Response> =>
      fetch(`${hub.url}/owner/logout`, {
        method: 'POST',
        redirect: 'manual',
        body,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': EN },
      });
    // Another site's form cannot log the owner out: no token or a wrong one is refused, the session stays.
    for (const body of ['', 'csrf=00']) {
      const refused = await logout(body);
      expect([refused.status, refused.headers.get('set-cookie')]).toEqual([403, null]);
    }
    expect((await ownerFetch('/owner', cookie)).status).toBe(200);
    const done = await logout(`csrf=${csrf!}`);
    expect([done.status, done.headers.get('location')]).toEqual([303, '/owner/login']);
    expect(done.headers.get('set-cookie')).toBe('lk_owner_session=; Max-Age=0; Path=/owner; HttpOnly; SameSite=Strict');
    // The browser now sends no owner cookie: /owner redirects to the login.
    const after = await ownerFetch('/owner', done.headers.get('set-cookie')!.split(';')[0]!);
    expect([after.status, after.location]).toEqual([303, '/owner/login']);
  });

  it('the owner logs in with the token and the dashboard shows the hand-computed figures', async () => {
    const session = await login(hub.ownerToken);
    expect(session.status).toBe(303);
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    const page = await ownerFetch('/owner?from=2026-11-01&to=2026-11-08', session.cookie);
    expect(page.status).toBe(200);
    const html = page.text;
    // Sales: till 1 sales 1 and 2 (Anna), 99 (Eve, from the refusal test), 3 (anonymous 12.00 zł); till 2 sale 1 (Béla).
    // 5 sales, 4 of them members' → 4/5 = 80%.
    expect(figure(html, 'sales')).toBe('5');
    expect(figure(html, 'memberSales')).toBe('4');
    expect(figure(html, 'nonMemberSales')).toBe('1');
    expect(figure(html, 'participation')).toBe('80%');
    // Earned: 4 claims × (18 + 18 of the Tuesday ×2 campaign: a claim earns as a sale with the member) + 2 welcome
    // bonuses × 50 (Anna and Béla proved their contacts; Eve did not) = 144 + 100 = 244; redeemed 60 → 60/244 = 24.59% → 24.6%.
    expect(figure(html, 'pointsEarned')).toBe('244');
    expect(figure(html, 'pointsRedeemed')).toBe('60');
    expect(figure(html, 'redemptionRate')).toBe('24.6%');
    // Members with a purchase: Anna (2), Béla (1), Eve (1) → 3; repeat 1/3 = 33.3%; visits 4/3 = 1.33.
    expect(figure(html, 'activeMembers')).toBe('3');
    expect(figure(html, 'repeatRate')).toBe('33.3%');
    expect(figure(html, 'visitFrequency')).toBe('1.33');
    expect(figure(html, 'nonMembersRepeat')).toBe('not measurable (anonymous sales)');
    // Averages: all (4 × 1840 + 1200) / 5 = 8560 / 5 = 1712; members 1840; non-members 1200.
    expect(figure(html, 'avgAll')).toBe(zl(1712));
    expect(figure(html, 'avgMembers')).toBe(zl(1840));
    expect(figure(html, 'avgNonMembers')).toBe(zl(1200));
    // The headline cards above the tables: the same figures, with the change against the previous week (it had no sales).
    const card = (kpi: string): { value: string; change: string } => {
      const match = new RegExp(`<li class="kpi" data-kpi="${kpi}">.*?<p class="kpi-value">(.*?)</p><p class="kpi-change [a-z]+">(.*?)</p></li>`, 's').exec(
        html,
      );
      if (!match) throw new Error(`card ${kpi} not on the page`);
      return {
        value: match[1]!,
        change: match[2]!
          .replace(/<[^>]+>/g, '')
          .replace('▲', '')
          .replace('▼', '')
          .replace('•', '')
          .trim(),
      };
    };
    expect(html.indexOf('id="kpi-cards"')).toBeLessThan(html.indexOf('<table id="kpis">'));
    expect(card('participation')).toEqual({ value: '80%', change: 'no previous period to compare' });
    expect(card('redemptionRate').value).toBe('24.6%');
    expect(card('repeatRate').value).toBe('33.3%');
    expect(card('avgMembers').value).toBe(zl(1840));
    expect(card('avgNonMembers').value).toBe(zl(1200));
    expect(card('activeMembers')).toEqual({ value: '3', change: '+3 against the previous period (0)' });
    // Top: Anna 2 visits 36.80 zł; Béla and Eve 1 visit 18.40 zł each (ties by member id, so only Anna's row is fixed).
    const top = rows(html, 'top');
    expect(top[0]!.slice(0, 3)).toEqual(['Anna', '2', zl(3680)]);
    expect(
      top
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(['Béla', 'Eve']);
    // Segments with the defaults: nobody reaches 4 visits or 200 zł → 3 Standard.
    expect(rows(html, 'segments')).toEqual([
      ['Standard', '3'],
      ['Loyal', '0'],
      ['Premium', '0'],
      ['Platinum', '0'],
    ]);
    expect(rows(html, 'rewards')).toEqual([['5 zł off', '1', '60', '0']]);
    // All five sales at Tuesday 09:40 Warsaw time: one cell, 5 sales, 4 × 18.40 + 12.00 = 85.60 zł.
    expect(rows(html, 'heatmap')).toEqual([['Tuesday', '09:00', '5', zl(8560)]]);
    expect(rows(html, 'inactive')).toEqual([]);
  });

  it('segments are named in the owner’s language: no English segment name on the Polish overview', async () => {
    const { cookie } = await login(hub.ownerToken);
    const res = await fetch(`${hub.url}/owner?from=2026-11-01&to=2026-11-08`, { headers: { cookie, 'accept-language': 'pl-PL,pl;q=0.9' } });
    const html = await res.text();
    expect(res.status).toBe(200);
    const polish = ['Standardowy', 'Lojalny', 'Premium', 'Platynowy'];
    const english = ['Standard', 'Loyal', 'Platinum'];
    const segments = rows(html, 'segments');
    expect(segments.map((r) => r[0])).toEqual(polish);
    // Anna, Béla and Eve, each in the first segment, by its Polish name.
    const topSegments = rows(html, 'top').map((r) => r[4]);
    expect(topSegments).toEqual(['Standardowy', 'Standardowy', 'Standardowy']);
    // The chart draws the same names.
    const charts = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!) as Record<
      string,
      { data: { labels: string[] } }
    >;
    expect(charts['chart-segments']!.data.labels).toEqual(polish);
    for (const cell of [...segments.map((r) => r[0]), ...topSegments, ...charts['chart-segments']!.data.labels]) expect(english).not.toContain(cell);
  });

  it('one location: till 2 alone has Béla’s sale only', async () => {
    const { cookie } = await login(hub.ownerToken);
    const html = (await ownerFetch(`/owner?from=2026-11-01&to=2026-11-08&location=Till%202`, cookie)).text;
    // 1 sale, a member's → 100%; earned 18 + 18 (the Tuesday campaign; Béla's welcome rewards her proven contact, on no sale); the redemption has no sale → 0.
    expect([figure(html, 'sales'), figure(html, 'participation'), figure(html, 'pointsEarned'), figure(html, 'pointsRedeemed')]).toEqual([
      '1',
      '100%',
      '36',
      '0',
    ]);
    // A period before the claims is empty: no rates, dashes.
    const empty = (await ownerFetch('/owner?from=2026-10-01&to=2026-10-02', cookie)).text;
    expect([figure(empty, 'sales'), figure(empty, 'participation')]).toEqual(['0', '—']);
    expect((await ownerFetch('/owner?from=2026-11-08&to=2026-11-01', cookie)).status).toBe(400);
  });

  it('members search, a member’s history and the CSV exports', async () => {
    const { cookie } = await login(hub.ownerToken);
    const found = await ownerFetch('/owner/members?q=600%20100', cookie);
    expect(rows(found.text, 'members')).toEqual([['Anna', '+48600100200', '', '62']]); // 2 × (18 + 18 campaign) + 50 − 60 = 62
    expect((await ownerFetch('/owner/members?q=%25', cookie)).text).toContain('No members found.');
    const history = rows((await ownerFetch(`/owner/members/${annaId}`, cookie)).text, 'history');
    // Newest first: the redemption, then each claim as its stamp, its Tuesday campaign bonus and its base; her welcome between
    // them. Kinds in words, never the ledger's own codes.
    expect(history.map((r) => [r[1], r[2]])).toEqual([
      ['Reward redeemed', '-60'],
      ['Purchase', '0'],
      ['Bonus', '18'],
      ['Purchase', '18'],
      ['Bonus', '50'],
      ['Purchase', '0'],
      ['Bonus', '18'],
      ['Purchase', '18'],
    ]);
    const members = await ownerFetch('/owner/export/members.csv', cookie);
    expect(members.type).toMatch(/text\/csv/);
    const lines = members.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('no,id,name,phone,email,joined_at,points');
    expect(lines).toHaveLength(1 + 3);
    expect(lines.find((l) => l.includes('Anna'))).toMatch(/,Anna,'\+48600100200,,2026-11-03T08:40:00.000Z,62$/);
    const ledger = (await ownerFetch('/owner/export/ledger.csv', cookie)).text.trimEnd().split('\r\n');
    // 4 claims × 3 entries (base, Tuesday campaign, stamp) + 2 welcome bonuses (Eve did not prove her number) + 1 redemption = 15 entries.
    expect(ledger).toHaveLength(1 + 15);
    expect(ledger.some((l) => l.startsWith('redeem-1,') && l.includes(',-60,'))).toBe(true);
  });

  it('speaks the owner’s browser language', async () => {
    const { cookie } = await login(hub.ownerToken);
    const res = await fetch(`${hub.url}/owner?from=2026-11-01&to=2026-11-08`, { headers: { cookie, 'accept-language': 'pl-PL' } });
    const html = await res.text();
    expect(html).toContain('Udział (część sprzedaży odebrana przez członków)');
    expect(figure(html, 'participation')).toBe('80%');
    expect(figure(html, 'visitFrequency')).toBe('1,33');
    expect(rows(html, 'heatmap')[0]![0]).toBe('wtorek');
  });
});

describe('refunds on the dashboard', () => {
  it('a sale counts net of its refunds, whether it was refunded before or after its claim', async () => {
    const temp = tempDir('owner-refunds');
    const own = await testHub(temp.dir, { now: () => NOW });
    try {
      const till = await pairedKiosk(own, 'Till 1');
      const kiosk = (await own.store.kiosk(till.kioskId))!;
      // Sale 1, anonymous 30.00 zł, refunded 20.00 zł (partial) before anyone claimed it → a 10.00 zł non-member sale.
      // Sale 2, 18.40 zł claimed by a phone, then 8.40 zł refunded at the kiosk (the claim entry's reversal, spend −840)
      //   → a 10.00 zł member sale.
      await own.store.applyOutbox(
        kiosk,
        [
          {
            id: 'r1',
            at: NOW.toISOString(),
            type: 'saleCreated',
            payload: {
              saleId: claimSaleKey({ kioskNo: till.kioskNo, saleNo: 1 }),
              saleNo: 1,
              total: { amount: 3000, currency: 'PLN' },
              points: 30,
              stamps: 0,
              memberId: null,
              entries: [],
            },
          },
          {
            id: 'r2',
            at: NOW.toISOString(),
            type: 'saleReversed',
            payload: {
              saleId: claimSaleKey({ kioskNo: till.kioskNo, saleNo: 1 }),
              saleNo: 1,
              total: { amount: 3000, currency: 'PLN' },
              refunded: { amount: 2000, currency: 'PLN' },
              full: false,
            },
          },
        ],
        NOW,
      );
      const phone = new Phone();
      expect((await phone.join(`${own.url}/C/${saleToken(till, 2, 18, NOW)}`, '+48 600 100 300', 'Ola')).status).toBe(303);
      const saleKey = claimSaleKey({ kioskNo: till.kioskNo, saleNo: 2 });
      const claim = (await own.store.entries((await own.store.searchMembers(1, 'Ola'))[0]!.id)).find((e) => e.id === `claim:${saleKey}`)!;
      await own.store.applyOutbox(
        kiosk,
        [
          {
            id: 'r3',
            at: NOW.toISOString(),
            type: 'ledgerAppended',
            payload: {
              entries: [{ ...claim, id: 'refund-1', kind: 'reversal', points: -8, stamps: 0, reverses: claim.id, spend: -840, reason: { code: 'refund' } }],
            },
          },
        ],
        NOW,
      );
      const session = await fetch(`${own.url}/owner/login`, {
        method: 'POST',
        redirect: 'manual',
        body: `token=${own.ownerToken}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
      const html = await (await fetch(`${own.url}/owner?from=2026-11-01&to=2026-11-08`, { headers: { cookie, 'accept-language': EN } })).text();
      expect([figure(html, 'sales'), figure(html, 'memberSales')]).toEqual(['2', '1']);
      expect([figure(html, 'avgMembers'), figure(html, 'avgNonMembers'), figure(html, 'avgAll')]).toEqual([zl(1000), zl(1000), zl(1000)]);
    } finally {
      await own.close();
      temp.remove();
    }
  });
});

describe('owner login throttling', () => {
  it('an address that keeps guessing the token is told to wait, even with the right one', async () => {
    const temp = tempDir('owner-throttle');
    const own = await testHub(temp.dir, { maxFailuresPerMinute: 3 });
    try {
      const post = (token: string): Promise<Response> =>
        fetch(`${own.url}/owner/login`, {
          method: 'POST',
          redirect: 'manual',
          body: new URLSearchParams({ token }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      for (let i = 0; i < 3; i++) expect((await post(`guess-${i}`)).status).toBe(401);
      const blocked = await post(own.ownerToken);
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('set-cookie')).toBeNull();
    } finally {
      await own.close();
      temp.remove();
    }
  });
});
