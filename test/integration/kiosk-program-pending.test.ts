// A kiosk paired with a shop's hub that has not received the shop's program yet (paired, then the hub
// went away before the first sync) rings up nothing rather than count another shop's currency: the
// real kiosk app (main/app/kiosk-app.ts) on a temp store holding its pairing, its HUB_URL pointing at a
// port nobody listens on, its screen served by the real bridge to Debian Chromium. The till gets a 503
// in words and nothing is recorded; the staff screen says in the kiosk's language that the program has
// not arrived and offers no keypad. When the hub's forint program arrives, the open screen keys
// forints without a reload, and a sale a moment before the program's start counts by it, not the demo.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import type { CommandName, Reply } from '../../core/contract';
import { formatMessage } from '../../core/i18n/catalog';
import { staffMessages } from '../../core/i18n/staff';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { KioskCredentials } from '../../core/sync-protocol';
import type { HealthView } from '../../core/till-api';
import { ensureRendererBuilt } from '../../main/app/dev-build';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { startBrowserShell, type BrowserShell } from '../../main/app/ui-shell';
import { createDispatcher, type Dispatcher, type DispatcherSession } from '../../main/ipc/dispatcher';
import { openStore } from '../../main/store';
import { launchChromium } from '../support/chromium';
import { tempDir } from '../support/hub-harness';
import { text, typeKeys, unlockStaff } from '../support/kiosk-page';
import { freePort } from './printer-helpers';

const TOKEN = 'program-pending-token-0123456789';
const temp = tempDir('program-pending');
const lines: string[] = [];
let app: KioskApp;
let dispatcher: Dispatcher;
let session: DispatcherSession;
let shell: BrowserShell;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

/** The kiosk's pairing as `pairKiosk` stored it (a kiosk paired once keeps it in its store). */
const CREDENTIALS: KioskCredentials = {
  kioskId: 'kiosk-pending-1',
  kioskNo: 1,
  shopId: 'shop-hu-1',
  shopNo: 1,
  secret: '11'.repeat(32),
  hubPublicKey: '22'.repeat(32),
};

/** The shop's forint program as its hub sends it: one point per 5 Ft. */
const HUF_PROGRAM = JSON.parse(
  JSON.stringify({
    ...DEMO_PROGRAM_DOCUMENT,
    name: 'Kávézó a Hídnál',
    currency: 'HUF',
    locale: 'hu',
    timeZone: 'Europe/Budapest',
    rules: [{ type: 'points', id: 'points', unit: 500, bands: [{ points: 1 }], rounding: 'floor' }],
    tiers: undefined,
    rewards: [{ kind: 'percentOff', id: 'ten-off', name: '10% kedvezmény', percent: 10, cost: { points: 100 } }],
  }),
) as unknown;

