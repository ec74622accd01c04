// What a barista and a customer see, in Chromium against the test double: a refund asks the amount,
// confirms and can be undone; an expired QR goes back to idle; the thank-you lists every bonus; forint
// amounts have no decimals and are keyed in whole forints; the phone's join form opens the right keyboard.
import { afterEach, describe, expect, it } from 'vitest';
import { claimPage } from '../../cloud/pages';
import { formatInstant } from '../../core/i18n/dates';
import { assetFile } from '../../cloud/page-assets';
import { launchChromium } from '../support/chromium';
import { ringUp, startKioskPage, text, typeKeys, unlockStaff } from '../support/kiosk-page';
import { until } from '../support/until';

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open) await o.close();
  open = [];
});

describe('staff screen protects the shop', () => {
  it('a refund asks the amount (the whole sale by default), confirms what it takes back, and can be undone while held', async () => {
    const k = await startKioskPage();
    open.push(k);
    const { page, fake } = k;
    await unlockStaff(page);
    await ringUp(page, '1840');
    // Złoty are keyed in grosze, as before: 1840 is 18,40 zł.
    expect(fake.createSaleArgs.at(-1)).toEqual({ total: { amount: 1840, currency: 'PLN' } });
    const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
    fake.claim(sale.saleId, 'm-1');

    await page.click('[data-action=staff]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${sale.saleId}"] [data-action=refund]`);
    // The whole sale, in its currency, before anything is changed.
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('18,40 zł');
    await page.click('.keypad [data-key=C]');
    await typeKeys(page, '1000');
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('10,00 zł');
    await page.click('[data-action=refund-next]');
    // 36 points for the sale, 10 of 18.40 refunded: 19 taken back (the double's proportion).
    expect(await text(page, '[data-testid=refund-confirm] .question')).toBe('Zwrócić 10,00 zł i odebrać 19 punktów?');
    expect(fake.calls).not.toContain('refundSale');

    await page.click('[data-action=refund-confirm]');
    await page.waitForSelector(`[data-sale="${sale.saleId}"][data-state=held]`);
    expect(fake.refundSaleArgs.at(-1)).toEqual({ saleId: sale.saleId, amount: { amount: 1000, currency: 'PLN' } });
    expect(await text(page, '[data-testid=notice]')).toMatch(/^Zwrot 10,00 zł zostanie zapisany o \d\d:\d\d:\d\d\. Do tego czasu można go cofnąć\.$/);

    await page.click(`[data-sale="${sale.saleId}"] [data-action=undo]`);
    await page.waitForSelector(`[data-sale="${sale.saleId}"][data-state=claimed]`);
    expect(await text(page, '[data-testid=notice]')).toBe('Cofnięto — nic nie zostało zwrócone');
    fake.settleHeld();
    expect((await fake.listRecentSales({ limit: 1 })).sales[0]!.state).toBe('claimed');
  }, 120_000);

  it("the sale keypad takes no digit past the sale ceiling and says so, in złoty, forint and a program's own ceiling in koruna", async () => {
    const cases = [
      // The currencies' ceilings (CURRENCIES.saleCeiling): 10 000,00 zł; 1 000 000 Ft keyed in whole forints.
      {
        fake: {},
        keyed: '1000000',
        shown: '10 000,00 zł',
        sent: { amount: 1_000_000, currency: 'PLN' },
        said: 'Najwyżej 10 000,00 zł w jednej sprzedaży — sprawdź kwotę',
      },
      {
        fake: { currency: 'HUF', locale: 'hu' },
        keyed: '1000000',
        shown: '1 000 000 Ft',
        sent: { amount: 100_000_000, currency: 'HUF' },
        said: 'Egy eladás legfeljebb 1 000 000 Ft lehet — kérjük, ellenőrizze az összeget',
      },
      // A program that takes at most 5 000 Kč.
      {
        fake: { currency: 'CZK', locale: 'cs', saleCeiling: 500_000 },
        keyed: '500000',
        shown: '5 000 Kč',
        sent: { amount: 500_000, currency: 'CZK' },
        said: 'Nejvýše 5 000 Kč v jednom prodeji — zkontrolujte částku',
      },
    ] as const;
    for (const c of cases) {
      const k = await startKioskPage({ fake: c.fake });
      open.push(k);
      const { page, fake } = k;
      await unlockStaff(page);
      await typeKeys(page, c.keyed);
      expect(await text(page, '[data-testid=amount-entry]')).toBe(c.shown);
      expect(await page.locator('[data-testid=amount-ceiling]').count()).toBe(0);
      // Any further digit would be over the ceiling: not taken, and staff read why.
      await typeKeys(page, '0');
      expect(await text(page, '[data-testid=amount-entry]')).toBe(c.shown);
      expect(await text(page, '[data-testid=amount-ceiling]')).toBe(c.said);
      // The words go with the next change; a last digit 1 instead of 0 is over the ceiling all the same.
      await page.click('.keypad [data-key="⌫"]');
      expect(await page.locator('[data-testid=amount-ceiling]').count()).toBe(0);
      const tenth = await text(page, '[data-testid=amount-entry]');
      await typeKeys(page, '1');
      expect(await text(page, '[data-testid=amount-entry]')).toBe(tenth);
      expect(await text(page, '[data-testid=amount-ceiling]')).toBe(c.said);
      await page.click('.keypad [data-key=C]');
      await typeKeys(page, c.keyed);
      await page.click('[data-action=create-sale]');
      await page.waitForSelector('[data-screen=sale] svg.qr');
      expect(fake.createSaleArgs.at(-1)).toEqual({ total: c.sent });
      await k.close();
      open.pop();
    }
  }, 120_000);

  it('a void asks before it is done, and cancel changes nothing', async () => {
    const k = await startKioskPage();
    open.push(k);
    const { page, fake } = k;
    await unlockStaff(page);
    await ringUp(page, '990');
    const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
    await page.click('[data-action=staff]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${sale.saleId}"] [data-action=void]`);
    expect(await text(page, '[data-testid=refund-confirm] .question')).toBe('Anulować sprzedaż na 9,90 zł?');
    await page.click('[data-action=cancel]');
    await page.waitForSelector(`[data-sale="${sale.saleId}"][data-state=open]`);
    expect(fake.calls).not.toContain('voidSale');
  }, 90_000);

  it("shows the sales' times on the shop's clock (its settings' zone), not the machine's, and follows new settings", async () => {
    // Half-hour zones: no whole-hour machine zone shows the same minutes.
    const k = await startKioskPage({ fake: { timeZone: 'Asia/Kolkata' } });
    open.push(k);
    const { page, fake } = k;
    await unlockStaff(page);
    await ringUp(page, '1840');
    const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
    await page.click('[data-action=staff]');
    await page.click('[data-tab=refund]');
    const when = `[data-sale="${sale.saleId}"] .when`;
    const shown = await text(page, when);
    expect(shown).toBe(formatInstant(sale.issuedAt, 'pl', 'Asia/Kolkata', 'time'));
    expect(shown).not.toBe(new Intl.DateTimeFormat('pl-PL', { hour: '2-digit', minute: '2-digit' }).format(new Date(sale.issuedAt)));

    fake.changeShop('Kawiarnia Pod Lipą', 'America/St_Johns');
    const inNewZone = formatInstant(sale.issuedAt, 'pl', 'America/St_Johns', 'time');
    expect(inNewZone).not.toBe(shown);
    await page.waitForFunction(([selector, expected]) => document.querySelector(selector!)?.textContent === expected, [when, inNewZone] as const);
  }, 90_000);
});

describe('the counter screen', () => {
  it('after "code expired" goes back to idle after the thank-you time', async () => {
    const k = await startKioskPage({ thanksMs: 4000, fake: { claimTtlMs: 5000 } });
    open.push(k);
    await unlockStaff(k.page);
    await typeKeys(k.page, '1840');
    await k.page.click('[data-action=create-sale]');
    await k.page.waitForSelector('[data-screen=sale]');
    await k.page.waitForSelector('[data-testid=timer].expired', { timeout: 30_000 });
    await k.page.waitForSelector('[data-screen=idle]', { timeout: 30_000 });
  }, 90_000);

  it('the thank-you shows every bonus earned, the welcome bonus too', async () => {
    const k = await startKioskPage();
    open.push(k);
    await unlockStaff(k.page);
    await ringUp(k.page, '1840');
    k.fake.bonuses = [
      { label: 'Premia powitalna', points: 20 },
      { label: 'x2 Wtorek', points: 18 },
    ];
    const sale = (await k.fake.listRecentSales({ limit: 1 })).sales[0]!;
    k.fake.claim(sale.saleId, 'm-1');
    await k.page.waitForSelector('[data-screen=thanks]');
    expect(await k.page.locator('[data-testid=bonuses] li').allTextContents()).toEqual(['Premia powitalna: +20 punktów', 'x2 Wtorek: +18 punktów']);
  }, 90_000);

  it('shows forint without decimals, on the counter and the staff screen', async () => {
    const k = await startKioskPage({ fake: { currency: 'HUF', locale: 'hu' } });
    open.push(k);
    await unlockStaff(k.page);
    await typeKeys(k.page, '1250');
    expect(await text(k.page, '[data-testid=amount-entry]')).toBe('1 250 Ft');
    await k.page.click('[data-action=create-sale]');
    await k.page.waitForSelector('[data-screen=sale] svg.qr');
    expect(await text(k.page, '[data-testid=amount]')).toBe('1 250 Ft');
  }, 90_000);

  it('a Hungarian shop keys whole forints: 1253 is 1 253 Ft, sent and recorded as 125300 minor units; the refund amount too', async () => {
    const k = await startKioskPage({ fake: { currency: 'HUF', locale: 'hu' } });
    open.push(k);
    const { page, fake } = k;
    await unlockStaff(page);
    await typeKeys(page, '125');
    expect(await text(page, '[data-testid=amount-entry]')).toBe('125 Ft');
    await typeKeys(page, '3');
    // Not 12,53 Ft shown as "13 Ft", as when the keypad took hundredths whatever the currency.
    expect(await text(page, '[data-testid=amount-entry]')).toBe('1 253 Ft');
    await page.click('[data-action=create-sale]');
    await page.waitForSelector('[data-screen=sale] svg.qr');
    expect(fake.createSaleArgs.at(-1)).toEqual({ total: { amount: 125300, currency: 'HUF' } });
    const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
    expect(sale.total).toEqual({ amount: 125300, currency: 'HUF' });
    expect(await text(page, '[data-testid=amount]')).toBe('1 253 Ft');

    await page.click('[data-action=staff]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${sale.saleId}"] [data-action=refund]`);
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('1 253 Ft');
    // The whole sale's four digits are the most the refund keypad takes: a fifth is not a larger refund.
    await typeKeys(page, '9');
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('1 253 Ft');
    await page.click('.keypad [data-key=C]');
    await typeKeys(page, '1000');
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('1 000 Ft');
    await page.click('[data-action=refund-next]');
    expect(await text(page, '[data-testid=refund-confirm] .question')).toContain('1 000 Ft');
    await page.click('[data-action=refund-confirm]');
    await page.waitForSelector(`[data-sale="${sale.saleId}"][data-state=held]`);
    expect(fake.refundSaleArgs.at(-1)).toEqual({ saleId: sale.saleId, amount: { amount: 100000, currency: 'HUF' } });

    // A till may send fillér (1 250,50 Ft) the forint keypad cannot say: left untouched, the refund is still the whole sale, exactly.
    const tillSale = await fake.createSale({ total: { amount: 125050, currency: 'HUF' } });
    await page.click('[data-tab=today]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${tillSale.saleId}"] [data-action=refund]`);
    await page.click('[data-action=refund-next]');
    await page.click('[data-action=refund-confirm]');
    await page.waitForSelector(`[data-sale="${tillSale.saleId}"][data-state=held]`);
    expect(fake.refundSaleArgs.at(-1)).toEqual({ saleId: tillSale.saleId, amount: { amount: 125050, currency: 'HUF' } });
  }, 90_000);

  it('a cash sale shows the forint amount rounded to 5 Ft before it is sent, and sends it as cash; the next sale is card again', async () => {
    const k = await startKioskPage({ fake: { currency: 'HUF', locale: 'hu' } });
    open.push(k);
    await unlockStaff(k.page);
    await typeKeys(k.page, '1253');
    expect(await k.page.getAttribute('[data-action=cash]', 'aria-pressed')).toBe('false');
    expect(await k.page.locator('[data-testid=cash-to-pay]').count()).toBe(0);
    await k.page.click('[data-action=cash]');
    expect(await k.page.getAttribute('[data-action=cash]', 'aria-pressed')).toBe('true');
    // Typed 1 253 Ft; the customer hands over 1 255 Ft (the Hungarian rule: last digit 3–7 → 5).
    expect(await text(k.page, '[data-testid=amount-entry]')).toBe('1 253 Ft');
    expect(await text(k.page, '[data-testid=cash-to-pay]')).toBe('Készpénzben fizetendő: 1 255 Ft');
    await k.page.click('[data-action=create-sale]');
    await k.page.waitForSelector('[data-screen=sale] svg.qr');
    expect(k.fake.createSaleArgs.at(-1)).toEqual({ total: { amount: 125300, currency: 'HUF' }, payment: 'cash' });
    expect(await text(k.page, '[data-testid=amount]')).toBe('1 255 Ft');

    // The choice was for that sale only.
    await k.page.click('[data-action=staff]');
    await k.page.waitForSelector('[data-screen^=staff-]');
    expect(await k.page.getAttribute('[data-action=cash]', 'aria-pressed')).toBe('false');
    await typeKeys(k.page, '1253');
    await k.page.click('[data-action=create-sale]');
    await until(() => k.fake.createSaleArgs.length === 2, 'the second sale');
    expect(k.fake.createSaleArgs[1]).toEqual({ total: { amount: 125300, currency: 'HUF' } });
  }, 90_000);

  it('a partial refund of a cash sale confirms and sends the amount paid back in cash (1 003 Ft keyed, 1 005 Ft paid back); 2 Ft is refused in words', async () => {
    const k = await startKioskPage({ fake: { currency: 'HUF', locale: 'hu' } });
    open.push(k);
    const { page, fake } = k;
    await unlockStaff(page);
    await typeKeys(page, '1253');
    await page.click('[data-action=cash]');
    await page.click('[data-action=create-sale]');
    await page.waitForSelector('[data-screen=sale] svg.qr');
    const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
    expect(sale.total).toEqual({ amount: 125500, currency: 'HUF' });

    await page.click('[data-action=staff]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${sale.saleId}"] [data-action=refund]`);
    await page.click('.keypad [data-key=C]');
    await typeKeys(page, '1003');
    expect(await text(page, '[data-testid=refund-amount-entry]')).toBe('1 003 Ft');
    await page.click('[data-action=refund-next]');
    // What the customer gets back in cash, rounded to 5 Ft as the sale was paid.
    expect(await text(page, '[data-testid=refund-confirm] .question')).toBe('Visszatéríti ezt az összeget: 1 005 Ft?');
    await page.click('[data-action=refund-confirm]');
    await page.waitForSelector(`[data-sale="${sale.saleId}"][data-state=held]`);
    expect(fake.refundSaleArgs.at(-1)).toEqual({ saleId: sale.saleId, amount: { amount: 100500, currency: 'HUF' } });
    expect(await text(page, '[data-testid=notice]')).toMatch(/^A visszatérítés \(1 005 Ft\) rögzítésének ideje: /);

    // 2 Ft rounds to nothing in cash: staff read why, and nothing is asked or sent.
    const other = await fake.createSale({ total: { amount: 125300, currency: 'HUF' }, payment: 'cash' });
    await page.click('[data-tab=today]');
    await page.click('[data-tab=refund]');
    await page.click(`[data-sale="${other.saleId}"] [data-action=refund]`);
    await page.click('.keypad [data-key=C]');
    await typeKeys(page, '2');
    await page.click('[data-action=refund-next]');
    await until(async () => (await page.locator('[data-testid=notice]').count()) > 0, 'the refusal');
    expect(await text(page, '[data-testid=notice]')).toBe(
      'Készpénzben visszafizetve ez a visszatérítés nullára kerekedik — kérjük, adjon meg nagyobb összeget',
    );
    expect(await page.locator('[data-testid=refund-confirm]').count()).toBe(0);
    expect(fake.refundSaleArgs).toHaveLength(1);
  }, 90_000);
});

describe('the join form on the phone', () => {
  it('opens the number pad for a phone, switches to the e-mail keyboard, and says the privacy sentence in Polish', async () => {
    const browser = await launchChromium({ width: 390, height: 844 });
    open.push({ close: () => browser.close() });
    const page = await browser.context.newPage();
    const html = claimPage({
      locale: 'pl',
      shopName: 'Kawiarnia',
      privacyText: 'We use your contact only for this loyalty programme; ask staff to delete it at any time.',
      points: 18,
      action: '/C/AA',
      member: null,
    });
    // The page's script and styles are files of the hub (/assets/…, no inline script under its CSP): served here as the hub serves them.
    await page.route('http://hub.test/**', async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = path.startsWith('/assets/') ? assetFile(path.slice('/assets/'.length)) : undefined;
      if (file) return route.fulfill({ status: 200, contentType: file.type, body: file.body });
      if (path === '/c/AA') return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      return route.fulfill({ status: 404, body: 'not found' });
    });
    await page.goto('http://hub.test/c/AA');
    expect(await page.getAttribute('#contact', 'inputmode')).toBe('tel');
    expect(await page.getAttribute('#contact', 'autocomplete')).toBe('tel');
    await page.click('#contact-kind [data-kind=email]');
    expect(await page.getAttribute('#contact', 'inputmode')).toBe('email');
    expect(await page.getAttribute('#contact-kind [data-kind=email]', 'aria-pressed')).toBe('true');
    const consent = await page.textContent('label.consent');
    expect(consent).toContain('Używamy Twojego kontaktu wyłącznie na potrzeby tego programu lojalnościowego');
    expect(consent).not.toMatch(/We use your contact/);
  }, 90_000);
});
