import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { joinProven, pairedKiosk, Phone, saleToken, tempDir, testHub } from '../support/hub-harness';
import { launchChromium } from '../support/chromium';

// The owner in Debian Chromium: the login form, the cookie the browser keeps, the dashboard tables.
const NOW = new Date('2026-11-03T08:40:00Z'); // Tuesday 09:40 in Europe/Warsaw

let hub: Hub;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const temp = tempDir('owner-browser');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  const till = await pairedKiosk(hub);
  const anna = new Phone();
  // With her number proven (the code sent at join): the welcome bonus is paid.
  expect((await joinProven(hub, anna, `${hub.url}/C/${saleToken(till, 1, 18, NOW)}`, '+48 600 100 200', 'Anna', NOW)).status).toBe(303);
  expect((await anna.post(`${hub.url}/C/${saleToken(till, 2, 18, NOW)}`, { mode: 'member' })).status).toBe(303);
  browser = await launchChromium({ width: 1280, height: 900 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

describe('owner pages in Chromium', () => {
  it('refuses the dashboard until the owner logs in, then shows it in German', async () => {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'de-DE,de;q=0.9' });
    await page.goto(`${hub.url}/owner/export/ledger.csv`);
    expect(new URL(page.url()).pathname).toBe('/owner/login');
    await page.fill('input[name=token]', 'wrong');
    await page.click('#token-login button');
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Falsches Inhaber-Token.');
    await page.fill('input[name=token]', hub.ownerToken);
    await page.click('#token-login button');
    await page.waitForURL(/\/owner$/);
    // The cookie is HttpOnly: page script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.goto(`${hub.url}/owner?from=2026-11-01&to=2026-11-08`);
    // Anna's two claims: 2 sales, both a member's → 100 %; 36 + 50 (welcome) + 36 = 122 points (each claim doubled by the
    // Tuesday campaign); 1 member with 2 visits.
    const cell = (id: string): Promise<string | null> => page.locator(`tr[data-figure=${id}] td`).textContent();
    expect(await cell('sales')).toBe('2');
    expect(await cell('participation')).toBe('100\u00a0%');
    expect(await cell('pointsEarned')).toBe('122');
    expect(await cell('repeatRate')).toBe('100\u00a0%');
    expect(await page.locator('#heatmap tbody tr td').first().textContent()).toBe('Dienstag');
    await page.click('#top a');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Anna');
    // Each claim as its base, campaign and stamp entries, and her welcome.
    expect(await page.locator('#history tbody tr').count()).toBe(7);

    // The kiosks-and-locations page is in the navigation; "Abmelden" clears the cookie: /owner sends to the login again.
    await page.click('nav a[href="/owner/kiosks"]');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Kioske und ihre Standorte');
    await page.click('#logout button');
    await page.waitForURL(/\/owner\/login$/);
    expect((await page.context().cookies(hub.url)).filter((c) => c.name === 'lk_owner_session')).toEqual([]);
    await page.goto(`${hub.url}/owner`);
    expect(new URL(page.url()).pathname).toBe('/owner/login');
    await page.close();
  }, 60_000);
});
