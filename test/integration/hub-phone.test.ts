import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Hub } from '../../cloud/hub';
import type { ClaimAccepted, KioskCredentials } from '../../core/sync-protocol';
import { hexToBytes } from '../../core/sync-protocol';
import { classifyScan } from '../../core/scan';
import { rewardKeyOf, verifyVoucher } from '../../core/tokens';
import { SyncClient } from '../../main/sync/client';
import { TestKioskStore } from '../support/hub-kiosk';
import { pairedKiosk, saleUrl, steadyDemoProgram, tempDir, testHub } from '../support/hub-harness';
import { systemClock } from '../../core/clock';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let kiosk: SyncClient;
let store: TestKioskStore;
let context: BrowserContext;
let profile: ReturnType<typeof tempDir>;
const thanks: ClaimAccepted[] = [];

beforeAll(async () => {
  tmp = tempDir('hub-phone');
  hub = await testHub(tmp.dir);
  await steadyDemoProgram(hub);
  creds = await pairedKiosk(hub);
  store = new TestKioskStore(tmp.dir, '', creds.kioskNo);
  kiosk = new SyncClient({ now: systemClock, hubUrl: hub.url, credentials: creds, outbox: store });
  kiosk.on('claimAccepted', (e) => thanks.push(e));
  kiosk.start();
  profile = tempDir('hub-chromium');
  context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: '/usr/lib/chromium/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'pl-PL',
  });
});

afterAll(async () => {
  await context?.close();
  profile?.remove();
  kiosk?.stop();
  store?.close();
  await hub?.close();
  tmp?.remove();
});

