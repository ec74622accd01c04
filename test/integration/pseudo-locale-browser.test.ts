// The screens in the pseudo-locale (core/i18n/pseudo.ts: English ~40 % longer, accented, bracketed)
// in Debian Chromium: nothing cut off on the counter and staff screens at 800×480, nor on the
// phone's join page and card at 390 px wide. The screens are asked for English and get the pseudo texts.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { pseudoMessage } from '../../core/i18n/pseudo';
import { launchChromium } from '../support/chromium';
import { pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';
import { startKioskPage } from '../support/kiosk-page';
import { kioskTour } from '../support/kiosk-tour';
import { buildPseudoRenderer, cutOff, usePseudoEnglish } from '../support/pseudo-locale';

/** The pseudo texts are on screen: a bracketed, accented sentence, not English. */
async function showsPseudo(page: Page): Promise<void> {
  expect(await page.locator('body').innerText()).toMatch(/\[[^\]]*[àéîöû][^\]]*\]/);
}

describe('pseudo-locale: the kiosk at 800×480', () => {
  it('counter screen (idle, sale, thank-you), PIN pad and every staff tab show all their text', async () => {
    const staticDir = await buildPseudoRenderer();
    const k = await startKioskPage({ viewport: { width: 800, height: 480 }, staticDir, fake: { locale: 'en' } });
    try {
      const { page } = k;
      const found: Record<string, string[]> = {};
      const check = async (name: string): Promise<void> => {
        const cut = await cutOff(page, { fixedHeight: true });
        if (cut.length > 0) found[name] = cut;
      };
      await showsPseudo(page);
      await kioskTour(k, check);
      expect(found).toEqual({});
      // The check sees a cut text: the Sale tab's label squeezed onto one clipped line is reported.
      await page.evaluate(() => {
        const tab = document.querySelector<HTMLElement>('[data-tab=sale]')!;
        Object.assign(tab.style, { flex: 'none', width: '30px', whiteSpace: 'nowrap', overflow: 'hidden' });
      });
      expect((await cutOff(page, { fixedHeight: true })).join('\n')).toMatch(/^button\.tab .*px cut off at the side$/m);
    } finally {
      await k.close();
    }
  }, 600_000);
});

describe('pseudo-locale: the phone at 390 px', () => {
  let hub: Hub;
  let remove: () => void;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let english: () => void;

  beforeAll(async () => {
    english = usePseudoEnglish();
    const temp = tempDir('pseudo-phone');
    remove = temp.remove;
    hub = await testHub(temp.dir);
    browser = await launchChromium({ width: 390, height: 844 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    remove?.();
    english?.();
  });

  it('join form, the card after joining, the card show all their text', async () => {
    const till = await pairedKiosk(hub);
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
    const found: Record<string, string[]> = {};
    const check = async (name: string): Promise<void> => {
      const cut = await cutOff(page, { fixedHeight: false });
      if (cut.length > 0) found[name] = cut;
    };
    await page.goto(`${hub.url}/C/${saleToken(till, 1, 18)}`);
    await page.waitForSelector('form');
    await showsPseudo(page);
    await check('join form');
    await page.fill('input[name=contact]', '+48 600 100 200');
    await page.check('input[name=consent]');
    await page.click('form button[type=submit] >> nth=-1');
    await page.waitForURL(/\/m\?claimed=/);
    await showsPseudo(page);
    await check('card after joining (the code to type)');
    await page.goto(`${hub.url}/m`);
    await page.waitForSelector('#balance');
    await check('card');
    // The history says what a line is from the catalog (the purchase), not the ledger's kind ("earn").
    expect(await page.locator('#history').innerText()).toContain(pseudoMessage('Purchase'));
    expect(found).toEqual({});
  }, 300_000);
});
