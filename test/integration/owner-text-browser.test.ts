// Every back-office page as the owner reads it, in Debian Chromium, in Polish and German: the text on
// screen (document.body.innerText) holds no raw ISO date and no internal id (member, kiosk, ledger entry,
// sale key, voucher, account or API key, nor an API key's `lko_` prefix), every table has a header row
// whose column headers all have a name, and its moments are in the viewer's language on the shop's clock
// from the shop's settings. The shop is the owner-seed one, plus what makes every page show dates and names: a member
// who joined without a name, a refused kiosk report, a published program version, an adjustment, an
// API key, and settings whose time zone (London) is not the start-up program's (Warsaw).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskCredentials } from '../../core/sync-protocol';
import { rewardKeyOf } from '../../core/tokens';
import { NOW, WEEK, seedOwnerShop, type OwnerSeed } from '../fixtures/owner-seed';
import { launchChromium, signInAsOwner } from '../support/chromium';
import { joinProven, Phone, saleToken, saveShopSettings, tempDir, testHub } from '../support/hub-harness';

let hub: Hub;
let seed: OwnerSeed;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** Every id the store chose (members, kiosks, ledger entries, sales, claims, vouchers and API keys), none of which may be on screen. */
let internalIds: Set<string>;

const ZONE = 'Europe/London';

