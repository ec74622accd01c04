// Shared fixtures for the core-* unit tests (not a test file itself).
import type { MemberState } from '../../core/earn';
import { parseProgram, type Program } from '../../core/program/schema';

export function sequentialIds(prefix = 'e'): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/** A café in Warsaw: everything issue 3 lists, in one document. */
export const cafeDocument = {
  version: 1,
  name: 'Kawiarnia Anna',
  currency: 'PLN',
  timeZone: 'Europe/Warsaw',
  locale: 'en',
  rules: [
    { type: 'points', id: 'points', unit: 100, bands: [{ points: 1 }], rounding: 'floor' },
    { type: 'stamps', id: 'coffee-card', label: 'coffee card', cardSize: 9, per: 'item', category: 'coffee' },
    { type: 'stamps', id: 'visit-card', cardSize: 5, per: 'sale', minSale: 1000 },
    { type: 'multiplier', id: 'tuesday', label: 'x2 Tuesday', multiplier: 2, when: { weekdays: [2] } },
    { type: 'multiplier', id: 'happy-hour', label: 'x1.5 happy hour', multiplier: 1.5, when: { from: '15:00', to: '17:00' } },
    { type: 'spendBonus', id: 'big-basket', label: 'over 100 zł', threshold: 10000, points: 20 },
    { type: 'welcome', id: 'welcome', points: 50 },
    { type: 'birthday', id: 'birthday', points: 30, window: 'week' },
    { type: 'winBack', id: 'win-back', afterDays: 60, points: 25 },
    { type: 'milestone', id: 'tenth', visit: 10, points: 100 },
    { type: 'referral', id: 'referral', referrerPoints: 40, referredPoints: 20 },
  ],
  tiers: {
    basis: 'spend',
    windowDays: 365,
    levels: [
      { id: 'bronze', name: 'Bronze', threshold: 0 },
      { id: 'silver', name: 'Silver', threshold: 50000, multiplier: 1.25 },
      { id: 'gold', name: 'Gold', threshold: 150000, multiplier: 1.5, discountPercent: 5 },
      { id: 'platinum', name: 'Platinum', threshold: 400000, multiplier: 2, discountPercent: 10 },
    ],
  },
  rewards: [
    { kind: 'freeProduct', id: 'free-coffee', name: 'Free coffee', product: 'coffee', cost: { stamps: 9, card: 'coffee-card' } },
    { kind: 'percentOff', id: 'ten-off', name: '10% off', percent: 10, cost: { points: 100 } },
    { kind: 'amountOff', id: 'five-zl', name: '5 zł off', amount: 500, cost: { points: 60 } },
  ],
  expiry: { months: 12 },
} as const;

export function program(overrides: Record<string, unknown> = {}): Program {
  const result = parseProgram({ ...structuredClone(cafeDocument), ...overrides });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.program;
}

export function newMember(overrides: Partial<MemberState> = {}): MemberState {
  return { id: 'm1', joinedAt: '2026-01-01T10:00:00.000Z', visits: 0, firstPurchaseDone: false, ...overrides };
}

/** A member who has been here before (no first-purchase bonuses). */
export function regular(overrides: Partial<MemberState> = {}): MemberState {
  return newMember({ visits: 3, firstPurchaseDone: true, lastVisitAt: '2026-11-20T10:00:00.000Z', ...overrides });
}
