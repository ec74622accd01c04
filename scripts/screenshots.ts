// Remakes the screenshots from the real product: the kiosk app of `npm start` (store, local hub, till
// API, virtual printer and scanner) on a throw-away data dir, its screen served by the browser shell,
// sales rung through the till API, a phone-sized Debian Chromium that joins on the hub's claim page and
// lands on the member card, and the owner signed in to the back office with the local hub's token.
//
//   npm run screenshots
//
// writes the README's images (docs/images/{counter-sale,counter-thanks,phone-card}.png), then every
// screen at 390×844, 800×480 and 1440×900 to docs/screenshots/<screen>-<width>x<height>.png: the
// counter screen idle and during a sale, the staff screen (sale, refund and today tabs), the phone's
// claim page and card, and each back-office page
// (overview, members, a member, program, kiosks, messages, settings, accounts).
//
// Needs Chromium at /usr/lib/chromium/chromium (as the tests do). Every address is 127.0.0.1 and
// every port is picked free, so it runs beside a kiosk that is already started.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKioskConfig } from '../main/app/config';
import { ensureRendererBuilt } from '../main/app/dev-build';
import { startKioskApp } from '../main/app/kiosk-app';
import { systemClock } from '../core/clock';
import { startBrowserShell } from '../main/app/ui-shell';
import { launchChromium } from '../test/support/chromium';
import type { Page } from 'playwright-core';

// The phone pages name the shop the hub was started with (the local hub inherits this environment).
process.env.HUB_SHOP_NAME ??= 'Kawiarnia Pod Lipą';
const outDir = resolve('docs/images');
const screensDir = resolve('docs/screenshots');
mkdirSync(outDir, { recursive: true });
mkdirSync(screensDir, { recursive: true });
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 800, height: 480 },
  { width: 1440, height: 900 },
];
const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-screenshots-'));
const token = 'screenshots-token-0123456789';