beforeAll(async () => {
  const temp = tempDir('owner-text');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  seed = await seedOwnerShop(hub);
  const [t1] = seed.tills as [KioskCredentials];

  // A member who gave no name: lists show them by contact.
  const nameless = new Phone();
  if ((await joinProven(hub, nameless, `${hub.url}/C/${saleToken(t1, 30, 18, NOW)}`, '+48 600 100 900', '', NOW)).status !== 303)
    throw new Error('the member without a name did not join');
  // A report the hub refuses (a bonus no rule pays): Till 1 gets a refusal, shown on its own page.
  await hub.store.applyOutbox(
    (await hub.store.kiosk(t1.kioskId))!,
    [
      {
        id: 'msg-forged-bonus',
        at: NOW.toISOString(),
        type: 'ledgerAppended',
        payload: {
          entries: [
            {
              id: 'forged-bonus-1',
              memberId: seed.ids.anna,
              kind: 'bonus',
              points: 5000,
              stamps: 0,
              saleId: null,
              reverses: null,
              reason: { code: 'bonus' },
              at: NOW.toISOString(),
            },
          ],
        },
      },
    ],
    NOW,
  );
  // The shop's settings in another zone than its program's: every page must follow the settings.
  await saveShopSettings(hub, { timeZone: ZONE, languages: ['pl', 'de'] });

  browser = await launchChromium({ width: 1280, height: 900 });
  const signIn = await browser.context.newPage();
  await signInAsOwner(signIn, hub);
  // An adjustment (a history line and an audit row at NOW), a published version and an API key, made as the owner would.
  await signIn.goto(`${hub.url}/owner/members/${encodeURIComponent(seed.ids.anna)}`);
  await signIn.fill('#adjust input[name=delta]', '+5');
  await signIn.fill('#adjust input[name=reason]', 'Birthday cake');
  await signIn.click('#adjust button');
  await signIn.waitForURL(/done=adjustDone/);
  await signIn.goto(`${hub.url}/owner/program/edit`);
  await signIn.click('#publish');
  await signIn.waitForURL(/published=/);
  await signIn.goto(`${hub.url}/owner/accounts`);
  await signIn.fill('input[name=name]', 'till script');
  await signIn.click('form[action="/owner/api-keys"] button');
  await signIn.waitForSelector('#new-key');
  await signIn.close();
  // A voucher Anna took and has not used: the Rewards page lists it by her name with its expiry.
  const voucher = await hub.store.issueVoucher({
    voucherId: 'voucher-open-1',
    member: (await hub.store.member(seed.ids.anna))!,
    rewardKey: rewardKeyOf('five-zl'),
    costPoints: 60,
    costStamps: 0,
    expiresAt: new Date(NOW.getTime() + 14 * 86_400_000),
    now: NOW,
  });
  if (!voucher.ok) throw new Error(`no voucher for Anna: ${voucher.reason}`);

  const db = hub.store.db;
  const ids = [
    ...(await db.selectFrom('members').select('id').execute()).map((r) => r.id),
    ...(await db.selectFrom('kiosks').select('id').execute()).map((r) => r.id),
    ...(await db.selectFrom('ledger').select('id').execute()).map((r) => r.id),
    ...(await db.selectFrom('sales').select('id').execute()).map((r) => r.id),
    ...(await db.selectFrom('claims').select('sale_key').execute()).map((r) => r.sale_key),
    ...(await db.selectFrom('vouchers').select('id').execute()).map((r) => r.id),
    ...(await db.selectFrom('owner_api_keys').select('id').execute()).map((r) => r.id),
  ];
  if (!(await db.selectFrom('owner_api_keys').select('id').executeTakeFirst())) throw new Error('no API key was made: the accounts page would list none');
  internalIds = new Set(ids);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

/** What on a page's text looks like a raw date or an id: each finding names the page and quotes the text around it. */
function findings(path: string, text: string): string[] {
  const found: string[] = [];
  const quote = (at: number, length: number): string => JSON.stringify(text.slice(Math.max(0, at - 30), at + length + 30));
  const shapes: [string, RegExp][] = [
    ['ISO date and time', /\d{4}-\d{2}-\d{2}T/g],
    ['bare yyyy-mm-dd date', /\b\d{4}-\d{2}-\d{2}\b/g],
    ['UUID', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi],
    ['sale key', /\bK\d+-S\d+\b/g],
    ['API key prefix', /lko_/g],
  ];
  for (const [what, shape] of shapes) for (const m of text.matchAll(shape)) found.push(`${path}: ${what} ${quote(m.index, m[0].length)}`);
  for (const id of internalIds) {
    const at = text.indexOf(id);
    if (at >= 0) found.push(`${path}: internal id ${JSON.stringify(id)} in ${quote(at, id.length)}`);
  }
  return found;
}

/**
 * What on a page's tables a screen-reader user would miss: a table without a header row (`<thead>` with
 * `<th>` cells), a header cell with no name (axe's "empty-table-header"), a header-row cell that does not
 * say it heads a column (`scope="col"`).
 */
async function tableFindings(path: string, page: Page): Promise<string[]> {
  const problems = await page.locator('table').evaluateAll((tables) =>
    tables.flatMap((table) => {
      const name = table.id ? `#${table.id}` : `table ${tables.indexOf(table) + 1}`;
      const found: string[] = [];
      const head = table.querySelectorAll('thead th');
      if (!table.querySelector(':scope > thead') || head.length === 0) found.push(`${name} has no header row`);
      table.querySelectorAll('th').forEach((th, i) => {
        if ((th.textContent ?? '').trim() === '') found.push(`${name}: header cell ${i + 1} is empty`);
      });
      head.forEach((th, i) => {
        if (th.getAttribute('scope') !== 'col') found.push(`${name}: column header ${JSON.stringify(th.textContent)} (${i + 1}) has no scope="col"`);
      });
      return found;
    }),
  );
  return problems.map((problem) => `${path}: ${problem}`);
}

/**
 * Visits the dashboard, every page its navigation links to (the CSV downloads and log-out aside), the
 * pages the messages page links to, the accounts page, one member's page and one kiosk's page.
 */
async function tour(page: Page): Promise<{ visited: string[]; found: string[]; tables: number }> {
  const visited: string[] = [];
  const found: string[] = [];
  let tables = 0;
  const read = async (path: string): Promise<void> => {
    const answer = await page.goto(`${hub.url}${path}`);
    expect(answer?.status(), path).toBe(200);
    await page.waitForSelector('h1');
    if (visited.includes(path)) return;
    visited.push(path);
    found.push(...findings(path, await page.evaluate(() => document.body.innerText)));
    found.push(...(await tableFindings(path, page)));
    tables += await page.locator('table').count();
  };
  await read(`/owner?${WEEK}`);
  const links = async (selector: string): Promise<string[]> =>
    (await page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))).filter((href) => !href.endsWith('.csv'));
  for (const href of await links('nav a[href^="/owner"]')) if (href !== '/owner') await read(href);
  await read('/owner/messages');
  for (const href of await links('a[href^="/owner/messages/"]')) await read(href);
  await read('/owner/accounts');
  await read(`/owner/members?q=`);
  await read(`/owner/members/${encodeURIComponent(seed.ids.anna)}`);
  await read('/owner/kiosks');
  const kioskPage = (await links('#kiosks a[href$="/refusals"]'))[0];
  expect(kioskPage, 'a kiosk page linked from the kiosks page').toBeDefined();
  await read(kioskPage!);
  return { visited, found, tables };
}