async function till(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${app.tillApi.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function call<N extends CommandName>(name: N, args: unknown): Promise<Reply<N>> {
  return (await session.call(name, args)) as Reply<N>;
}

beforeAll(async () => {
  const store = openStore({ dir: temp.dir, now: systemClock });
  store.setSetting('hub.credentials', CREDENTIALS);
  store.close();
  const hubUrl = `http://127.0.0.1:${await freePort()}`;
  const config = loadKioskConfig({ KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_URL: hubUrl, KIOSK_API_TOKEN: TOKEN }, []);
  app = await startKioskApp(config, systemClock, (line) => lines.push(line));
  dispatcher = createDispatcher({ services: app.ui, log: () => {} });
  session = dispatcher.openSession('test');
  await app.ui.setLocale({ locale: 'hu' });
  shell = await startBrowserShell(app, await ensureRendererBuilt(), { log: () => {}, onRefusal: () => {} });
  browser = await launchChromium({ width: 1024, height: 600 });
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(shell.pageUrl());
  await page.waitForSelector('[data-screen=idle]');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  session?.close();
  dispatcher?.close();
  await app?.stop();
  temp.remove();
});

describe('a paired kiosk before its hub has sent the shop program', () => {
  it('says so at start and on its health route, and the till gets a 503 in words for any currency; nothing is recorded', async () => {
    expect(lines).toContain("program: none yet — no sale is rung up until the hub's program arrives");
    const health = (await till('GET', '/v1/health')).json as unknown as HealthView;
    expect(health.status).toBe('degraded');
    expect(health.services.program).toBe('waiting');
    // Nothing of any shop's: not the demo café's name or language.
    expect(health.shop).toEqual({ name: 'Loyalty kiosk', locale: 'en', location: null, fromHub: false });

    for (const total of [
      { amount: 1840, currency: 'PLN' },
      { amount: 125500, currency: 'HUF' },
    ]) {
      const res = await till('POST', '/v1/sales', { tillSaleId: `T-${total.currency}`, total });
      expect(res.status).toBe(503);
      expect(res.json).toEqual({
        error: { code: 'unavailable', message: expect.stringContaining("has not received its shop's loyalty program from the hub yet") as unknown },
      });
    }
    expect(app.store.counts().sales).toBe(0);
    expect(app.store.counts().outboxPending).toBe(0);
  });

  it('the staff screen says in Hungarian that the program has not arrived, offers no keypad, and the service refuses a sale', async () => {
    const status = await call('getStatus', {});
    expect(status).toMatchObject({ ok: true, value: { currency: null, categoryKeys: [] } });

    await unlockStaff(page, app.staffPin.pin);
    await page.waitForSelector('[data-testid=program-pending]');
    expect(await text(page, '[data-testid=program-pending]')).toBe(formatMessage(staffMessages, 'hu', 'programPending').replace(/[\u00a0\u202f]/g, ' '));
    expect(await page.locator('[data-action=create-sale]').count()).toBe(0);
    expect(await page.locator('[data-testid=amount-entry]').count()).toBe(0);

    // A sale asked for anyway (an old screen, a script on the bridge) is refused with the reason staff read.
    expect((await call('unlockStaff', { pin: app.staffPin.pin })).ok).toBe(true);
    const refused = await call('createSale', { total: { amount: 125500, currency: 'HUF' } });
    expect(refused).toMatchObject({ ok: false, error: { reason: 'programPending' } });
    expect(app.store.counts().sales).toBe(0);
  });

  it("once the hub's forint program arrives, the open screen keys whole forints and the till's sales count by it, even a moment before its start", async () => {
    const start = new Date(Date.now() - 60_000);
    expect(app.service.applyProgramVersions([{ version: 2, effectiveFrom: start.toISOString(), document: HUF_PROGRAM }])).toEqual({ stored: [2], refused: 0 });
    expect(((await till('GET', '/v1/health')).json as unknown as HealthView).services.program).toBe('ok');

    // The open staff screen got the program without a reload.
    await page.waitForSelector('[data-testid=amount-entry]');
    await typeKeys(page, '1255');
    expect(await text(page, '[data-testid=amount-entry]')).toBe('1 255 Ft');
    await page.click('[data-action=create-sale]');
    await page.waitForSelector('[data-screen=sale] svg.qr');
    expect(await text(page, '[data-testid=amount]')).toBe('1 255 Ft');
    expect(app.store.counts().sales).toBe(1);

    // A till's sale rung a minute before the program's start: the shop's forint rules, not the demo's złoty.
    const early = await till('POST', '/v1/sales', {
      tillSaleId: 'T-EARLY',
      total: { amount: 125500, currency: 'HUF' },
      at: new Date(start.getTime() - 60_000).toISOString(),
    });
    expect(early.status, JSON.stringify(early.json)).toBe(201);
    expect(early.json).toMatchObject({ total: { amount: 125500, currency: 'HUF' }, points: 251 });
    const zloty = await till('POST', '/v1/sales', { tillSaleId: 'T-PLN', total: { amount: 1840, currency: 'PLN' } });
    expect(zloty.status).toBe(400);
    expect(app.store.counts().sales).toBe(2);
  });
});
