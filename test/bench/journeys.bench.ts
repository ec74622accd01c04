// `npm run bench -- journeys`: a new member visible at a second kiosk (goal: p95 ≤ 2 s), in real
// processes as the journey tests run them (test/support/journey-shop.ts: `npm run hub` and two
// `npm start -- --headless`). A member is enrolled over kiosk A's till API; the clock stops when kiosk
// B's till API finds her. Baseline from the same run: the same two calls when B already knows the
// member (the enrolment answered by A, then one search at B), so the ratio is what the trip through
// the hub costs. Then a voucher redeemed online over a kiosk's till API (goal: p95 ≤ 50 ms): the hub
// decides the redemption, so the round trip goes kiosk → hub → kiosk; baseline from the same run is
// the same till API's `GET /v1/health`, which stays in the kiosk.
import { rewardKeyOf } from '../../core/tokens';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
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
    await voucherRedeemOnline(shop);
  } finally {
    await shop.stop();
  }
}

/** The demo program's "5 zł off" (60 points); a sale of 3,000 zł pays for 50 of them. */
const REWARD = 'five-zl';

async function voucherRedeemOnline(shop: JourneyShop): Promise<void> {
  const [a, b] = shop.kiosks as [KioskProcess, KioskProcess];
  const phone = new Phone('en');
  const sale = await a.sale('bench-vouchers', 300_000);
  const joined = await phone.join(sale.claimUrl, '600 100 399', 'Vera');
  if (joined.status !== 303) throw new Error(`bench: the phone's join answered ${joined.status}`);
  const redeem: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < SAMPLES + 3; i++) {
    // The phone takes the reward on its card (the points are held at once); staff redeem it at kiosk B.
    const page = await phone.post(`${shop.hub.url}/m/redeem`, { reward: String(rewardKeyOf(REWARD)) });
    const code = /id="voucher-code">(R[A-R]+)</.exec(page.text)?.[1];
    if (page.status !== 200 || !code) throw new Error(`bench: voucher ${i} not issued (${page.status})`);
    const start = performance.now();
    const res = await b.till('POST', `/v1/vouchers/${code}/redeem`, { redemptionId: `bench-${i}` });
    const took = performance.now() - start;
    if (res.status !== 201 || res.json.via !== 'hub') throw new Error(`bench: redeem ${i} answered ${res.status} ${JSON.stringify(res.json)}`);
    const again = performance.now();
    await b.health();
    const base = performance.now() - again;
    if (i >= 3) {
      redeem.push(took);
      bare.push(base);
    }
  }
  const r = summarize(redeem);
  const h = summarize(bare);
  console.log(
    `voucher redeemed online (POST /v1/vouchers/{code}/redeem at kiosk B, decided by the hub): p50 ${fmt(r.p50)} ms  p95 ${fmt(r.p95)} ms  (n=${r.n}; goal p95 ≤ 50 ms)`,
  );
  console.log(`baseline, GET /v1/health on the same till API:                                       p50 ${fmt(h.p50)} ms  p95 ${fmt(h.p95)} ms  (n=${h.n})`);
  console.log(`ratio redeem/baseline p95: ${fmt(r.p95 / h.p95, 1)}`);
}
