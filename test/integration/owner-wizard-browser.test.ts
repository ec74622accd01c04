// The owner's first minutes in Debian Chromium, from a fresh hub: the set-up link, a password, the
// first-run wizard (name and country, then the country's defaults, a location and a program
// template), the template as a draft in the program editor, edited, published; then a phone sees the shop's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { launchChromium } from '../support/chromium';
import { pairedKiosk, saleToken, tempDir, testHub } from '../support/hub-harness';

let hub: Hub;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const temp = tempDir('owner-wizard');
  remove = temp.remove;
  hub = await testHub(temp.dir);
  browser = await launchChromium({ width: 1280, height: 900 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

describe('first-run wizard in Chromium', () => {
  it('set-up link → password → wizard (Hungary: forint, Hungarian, Budapest) → bakery template as a draft → publish → the phone shows the name', async () => {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'hu-HU,hu;q=0.9' });
    expect(hub.setupLink).toBeDefined();
    await page.goto(hub.setupLink!);
    await page.fill('input[name=name]', 'tulaj@pekseg.hu');
    await page.fill('input[name=password]', 'egy hosszú és jó jelszó 2026');
    await page.click('form button');
    await page.waitForURL(/\/owner\/welcome$/);
    expect(await page.locator('h1').textContent()).toBe('Üdvözöljük: állítsa be üzletét');

    // Step 1: name and country; step 2 comes with Hungary's defaults, each still a choice.
    await page.fill('#name', 'Pékség a Hídnál');
    await page.selectOption('#country', 'HU');
    await page.click('#next');
    await page.waitForSelector('#wizard');
    expect(await page.inputValue('#name')).toBe('Pékség a Hídnál');
    expect(await page.inputValue('#currency')).toBe('HUF');
    expect(await page.inputValue('#locale')).toBe('hu');
    expect(await page.inputValue('#timeZone')).toBe('Europe/Budapest');
    await page.fill('input[name=locationName]', 'Belváros');
    await page.fill('textarea[name=locationAddress]', 'Váci utca 1, Budapest');
    await page.check('input[name=template][value=bakery]');
    await page.click('#finish');

    // The template is a draft in the editor, in forint and Hungarian; nothing is published yet.
    await page.waitForURL(/\/owner\/program\/edit\?draft=1$/);
    await page.waitForSelector('#draft');
    expect(await page.inputValue('input[name="rewards.0.name"]')).toMatch(/^500\sFt kedvezmény$/);
    expect(await page.inputValue('input[name="rewards.0.amount"]')).toMatch(/^500([.,]00)?$/);
    // The owner makes the template their own before publishing: another name and a dearer bread.
    await page.fill('input[name="rewards.1.name"]', 'Ingyenes kifli');
    await page.fill('input[name="rewards.1.cost.points"]', '120');
    await page.click('#publish');
    await page.waitForURL(/\/owner\/program\/edit\?published=\d+$/);
    const newest = (await hub.store.programVersions(1)).at(-1)!.document;
    expect([newest.name, newest.currency, newest.locale, newest.timeZone]).toEqual(['Pékség a Hídnál', 'HUF', 'hu', 'Europe/Budapest']);
    expect(newest.rewards[1]).toMatchObject({ name: 'Ingyenes kifli', cost: { points: 120 } });

    // The Settings page holds what the wizard saved; the currency is shown, not offered, under a published program.
    await page.click('nav a[href="/owner/settings"]');
    await page.waitForSelector('#settings');
    expect(await page.inputValue('input[name=locationName] >> nth=0')).toBe('Belváros');
    expect(await page.locator('#currency').isDisabled()).toBe(true);

    // A phone scanning a sale's QR sees the shop by its new name.
    const till = await pairedKiosk(hub);
    const phone = await browser.context.newPage();
    await phone.setExtraHTTPHeaders({ 'accept-language': 'hu-HU' });
    await phone.goto(`${hub.url}/C/${saleToken(till, 1, 0)}`);
    expect(await phone.locator('body').textContent()).toContain('Pékség a Hídnál');
  }, 120_000);
});
