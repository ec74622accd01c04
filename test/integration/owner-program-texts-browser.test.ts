// A program text in a second shop language, entered as the owner enters it: in Debian Chromium on a real
// hub, a Polish shop that also offers German; the owner, reading the editor in Polish, types the free
// coffee's German name into the editor's German field and publishes; a German phone that joins sees that
// name on its card, a Polish phone the reward's own name.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskCredentials } from '../../core/sync-protocol';
import { launchChromium, signInAsOwner } from '../support/chromium';
import { pairedKiosk, saleToken, saveShopSettings, tempDir, testHub } from '../support/hub-harness';

let hub: Hub;
let till: KioskCredentials;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;

const GERMAN_NAME = 'Kaffee aufs Haus';

beforeAll(async () => {
  const temp = tempDir('owner-program-texts');
  remove = temp.remove;
  hub = await testHub(temp.dir);
  till = await pairedKiosk(hub);
  await saveShopSettings(hub, { locale: 'pl', languages: ['pl', 'de'] });
  browser = await launchChromium({ width: 1280, height: 900 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

/** A phone in `acceptLanguage` joins on a fresh sale's claim page and returns the reward names its card lists. */
async function cardRewards(page: Page, acceptLanguage: string, saleNo: number, contact: string): Promise<string[]> {
  await browser.context.clearCookies();
  await page.setExtraHTTPHeaders({ 'accept-language': acceptLanguage });
  await page.goto(`${hub.url}/C/${saleToken(till, saleNo, 18, new Date())}`);
  await page.fill('input[name=contact]', contact);
  await page.check('input[name=consent]');
  await page.click('form button[type=submit] >> nth=-1');
  await page.waitForURL(/\/m\?claimed=/);
  await page.goto(`${hub.url}/m`);
  await page.waitForSelector('#balance');
  return page.locator('div.row > span:first-child').allInnerTexts();
}

describe('a program text in another language, typed in the editor', () => {
  it('reaches the phone card in that language once published, and only there', async () => {
    const owner = await browser.context.newPage();
    await owner.setExtraHTTPHeaders({ 'accept-language': 'pl-PL,pl;q=0.9' });
    await signInAsOwner(owner, hub);
    await owner.goto(`${hub.url}/owner/program/edit`);
    const program = (await hub.store.shop(1))!.program;
    const coffee = program.rewards[0]!;
    expect(program.locale).toBe('pl');
    expect(coffee.names?.de).toBeUndefined();
    const before = (await hub.store.programVersions(1)).length;

    // The German field sits beside the reward's name, labelled in the owner's language; there is none for the program's own.
    const german = owner.locator('input[name="rewards.0.names.de"]');
    expect(await owner.locator('label:has(input[name="rewards.0.names.de"])').innerText()).toContain('niemiecki');
    expect(await owner.locator('input[name="rewards.0.names.pl"]').count()).toBe(0);
    await german.fill(GERMAN_NAME);
    await owner.click('#publish');
    await owner.waitForURL(/published=/);
    await owner.close();

    expect(await hub.store.programVersions(1)).toHaveLength(before + 1);
    const published = (await hub.store.shop(1))!.program.rewards[0]!;
    expect(published.names?.de).toBe(GERMAN_NAME);
    expect(published.name).toBe(coffee.name);

    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    const inGerman = await cardRewards(phone, 'de-DE,de;q=0.9', 1, '+48 600 300 401');
    expect(inGerman).toContain(GERMAN_NAME);
    expect(inGerman).not.toContain(coffee.name);
    const inPolish = await cardRewards(phone, 'pl-PL,pl;q=0.9', 2, '+48 600 300 402');
    expect(inPolish).toContain(coffee.name);
    expect(inPolish).not.toContain(GERMAN_NAME);
    await phone.close();
  }, 180_000);
});
