import { describe, expect, it } from 'vitest';
import { earnForSale } from '../../core/earn';
import { checkProgram, programFindings, whenCovers } from '../../core/program/checks';
import { zonedInstant } from '../../core/program/clock';
import { demoProgram } from '../../core/program/demo';
import { programFromForm, parseFormAmount } from '../../core/program/form';
import { previewSales } from '../../core/program/preview';
import type { Program } from '../../core/program/schema';
import { liveVersions, parseProgramVersion, programInEffect, publicationStart } from '../../core/program/versions';
import { rewardKeyOf } from '../../core/tokens';
import { program } from './core-fixtures';

const paths = (p: Program): string[] => programFindings(p).map((f) => f.path);

function withRules(base: Program, edit: (rules: Record<string, unknown>[]) => void): Program {
  const doc = structuredClone(base) as unknown as { rules: Record<string, unknown>[] };
  edit(doc.rules);
  return doc as unknown as Program;
}

describe('editor checks', () => {
  it('finds nothing wrong in the demo program and the café fixture', () => {
    expect(programFindings(demoProgram())).toEqual([]);
    expect(programFindings(program())).toEqual([]);
  });

  it('refuses a points reward when no rule earns points, at the reward cost', () => {
    const p = program({ rules: [{ type: 'stamps', id: 'coffee-card', cardSize: 9, per: 'item', category: 'coffee' }] });
    expect(paths(p)).toEqual(['rewards.1.cost.points', 'rewards.2.cost.points']);
    // A points rule whose bands all give 0 earns nothing either.
    const zero = program({
      rules: [
        { type: 'points', id: 'p', unit: 100, bands: [{ points: 0 }], rounding: 'floor' },
        { type: 'stamps', id: 'coffee-card', cardSize: 9, per: 'item' },
      ],
    });
    expect(paths(zero)).toEqual(['rewards.1.cost.points', 'rewards.2.cost.points']);
  });

  it('refuses a stamp reward that costs more stamps than its card holds', () => {
    const doc = structuredClone(program()) as unknown as { rewards: { cost: Record<string, unknown> }[] };
    doc.rewards[0]!.cost = { stamps: 12, card: 'coffee-card' };
    const issues = checkProgram(doc as unknown as Program, 'pl');
    expect(issues).toEqual([{ path: 'rewards.0.cost.stamps', message: 'Kosztuje 12 pieczątek, a karta „coffee card” mieści tylko 9: nikt nie zbierze tylu.' }]);
  });

  it('refuses a minimum sale or a bonus threshold above the largest sale, with amounts in the owner’s language', () => {
    const p = withRules(program({ maxSale: 50000 }), (rules) => {
      rules[0]!.minSale = 60000;
      rules[5]!.threshold = 70000;
    });
    expect(checkProgram(p, 'de').map((i) => [i.path, i.message])).toEqual([
      ['rules.0.minSale', 'Der Mindesteinkauf 600,00\u00a0PLN liegt über dem größten angenommenen Einkauf (500,00\u00a0PLN): diese Regel greift nie.'],
      ['rules.5.threshold', 'Die Schwelle 700,00\u00a0PLN liegt über dem größten angenommenen Einkauf (500,00\u00a0PLN): dieser Bonus wird nie gezahlt.'],
    ]);
  });

  it('refuses a campaign another one always outbids, and one whose dates hold none of its weekdays', () => {
    const shadowed = withRules(program(), (rules) => {
      rules.push({
        type: 'multiplier',
        id: 'tue-morning',
        label: 'x1.5 Tuesday morning',
        multiplier: 1.5,
        when: { weekdays: [2], from: '08:00', to: '11:00' },
      });
    });
    expect(checkProgram(shadowed, 'en')).toEqual([
      {
        path: 'rules.11.multiplier',
        message: 'Never applies: the campaign "x2 Tuesday" (x2) covers all of its times with a multiplier at least as high, and campaigns do not add up.',
      },
    ]);
    // A higher multiplier in the morning is fine: it wins then.
    expect(
      paths(
        withRules(shadowed, (rules) => {
          rules[11]!.multiplier = 3;
        }),
      ),
    ).toEqual([]);
    // 2026-11-02 … 2026-11-04 is Monday to Wednesday: no Saturday in it.
    const never = withRules(program(), (rules) => {
      rules[3]!.when = { weekdays: [6], startDate: '2026-11-02', endDate: '2026-11-04' };
    });
    expect(paths(never)).toEqual(['rules.3.when.weekdays']);
  });

  it('reads time windows over midnight when deciding that one campaign covers another', () => {
    expect(whenCovers({ from: '22:00', to: '02:00' }, { from: '23:00', to: '01:00' })).toBe(true);
    expect(whenCovers({ from: '22:00', to: '02:00' }, { from: '21:00', to: '23:00' })).toBe(false);
    expect(whenCovers({ weekdays: [2] }, {})).toBe(false);
    expect(whenCovers({ startDate: '2026-12-01' }, { startDate: '2026-12-05', endDate: '2026-12-24' })).toBe(true);
  });

  it('refuses a second welcome bonus, two milestones for one visit, tiers that earn less higher up, twin names', () => {
    const p = withRules(program(), (rules) => {
      rules.push({ type: 'welcome', id: 'welcome-2', points: 10 }, { type: 'milestone', id: 'ten-again', visit: 10, points: 5 });
    });
    const doc = structuredClone(p) as unknown as { tiers: { levels: Record<string, unknown>[] }; rewards: Record<string, unknown>[] };
    doc.tiers.levels[2]!.multiplier = 1.1;
    doc.tiers.levels[3]!.name = 'Gold';
    doc.rewards[2]!.name = '10% off';
    expect(paths(doc as unknown as Program)).toEqual(['rules.11.type', 'rules.12.visit', 'tiers.levels.2.multiplier', 'tiers.levels.3.name', 'rewards.2.name']);
  });

  it('refuses two rewards whose ids give the same voucher key, at the second id, in the owner’s language', () => {
    // "gift-114" and "gift-336" share the first two bytes of their SHA-256 (core/tokens rewardKeyOf).
    expect(rewardKeyOf('gift-114')).toBe(rewardKeyOf('gift-336'));
    const doc = structuredClone(program()) as unknown as { rewards: Record<string, unknown>[] };
    doc.rewards[1]!.id = 'gift-114';
    doc.rewards[2]!.id = 'gift-336';
    expect(checkProgram(doc as unknown as Program, 'en')).toEqual([
      {
        path: 'rewards.2.id',
        message: `The id "gift-336" gives the same voucher key as the reward "${String(doc.rewards[1]!.name)}": give one of them another id, or a voucher could name the wrong reward.`,
      },
    ]);
    expect(checkProgram(doc as unknown as Program, 'hu')[0]!.message).toMatch(/^A\(z\) „gift-336” azonosító ugyanazt a kuponkulcsot/);
  });
});