describe('claim page and member card on a phone (Chromium, 390×844, Polish)', () => {
  it('joins on one screen, gets the points, and the kiosk hears the thank-you', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(saleUrl(hub, creds, 1, 18));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Odbierz punkty');
    expect(await page.locator('body').textContent()).toContain('18 punktów za zakupy w Kawiarnia Anna');

    await page.fill('#name', 'Anna');
    await page.fill('#contact', '600 1');
    await page.click('#join');
    await expect.poll(() => page.locator('#contact-error').textContent()).toContain('Podaj numer telefonu');
    expect(await page.locator('#consent-error').textContent()).toContain('Zaznacz zgodę');
    expect(await page.inputValue('#name')).toBe('Anna');

    await page.fill('#contact', '+48 600 100 200');
    await page.check('#consent');
    await page.click('#join');
    await page.waitForURL(/\/m\?claimed=K\d+-S\d+$/);
    expect(await page.locator('#flash').textContent()).toBe('Dziękujemy, Anna! +18 punktów');
    // The welcome bonus waits for the code sent to her number: the card asks for it (test/security/hub-join.test.ts).
    expect(await page.locator('#welcome').count()).toBe(0);
    expect(await page.locator('#balance').textContent()).toBe('18');
    // This hub has no SMS sender: no code can reach her number, so the box says so in words instead of asking for one.
    expect(await page.locator('#verify-unsendable').textContent()).toContain('Nie możemy jeszcze wysyłać kodów na +48600100200');
    expect(await page.locator('#verify-code').count()).toBe(0);
    await expect.poll(() => thanks.length).toBe(1);
    expect(thanks[0]).toMatchObject({ saleNo: 1, points: 18, member: { name: 'Anna' }, balance: { points: 18, stamps: 1 } });
    // Her number proven (this hub sends no text messages, so as the code would): the bonus is paid and the box is gone.
    expect((await hub.store.payHeldWelcome(thanks[0]!.member.id, new Date()))?.points).toBe(50);
    await page.reload();
    expect(await page.locator('#verify').count()).toBe(0);
    expect(await page.locator('#balance').textContent()).toBe('68');
    // 68 points: '5 zł off' (60 points) is ready, which beats the stamp card 8 stamps short (core progressToReward).
    expect(await page.locator('#progress').textContent()).toBe('Możesz już odebrać: 5 zł off!');
    expect(await page.locator('#tier').textContent()).toBe('Bronze');

    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'lk_member')).toMatchObject({ httpOnly: true });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.screenshot({ path: `${process.env.HUB_SCREENSHOT_DIR ?? tmp.dir}/card.png`, fullPage: true });
  });

  it('claims the next sale with one tap, shows history and rewards, and redeem shows a voucher QR the kiosk can verify offline', async () => {
    const page = context.pages()[0]!;
    await page.goto(saleUrl(hub, creds, 2, 150));
    expect(await page.locator('#one-tap').textContent()).toBe('Odbierz jako Anna');
    await page.click('#one-tap');
    await page.waitForURL(/\/m\?claimed=K\d+-S\d+$/);
    // 150.40 zł: 150 points and 20 for spending over 100 zł (the hub derives them from the amount).
    expect(await page.locator('#balance').textContent()).toBe('238');
    expect(await page.locator('#stamps').textContent()).toBe('2');
    expect(await page.locator('#welcome').count()).toBe(0);
    // Each claim: base points, a bonus (welcome, then over 100 zł) and the stamp.
    expect(await page.locator('#history li').count()).toBe(6);
    // Every reward of the program with its cost; only the affordable ones can be redeemed.
    expect(await page.locator('form.reward .cost').allTextContents()).toEqual(['9 pieczątek', '100 punktów', '60 punktów']);
    expect(await page.locator('button.redeem').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-reward')))).toEqual([
      String(rewardKeyOf('ten-off')),
      String(rewardKeyOf('five-zl')),
    ]);
    await expect.poll(() => thanks.length).toBe(2);

    await page.click(`button.redeem[data-reward="${rewardKeyOf('ten-off')}"]`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Twój kupon: 10% off');
    expect(await page.locator('#voucher-qr svg').count()).toBe(1);
    await page.screenshot({ path: `${process.env.HUB_SCREENSHOT_DIR ?? tmp.dir}/voucher.png`, fullPage: true });
    const box = await page.locator('#voucher-qr svg').boundingBox();
    expect(box!.width).toBeGreaterThan(250);
    const code = (await page.locator('#voucher-code').textContent())!.trim();
    const verified = verifyVoucher(code, { hubPublicKey: hexToBytes(hub.hubPublicKey), shopNo: creds.shopNo, now: new Date() });
    expect(verified).toMatchObject({ ok: true, data: { rewardKey: rewardKeyOf('ten-off'), costPoints: 100 } });
    expect(classifyScan(code, { saleOpen: false })).toMatchObject({ kind: 'voucher', action: 'redeemVoucher' });

    // The same receipt QR again: refused in Polish, nothing added.
    await page.goto(saleUrl(hub, creds, 2, 150));
    await page.click('#one-tap');
    expect(await page.locator('#message').textContent()).toBe('Punkty za te zakupy zostały już odebrane.');
    // 238 earned, less the voucher's 100 points held when it was issued.
    expect((await hub.store.balance(thanks[0]!.member.id)).points).toBe(138);
  });

  it('opening the card on a new phone: the contact field opens the number pad first, and the switch brings the e-mail keyboard', async () => {
    const page = await context.newPage();
    await page.goto(`${hub.url}/m/open`);
    expect(await page.getAttribute('#contact', 'inputmode')).toBe('tel');
    expect(await page.getAttribute('#contact', 'autocomplete')).toBe('tel');
    expect(await page.locator('#contact-kind button').allTextContents()).toEqual(['Telefon', 'E-mail']);
    await page.click('#contact-kind [data-kind=email]');
    expect(await page.getAttribute('#contact', 'inputmode')).toBe('email');
    expect(await page.getAttribute('#contact', 'autocomplete')).toBe('email');
    // An e-mail typed and refused comes back on the e-mail keyboard.
    await page.fill('#contact', 'not-an-address@');
    await page.click('#send-code');
    await page.waitForSelector('#open-error');
    expect(await page.inputValue('#contact')).toBe('not-an-address@');
    expect(await page.getAttribute('#contact', 'inputmode')).toBe('email');
    await page.close();
  });
});
