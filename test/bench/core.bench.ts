// Earn computations per second: earnForSale for a program with five rules, in the shop's time zone.
import { earnForSale, type MemberState, type SaleInput } from '../../core/earn';
import { money } from '../../core/money';
import { parseProgram, type Program } from '../../core/program/schema';
import { reverseSale } from '../../core/ledger/reverse';
import os from 'node:os';
import { fmt, opsPerSecond } from './stats';

function mustParse(doc: unknown): Program {
  const result = parseProgram(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.program;
}

const fiveRules = mustParse({
  version: 1,
  name: 'Bench café',
  currency: 'PLN',
  timeZone: 'Europe/Warsaw',
  locale: 'pl',
  rules: [
    { type: 'points', id: 'points', unit: 100, bands: [{ upTo: 5000, points: 5 }, { points: 10 }], rounding: 'floor' },
    { type: 'stamps', id: 'coffee', cardSize: 9, per: 'item', category: 'coffee' },
    { type: 'multiplier', id: 'tuesday', label: 'x2 wtorek', multiplier: 2, when: { weekdays: [2] } },
    { type: 'spendBonus', id: 'big', label: 'powyżej 100 zł', threshold: 10000, points: 50 },
    { type: 'milestone', id: 'tenth', visit: 10, points: 100 },
  ],
  tiers: {
    basis: 'spend',
    windowDays: 365,
    levels: [
      { id: 'bronze', name: 'Brąz', threshold: 0 },
      { id: 'gold', name: 'Złoto', threshold: 100000, multiplier: 1.5 },
    ],
  },
  rewards: [],
});

const member: MemberState = {
  id: 'm1',
  joinedAt: '2026-01-01T00:00:00Z',
  visits: 9,
  firstPurchaseDone: true,
  lastVisitAt: '2026-11-20T10:00:00Z',
  tierId: 'gold',
};
const sale: SaleInput = {
  id: 's1',
  total: money(12840, 'PLN'),
  lines: [
    { category: 'coffee', quantity: 2 },
    { category: 'cake', quantity: 1 },
  ],
};
const tuesday = new Date('2026-11-24T09:00:00Z');

export async function run(): Promise<void> {
  let n = 0;
  const ids = (): string => `e${++n}`;
  const sample = earnForSale(fiveRules, member, sale, tuesday, ids);
  console.log(`sample: ${sample.entries.length} entries, headline "${sample.summary.headline}"`);

  const earnRate = opsPerSecond(() => {
    earnForSale(fiveRules, member, sale, tuesday, ids);
  }, 2000);
  console.log(`earnForSale, program with five rules: ${fmt(earnRate, 0)} earn computations/s wall clock (${fmt(1e6 / earnRate, 2)} µs each)`);
  // The machine may be shared: the same work per second of this process's own CPU time.
  const iterations = 20_000;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i++) earnForSale(fiveRules, member, sale, tuesday, ids);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `earnForSale, program with five rules: ${fmt(iterations / cpuSeconds, 0)} earn computations per CPU-second (${fmt((cpuSeconds * 1e6) / iterations, 2)} µs CPU each; load average ${fmt(os.loadavg()[0] ?? 0, 1)})`,
  );

  const ledger = sample.entries;
  const refundRate = opsPerSecond(() => {
    reverseSale({ program: fiveRules, saleId: 's1', saleEntries: ledger, memberEntries: ledger, refund: money(6420, 'PLN'), at: tuesday, ids });
  }, 1000);
  console.log(`reverseSale, half refund of that sale: ${fmt(refundRate, 0)} refunds/s`);
}
