import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Hub } from '../../cloud/hub';
import { formatMoney } from '../../core/money';
import { EXPECTED, NOW, WEEK, seedOwnerShop, type OwnerSeed } from '../fixtures/owner-seed';
import { launchChromium, signInAsOwner } from '../support/chromium';
import { tempDir, testHub } from '../support/hub-harness';

// The seeded shop's dashboard in Debian Chromium: every number on the page (tables and the charts'
// data) against the hand-computed EXPECTED, then the owner's one-click win-back, an adjustment and an erasure.
let hub: Hub;
let seed: OwnerSeed;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const zl = (amount: number): string => formatMoney({ amount, currency: 'PLN' }, 'en-GB');

beforeAll(async () => {
  const temp = tempDir('owner-dashboard');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  seed = await seedOwnerShop(hub);
  browser = await launchChromium({ width: 1280, height: 1000 });
  page = await browser.context.newPage();
  await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
  await signInAsOwner(page, hub);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

const figure = (id: string, table = 'summary'): Promise<string | null> => page.locator(`#${table} tr[data-figure=${id}] td`).textContent();
const rows = (id: string): Promise<string[][]> =>
  page.locator(`#${id} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
/** The data Chart.js drew on a canvas (labels and datasets), read from the live chart. */
const chart = (id: string): Promise<{ type: string; labels: unknown[]; data: unknown[][]; painted: boolean }> =>
  page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const live = (
      window as unknown as {
        Chart: { getChart(c: HTMLCanvasElement): { config: { type: string }; data: { labels?: unknown[]; datasets: { data: unknown[] }[] } } | undefined };
      }
    ).Chart.getChart(canvas);
    if (!live) throw new Error(`no chart on #${canvasId}`);
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = false;
    for (let i = 3; i < pixels.length && !painted; i += 4) painted = pixels[i]! > 0;
    return { type: live.config.type, labels: live.data.labels ?? [], data: live.data.datasets.map((d) => d.data), painted };
  }, id);

describe('the seeded dashboard in Chromium', () => {
  it('every figure in the tables matches the hand-computed fixture', async () => {
    await page.goto(`${hub.url}/owner?${WEEK}`);
    const e = EXPECTED.all;
    expect([await figure('sales'), await figure('memberSales'), await figure('nonMemberSales'), await figure('participation')]).toEqual([
      String(e.sales),
      String(e.memberSales),
      String(e.nonMemberSales),
      e.participation,
    ]);
    expect([await figure('pointsEarned'), await figure('pointsRedeemed'), await figure('redemptionRate')]).toEqual([
      String(e.pointsEarned),
      String(e.pointsRedeemed),
      e.redemptionRate,
    ]);
    expect([await figure('activeMembers'), await figure('repeatRate'), await figure('visitFrequency'), await figure('nonMembersRepeat')]).toEqual([
      String(e.activeMembers),
      e.repeatRate,
      e.visitFrequency,
      'not measurable (anonymous sales)',
    ]);
    expect([await figure('avgAll'), await figure('avgMembers'), await figure('avgNonMembers'), await figure('retention')]).toEqual([
      zl(e.avgAll),
      zl(e.avgMembers),
      zl(e.avgNonMembers),
      e.retention.rate,
    ]);
    expect(await rows('compare')).toEqual([
      ['Members', String(e.memberSales), zl(e.revenue.members), zl(e.avgMembers)],
      ['Non-members', String(e.nonMemberSales), zl(e.revenue.nonMembers), zl(e.avgNonMembers)],
    ]);
    const r = e.retention;
    expect([
      await figure('previousActive', 'retention'),
      await figure('retained', 'retention'),
      await figure('lapsed', 'retention'),
      await figure('newActive', 'retention'),
      await figure('retentionRate', 'retention'),
    ]).toEqual([String(r.previousActive), String(r.retained), String(r.lapsed), String(r.newActive), r.rate]);
    expect(await rows('locations')).toEqual(
      e.locations.map((l) => [l.location, String(l.sales), String(l.memberSales), l.participation, zl(l.revenue), zl(l.average)]),
    );
    expect((await rows('top')).map((row) => row.slice(0, 3))).toEqual(e.top.map(([name, visits, spend]) => [name, String(visits), zl(spend)]));
    expect(await rows('segments')).toEqual(Object.entries(e.segments).map(([s, count]) => [s, String(count)]));
    expect(await rows('rewards')).toEqual(e.rewards.map((row) => row.map(String)));
    expect(await rows('heatmap')).toEqual(e.heatmap.map(([day, hour, sales, total]) => [day, hour, String(sales), zl(total)]));
    expect((await rows('inactive')).map((row) => [row[0], row[2]])).toEqual(e.inactive.map(([name, days]) => [name, String(days)]));
  }, 30_000);

  it('Chart.js draws every chart from the same numbers as its table', async () => {
    const e = EXPECTED.all;
    // The library is served by the hub itself.
    expect(await page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
    const compare = await chart('chart-compare');
    expect([compare.type, compare.labels, compare.data, compare.painted]).toEqual([
      'bar',
      ['Members', 'Non-members'],
      [
        [e.memberSales, e.nonMemberSales],
        [e.avgMembers / 100, e.avgNonMembers / 100],
      ],
      true,
    ]);
    const r = e.retention;
    expect((await chart('chart-retention')).data).toEqual([[r.previousActive, r.retained, r.lapsed, r.newActive]]);
    const locations = await chart('chart-locations');
    expect([locations.labels, locations.data]).toEqual([
      ['Kazimierz', 'Rynek'],
      [
        [1, 2],
        [1, 1],
      ],
    ]);
    expect((await chart('chart-segments')).data).toEqual([Object.values(e.segments)]);
    const rewards = await chart('chart-rewards');
    expect([rewards.labels, rewards.data]).toEqual([['5 zł off'], [[1]]]);
    const heat = await chart('chart-heatmap');
    expect(heat.type).toBe('bubble');
    expect((heat.data[0] as { x: number; y: string; sales: number }[]).map((p) => [p.y, p.x, p.sales])).toEqual(
      e.heatmap.map(([day, hour, sales]) => [day, Number(hour.slice(0, 2)), sales]),
    );
    for (const id of ['chart-retention', 'chart-locations', 'chart-segments', 'chart-rewards', 'chart-heatmap']) expect((await chart(id)).painted).toBe(true);
  }, 30_000);

  it('one location: Rynek alone, chosen in the form', async () => {
    await page.selectOption('select[name=location]', 'Rynek');
    await page.click('form[action="/owner"] button');
    await page.waitForURL(/location=Rynek/);
    const k = EXPECTED.rynek;
    expect([
      await figure('sales'),
      await figure('memberSales'),
      await figure('participation'),
      await figure('pointsEarned'),
      await figure('pointsRedeemed'),
    ]).toEqual([String(k.sales), String(k.memberSales), k.participation, String(k.pointsEarned), String(k.pointsRedeemed)]);
    expect([
      await figure('previousActive', 'retention'),
      await figure('retained', 'retention'),
      await figure('newActive', 'retention'),
      await figure('retentionRate', 'retention'),
    ]).toEqual([String(k.retention.previousActive), String(k.retention.retained), String(k.retention.newActive), k.retention.rate]);
    // The per-location table still shows both places and the total.
    expect((await rows('locations')).map((row) => row[0])).toEqual(['Kazimierz', 'Rynek', 'All locations together']);
  }, 30_000);

  it('one click credits the inactive members a win-back bonus that shows in their history', async () => {
    await page.goto(`${hub.url}/owner?${WEEK}`);
    expect(await page.locator('#winback button').textContent()).toBe('Give 1 inactive member the bonus');
    await page.fill('#winback input[name=points]', '40');
    await page.click('#winback button');
    await expect.poll(() => page.locator('#flash').textContent()).toBe('1 member credited, 0 already had this campaign’s bonus.');
    // Cyril is active again (the bonus is today): nobody is left on the list.
    expect(await rows('inactive')).toEqual([]);
    await page.goto(`${hub.url}/owner/members/${seed.ids.cyril}`);
    const history = await rows('history');
    expect(history[0]!.slice(1)).toEqual(['Bonus', '40', '0', 'Win-back bonus: inactive more than 60 days']);
    expect(await page.locator('#member tbody td').nth(3).textContent()).toBe('47'); // 7 + 40
  }, 30_000);

  it('an adjustment with a reason: bad input refused at the form, a good one written and audited', async () => {
    await page.goto(`${hub.url}/owner/members/${seed.ids.anna}`);
    // Anna: 25 + 36 + 50 + 36 − 60 = 87 (each claim doubled by the Tuesday campaign).
    expect(await page.locator('#member tbody td').nth(3).textContent()).toBe('87');
    await page.fill('#adjust input[name=delta]', '-88');
    await page.fill('#adjust input[name=reason]', 'test');
    await page.click('#adjust button');
    await expect.poll(() => page.locator('#flash').textContent()).toBe('The balance would go below zero (it is 87 points now).');
    expect(await page.inputValue('#adjust input[name=delta]')).toBe('-88'); // what was typed stays
    // 25 the week before, each claim as base, campaign and stamp (6), her welcome and the redemption: nothing written.
    expect(await page.locator('#history tbody tr').count()).toBe(9);
    await page.fill('#adjust input[name=delta]', '+20');
    await page.fill('#adjust input[name=reason]', 'Coffee spilt, sorry');
    await page.click('#adjust button');
    await expect.poll(() => page.locator('#flash').textContent()).toBe('Points adjusted.');
    expect(await page.locator('#member tbody td').nth(3).textContent()).toBe('107');
    expect((await rows('history'))[0]!.slice(1)).toEqual(['Correction', '20', '0', 'Coffee spilt, sorry']);
    const audit = await rows('audit');
    expect(audit.map((row) => [row[1], row[3]])).toEqual([['Points adjusted', 'Coffee spilt, sorry']]);
    expect(audit[0]![2]).toMatch(/^owner@/);
  }, 30_000);

  it('erasure removes Béla’s personal data and leaves every dashboard number as it was', async () => {
    await page.goto(`${hub.url}/owner?${WEEK}`);
    const before = await page.locator('#summary, #compare, #retention, #locations, #segments, #rewards, #heatmap').allTextContents();
    await page.goto(`${hub.url}/owner/members/${seed.ids.bela}`);
    await page.fill('#erase input[name=confirm]', 'erase');
    await page.click('#erase button');
    await expect.poll(() => page.locator('#flash').textContent()).toBe('Type ERASE in capitals to confirm; nothing was erased.');
    expect(await page.locator('h1').textContent()).toBe('Béla');
    await page.fill('#erase input[name=confirm]', 'ERASE');
    await page.click('#erase button');
    await expect.poll(() => page.locator('#flash').textContent()).toBe('Personal data erased; the ledger and its sums are kept.');
    expect(await page.locator('h1').textContent()).toMatch(/^Erased member #\d+$/);
    expect(await page.content()).not.toContain('bela@example.com');
    await page.goto(`${hub.url}/owner?${WEEK}`);
    const after = await page.locator('#summary, #compare, #retention, #locations, #segments, #rewards, #heatmap').allTextContents();
    expect(after).toEqual(before);
    expect(await page.content()).not.toContain('Béla');
  }, 30_000);
});
