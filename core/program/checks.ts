import { formatMessage, type MessageValues } from '../i18n/catalog';
import type { Locale } from '../i18n/locales';
import { programMessages } from '../i18n/program';
import { CURRENCIES, formatMoney, type Money } from '../money';
import { rewardKeyOf } from '../tokens';
import { addDays, calendarDaysBetween, weekdayOf } from './clock';
import type { Program, ProgramIssue, RuleOf, When } from './schema';

/**
 * The editor's checks beyond the schema: a reward nobody can reach, a rule that can never apply,
 * a rule that contradicts another. Each finding names its field (`rewards.1.cost.points`) and is
 * worded in the owner's language. A program with findings is refused by the editor as a whole.
 */

type ProgramKey = keyof typeof programMessages.en;
/** Values of a finding; Money is formatted in the reader's language. */
export type ProgramFinding = { path: string; key: ProgramKey; values: Record<string, string | number | Money> };

/** Largest sale the program accepts: its own maxSale, else the currency's ceiling. */
export function largestSale(program: Program): number {
  return program.maxSale ?? CURRENCIES[program.currency].saleCeiling;
}

const hundredths = (m: number | undefined): number => Math.round((m ?? 1) * 100);
const multiplierText = (m: number | undefined): string => String(hundredths(m) / 100);

type Interval = [number, number];
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
function windowIntervals(when: When): Interval[] {
  if (when.from === undefined || when.to === undefined) return [[0, 1440]];
  const from = minutes(when.from);
  const to = minutes(when.to);
  return from < to
    ? [[from, to]]
    : [
        [from, 1440],
        [0, to],
      ];
}

/** Whether every moment `inner` matches is also matched by `outer` (same-day reading, as matchesWhen). */
export function whenCovers(outer: When, inner: When): boolean {
  if (outer.weekdays && (!inner.weekdays || !inner.weekdays.every((d) => outer.weekdays!.includes(d)))) return false;
  if (outer.startDate && (!inner.startDate || inner.startDate < outer.startDate)) return false;
  if (outer.endDate && (!inner.endDate || inner.endDate > outer.endDate)) return false;
  const outerWindows = windowIntervals(outer);
  return windowIntervals(inner).every(([a, b]) => outerWindows.some(([c, d]) => c <= a && b <= d));
}

/** Whether a `when` with a date range shorter than a week contains none of its weekdays. */
function neverOnDates(when: When): boolean {
  if (!when.weekdays || !when.startDate || !when.endDate) return false;
  const days = calendarDaysBetween(when.startDate, when.endDate);
  if (days < 0 || days >= 6) return false;
  for (let i = 0; i <= days; i++) if (when.weekdays.includes(weekdayOf(addDays(when.startDate, i)))) return false;
  return true;
}

function earnsPoints(program: Program, max: number): boolean {
  return program.rules.some((rule) => {
    switch (rule.type) {
      case 'points':
        return rule.bands.some((b) => b.points > 0) && (rule.minSale ?? 0) <= max;
      case 'spendBonus':
        return rule.points > 0 && rule.threshold <= max;
      case 'welcome':
      case 'birthday':
      case 'winBack':
      case 'milestone':
        return rule.points > 0;
      case 'referral':
        return rule.referrerPoints > 0 || rule.referredPoints > 0;
      // A multiplier only scales points other rules give; stamps are not points.
      case 'multiplier':
      case 'stamps':
        return false;
    }
  });
}

