/**
 * UI bench (test double services, Chromium over the bridge): from createSale in main to the QR
 * painted in the window (the page marks `qr-painted:<saleId>` in the frame after it rendered), and
 * the renderer's JS heap after 1,000 sales.
 */
import type { CDPSession } from 'playwright-core';
import { startKioskPage } from '../support/kiosk-page';
import { fmt, summarize } from './stats';

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}

export async function run(): Promise<void> {
  const k = await startKioskPage();
  try {
    const cdp = await k.page.context().newCDPSession(k.page);
    const oneSale = async (i: number): Promise<number> => {
      const t0 = performance.timeOrigin + performance.now();
      const sale = await k.fake.createSale({ total: { amount: 100 + i, currency: 'PLN' } });
      const handle = await k.page.waitForFunction(
        (id) => {
          const mark = performance.getEntriesByName(`qr-painted:${id}`)[0];
          if (!mark) return undefined;
          performance.clearMarks();
          return performance.timeOrigin + mark.startTime;
        },
        sale.saleId,
        { polling: 'raf' },
      );
      return Number(await handle.jsonValue()) - t0;
    };
    for (let i = 0; i < 20; i++) await oneSale(i); // warm-up
    const heapBefore = await heapMb(cdp);
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) samples.push(await oneSale(i));
    const heapAfter = await heapMb(cdp);
    const s = summarize(samples);
    console.log(`sale in main → QR painted (n=${s.n}): p50 ${fmt(s.p50)} ms, p95 ${fmt(s.p95)} ms (includes Socket.IO hop and playwright polling)`);
    console.log(`renderer JS heap: ${fmt(heapBefore)} MB after 20 sales, ${fmt(heapAfter)} MB after 1,020 sales (${fmt(heapAfter - heapBefore)} MB growth)`);
  } finally {
    await k.close();
  }
}
