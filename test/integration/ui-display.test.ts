import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringUp, setCustomerLocale, startKioskPage, text, typeKeys, unlockStaff } from '../support/kiosk-page';

type Kiosk = Awaited<ReturnType<typeof startKioskPage>>;

describe('customer display and staff mode in Chromium over the bridge', () => {
  let k: Kiosk;
  beforeAll(async () => {
    k = await startKioskPage({ thanksMs: 1500 });
  });
  afterAll(async () => {
    await k?.close();
  });

  it('idle screen shows the shop name and the invitation in the kiosk language', async () => {
    expect(await text(k.page, '.shop')).toBe('Kawiarnia Pod Lipą');
    expect(await text(k.page, '.invite')).toBe('Zbieraj punkty przy każdym zakupie');
  });

  it('refuses staff work before the PIN, and a wrong PIN says how many tries are left', async () => {
    await k.page.click('[data-action=staff]');
    await typeKeys(k.page, '9999');
    await k.page.click('[data-action=unlock]');
    await k.page.waitForSelector('.notice.error:text("Zły PIN")');
    expect(await text(k.page, '.notice.error')).toBe('Zły PIN — zostały 4 próby');
    expect(k.fake.calls).not.toContain('createSale');
    await k.page.click('text=Zamknij');
  });

  it('keypad → createSale → large QR with amount, points, campaign and time left', async () => {
    await unlockStaff(k.page);
    await k.page.waitForSelector('[data-screen=staff-sale]');
    await typeKeys(k.page, '1840');
    expect(await text(k.page, '[data-testid=amount-entry]')).toBe('18,40 zł');
    await k.page.click('[data-action=create-sale]');
    const qr = await k.page.waitForSelector('[data-screen=sale] svg.qr');
    expect(await text(k.page, '[data-testid=amount]')).toBe('18,40 zł');
    expect(await text(k.page, '.earns')).toContain('Ten zakup daje 36 punktów');
    expect(await text(k.page, '.campaign')).toBe('x2 Tuesday');
    expect(await text(k.page, '[data-testid=timer]')).toMatch(/^Ważny jeszcze 1:[0-3]\d$/);
    // The QR carries this sale's claim URL and is big: at least 60% of a 600 px tall screen.
    const sale = (await k.fake.getStatus()).currentSale!;
    expect(await qr.getAttribute('data-qr')).toBe(sale.claimUrl);
    const box = (await qr.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(360);
    expect(box.width).toBe(box.height);
  });

  it('language switch on the customer screen changes the texts and the money format', async () => {
    await setCustomerLocale(k.page, 'de');
    expect(await text(k.page, '[data-testid=amount]')).toBe('18,40 PLN');
    expect(await text(k.page, '.earns')).toContain('Dieser Einkauf bringt 36 Punkte');
    await setCustomerLocale(k.page, 'en');
    expect(await text(k.page, '[data-testid=amount]')).toBe('PLN 18.40');
    await setCustomerLocale(k.page, 'cs');
    expect(await text(k.page, '.earns')).toContain('36 bodů');
  });

  it('a phone claim shows thank-you with name, +points, balance and progress, then idle by itself in the kiosk language', async () => {
    const sale = (await k.fake.getStatus()).currentSale!;
    k.fake.claim(sale.saleId, 'm-1');
    await k.page.waitForSelector('[data-screen=thanks]');
    expect(await text(k.page, '.thanks-title')).toBe('Děkujeme, Anna!');
    expect(await text(k.page, '.plus')).toBe('+36 bodů');
    expect(await text(k.page, '.balance')).toBe('Celkem 158 bodů');
    expect(await text(k.page, '.progress')).toBe('Ještě 1 razítko do odměny: free coffee');
    await k.page.waitForSelector('[data-screen=idle]', { timeout: 10_000 });
    expect(await k.page.getAttribute('main', 'lang')).toBe('pl');
  });

  it('attaches a member by scan (wedge input + Enter) and by search', async () => {
    await k.page.click('[data-action=staff]');
    await k.page.waitForSelector('[data-screen=staff-sale]'); // still unlocked: no PIN asked
    await ringUp(k.page, '500');
    await k.page.click('[data-action=staff]');
    await k.page.click('[data-tab=member]');
    await k.page.fill('input[name=query]', 'MBR0002');
    await k.page.press('input[name=query]', 'Enter');
    await k.page.waitForSelector('[data-testid=notice]:text("Jan Novák otrzymuje 10 punktów")');
    expect(k.fake.calls).toContain('attachMember');

    await k.page.click('[data-tab=sale]');
    await ringUp(k.page, '1000');
    await k.page.click('[data-action=staff]');
    await k.page.click('[data-tab=member]');
    await k.page.fill('input[name=query]', 'anna');
    await k.page.click('[data-action=search]');
    await k.page.click('[data-member=m-1] [data-action=attach]');
    await k.page.waitForSelector('[data-testid=notice]:text("Anna Kowalska otrzymuje 20 punktów")');
  });

  it('enrolls a new member in a few fields', async () => {
    await k.page.click('[data-action=enroll]');
    await k.page.fill('input[name=name]', 'Eva');
    await k.page.fill('input[name=phone]', '+421 900 111 222');
    expect(await k.page.isDisabled('[data-action=enroll-submit]')).toBe(true); // no consent yet
    await k.page.check('input[name=consent]');
    await k.page.click('[data-action=enroll-submit]');
    await k.page.waitForSelector('[data-testid=notice]:text("Nowy klient, kod karty MBR0003")');
  });

  it('redeem says plainly which discount to key into the till', async () => {
    await k.page.fill('input[name=query]', 'anna');
    await k.page.click('[data-action=search]');
    await k.page.click('[data-tab=redeem]');
    await k.page.click('[data-reward=r-10off] [data-action=redeem]');
    expect(await text(k.page, '[data-testid=instruction]')).toBe('Wbij na kasie rabat: 10,00 zł');
  });

  it('refund says which points it takes back before staff confirm, then holds the refund for a minute', async () => {
    await k.page.click('[data-tab=refund]');
    const row = '[data-sale=s-3]';
    await k.page.click(`${row} [data-action=refund]`);
    await k.page.click('[data-action=refund-next]');
    expect(await text(k.page, '[data-testid=refund-confirm] .question')).toMatch(/^Zwrócić .+ zł i odebrać 20 punktów\?$/);
    await k.page.click('[data-action=refund-confirm]');
    expect(await text(k.page, '[data-testid=notice]')).toMatch(/^Zwrot .+ zł zostanie zapisany o \d\d:\d\d:\d\d\. Do tego czasu można go cofnąć\.$/);
  });

  it('shows a printer fault to staff in plain words, and reprint says what to do', async () => {
    k.fake.setPrinterFault('paperOut');
    await k.page.click('[data-tab=devices]');
    expect(await text(k.page, '[data-device=printer] dd')).toBe('Brak papieru — włóż rolkę i naciśnij Drukuj ponownie');
    await k.page.click('.devices-tab [data-action=reprint]');
    await k.page.waitForSelector('[data-testid=notice]:text("Brak papieru")');
    k.fake.setPrinterFault(null);
    await k.page.waitForSelector('[data-device=printer] dd:text("Gotowa")');
  });

  it("today's figures", async () => {
    await k.page.click('[data-tab=today]');
    await k.page.waitForSelector('.figure');
    const figures = await k.page.$$eval('.figure', (els) =>
      els.map((e) => [e.querySelector('dt')?.textContent, e.querySelector('dd')?.textContent?.replace(/[\u00a0\u202f]/g, ' ')]),
    );
    expect(figures).toContainEqual(['Sprzedaże', '3']);
    expect(figures).toContainEqual(['Utarg', '33,40 zł']);
  });

  it('lock ends staff mode; the staff button asks for the PIN again', async () => {
    await k.page.click('[data-action=lock]');
    await k.page.waitForSelector('[data-action=staff]');
    await k.page.click('[data-action=staff]');
    await k.page.waitForSelector('[data-screen=pin]');
    expect(k.pageErrors).toEqual([]);
  });

  it('five wrong PINs lock the PIN pad for a while, said on screen', async () => {
    const pinRefusals = () => k.refusals.filter((r) => r.command === 'unlockStaff').length;
    expect(pinRefusals()).toBe(1); // the wrong PIN above, since reset by the right one
    for (let i = 2; i <= 6; i++) {
      await typeKeys(k.page, '0000');
      await k.page.click('[data-action=unlock]');
      await expect.poll(pinRefusals).toBe(i);
      await k.page.waitForSelector('[data-testid=pin-dots]:text("\u00a0")');
    }
    await k.page.waitForSelector('.notice.error:text("Za dużo błędnych PIN-ów")');
    expect(await text(k.page, '.notice.error')).toBe('Za dużo błędnych PIN-ów. Spróbuj za 5 minut.');
    await typeKeys(k.page, '1234');
    await k.page.click('[data-action=unlock]');
    await expect.poll(pinRefusals).toBe(7);
    expect(await k.page.$('[data-screen=staff-sale]')).toBeNull();
  });
});
