// `npm run bench -- journeys`: a new member visible at a second kiosk (goal: p95 ≤ 2 s), in real
// processes as the journey tests run them (test/support/journey-shop.ts: `npm run hub` and two
// `npm start -- --headless`). A member is enrolled over kiosk A's till API; the clock stops when kiosk
// B's till API finds her. Baseline from the same run: the same two calls when B already knows the
// member (the enrolment answered by A, then one search at B), so the ratio is what the trip through
// the hub costs.
import { startJourneyShop, type KioskProcess } from '../support/journey-shop';
import { fmt, summarize } from './stats';

const SAMPLES = 40;

export async function run(): Promise<void> {
  const shop = await startJourneyShop('bench-journeys');
  try {
    const [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
    const enrol = async (i: number): Promise<string> => {
      const res = await a.till('POST', '/v1/members', { contact: `bench${i}@example.com`, name: `Bench ${i}` });
      if (res.status !== 201 && res.status !== 200) throw new Error(`bench: enrolment answered ${res.status} ${JSON.stringify(res.json)}`);
      return res.json.code as string;
    };
    const visible: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < SAMPLES + 3; i++) {
      const start = performance.now();
      const code = await enrol(i);
      // Polled as a till would, as fast as B's till API answers.
      for (;;) {
        if ((await b.search(`bench${i}@example.com`)).some((m) => m.code === code)) break;
        if (performance.now() - start > 30_000) throw new Error(`bench: member ${i} not visible at kiosk B after 30 s`);
      }
      const took = performance.now() - start;
      // Baseline: enrolling her again (A answers 200 with the member it has) and one search at B that finds her.
      const again = performance.now();
      await enrol(i);
      await b.search(`bench${i}@example.com`);
      const base = performance.now() - again;
      // The first few warm up tsx-compiled code paths and connections.
      if (i >= 3) {
        visible.push(took);
        bare.push(base);
      }
    }
    const v = summarize(visible);
    const s = summarize(bare);
    console.log(
      `new member visible at a second kiosk (till API enrol at A → found by B's till API; hub and kiosks as processes): p50 ${fmt(v.p50)} ms  p95 ${fmt(v.p95)} ms  (n=${v.n}; goal p95 ≤ 2 s)`,
    );
    console.log(
      `baseline, member already known at B (enrol at A + one search at B):                       p50 ${fmt(s.p50)} ms  p95 ${fmt(s.p95)} ms  (n=${s.n})`,
    );
    console.log(`ratio visible/baseline p95: ${fmt(v.p95 / s.p95, 1)}`);
  } finally {
    await shop.stop();
  }
}
