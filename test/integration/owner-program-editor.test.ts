// The owner's program editor in Debian Chromium: login, a live preview that follows the edits, an
// error at the field for an edit that makes a reward unreachable, a refused publish that changes
// nothing, a scheduled publication listed with its state; a category card's keypad key and item pattern
// (a bad pattern refused, a receipt line previewed, published); no access without the owner login.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { ownerAccountMessages } from '../../core/i18n/accounts';
import { formatMessage } from '../../core/i18n/catalog';
import { addDays, localTime } from '../../core/program/clock';
import { launchChromium, signInAsOwner } from '../support/chromium';
import { tempDir, testHub } from '../support/hub-harness';

let hub: Hub;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const temp = tempDir('owner-program');
  remove = temp.remove;
  hub = await testHub(temp.dir);
  browser = await launchChromium({ width: 1280, height: 900 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

describe('program editor in Chromium', () => {
  it('is out of reach without the owner login', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.url}/owner/program/edit`);
    expect(new URL(page.url()).pathname).toBe('/owner/login');
    const preview = await fetch(`${hub.url}/owner/program/preview`, { method: 'POST', body: JSON.stringify({ fields: [] }) });
    expect(preview.status).toBe(401);
    const publish = await fetch(`${hub.url}/owner/program/publish`, {
      method: 'POST',
      body: 'rules.2.multiplier=5',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer not-the-token' },
    });
    expect(publish.status).toBe(401);
    expect(await hub.store.programVersions(1)).toHaveLength(1);
    await page.close();
  }, 60_000);

  it('the sign-in ends while the owner edits: the preview says so in Polish above the form; Publish answers a Polish page, nothing published', async () => {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'pl-PL,pl;q=0.9' });
    await signInAsOwner(page, hub);
    await page.goto(`${hub.url}/owner/program/edit`);
    const versions = (await hub.store.programVersions(1)).length;
    // The session cookie gone (signed out elsewhere, or expired): the next tests sign in again.
    await browser.context.clearCookies();
    await page.fill('input[name="rules.2.multiplier"]', '4');
    const signedOut = formatMessage(ownerAccountMessages, 'pl', 'signInRequired');
    await expect.poll(() => page.locator('#form-errors').innerText()).toBe(signedOut);
    expect(await page.locator('#preview').evaluate((table) => table.classList.contains('stale'))).toBe(true);
    await page.click('#publish');
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('main').innerText()).toContain(signedOut);
    expect(await page.content()).not.toContain('owner sign-in required');
    expect((await hub.store.programVersions(1)).length).toBe(versions);
    await page.close();
  }, 60_000);

  it('previews as the owner types, shows an error at the field, refuses to publish it, then publishes a scheduled version', async () => {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'pl-PL,pl;q=0.9' });
    await signInAsOwner(page, hub);
    await page.goto(`${hub.url}/owner/program/edit`);

    const firstLine = page.locator('[data-preview="0"]');
    expect(await firstLine.textContent()).toBe('Sprzedaż 18,40\u00a0zł we wtorek daje 36 punktów');
    expect(await page.locator('[data-reasons="0"]').textContent()).toBe('podstawa: 18 punktów · x2 wtorek: 18 punktów');

    // Tuesday x3: the preview follows without a reload.
    await page.fill('input[name="rules.2.multiplier"]', '3');
    await expect.poll(() => firstLine.textContent()).toBe('Sprzedaż 18,40\u00a0zł we wtorek daje 54 punkty');
    // An example sale of the owner's own: 7 zł on Wednesday.
    await page.fill('input[name="sample.1.amount"]', '7,00');
    await expect.poll(() => page.locator('[data-preview="1"]').textContent()).toBe('Sprzedaż 7,00\u00a0zł w środę daje 7 punktów');

    // A free coffee for 12 stamps on a 9-stamp card: nobody could reach it. The error sits at that field.
    const stamps = 'input[name="rewards.0.cost.stamps"]';
    await page.fill(stamps, '12');
    const error = page.locator('[data-error-for="rewards.0.cost.stamps"]');
    await expect.poll(() => error.textContent()).toBe('Kosztuje 12 pieczątek, a karta „karta kawowa” mieści tylko 9: nikt nie zbierze tylu.');
    expect(await page.locator('#preview').evaluate((table) => table.classList.contains('stale'))).toBe(true);

    // Publishing it anyway is refused, the page comes back with the error and the typed values; nothing changed.
    await page.click('#publish');
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('#refused').textContent()).toBe('Nic nie opublikowano: popraw zaznaczone pola.');
    expect(await page.locator('[data-error-for="rewards.0.cost.stamps"]').textContent()).toContain('nikt nie zbierze tylu');
    expect(await page.inputValue(stamps)).toBe('12');
    expect(await page.inputValue('input[name="rules.2.multiplier"]')).toBe('3');
    expect(await hub.store.programVersions(1)).toHaveLength(1);

    // A new reward: 20 % off for 150 points.
    await page.check('input[name="rewards.3._add"]');
    await page.selectOption('select[name="rewards.3.kind"]', 'percentOff');
    await page.fill('input[name="rewards.3.name"]', '20% na ciasto');
    await page.fill('input[name="rewards.3.cost.points"]', '150');
    await page.fill('input[name="rewards.3.percent"]', '20');

    // Corrected, and published from the day after tomorrow 12:00 shop time.
    await page.fill(stamps, '9');
    await expect.poll(() => error.textContent()).toBe('');

    // A rule of a kind the program does not have: a bonus of 50 points for a sale of 100 zł or more. The
    // kind selector shows its fields only, and the 120 zł example sale earns the bonus in the preview.
    const n = (await hub.store.programVersions(1))[0]!.document.rules.length;
    const bigSale = page.locator('[data-preview="2"]');
    const before = await bigSale.textContent();
    await page.check(`input[name="rules.${n}._add"]`);
    await page.selectOption(`select[name="rules.${n}.type"]`, 'spendBonus');
    expect(await page.isVisible(`input[name="rules.${n}.multiplier"]`)).toBe(false);
    expect(await page.isVisible(`input[name="rules.${n}.threshold"]`)).toBe(true);
    await page.fill(`input[name="rules.${n}.label"]`, 'Duże zakupy');
    await page.fill(`input[name="rules.${n}.threshold"]`, '100');
    await page.fill(`input[name="rules.${n}.points"]`, '50');
    await expect.poll(() => page.locator('[data-reasons="2"]').textContent()).toContain('Duże zakupy: 50 punktów');
    expect(await bigSale.textContent()).not.toBe(before);

    const day = addDays(localTime(new Date(), 'Europe/Warsaw').date, 2);
    await page.fill('input[name="publish.from"]', `${day}T12:00`);
    await page.click('#publish');
    await page.waitForURL(/published=2/);
    expect(await page.locator('#published').textContent()).toMatch(/^Wersja 2 opublikowana; obowiązuje od .*12:00\. Kioski otrzymają ją/);
    expect(await page.locator('tr[data-version="2"] td').nth(2).textContent()).toBe('zaplanowana');
    expect(await page.locator('tr[data-version="1"] td').nth(2).textContent()).toBe('obowiązuje');
    const versions = await hub.store.programVersions(1);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]!.document.rules[2]).toMatchObject({ multiplier: 3 });
    expect(versions[1]!.document.rewards[0]!.cost).toEqual({ stamps: 9, card: 'coffee-card' });
    expect(versions[1]!.document.rules[n]).toEqual({ type: 'spendBonus', id: `spendBonus-${n + 1}`, label: 'Duże zakupy', threshold: 10000, points: 50 });
    expect(versions[1]!.document.rewards[3]).toEqual({ kind: 'percentOff', id: 'reward-4', name: '20% na ciasto', cost: { points: 150 }, percent: 20 });
    // The editor now starts from version 2.
    expect(await page.inputValue('input[name="rules.2.multiplier"]')).toBe('3');
    await page.close();
  }, 60_000);

  it('edits a category card: a keypad key and an item pattern, previewed, a bad pattern refused, then published', async () => {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'pl-PL,pl;q=0.9' });
    await signInAsOwner(page, hub);
    await page.goto(`${hub.url}/owner/program/edit`);

    // The demo's coffee card counts the category "coffee": it has no keys or patterns yet.
    expect(await page.locator('fieldset.category[data-category="coffee"] legend').textContent()).toBe('Kategoria „coffee” · karta kawowa');
    await page.check('input[name="categories.keys.0._add"]');
    await page.fill('input[name="categories.keys.0.label"]', 'Kawa');
    expect(await page.inputValue('input[name="categories.keys.0.category"]')).toBe('coffee');
    await page.check('input[name="categories.itemPatterns.0._add"]');
    const pattern = 'input[name="categories.itemPatterns.0.pattern"]';
    const error = page.locator('[data-error-for="categories.itemPatterns.0.pattern"]');
    await page.fill(pattern, '*');
    await expect.poll(() => error.textContent()).toBe('Wzorzec potrzebuje tekstu poza *: sama * pasowałaby do każdej linii każdego paragonu.');

    // Published anyway: refused, nothing changed, the typed pattern is back with its error.
    const before = await hub.store.programVersions(1);
    await page.click('#publish');
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('#refused').textContent()).toBe('Nic nie opublikowano: popraw zaznaczone pola.');
    expect(await page.locator('[data-error-for="categories.itemPatterns.0.pattern"]').textContent()).toContain('sama * pasowałaby');
    expect(await page.inputValue(pattern)).toBe('*');
    expect(await hub.store.programVersions(1)).toEqual(before);

    // Corrected; a receipt line typed on an example sale shows which card it stamps.
    await page.fill(pattern, '*latte*');
    await expect.poll(() => error.textContent()).toBe('');
    await page.fill('input[name="sample.1.items"]', 'Latte 2 x 6,00 12,00; Woda 3,00');
    await expect
      .poll(() => page.locator('[data-reasons="1"]').textContent())
      .toBe('podstawa: 18 punktów · karta kawowa: 2 pieczątki · Latte 2 x 6,00 12,00 → coffee × 2');
    await page.click('#publish');
    await page.waitForURL(/published=/);
    const latest = (await hub.store.programVersions(1)).at(-1)!;
    expect(latest.version).toBe(before.length + 1);
    expect(latest.document.categories).toEqual({ keys: [{ label: 'Kawa', category: 'coffee' }], itemPatterns: [{ pattern: '*latte*', category: 'coffee' }] });
    // The editor shows them under the coffee card now.
    expect(await page.inputValue('fieldset.category[data-category="coffee"] input[name="categories.keys.0.label"]')).toBe('Kawa');
    await page.close();
  }, 60_000);
});