describe('preview', () => {
  it('words a Tuesday sale with the campaign in Polish, through formatMoney and plurals', () => {
    const lines = previewSales(
      demoProgram(),
      [
        { amount: { amount: 1840, currency: 'PLN' }, weekday: 2, time: '10:00' },
        { amount: { amount: 1840, currency: 'PLN' }, weekday: 3, time: '10:00' },
        { amount: { amount: 100, currency: 'PLN' }, weekday: 3, time: '10:00' },
      ],
      { locale: 'pl', fromDate: '2026-11-24' },
    );
    expect(lines.map((l) => l.text)).toEqual([
      'Sprzedaż 18,40\u00a0zł we wtorek daje 36 punktów',
      'Sprzedaż 18,40\u00a0zł w środę daje 18 punktów',
      'Sprzedaż 1,00\u00a0zł w środę daje 1 punkt',
    ]);
    expect(lines[0]!.reasons).toEqual(['podstawa: 18 punktów', 'x2 wtorek: 18 punktów']);
    // 2026-11-24 is a Tuesday: 10:00 in Warsaw is 09:00 UTC.
    expect(lines[0]!.at).toBe('2026-11-24T09:00:00.000Z');
  });

  it('is earnForSale’s result: tiers multiply, a wrong currency is refused in words', () => {
    const p = demoProgram();
    const [silver, euro] = previewSales(
      p,
      [
        { amount: { amount: 10000, currency: 'PLN' }, weekday: 5, time: '12:00', tierId: 'silver' },
        { amount: { amount: 1000, currency: 'EUR' }, weekday: 5, time: '12:00' },
      ],
      { locale: 'en', fromDate: '2026-11-24' },
    );
    const direct = earnForSale(
      p,
      { id: 'x', joinedAt: '2026-01-01T00:00:00Z', visits: 1, firstPurchaseDone: true, tierId: 'silver', lastVisitAt: '2026-11-26T11:00:00Z' },
      { id: 's', total: { amount: 10000, currency: 'PLN' } },
      new Date(silver!.at),
      () => 'id',
    );
    expect(silver!.points).toBe(direct.summary.points);
    expect(silver!.text).toBe(`A PLN\u00a0100.00 sale on Friday earns ${direct.summary.points} points`);
    expect(euro).toMatchObject({ ok: false, text: 'A €10.00 sale is not accepted: the program counts in PLN' });
  });

  it('counts stamps with the right plural (Czech, Hungarian)', () => {
    const p = withRules(demoProgram(), (rules) => {
      rules[1] = { type: 'stamps', id: 'coffee-card', cardSize: 9, per: 'sale' };
    });
    const sale = [{ amount: { amount: 500, currency: 'PLN' as const }, weekday: 1, time: '09:00' }];
    expect(previewSales(p, sale, { locale: 'cs', fromDate: '2026-11-24' })[0]!.text).toBe('Nákup 5,00\u00a0PLN v pondělí přinese 5 bodů a 1 razítko');
    expect(previewSales(p, sale, { locale: 'hu', fromDate: '2026-11-24' })[0]!.text).toBe(
      'Egy 5,00\u00a0PLN összegű vásárlás hétfőn 5 pontot és 1 pecsétet ér',
    );
  });
});