/** Every finding of the editor's checks, in document order; none means the program may be published. */
export function programFindings(program: Program): ProgramFinding[] {
  const findings: ProgramFinding[] = [];
  const max = largestSale(program);
  const money = (amount: number): Money => ({ amount, currency: program.currency });
  const moneyValues = (min: number): ProgramFinding['values'] => ({ min: money(min), max: money(max) });

  const firstOfType = new Map<string, RuleOf<'welcome' | 'birthday' | 'referral'>>();
  const milestones = new Map<number, string>();
  program.rules.forEach((rule, i) => {
    const at = (field: string): string => `rules.${i}.${field}`;
    if ((rule.type === 'points' || rule.type === 'stamps') && rule.minSale !== undefined && rule.minSale > max) {
      findings.push({ path: at('minSale'), key: 'check.minSaleOverMax', values: moneyValues(rule.minSale) });
    }
    if (rule.type === 'spendBonus' && rule.threshold > max) {
      findings.push({ path: at('threshold'), key: 'check.thresholdOverMax', values: moneyValues(rule.threshold) });
    }
    if ((rule.type === 'multiplier' || rule.type === 'spendBonus') && rule.when && neverOnDates(rule.when)) {
      findings.push({ path: at('when.weekdays'), key: 'check.neverOnDates', values: { start: rule.when.startDate!, end: rule.when.endDate! } });
    }
    if (rule.type === 'multiplier') {
      const shadow = program.rules.find(
        (other, j): other is RuleOf<'multiplier'> =>
          other.type === 'multiplier' &&
          j !== i &&
          (hundredths(other.multiplier) > hundredths(rule.multiplier) || (hundredths(other.multiplier) === hundredths(rule.multiplier) && j < i)) &&
          whenCovers(other.when, rule.when),
      );
      if (shadow)
        findings.push({ path: at('multiplier'), key: 'check.shadowed', values: { other: shadow.label, multiplier: multiplierText(shadow.multiplier) } });
    }
    if (rule.type === 'welcome' || rule.type === 'birthday' || rule.type === 'referral') {
      const first = firstOfType.get(rule.type);
      if (first) findings.push({ path: at('type'), key: 'check.onlyOne', values: { type: rule.type, other: first.label ?? first.id } });
      else firstOfType.set(rule.type, rule);
    }
    if (rule.type === 'milestone') {
      const other = milestones.get(rule.visit);
      if (other !== undefined) findings.push({ path: at('visit'), key: 'check.sameMilestone', values: { visit: rule.visit, other } });
      else milestones.set(rule.visit, rule.label ?? rule.id);
    }
  });

  const levels = program.tiers?.levels ?? [];
  const tierNames = new Set<string>();
  levels.forEach((level, i) => {
    const at = (field: string): string => `tiers.levels.${i}.${field}`;
    if (tierNames.has(level.name)) findings.push({ path: at('name'), key: 'check.duplicateTierName', values: { name: level.name } });
    tierNames.add(level.name);
    const below = levels.slice(0, i);
    const richer = below.find((b) => hundredths(b.multiplier) > hundredths(level.multiplier));
    if (richer) {
      findings.push({
        path: at('multiplier'),
        key: 'check.tierMultiplierDown',
        values: { tier: level.name, multiplier: multiplierText(level.multiplier), lower: richer.name, lowerMultiplier: multiplierText(richer.multiplier) },
      });
    }
    const kinder = below.find((b) => (b.discountPercent ?? 0) > (level.discountPercent ?? 0));
    if (kinder) {
      findings.push({
        path: at('discountPercent'),
        key: 'check.tierDiscountDown',
        values: { tier: level.name, percent: level.discountPercent ?? 0, lower: kinder.name, lowerPercent: kinder.discountPercent ?? 0 },
      });
    }
  });

  const pointsReachable = earnsPoints(program, max);
  const rewardNames = new Set<string>();
  // A voucher names its reward by a 16-bit key of the reward's id (core/tokens): two ids must not share one.
  const rewardKeys = new Map<number, string>();
  program.rewards.forEach((reward, i) => {
    const at = (field: string): string => `rewards.${i}.${field}`;
    const key = rewardKeyOf(reward.id);
    const sameKey = rewardKeys.get(key);
    if (sameKey !== undefined) findings.push({ path: at('id'), key: 'check.rewardKeyClash', values: { id: reward.id, other: sameKey } });
    else rewardKeys.set(key, reward.name);
    if (rewardNames.has(reward.name)) findings.push({ path: at('name'), key: 'check.duplicateRewardName', values: { name: reward.name } });
    rewardNames.add(reward.name);
    if ('points' in reward.cost && !pointsReachable) findings.push({ path: at('cost.points'), key: 'check.noPointsEarned', values: {} });
    if ('card' in reward.cost) {
      const card = reward.cost.card;
      const rule = program.rules.find((r): r is RuleOf<'stamps'> => r.type === 'stamps' && r.id === card);
      if (rule && reward.cost.stamps > rule.cardSize) {
        findings.push({
          path: at('cost.stamps'),
          key: 'check.stampsOverCard',
          values: { cost: reward.cost.stamps, card: rule.label ?? rule.id, size: rule.cardSize },
        });
      }
    }
  });
  return findings;
}

/** The findings worded in `locale`; money values are formatted for it. */
export function checkProgram(program: Program, locale: Locale): ProgramIssue[] {
  return programFindings(program).map((finding) => {
    const values: MessageValues = {};
    for (const [name, value] of Object.entries(finding.values)) {
      values[name] = typeof value === 'object' ? formatMoney(value, locale) : value;
    }
    return { path: finding.path, message: formatMessage(programMessages, locale, finding.key, values) };
  });
}
