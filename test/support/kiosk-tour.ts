import type { startKioskPage } from './kiosk-page';
import { ringUp, typeKeys, unlockStaff } from './kiosk-page';

/**
 * Walks the kiosk through every screen a customer or a barista sees, with content in each (a sale on
 * the counter, the thank-you, members found, the enrol form, rewards, a sale to refund with its amount
 * and confirm steps), calling `check(name)` on each. The accessibility and the pseudo-locale tests
 * both look at the same screens this way.
 */
export async function kioskTour(k: Awaited<ReturnType<typeof startKioskPage>>, check: (name: string) => Promise<void>): Promise<void> {
  const { page, fake } = k;
  await check('counter: idle');
  await page.click('[data-action=staff]');
  await page.waitForSelector('[data-screen=pin]');
  await check('staff: PIN pad');
  await page.click('[data-action=close]');
  await page.waitForSelector('[data-screen=idle]');

  await unlockStaff(page);
  await typeKeys(page, '1234567');
  await check('staff: sale tab with an amount typed');
  await page.click('.keypad [data-key=C]');
  await ringUp(page, '1840');
  await check('counter: sale with its QR');
  const sale = (await fake.listRecentSales({ limit: 1 })).sales[0]!;
  fake.claim(sale.saleId, 'm-1');
  await page.waitForSelector('[data-screen=thanks]');
  await check('counter: thank-you');

  await page.click('[data-action=staff]');
  await page.waitForSelector('[data-screen^=staff-]');
  await page.click('[data-tab=member]');
  await page.fill('input[name=query]', 'anna');
  await page.click('[data-action=search]');
  await page.waitForSelector('[data-member=m-1]');
  await check('staff: a member found');
  await page.click('[data-action=enroll]');
  await page.waitForSelector('[data-testid=enroll-form]');
  await check('staff: enrol form');
  await page.click('[data-testid=enroll-form] button.secondary');
  await page.click('[data-tab=redeem]');
  await page.waitForSelector('[data-reward]');
  await check("staff: a member's rewards");
  await page.click('[data-tab=refund]');
  await page.waitForSelector(`[data-sale="${sale.saleId}"]`);
  await check('staff: refund tab with a sale');
  await page.click(`[data-sale="${sale.saleId}"] [data-action=refund]`);
  await page.waitForSelector('[data-testid=refund-amount-entry]');
  await check('staff: refund amount');
  await page.click('[data-action=refund-next]');
  await page.waitForSelector('[data-testid=refund-confirm]');
  await check('staff: refund confirmation');
  await page.click('[data-action=cancel]');
  for (const tab of ['devices', 'today']) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForSelector(`[data-screen=staff-${tab}]`);
    await check(`staff: ${tab} tab`);
  }
}