describe('editor form', () => {
  const base = demoProgram();

  it('applies typed amounts and numbers at their paths', () => {
    const result = programFromForm(
      base,
      [
        ['rules.2.multiplier', '3'],
        ['rules.0.minSale', '2,50'],
        ['maxSale', '1 000'],
        ['rules.2.when.weekdays', ''],
        ['rules.2.when.weekdays', '2'],
        ['rules.2.when.weekdays', '4'],
      ],
      'en',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.program.rules[2]).toMatchObject({ multiplier: 3, when: { weekdays: [2, 4] } });
    expect(result.program.rules[0]).toMatchObject({ minSale: 250 });
    expect(result.program.maxSale).toBe(100000);
  });

  it('puts each error at the input it came from, also after a removal', () => {
    const result = programFromForm(
      base,
      [
        ['rules.0._remove', 'on'],
        ['rules.2.multiplier', 'lots'],
        ['rewards.1.cost.points', '0'],
      ],
      'pl',
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'rules.2.multiplier', message: 'Wpisz liczbę, np. 1,5.' },
        { path: 'rewards.1.cost.points', message: 'Nieprawidłowe: must be at least 1' },
      ],
    });
    // Removing the only points rule and the bonuses leaves the points rewards unreachable.
    const unreachable = programFromForm(
      base,
      ['0', '3', '4', '5'].map((i) => [`rules.${i}._remove`, 'on'] as const),
      'en',
    );
    expect(unreachable.ok ? [] : unreachable.errors.map((e) => e.path)).toEqual(['rewards.1.cost.points', 'rewards.2.cost.points']);
  });

  it('adds a campaign only when asked, with a fresh id, and ignores fields outside the program', () => {
    const n = base.rules.length;
    const fields: [string, string][] = [
      [`rules.${n}.type`, 'multiplier'],
      [`rules.${n}.label`, 'x3 Friday'],
      [`rules.${n}.multiplier`, '3'],
      [`rules.${n}.when.weekdays`, '5'],
      ['sample.0.amount', '18.40'],
      ['__proto__.x', '1'],
      ['rules.99.label', 'far away'],
    ];
    const without = programFromForm(base, fields, 'en');
    expect(without.ok && without.program.rules.length).toBe(n);
    const added = programFromForm(base, [...fields, [`rules.${n}._add`, 'on']], 'en');
    expect(added.ok && added.program.rules[n]).toEqual({
      type: 'multiplier',
      id: `multiplier-${n + 1}`,
      label: 'x3 Friday',
      multiplier: 3,
      when: { weekdays: [5] },
    });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    // Added without its label: the owner is asked to fill it in, at that field.
    const unnamed = programFromForm(base, [...fields.filter(([name]) => name !== `rules.${n}.label`), [`rules.${n}._add`, 'on']], 'de');
    expect(unnamed).toEqual({ ok: false, errors: [{ path: `rules.${n}.label`, message: 'Füllen Sie dieses Feld aus.' }] });
  });

  it('adds a reward of the chosen kind with only its own fields', () => {
    const r = base.rewards.length;
    const fields: [string, string][] = [
      [`rewards.${r}._add`, 'on'],
      [`rewards.${r}.kind`, 'percentOff'],
      [`rewards.${r}.name`, '20% na ciasto'],
      [`rewards.${r}.cost.points`, '150'],
      [`rewards.${r}.percent`, '20'],
      [`rewards.${r}.amount`, '5'],
      [`rewards.${r}.product`, ''],
    ];
    const added = programFromForm(base, fields, 'pl');
    expect(added.ok && added.program.rewards[r]).toEqual({
      kind: 'percentOff',
      id: `reward-${r + 1}`,
      name: '20% na ciasto',
      cost: { points: 150 },
      percent: 20,
    });
    const unnamed = programFromForm(
      base,
      fields.filter(([name]) => name !== `rewards.${r}.name`),
      'pl',
    );
    expect(unnamed.ok ? [] : unnamed.errors).toEqual([{ path: `rewards.${r}.name`, message: 'Uzupełnij to pole.' }]);
  });

  it('gives an added reward an id whose voucher key no other reward has', () => {
    // "gift-8853" has the key of "reward-4", the id the fourth reward would get.
    const clashing = { ...base, rewards: base.rewards.map((reward, i) => (i === 2 ? { ...reward, id: 'gift-8853' } : reward)) };
    expect(rewardKeyOf('gift-8853')).toBe(rewardKeyOf('reward-4'));
    const added = programFromForm(
      clashing,
      [
        ['rewards.3._add', 'on'],
        ['rewards.3.kind', 'amountOff'],
        ['rewards.3.name', '2 zł off'],
        ['rewards.3.cost.points', '20'],
        ['rewards.3.amount', '2'],
      ],
      'en',
    );
    expect(added.ok && added.program.rewards[3]).toEqual({ kind: 'amountOff', id: 'reward-5', name: '2 zł off', cost: { points: 20 }, amount: 200 });
  });

  /** What the page's "add a rule" block sends: the kind and the fields of every kind (the script only hides them). */
  const addRuleFields = (n: number, type: string, own: Record<string, string>): [string, string][] =>
    (
      [
        [`rules.${n}._add`, 'on'],
        [`rules.${n}.type`, type],
        [`rules.${n}.label`, ''],
        [`rules.${n}.unit`, '1.00'],
        [`rules.${n}.bands.0.points`, '1'],
        [`rules.${n}.rounding`, 'floor'],
        [`rules.${n}.minSale`, ''],
        [`rules.${n}.cardSize`, '9'],
        [`rules.${n}.per`, 'sale'],
        [`rules.${n}.threshold`, ''],
        [`rules.${n}.afterDays`, 'soon'],
        [`rules.${n}.visit`, ''],
        [`rules.${n}.points`, ''],
        [`rules.${n}.window`, 'day'],
        [`rules.${n}.multiplier`, '2'],
        [`rules.${n}.when.weekdays`, ''],
        ...Object.entries(own).map(([k, v]): [string, string] => [`rules.${n}.${k}`, v]),
      ] as [string, string][]
    ).filter(([name], i, all) => all.findLastIndex(([other]) => other === name) === i);

  it('adds a rule of any kind, keeping only the fields of that kind, with errors at its fields', () => {
    const n = base.rules.length;
    const bonus = programFromForm(base, addRuleFields(n, 'spendBonus', { label: 'Big basket', threshold: '150', points: '40' }), 'en');
    expect(bonus.ok && bonus.program.rules[n]).toEqual({ type: 'spendBonus', id: `spendBonus-${n + 1}`, label: 'Big basket', threshold: 15000, points: 40 });
    const winBack = programFromForm(base, addRuleFields(n, 'winBack', { afterDays: '60', points: '25' }), 'en');
    expect(winBack.ok && winBack.program.rules[n]).toEqual({ type: 'winBack', id: `winBack-${n + 1}`, afterDays: 60, points: 25 });
    const card = programFromForm(base, addRuleFields(n, 'stamps', { label: 'Cake card', cardSize: '6', per: 'item', category: 'cake' }), 'en');
    expect(card.ok && card.program.rules[n]).toEqual({ type: 'stamps', id: `stamps-${n + 1}`, label: 'Cake card', cardSize: 6, per: 'item', category: 'cake' });
    // A spend bonus without its threshold and a milestone with an unreadable visit: asked at those fields, in German.
    expect(programFromForm(base, addRuleFields(n, 'spendBonus', { label: 'Big basket', points: '40' }), 'de')).toEqual({
      ok: false,
      errors: [{ path: `rules.${n}.threshold`, message: 'Füllen Sie dieses Feld aus.' }],
    });
    const milestone = programFromForm(base, addRuleFields(n, 'milestone', { visit: 'ten', points: '5' }), 'en');
    expect(milestone.ok ? [] : milestone.errors.map((e) => e.path)).toEqual([`rules.${n}.visit`]);
    // The editor's checks apply to it too: a second welcome bonus is refused at its type.
    const welcome = programFromForm(base, addRuleFields(n, 'welcome', { points: '10' }), 'en');
    expect(welcome.ok ? [] : welcome.errors.map((e) => e.path)).toEqual([`rules.${n}.type`]);
  });

  it('adds a stamp-card reward: paid with the stamps of the chosen card, not points', () => {
    const r = base.rewards.length;
    const fields: [string, string][] = [
      [`rewards.${r}._add`, 'on'],
      [`rewards.${r}.kind`, 'freeProduct'],
      [`rewards.${r}.name`, 'Free croissant'],
      [`rewards.${r}.cost.card`, 'coffee-card'],
      [`rewards.${r}.cost.points`, '150'],
      [`rewards.${r}.cost.stamps`, '5'],
      [`rewards.${r}.product`, 'croissant'],
    ];
    const added = programFromForm(base, fields, 'en');
    expect(added.ok && added.program.rewards[r]).toEqual({
      kind: 'freeProduct',
      id: `reward-${r + 1}`,
      name: 'Free croissant',
      product: 'croissant',
      cost: { stamps: 5, card: 'coffee-card' },
    });
    // More stamps than the card holds: refused at the stamps field.
    const tooMany = programFromForm(
      base,
      fields.map(([k, v]) => [k, k.endsWith('cost.stamps') ? '12' : v] as const),
      'en',
    );
    expect(tooMany.ok ? [] : tooMany.errors.map((e) => e.path)).toEqual([`rewards.${r}.cost.stamps`]);
    // No card chosen: paid with points.
    const points = programFromForm(
      base,
      fields.map(([k, v]) => [k, k.endsWith('cost.card') ? '' : v] as const),
      'en',
    );
    expect(points.ok && points.program.rewards[r]!.cost).toEqual({ points: 150 });
  });

  it('adds tiers to a program without tiers only when asked, and a tier level to a program with tiers', () => {
    const flat: Program = { ...base };
    delete flat.tiers;
    const fields: [string, string][] = [
      ['tiers.basis', 'visits'],
      ['tiers.windowDays', '180'],
      ['tiers.levels.0.name', 'Regular'],
      ['tiers.levels.0.threshold', '0'],
      ['tiers.levels.0.multiplier', ''],
    ];
    const ignored = programFromForm(flat, fields, 'en');
    expect(ignored.ok && ignored.program.tiers).toBeUndefined();
    const added = programFromForm(flat, [['tiers._add', 'on'], ...fields], 'en');
    expect(added.ok && added.program.tiers).toEqual({ basis: 'visits', windowDays: 180, levels: [{ id: 'tier-1', name: 'Regular', threshold: 0 }] });
    const unnamed = programFromForm(flat, [['tiers._add', 'on'], ...fields.filter(([k]) => k !== 'tiers.levels.0.name')], 'pl');
    expect(unnamed).toEqual({ ok: false, errors: [{ path: 'tiers.levels.0.name', message: 'Uzupełnij to pole.' }] });

    const l = base.tiers!.levels.length;
    const level: [string, string][] = [
      [`tiers.levels.${l}._add`, 'on'],
      [`tiers.levels.${l}.name`, 'Platinum'],
      [`tiers.levels.${l}.threshold`, '3000'],
      [`tiers.levels.${l}.multiplier`, '2'],
      [`tiers.levels.${l}.discountPercent`, '10'],
    ];
    const more = programFromForm(base, level, 'en');
    expect(more.ok && more.program.tiers!.levels[l]).toEqual({ id: `tier-${l + 1}`, name: 'Platinum', threshold: 300000, multiplier: 2, discountPercent: 10 });
    // Below the tier under it: refused at its threshold.
    const low = programFromForm(
      base,
      level.map(([k, v]) => [k, k.endsWith('threshold') ? '10' : v] as const),
      'en',
    );
    expect(low.ok ? [] : low.errors.map((e) => e.path)).toEqual([`tiers.levels.${l}.threshold`]);
  });

  it('reads amounts with a comma or a dot and refuses anything else', () => {
    expect(parseFormAmount('18,40', 'PLN')).toBe(1840);
    expect(parseFormAmount('18.4', 'PLN')).toBe(1840);
    expect(parseFormAmount('1 250', 'HUF')).toBe(125000);
    expect(parseFormAmount('-1', 'PLN')).toBeUndefined();
    expect(parseFormAmount('18,405', 'PLN')).toBeUndefined();
    expect(parseFormAmount('abc', 'PLN')).toBeUndefined();
  });
});

