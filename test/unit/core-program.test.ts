import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadProgram, parseProgram, serializeProgram } from '../../core/program/schema';
import { localTime, matchesWhen } from '../../core/program/clock';
import { programArbitrary } from './core-arbitraries';
import { cafeDocument, program } from './core-fixtures';

function errorsOf(doc: unknown): { path: string; message: string }[] {
  const result = parseProgram(doc);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors;
}

function withRule(index: number, rule: unknown): unknown {
  const doc = structuredClone(cafeDocument) as unknown as { rules: unknown[] };
  doc.rules[index] = rule;
  return doc;
}

describe('parseProgram', () => {
  it('accepts a program with every kind of rule, tiers, rewards and expiry', () => {
    const result = parseProgram(cafeDocument);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.program.rules.map((r) => r.type)).toEqual([
        'points',
        'stamps',
        'stamps',
        'multiplier',
        'multiplier',
        'spendBonus',
        'welcome',
        'birthday',
        'winBack',
        'milestone',
        'referral',
      ]);
      expect(result.program.tiers?.levels.map((l) => l.name)).toEqual(['Bronze', 'Silver', 'Gold', 'Platinum']);
    }
  });

  it('names the field of a bad value: rules.3.multiplier', () => {
    const errors = errorsOf(withRule(3, { type: 'multiplier', id: 'tuesday', label: 'x2 Tuesday', multiplier: 0.5, when: { weekdays: [2] } }));
    expect(errors).toEqual([{ path: 'rules.3.multiplier', message: 'multiplier must be at least 1' }]);
    expect(errorsOf(withRule(3, { type: 'multiplier', id: 't', label: 'x', multiplier: 1.255, when: {} }))[0]).toEqual({
      path: 'rules.3.multiplier',
      message: 'multiplier has at most two decimals (1.25)',
    });
  });

  it('refuses an unknown rule type and says which types exist', () => {
    expect(errorsOf(withRule(2, { type: 'lottery', id: 'x', odds: 3 }))).toEqual([
      {
        path: 'rules.2.type',
        message: 'unknown rule type: use one of points, stamps, multiplier, spendBonus, welcome, birthday, winBack, milestone, referral',
      },
    ]);
  });

  it.each([
    ['an unknown field', { ...cafeDocument, colour: 'red' }, '(document)', /colour/],
    ['an unknown currency', { ...cafeDocument, currency: 'USD' }, 'currency', /unknown currency "USD"/],
    ['a made-up time zone', { ...cafeDocument, timeZone: 'Europe/Atlantis' }, 'timeZone', /IANA zone/],
    ['an offset instead of a zone', { ...cafeDocument, timeZone: '+01:00' }, 'timeZone', /IANA zone/],
    ['an unknown locale', { ...cafeDocument, locale: 'fr' }, 'locale', /./],
    [
      'a bad time of day',
      withRule(4, { type: 'multiplier', id: 'h', label: 'h', multiplier: 2, when: { from: '25:00', to: '17:00' } }),
      'rules.4.when.from',
      /HH:MM/,
    ],
    [
      'half a time window',
      withRule(4, { type: 'multiplier', id: 'h', label: 'h', multiplier: 2, when: { from: '15:00' } }),
      'rules.4.when.to',
      /both from and to/,
    ],
    [
      'a weekday 8',
      withRule(3, { type: 'multiplier', id: 't', label: 't', multiplier: 2, when: { weekdays: [8] } }),
      'rules.3.when.weekdays.0',
      /1 \(Monday\) to 7/,
    ],
    [
      'an inverted date range',
      withRule(3, { type: 'multiplier', id: 't', label: 't', multiplier: 2, when: { startDate: '2026-12-31', endDate: '2026-12-01' } }),
      'rules.3.when.endDate',
      /before startDate/,
    ],
    [
      'an open band before the last',
      withRule(0, { type: 'points', id: 'p', unit: 100, bands: [{ points: 5 }, { points: 10 }], rounding: 'floor' }),
      'rules.0.bands.0.upTo',
      /needs upTo/,
    ],
    [
      'shrinking bands',
      withRule(0, { type: 'points', id: 'p', unit: 100, bands: [{ upTo: 5000, points: 5 }, { upTo: 4000, points: 7 }, { points: 10 }], rounding: 'floor' }),
      'rules.0.bands.1.upTo',
      /grow/,
    ],
    [
      'an unknown rounding',
      withRule(0, { type: 'points', id: 'p', unit: 100, bands: [{ points: 1 }], rounding: 'bankers' }),
      'rules.0.rounding',
      /'floor' or 'halfUp'/,
    ],
    ['fractional points', withRule(6, { type: 'welcome', id: 'welcome', points: 2.5 }), 'rules.6.points', /whole number/],
    ['a duplicate rule id', withRule(6, { type: 'welcome', id: 'points', points: 5 }), 'rules.6.id', /used twice/],
    [
      'a reward paid with a card that does not exist',
      { ...cafeDocument, rewards: [{ kind: 'freeProduct', id: 'r', name: 'Tea', product: 'tea', cost: { stamps: 5, card: 'tea-card' } }] },
      'rewards.0.cost.card',
      /no stamps rule with id "tea-card"/,
    ],
    [
      'an unknown reward kind',
      { ...cafeDocument, rewards: [{ kind: 'cashback', id: 'r', name: 'x', cost: { points: 5 } }] },
      'rewards.0.kind',
      /unknown reward kind/,
    ],
    [
      'tier thresholds out of order',
      {
        ...cafeDocument,
        tiers: {
          ...cafeDocument.tiers,
          levels: [
            { id: 'a', name: 'A', threshold: 10 },
            { id: 'b', name: 'B', threshold: 5 },
          ],
        },
      },
      'tiers.levels.1.threshold',
      /grow/,
    ],
    [
      'a discount over 100%',
      { ...cafeDocument, tiers: { ...cafeDocument.tiers, levels: [{ id: 'a', name: 'A', threshold: 0, discountPercent: 150 }] } },
      'tiers.levels.0.discountPercent',
      /at most 100/,
    ],
    ['expiry of zero months', { ...cafeDocument, expiry: { months: 0 } }, 'expiry.months', /at least 1/],
  ])('refuses %s, naming the field', (_what, doc, path, message) => {
    const errors = errorsOf(doc);
    const hit = errors.find((e) => e.path === path);
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit?.message).toMatch(message);
  });

  it('refuses something that is not a document at all', () => {
    expect(errorsOf('hello')[0]?.path).toBe('(document)');
    expect(errorsOf(null)[0]?.path).toBe('(document)');
  });

  it('loadProgram throws with every field error listed', () => {
    expect(() => loadProgram(JSON.stringify({ ...cafeDocument, currency: 'USD', timeZone: 'Nowhere' }))).toThrow(
      /currency: unknown currency[\s\S]*timeZone: timeZone must be/,
    );
  });
});

