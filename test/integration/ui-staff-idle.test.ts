import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskPage, unlockStaff } from '../support/kiosk-page';

describe('staff mode locks itself after inactivity', () => {
  let k: Awaited<ReturnType<typeof startKioskPage>>;
  beforeAll(async () => {
    k = await startKioskPage({ staffIdleMs: 1500 });
  });
  afterAll(async () => {
    await k?.close();
  });

  it('closes the staff screen when main locks the idle session, and asks for the PIN again', async () => {
    await unlockStaff(k.page);
    await k.page.waitForSelector('[data-screen=staff-sale]');
    // Nobody touches anything: main's idle timer locks the session and tells the page.
    await k.page.waitForSelector('[data-screen=idle]', { timeout: 15_000 });
    await k.page.click('[data-action=staff]');
    await k.page.waitForSelector('[data-screen=pin]');
    expect(k.fake.calls.filter((c) => c === 'checkStaffPin')).toHaveLength(1);
  });
});