describe('program versions', () => {
  const v = (version: number, effectiveFrom: string) => ({ version, effectiveFrom });

  it('picks, for a moment, the latest publication that has started', () => {
    const versions = [v(1, '1970-01-01T00:00:00Z'), v(2, '2026-12-01T00:00:00Z'), v(3, '2026-11-28T00:00:00Z')];
    expect(programInEffect(versions, new Date('2026-11-27T23:59:59Z'))?.version).toBe(1);
    expect(programInEffect(versions, new Date('2026-11-28T00:00:00Z'))?.version).toBe(3);
    // 3 was published after 2 and started earlier: 2 never applies.
    expect(programInEffect(versions, new Date('2026-12-02T00:00:00Z'))?.version).toBe(3);
    expect(programInEffect([v(1, '2027-01-01T00:00:00Z')], new Date('2026-12-01T00:00:00Z'))).toBeUndefined();
  });

  it('keeps the version in effect and the scheduled ones, drops the superseded', () => {
    const versions = [v(1, '1970-01-01T00:00:00Z'), v(2, '2026-11-01T00:00:00Z'), v(3, '2026-12-01T00:00:00Z'), v(4, '2026-12-01T00:00:00Z')];
    expect(liveVersions(versions, new Date('2026-11-15T00:00:00Z')).map((x) => x.version)).toEqual([2, 4]);
    expect(liveVersions(versions, new Date('2026-10-15T00:00:00Z')).map((x) => x.version)).toEqual([1, 2, 4]);
  });

  it('refuses a start in the past and an invalid document', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    expect(publicationStart(undefined, now)).toEqual({ ok: true, effectiveFrom: '2026-11-24T10:00:00.000Z' });
    expect(publicationStart('2026-11-23T10:00:00Z', now)).toEqual({ ok: false, reason: 'past' });
    expect(publicationStart('soon', now)).toEqual({ ok: false, reason: 'invalid' });
    const bad = parseProgramVersion({ version: 2, effectiveFrom: '2026-11-24T10:00:00Z', document: { ...demoProgram(), currency: 'XXX' } });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['document.currency']);
  });

  it('converts the shop clock to instants across daylight saving', () => {
    expect(zonedInstant('2026-07-01', '10:00', 'Europe/Warsaw').toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(zonedInstant('2026-01-01', '10:00', 'Europe/Warsaw').toISOString()).toBe('2026-01-01T09:00:00.000Z');
    expect(zonedInstant('2026-03-29', '02:30', 'Europe/Warsaw').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});