const app = await startKioskApp(
  loadKioskConfig({ KIOSK_DATA_DIR: dataDir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: token }, []),
  systemClock,
  () => {},
);
const shell = await startBrowserShell(app, await ensureRendererBuilt(), { log: () => {}, onRefusal: () => {} });
const counter = await launchChromium({ width: 1024, height: 600 });
const phone = await launchChromium({ width: 390, height: 844 });
const owner = await launchChromium({ width: 1440, height: 900 });
try {
  await app.ui.setLocale({ locale: 'en' });
  for (const deadline = Date.now() + 30_000; !app.sync.connected; await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error('the kiosk did not connect to its local hub within 30 s');
  }

  const screen = await counter.context.newPage();
  // Keep the thank-you on screen long enough to photograph it.
  await screen.goto(`${shell.url}?thanksMs=600000`);
  await screen.waitForSelector('[data-screen=idle]');

  // A first sale, exactly as a till rings it (README, "Ring up a first sale").
  const ringUp = async (tillSaleId: string): Promise<{ claimUrl: string }> => {
    const response = await fetch(`${app.tillApi.url}/v1/sales`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tillSaleId, total: { amount: 1840, currency: 'PLN' } }),
    });
    if (response.status !== 201) throw new Error(`till API answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { claimUrl: string };
  };
  const sale = await ringUp('A-1001');
  await screen.waitForSelector('[data-screen=sale] svg.qr');
  await screen.screenshot({ path: join(outDir, 'counter-sale.png') });

  // The customer scans the QR: the claim page of the local hub, reached on loopback rather than
  // the LAN address printed in the QR.
  const card = await phone.context.newPage();
  await card.goto(`${app.hubUrl}${new URL(sale.claimUrl).pathname}`);
  await card.fill('#name', 'Anna');
  await card.fill('#contact', '+48 600 100 200');
  await card.check('#consent');
  await card.click('#join');
  await card.waitForURL(/\/m\?claimed=/);
  await card.screenshot({ path: join(outDir, 'phone-card.png'), fullPage: true });

  await screen.waitForSelector('[data-screen=thanks]');
  await screen.screenshot({ path: join(outDir, 'counter-thanks.png') });
  console.log(`screenshots written to ${outDir}: counter-sale.png, counter-thanks.png, phone-card.png`);

  // The back office, signed in with the local hub's owner token (as docs/owner.md describes).
  const office = await owner.context.newPage();
  await office.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
  await office.goto(`${app.hubUrl}/owner/login`);
  await office.fill('input[name=token]', readFileSync(join(dataDir, 'local-hub-owner-token'), 'utf8').trim());
  await office.click('#token-login button');
  await office.waitForURL(/\/owner$/);
  await office.goto(`${app.hubUrl}/owner/members`);
  const memberPath = await office.locator('#members a').first().getAttribute('href');
  const officePages: [string, string][] = [
    ['owner-overview', '/owner'],
    ['owner-members', '/owner/members'],
    ['owner-member', memberPath ?? '/owner/members'],
    ['owner-program', '/owner/program/edit'],
    ['owner-rewards', '/owner/rewards'],
    ['owner-kiosks', '/owner/kiosks'],
    ['owner-messages', '/owner/messages'],
    ['owner-settings', '/owner/settings'],
    ['owner-accounts', '/owner/accounts'],
    // The wizard's second step (a GET shows it and saves nothing) and the sign-in page, which shows while signed in too.
    ['owner-wizard', '/owner/welcome?name=Kawiarnia%20Pod%20Lip%C4%85&country=PL'],
    ['owner-login', '/owner/login'],
  ];

  const written: string[] = [];
  const shot = async (page: Page, name: string, size: { width: number; height: number }): Promise<void> => {
    const file = `${name}-${size.width}x${size.height}.png`;
    await page.screenshot({ path: join(screensDir, file) });
    written.push(file);
  };
  // The counter screen, idle: a thank-you still up goes back to idle by itself; a page that came up on
  // an older state is loaded again (twice at most) rather than waited on.
  const idleCounter = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      await screen.goto(shell.url);
      const idle = await screen.waitForSelector('[data-screen=idle]', { timeout: 20_000 }).then(
        () => true,
        () => false,
      );
      if (idle) return;
      const shown = await screen.locator('[data-screen]').first().getAttribute('data-screen');
      if (attempt === 3) throw new Error(`the counter screen did not go idle (it shows ${shown})`);
    }
  };
  for (const [i, size] of VIEWPORTS.entries()) {
    await screen.setViewportSize(size);
    await idleCounter();
    await shot(screen, 'counter-idle', size);
    const next = await ringUp(`A-${2001 + i}`);
    await screen.waitForSelector('[data-screen=sale] svg.qr');
    await shot(screen, 'counter-sale', size);

    await card.setViewportSize(size);
    await card.goto(`${app.hubUrl}${new URL(next.claimUrl).pathname}`);
    await card.waitForSelector('form');
    await shot(card, 'phone-claim', size);
    await card.goto(`${app.hubUrl}/m`);
    await card.waitForSelector('#balance');
    await shot(card, 'phone-card', size);
    // The till voids the sale nobody claimed, so the counter screen is idle again for the next size.
    const voided = await fetch(`${app.tillApi.url}/v1/sales/A-${2001 + i}/void`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!voided.ok) throw new Error(`till API answered ${voided.status} to the void: ${await voided.text()}`);

    // The staff screen (behind the staff PIN): an amount typed on the sale tab, the sales to refund, today's figures.
    await idleCounter();
    await screen.click('[data-action=staff]');
    await screen.waitForSelector('[data-screen=pin]');
    for (const digit of app.staffPin.pin) await screen.click(`.keypad [data-key="${digit}"]`);
    await screen.click('[data-action=unlock]');
    await screen.waitForSelector('[data-screen=staff-sale]');
    for (const digit of '1840') await screen.click(`.keypad [data-key="${digit}"]`);
    await shot(screen, 'staff-sale', size);
    await screen.click('.keypad [data-key=C]');
    await screen.click('[data-tab=refund]');
    await screen.waitForSelector('[data-sale]');
    await shot(screen, 'staff-refund', size);
    await screen.click('[data-tab=today]');
    await screen.waitForSelector('[data-screen=staff-today]');
    await shot(screen, 'staff-today', size);
    await screen.click('[data-action=lock]');

    await office.setViewportSize(size);
    for (const [name, path] of officePages) {
      await office.goto(`${app.hubUrl}${path}`);
      await office.waitForSelector('h1');
      await shot(office, name, size);
    }
  }
  console.log(`screenshots written to ${screensDir}: ${written.length} files`);
} finally {
  await owner.close();
  await phone.close();
  await counter.close();
  await shell.close();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
