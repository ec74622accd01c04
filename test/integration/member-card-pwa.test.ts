// The member card as an installable web app, in Debian's Chromium against the real hub on loopback:
// the manifest, the service worker, the last card shown working offline (balance and the member's
// own QR), nothing else kept, and signing out dropping what was kept.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskCredentials } from '../../core/sync-protocol';
import { launchChromium } from '../support/chromium';
import { pairedKiosk, Phone, saleUrl, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const phone = new Phone('en-GB,en;q=0.9');
let saleNo = 0;

/** What the worker keeps, as paths (with the query of an asset). */
const kept = (): Promise<string[]> =>
  page.evaluate(async () => {
    if (!(await caches.has('member-card-v1'))) return [];
    const keys = await (await caches.open('member-card-v1')).keys();
    return keys.map((r) => new URL(r.url).pathname + new URL(r.url).search);
  });

beforeAll(async () => {
  tmp = tempDir('card-pwa');
  hub = await testHub(tmp.dir, { shopName: 'Kawiarnia Anna' });
  creds = await pairedKiosk(hub);
  expect((await phone.join(saleUrl(hub, creds, ++saleNo, 18), 'anna@example.com')).status).toBe(303);
  browser = await launchChromium({ width: 400, height: 800 });
  const [name, ...value] = phone.cookie.split('=');
  await browser.context.addCookies([{ name: name!, value: value.join('='), url: hub.url }]);
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  tmp?.remove();
});

describe('the card on the phone as a web app', () => {
  it('links a manifest naming the shop, starting and scoped at the card, standalone, with PNG icons', async () => {
    await page.goto(`${hub.url}/m`);
    await page.locator('#balance').waitFor();
    const href = await page.locator('link[rel=manifest]').getAttribute('href');
    expect(href).toBe('/m/manifest.webmanifest');
    const res = await fetch(`${hub.url}${href}`);
    expect(res.headers.get('content-type')).toContain('application/manifest+json');
    const manifest = (await res.json()) as Record<string, unknown> & { icons: { src: string; sizes: string; type: string }[] };
    expect(manifest).toMatchObject({ name: 'Kawiarnia Anna', start_url: '/m', scope: '/m', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(['192x192', '512x512']);
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(`${hub.url}${icon.src}`)).arrayBuffer());
      expect(icon.type).toBe('image/png');
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      // IHDR: width and height at bytes 16 and 20.
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
    }
    // The worker is served where its scope may be the card (/m) and not the whole hub.
    const sw = await fetch(`${hub.url}/m/sw.js`);
    expect(sw.headers.get('service-worker-allowed')).toBe('/m');
    expect(sw.headers.get('content-type')).toContain('javascript');
  });

  it('keeps the card shown last, so it opens offline with the balance and the member QR', async () => {
    await until(() => page.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker controlling the card');
    await until(async () => (await kept()).includes('/m'), 'the card kept by the service worker');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
    expect(scope).toBe(`${hub.url}/m`);
    const balance = await page.locator('#balance').textContent();
    const code = await page.locator('#member-code').textContent();
    expect(code).toMatch(/^M[A-R]{11}$/);
    expect(Number(balance)).toBeGreaterThan(0);

    // More points arrive while the phone is not looking: the card it keeps is the one it last showed.
    expect((await phone.post(saleUrl(hub, creds, ++saleNo, 7), { mode: 'member' })).status).toBe(303);

    await browser.context.setOffline(true);
    try {
      await page.reload();
      await page.locator('#balance').waitFor();
      expect(await page.locator('#balance').textContent()).toBe(balance);
      expect(await page.locator('#member-code').textContent()).toBe(code);
      expect(await page.locator('#member-qr svg').count()).toBe(1);
      // The style sheet came along: the page looks like the card, not bare HTML.
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 243, 238)');
    } finally {
      await browser.context.setOffline(false);
    }
    // Online again, the card shows the new balance and keeps that one.
    await page.reload();
    await page.locator('#balance').waitFor();
    expect(Number(await page.locator('#balance').textContent())).toBe(Number(balance) + 7);
  });

  it('keeps nothing but the card and its files (an owner page visited on the way is not kept)', async () => {
    await page.goto(`${hub.url}/owner/login`);
    await page.goto(`${hub.url}/m`);
    await page.locator('#balance').waitFor();
    await until(async () => (await kept()).includes('/m'), 'the card kept again');
    const keys = await kept();
    expect(keys.filter((k) => k !== '/m' && !k.startsWith('/assets/'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('/assets/')).length).toBe(3);
  });

  it('drops the kept card when the member signs out', async () => {
    await page.locator('#sign-out-everywhere').click();
    await page.waitForLoadState();
    await until(async () => (await kept()).length === 0, 'the kept card deleted at sign-out');
    await browser.context.setOffline(true);
    try {
      await expect(page.goto(`${hub.url}/m`)).rejects.toThrow(/ERR_INTERNET_DISCONNECTED|ERR_FAILED/);
    } finally {
      await browser.context.setOffline(false);
    }
  });
});
