import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from '../../core/i18n/locales';
import { startKioskPage, typeKeys } from '../support/kiosk-page';

/**
 * Every screen in every language: a screenshot at 1024×600 under test-artifacts/screens/, and no
 * text sticking out of its box at 800×480, 1024×600 and 1920×1080.
 */
const SIZES = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
] as const;
const SHOTS = resolve('test-artifacts/screens');

type Kiosk = Awaited<ReturnType<typeof startKioskPage>>;

/** Runs in the page: text elements whose content is wider/taller than their box or outside the window. */
function findOverflow(): string[] {
  const bad: string[] = [];
  const describe = (el: Element) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  for (const el of document.querySelectorAll<HTMLElement>('body *')) {
    if (el.tagName === 'OPTION' || el.tagName === 'SCRIPT') continue;
    const hasText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
    if (!hasText) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.display === 'inline' || style.visibility === 'hidden') continue;
    if (el.scrollWidth > el.clientWidth + 1) bad.push(`${describe(el)} is ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
    if (el.scrollHeight > el.clientHeight + 1) bad.push(`${describe(el)} is ${el.scrollHeight}px tall in a ${el.clientHeight}px box`);
    const r = el.getBoundingClientRect();
    const scrolls = el.closest('.tab-body') !== null; // the staff tab body scrolls on purpose
    if (r.left < -1 || r.right > window.innerWidth + 1 || (!scrolls && r.bottom > window.innerHeight + 1)) bad.push(`${describe(el)} is outside the window`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push('the page scrolls sideways');
  return bad;
}

describe('every screen in every language', () => {
  let k: Kiosk;
  const overflow: string[] = [];
  const shots: string[] = [];

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    k = await startKioskPage({ thanksMs: 600_000 });
  });
  afterAll(async () => {
    await k?.close();
  });

  async function capture(locale: Locale, screen: string): Promise<void> {
    await k.page.waitForSelector('main[data-screen]');
    for (const size of SIZES) {
      await k.page.setViewportSize(size);
      await k.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      for (const problem of await k.page.evaluate(findOverflow)) overflow.push(`${locale} ${screen} ${size.width}×${size.height}: ${problem}`);
      if (size.width === 1024) {
        const path = join(SHOTS, `${locale}-${screen}.png`);
        await k.page.screenshot({ path });
        shots.push(path);
      }
    }
    await k.page.setViewportSize({ width: 1024, height: 600 });
  }

  it.each(LOCALES)(
    '%s: renders all screens',
    async (locale) => {
      const { page, fake } = k;
      // Locale first: the page reads it in its first status, so a slow page load cannot miss the localeChanged event.
      await fake.setLocale({ locale });
      await page.reload(); // the launch secret is kept for this tab, so a reload connects again
      await page.waitForSelector(`main[data-screen=idle][lang=${locale}]`);
      await capture(locale, 'idle');

      const sale = await fake.createSale({ total: { amount: 1_234_567, currency: 'PLN' } });
      await page.waitForSelector('[data-screen=sale] svg.qr');
      await capture(locale, 'sale');

      fake.claim(sale.saleId, 'm-1');
      await page.waitForSelector('[data-screen=thanks] .progress');
      await capture(locale, 'thanks');

      await page.click('[data-action=staff]');
      await typeKeys(page, '9999');
      await page.click('[data-action=unlock]');
      await page.waitForSelector('.pin .notice.error:not(:empty)');
      await page.waitForFunction(() => (document.querySelector('.pin .notice.error')?.textContent ?? '').trim().length > 3);
      await capture(locale, 'pin');

      await typeKeys(page, '1234');
      await page.click('[data-action=unlock]');
      await page.waitForSelector('[data-screen=staff-sale]');
      await typeKeys(page, '1234567');
      await capture(locale, 'staff-sale');

      await page.click('[data-tab=member]');
      await page.fill('input[name=query]', 'anna');
      await page.click('[data-action=search]');
      await page.waitForSelector('[data-member=m-1]');
      await capture(locale, 'staff-member');

      await page.click('[data-action=enroll]');
      await page.waitForSelector('[data-testid=enroll-form]');
      await capture(locale, 'staff-enroll');
      await page.click('[data-testid=enroll-form] button.secondary');

      await page.click('[data-tab=redeem]');
      await page.click('[data-reward=r-15pct] [data-action=redeem]');
      await page.waitForSelector('[data-testid=instruction]');
      await capture(locale, 'staff-redeem');

      await page.click('[data-tab=refund]');
      await page.waitForSelector('.sale-row');
      await capture(locale, 'staff-refund');

      fake.setPrinterFault('coverOpen');
      fake.setHub('offline', 12);
      await page.click('[data-tab=devices]');
      await page.waitForSelector('[data-device=hub].fault');
      await capture(locale, 'staff-devices');
      fake.setPrinterFault(null);
      fake.setHub('online');

      await page.click('[data-tab=today]');
      await page.waitForSelector('.figure');
      await capture(locale, 'staff-today');

      await page.click('[data-action=lock]');
      await page.waitForSelector('[data-action=staff]');
    },
    120_000,
  );

  it('saved a PNG of each of the 11 screens in each of the 6 languages', () => {
    expect(shots).toHaveLength(11 * LOCALES.length);
    for (const path of shots) expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
  });

  it('no text overflows its box at 800×480, 1024×600 and 1920×1080', () => {
    expect(overflow).toEqual([]);
  });

  it('raised no errors in the page', () => {
    expect(k.pageErrors).toEqual([]);
  });
});