describe('shop-local time (Intl, daylight saving included)', () => {
  it('reads weekday, date and time in the shop zone', () => {
    // Monday 23:30 UTC in November is Tuesday 00:30 in Warsaw (UTC+1).
    expect(localTime(new Date('2026-11-23T23:30:00Z'), 'Europe/Warsaw')).toEqual({
      date: '2026-11-24',
      time: '00:30',
      weekday: 2,
      year: 2026,
      monthDay: '11-24',
    });
    // In July Warsaw is UTC+2.
    expect(localTime(new Date('2026-07-06T22:15:00Z'), 'Europe/Warsaw').time).toBe('00:15');
    expect(localTime(new Date('2026-07-06T22:15:00Z'), 'Europe/Budapest').weekday).toBe(2);
  });

  it('matches windows that run over midnight', () => {
    const night = { from: '22:00', to: '02:00' };
    const at = (time: string) => ({ date: '2026-11-24', time, weekday: 2, year: 2026, monthDay: '11-24' });
    expect(matchesWhen(night, at('23:59'))).toBe(true);
    expect(matchesWhen(night, at('01:59'))).toBe(true);
    expect(matchesWhen(night, at('02:00'))).toBe(false);
    expect(matchesWhen(night, at('21:59'))).toBe(false);
    expect(matchesWhen({ startDate: '2026-11-24', endDate: '2026-11-24' }, at('12:00'))).toBe(true);
    expect(matchesWhen({ startDate: '2026-11-25' }, at('12:00'))).toBe(false);
  });
});

describe('program round-trip', () => {
  it('parse(serialize(p)) deep-equals p for any valid program', () => {
    fc.assert(
      fc.property(programArbitrary, (p) => {
        const again = parseProgram(JSON.parse(serializeProgram(p)));
        expect(again).toEqual({ ok: true, program: p });
      }),
      { numRuns: 300 },
    );
  });

  it('the fixture survives the round-trip too', () => {
    const p = program();
    expect(loadProgram(serializeProgram(p))).toEqual(p);
  });
});