describe.each([
  ['pl' as const, 'pl-PL,pl;q=0.9'],
  ['de' as const, 'de-DE,de;q=0.9'],
])('the back office in %s', (locale, acceptLanguage) => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': acceptLanguage });
  });
  afterAll(async () => page?.close());

  it('no page shows a raw ISO date or an internal id, and every table has named column headers', async () => {
    const { visited, found, tables } = await tour(page);
    // The tour reached every section (a broken navigation would make an empty scan pass).
    for (const path of ['/owner/members', '/owner/program/edit', '/owner/rewards', '/owner/kiosks', '/owner/messages', '/owner/settings', '/owner/accounts'])
      expect(visited).toContain(path);
    expect(visited.some((p) => p.endsWith('/refusals'))).toBe(true);
    expect(visited.some((p) => p.startsWith('/owner/messages/'))).toBe(true);
    // The API key made above is listed (by its name), so the accounts page's key table was scanned too.
    await page.goto(`${hub.url}/owner/accounts`);
    expect(await page.locator('#api-keys tbody td').first().innerText()).toBe('till script');
    expect(tables).toBeGreaterThan(10);
    expect(found).toEqual([]);
  }, 180_000);

  it("moments are in the viewer's language on the shop's clock (the settings' zone, not the program's)", async () => {
    // The adjustment was made at NOW: 08:40 in London (the settings), 09:40 in Warsaw (the start-up program).
    const inShopZone = new Intl.DateTimeFormat(`${locale}-${locale.toUpperCase()}`, { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(NOW);
    expect(inShopZone).toContain('08:40');
    await page.goto(`${hub.url}/owner/members/${encodeURIComponent(seed.ids.anna)}`);
    const newest = await page.locator('#history tbody tr').first().locator('td').allInnerTexts();
    expect(newest).toEqual([inShopZone, { pl: 'Korekta', de: 'Korrektur' }[locale], '5', '0', 'Birthday cake']);
    const audit = await page.locator('#audit tbody tr').first().locator('td').allInnerTexts();
    expect(audit[0]).toBe(inShopZone);
    // The refusal, on the kiosk's page, at the same moment.
    await page.goto(`${hub.url}/owner/kiosks`);
    await page.click('#kiosks a[href$="/refusals"] >> nth=0');
    expect(await page.locator('#refusals tbody tr').first().locator('td').first().innerText()).toBe(inShopZone);
  }, 60_000);

  it("the bad-period page and the messages' reasons are in the owner's language, with no raw date", async () => {
    const answer = await page.goto(`${hub.url}/owner?from=2026-02-30x`);
    expect(answer?.status()).toBe(400);
    const text = await page.evaluate(() => document.body.innerText);
    expect(findings('/owner?from=bad', text)).toEqual([]);
    expect(text).toContain({ pl: 'Wybierz datę początkową', de: 'Wählen Sie ein Startdatum' }[locale]);
    expect(text).not.toMatch(/from\/to|today is/);
    // The messages page lists what did not go (this hub has no sender): why, in words of the owner's language.
    await page.goto(`${hub.url}/owner/messages`);
    const why = await page.locator('#undelivered tbody tr td:last-child').allInnerTexts();
    expect(why.length).toBeGreaterThan(0);
    for (const reason of why) expect(reason).not.toMatch(/configured|consent for|contact for|frequency cap|gave up|no sender/);
    expect(why).toContain({ pl: 'Wysyłka e-maili nie jest skonfigurowana na serwerze', de: 'E-Mail ist auf dem Server nicht eingerichtet' }[locale]);
  }, 60_000);

  it('members are named, and a member without a name is shown by contact', async () => {
    await page.goto(`${hub.url}/owner?${WEEK}`);
    const top = await page.locator('#top tbody tr td:first-child').allInnerTexts();
    expect(top).toContain('Anna');
    expect(top).toContain('+48600100900');
  }, 60_000);
});
