// Remakes the README's screenshots (docs/images/*.png) from the real product: the kiosk app of
// `npm start` (store, local hub, till API, virtual printer and scanner) on a throw-away data dir,
// its screen served by the browser shell, one sale rung through the till API, and a phone-sized
// Debian Chromium that joins on the hub's claim page and lands on the member card.
//
//   npx tsx scripts/screenshots.ts            # writes docs/images/{counter-sale,counter-thanks,phone-card}.png
//
// Needs Chromium at /usr/lib/chromium/chromium (as the tests do). Every address is 127.0.0.1 and
// every port is picked free, so it runs beside a kiosk that is already started.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKioskConfig } from '../main/app/config';
import { ensureRendererBuilt } from '../main/app/dev-build';
import { startKioskApp } from '../main/app/kiosk-app';
import { systemClock } from '../core/clock';
import { startBrowserShell } from '../main/app/ui-shell';
import { launchChromium } from '../test/support/chromium';

// The phone pages name the shop the hub was started with (the local hub inherits this environment).
process.env.HUB_SHOP_NAME ??= 'Kawiarnia Pod Lipą';
const outDir = resolve('docs/images');
mkdirSync(outDir, { recursive: true });
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
  const response = await fetch(`${app.tillApi.url}/v1/sales`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tillSaleId: 'A-1001', total: { amount: 1840, currency: 'PLN' } }),
  });
  if (response.status !== 201) throw new Error(`till API answered ${response.status}: ${await response.text()}`);
  const sale = (await response.json()) as { claimUrl: string };
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
} finally {
  await phone.close();
  await counter.close();
  await shell.close();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
