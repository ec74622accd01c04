// The shop's settings have one home, the hub: the owner saves them there and they reach the kiosk
// over Socket.IO (counter screen name, receipt header with the location's address, language), the
// phone's claim page and the kiosk's store, which keeps them when the hub is away. Real hub on
// loopback, the real kiosk app (store, sync, virtual printer decoding the ESC/POS bytes to text).
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { demoProgram } from '../../core/program/demo';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const temp = tempDir('shop-settings');
afterAll(() => temp.remove());

const NEW_NAME = 'Piekarnia Złoty Kłos';

async function kioskApp(hubUrl: string, pairingCode?: string): Promise<KioskApp> {
  if (pairingCode) process.env.HUB_PAIRING_CODE = pairingCode;
  try {
    return await startKioskApp(
      loadKioskConfig({ KIOSK_DATA_DIR: `${temp.dir}/kiosk`, KIOSK_API_PORT: '0', HUB_URL: hubUrl, KIOSK_API_TOKEN: 'settings-test-token-0123456789' }, []),
      systemClock,
      () => {},
    );
  } finally {
    delete process.env.HUB_PAIRING_CODE;
  }
}

describe('shop settings: saved on the hub, shown by the kiosk and the phone', () => {
  it('a new shop name and location reach the receipt, the counter screen and the claim page, and stay on the kiosk offline', async () => {
    const hub = await testHub(temp.dir);
    let app = await kioskApp(hub.url, await hub.newPairingCode());
    let hubClosed = false;
    try {
      // Connected, and holding the hub's program: a paired kiosk goes by nothing of a shop's before it arrives.
      await until(() => app.sync.connected && app.service.programReady, "the hub connection and the shop's program");
      // Before the owner saved settings the kiosk goes by its hub's program (the demo shop's).
      expect((await app.ui.getStatus()).shopName).toBe(demoProgram().name);
      const owner = async (path: string, form?: URLSearchParams | [string, string][]): Promise<Response> =>
        fetch(`${hub.url}${path}`, {
          method: form ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${hub.ownerToken}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(form ? { body: new URLSearchParams(form).toString() } : {}),
        });
      expect(((await (await owner('/owner/settings')).json()) as { configured: boolean }).configured).toBe(false);
      expect((await app.ui.getStatus()).timeZone).toBe(demoProgram().timeZone);

      // The kiosk stands at "Rynek"; the settings give Rynek its address.
      const [kiosk] = await hub.owner.kioskLocations((await hub.store.ensureShop('', '')).no);
      const kioskId = kiosk!.id;
      expect((await owner(`/owner/kiosks/${kioskId}/location`, [['location', 'Rynek']])).ok).toBe(true);
      const fields: [string, string][] = [
        ['name', NEW_NAME],
        ['country', 'PL'],
        ['currency', 'PLN'],
        ['locale', 'pl'],
        // Another zone than the program's (Warsaw): the kiosk's screens follow the settings.
        ['timeZone', 'Europe/London'],
        ['languages', 'pl'],
        ['languages', 'en'],
        ['locationName', 'Rynek'],
        ['locationAddress', 'Rynek Główny 5\nKraków'],
        ['locationName', ''],
        ['locationAddress', ''],
      ];
      // Bad input is refused with the field named and changes nothing.
      const refused = await owner('/owner/settings', [...fields.filter(([k]) => k !== 'languages'), ['languages', 'de']]);
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain('languages');
      expect(((await (await owner('/owner/settings')).json()) as { configured: boolean }).configured).toBe(false);

      expect((await owner('/owner/settings', fields)).status).toBe(200);
      await until(() => app.service.shopSettings().settings.name === NEW_NAME, 'the settings on the kiosk');
      expect((await app.ui.getStatus()).shopName).toBe(NEW_NAME);
      expect((await app.ui.getStatus()).timeZone).toBe('Europe/London');

      const printer = app.virtualPrinter!;
      const { sale } = await app.service.createSale({ tillSaleId: 'SET-1', total: { amount: 1840, currency: 'PLN' } });
      await until(() => printer.receipts.some((r) => r.lines.some((l) => l.includes('SET-1'))), "the sale's receipt");
      const lines = printer.receipts.find((r) => r.lines.some((l) => l.includes('SET-1')))!.lines.map((l) => l.trim());
      expect(lines.slice(0, 3)).toEqual([NEW_NAME, 'Rynek Główny 5', 'Kraków']);
      expect(lines.join('\n')).not.toContain(demoProgram().name);

      // The phone's claim page of that sale names the shop as the hub has it.
      const claimPage = await (await fetch(sale.claimUrl!.replace(/^https?:\/\/[^/]+/, hub.url), { headers: { 'accept-language': 'pl' } })).text();
      expect(claimPage).toContain(NEW_NAME);
      expect(claimPage).not.toContain('My shop');

      // Offline: the hub goes away, the kiosk restarts and still goes by the settings it stored.
      await app.stop();
      await hub.close();
      hubClosed = true;
      app = await kioskApp(hub.url);
      expect(app.sync.connected).toBe(false);
      expect((await app.ui.getStatus()).shopName).toBe(NEW_NAME);
      expect((await app.ui.getStatus()).timeZone).toBe('Europe/London');
    } finally {
      await app.stop();
      if (!hubClosed) await hub.close();
    }
  }, 120_000);
});
