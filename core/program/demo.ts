import { parseProgram, type Program } from './schema';

/**
 * The program a new kiosk runs until the owner's own arrives over sync: a café in Warsaw with
 * points, a coffee stamp card, double points on Tuesday, tiers and three rewards.
 */
export const DEMO_PROGRAM_DOCUMENT = {
  version: 1,
  name: 'Kawiarnia Pod Lipą',
  currency: 'PLN',
  timeZone: 'Europe/Warsaw',
  locale: 'pl',
  rules: [
    { type: 'points', id: 'points', unit: 100, bands: [{ points: 1 }], rounding: 'floor' },
    { type: 'stamps', id: 'coffee-card', label: 'karta kawowa', cardSize: 9, per: 'item', category: 'coffee' },
    { type: 'multiplier', id: 'tuesday', label: 'x2 wtorek', multiplier: 2, when: { weekdays: [2] } },
    { type: 'spendBonus', id: 'big-basket', label: 'ponad 100 zł', threshold: 10000, points: 20 },
    { type: 'welcome', id: 'welcome', points: 50 },
    { type: 'milestone', id: 'tenth', visit: 10, points: 100 },
  ],
  tiers: {
    basis: 'spend',
    windowDays: 365,
    levels: [
      { id: 'bronze', name: 'Bronze', threshold: 0 },
      { id: 'silver', name: 'Silver', threshold: 50000, multiplier: 1.25 },
      { id: 'gold', name: 'Gold', threshold: 150000, multiplier: 1.5, discountPercent: 5 },
    ],
  },
  rewards: [
    { kind: 'freeProduct', id: 'free-coffee', name: 'Free coffee', product: 'coffee', cost: { stamps: 9, card: 'coffee-card' } },
    { kind: 'percentOff', id: 'ten-off', name: '10% off', percent: 10, cost: { points: 100 } },
    { kind: 'amountOff', id: 'five-zl', name: '5 zł off', amount: 500, cost: { points: 60 } },
  ],
  expiry: { months: 12 },
};

export function demoProgram(): Program {
  const result = parseProgram(structuredClone(DEMO_PROGRAM_DOCUMENT));
  if (!result.ok) throw new Error(`demo program is invalid: ${JSON.stringify(result.errors)}`);
  return result.program;
}
