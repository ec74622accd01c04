// fast-check arbitraries for the core-* property tests (not a test file itself).
import fc from 'fast-check';
import { parseProgram, type Program } from '../../core/program/schema';

/** Any valid program: every rule type, bands, windows, tiers, rewards paid in points or stamps, expiry. */
const minor = fc.integer({ min: 1, max: 1_000_000 });
const pts = fc.integer({ min: 0, max: 1000 });
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const isoDay = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const multiplier = fc.integer({ min: 100, max: 1000 }).map((h) => h / 100);
const label = fc.string({ minLength: 1, maxLength: 30 });
const when = fc
  .record(
    {
      weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      window: fc.tuple(hhmm, hhmm).filter(([a, b]) => a !== b),
      dates: fc.tuple(isoDay, isoDay).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
    },
    { requiredKeys: [] },
  )
  .map(({ weekdays, window, dates }) => ({
    ...(weekdays ? { weekdays } : {}),
    ...(window ? { from: window[0], to: window[1] } : {}),
    ...(dates ? { startDate: dates[0], endDate: dates[1] } : {}),
  }));

const bands = fc
  .tuple(fc.uniqueArray(minor, { maxLength: 3 }), fc.array(pts, { minLength: 4, maxLength: 4 }))
  .map(([limits, points]) => [...[...limits].sort((a, b) => a - b).map((upTo, i) => ({ upTo, points: points[i] ?? 0 })), { points: points[3] ?? 1 }]);

const ruleBody = fc.oneof(
  fc.record({
    type: fc.constant('stamps'),
    cardSize: fc.integer({ min: 1, max: 100 }),
    per: fc.constantFrom('sale', 'item'),
    category: fc.option(label, { nil: undefined }),
    minSale: fc.option(minor, { nil: undefined }),
    label: fc.option(label, { nil: undefined }),
  }),
  fc.record({ type: fc.constant('multiplier'), label, multiplier, when }),
  fc.record({ type: fc.constant('spendBonus'), label, threshold: minor, points: pts, when: fc.option(when, { nil: undefined }) }),
  fc.record({ type: fc.constant('welcome'), points: pts }),
  fc.record({ type: fc.constant('birthday'), points: pts, window: fc.constantFrom('day', 'week', 'month') }),
  fc.record({ type: fc.constant('winBack'), afterDays: fc.integer({ min: 1, max: 3650 }), points: pts }),
  fc.record({ type: fc.constant('milestone'), visit: fc.integer({ min: 1, max: 1000 }), points: pts, label: fc.option(label, { nil: undefined }) }),
  fc.record({ type: fc.constant('referral'), referrerPoints: pts, referredPoints: pts }),
);

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const programArbitrary: fc.Arbitrary<Program> = fc
  .record({
    name: label,
    currency: fc.constantFrom('PLN', 'EUR', 'CZK', 'HUF', 'GBP'),
    timeZone: fc.constantFrom('Europe/Warsaw', 'Europe/Budapest', 'Europe/Bratislava', 'Europe/Prague', 'Europe/Berlin', 'UTC'),
    locale: fc.constantFrom('pl', 'hu', 'sk', 'cs', 'de', 'en'),
    maxSale: fc.option(minor, { nil: undefined }),
    points: fc.option(fc.record({ unit: minor, bands, rounding: fc.constantFrom('floor', 'halfUp'), minSale: fc.option(minor, { nil: undefined }) }), {
      nil: undefined,
    }),
    rules: fc.array(ruleBody, { maxLength: 8 }),
    tiers: fc.option(
      fc.record({
        basis: fc.constantFrom('spend', 'visits'),
        windowDays: fc.integer({ min: 1, max: 3650 }),
        levels: fc.uniqueArray(fc.integer({ min: 0, max: 1e7 }), { minLength: 1, maxLength: 4 }).chain((thresholds) =>
          fc.tuple(
            ...[...thresholds]
              .sort((a, b) => a - b)
              .map((threshold, i) =>
                fc
                  .record({
                    name: label,
                    multiplier: fc.option(multiplier, { nil: undefined }),
                    discountPercent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
                  })
                  .map((l) => dropUndefined({ id: `tier-${i}`, threshold, ...l })),
              ),
          ),
        ),
      }),
      { nil: undefined },
    ),
    rewardSeed: fc.array(
      fc.record({ kind: fc.constantFrom('freeProduct', 'percentOff', 'amountOff'), name: label, n: fc.integer({ min: 1, max: 100 }), byStamps: fc.boolean() }),
      { maxLength: 4 },
    ),
    expiry: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  })
  .map((g) => {
    const rules: Record<string, unknown>[] = g.rules.map((r, i) => dropUndefined({ ...r, id: `rule-${i}` }));
    if (g.points) rules.unshift(dropUndefined({ type: 'points', id: 'points', ...g.points }));
    const cards = rules.filter((r) => r.type === 'stamps').map((r) => r.id as string);
    const rewards = g.rewardSeed.map((s, i) => {
      const cost = s.byStamps && cards.length > 0 ? { stamps: s.n, card: cards[i % cards.length] } : { points: s.n };
      const extra = s.kind === 'freeProduct' ? { product: 'coffee' } : s.kind === 'percentOff' ? { percent: s.n } : { amount: s.n * 10 };
      return { kind: s.kind, id: `reward-${i}`, name: s.name, cost, ...extra };
    });
    const doc = dropUndefined({
      version: 1,
      name: g.name,
      currency: g.currency,
      timeZone: g.timeZone,
      locale: g.locale,
      maxSale: g.maxSale,
      rules,
      rewards,
      tiers: g.tiers,
      expiry: g.expiry === undefined ? undefined : { months: g.expiry },
    });
    const parsed = parseProgram(doc);
    if (!parsed.ok) throw new Error(`arbitrary made an invalid program: ${JSON.stringify(parsed.errors)}`);
    return parsed.program;
  });
