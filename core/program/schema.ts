import { z } from 'zod';
import { currencyCodeSchema } from '../money';
import { localeSchema } from '../i18n/locales';
import { programTextsSchema } from './texts';

/**
 * A shop's loyalty program as a validated document. Amounts are integer minor units in the
 * program's currency; times of day and dates are in the program's IANA time zone.
 * `parseProgram` (below) is the only way in: a bad document is refused with the field's path.
 */

const id = z.string().min(1, 'id must not be empty').max(64, 'id is at most 64 characters');
const label = z.string().min(1, 'label must not be empty').max(60, 'label is at most 60 characters');
const minor = z
  .number()
  .int('must be a whole number of minor units (1840 for 18.40)')
  .min(0, 'must not be negative')
  .refine(Number.isSafeInteger, 'is too large');
const positiveMinor = minor.refine((n) => n > 0, 'must be more than zero');
const count = z.number().int('must be a whole number').min(1, 'must be at least 1');
const points = z.number().int('points must be a whole number').min(0, 'points must not be negative').max(1_000_000, 'points are at most 1,000,000');

/** Multipliers have at most two decimals (1.25, 1.5, 2, 3), so the maths stays in integers (hundredths). */
const multiplier = z
  .number()
  .min(1, 'multiplier must be at least 1')
  .max(10, 'multiplier is at most 10')
  .refine((m) => Math.abs(m * 100 - Math.round(m * 100)) < 1e-9, 'multiplier has at most two decimals (1.25)');

const percent = z.number().int('percent must be a whole number').min(1, 'percent must be at least 1').max(100, 'percent is at most 100');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM, 24-hour (07:30)');
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'date must be YYYY-MM-DD');
/** A birthday without the year, MM-DD (for member profiles). */
export const monthDaySchema = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be MM-DD');

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * A birthday as a person gives it (day and month, no year) as MM-DD, or undefined when it is no real
 * day of that month. 29 February is one (the birthday rule counts it on 28 February in other years).
 */
export function monthDayOf(day: number, month: number): string | undefined {
  if (!Number.isInteger(day) || !Number.isInteger(month) || month < 1 || month > 12) return undefined;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1]!) return undefined;
  return `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** An IANA zone this runtime knows (Europe/Warsaw, UTC); shop settings check their zone with it too. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

/** When a campaign applies, in the shop's time zone. All given conditions must hold. */
export const whenSchema = z
  .object({
    /** ISO weekdays: 1 Monday … 7 Sunday. */
    weekdays: z
      .array(z.number().int().min(1, 'weekday is 1 (Monday) to 7 (Sunday)').max(7, 'weekday is 1 (Monday) to 7 (Sunday)'))
      .min(1, 'list at least one weekday')
      .optional(),
    /** Time window [from, to); a window with to < from runs over midnight. */
    from: timeOfDay.optional(),
    to: timeOfDay.optional(),
    /** Date range, both days included. */
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
  })
  .strict()
  .refine((w) => (w.from === undefined) === (w.to === undefined), { error: 'give both from and to, or neither', path: ['to'] })
  .refine((w) => w.from === undefined || w.from !== w.to, { error: 'from and to must differ', path: ['to'] })
  .refine((w) => !w.startDate || !w.endDate || w.startDate <= w.endDate, { error: 'endDate is before startDate', path: ['endDate'] });
export type When = z.infer<typeof whenSchema>;

/** A marginal band: `points` per `unit` for the part of the sale up to `upTo` (the last band has no upTo). */
const bandSchema = z.object({ upTo: positiveMinor.optional(), points }).strict();

const pointsRule = z
  .object({
    type: z.literal('points'),
    id,
    label: label.optional(),
    /** The amount that earns one band's `points`, in minor units (100 = per 1 zł). */
    unit: positiveMinor,
    bands: z.array(bandSchema).min(1, 'give at least one band'),
    /** Applied once per sale to the sum over bands: 'floor' (default reading) or 'halfUp'. */
    rounding: z.enum(['floor', 'halfUp'], { error: "rounding is 'floor' or 'halfUp'" }),
    /** Sales below this earn no points (the visit still counts). */
    minSale: minor.optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    rule.bands.forEach((band, i) => {
      const last = i === rule.bands.length - 1;
      if (last && band.upTo !== undefined)
        ctx.addIssue({ code: 'custom', path: ['bands', i, 'upTo'], message: 'the last band has no upTo (it covers the rest)' });
      if (!last && band.upTo === undefined) ctx.addIssue({ code: 'custom', path: ['bands', i, 'upTo'], message: 'every band but the last needs upTo' });
      const previous = rule.bands[i - 1]?.upTo;
      if (band.upTo !== undefined && previous !== undefined && band.upTo <= previous) {
        ctx.addIssue({ code: 'custom', path: ['bands', i, 'upTo'], message: 'upTo must grow from band to band' });
      }
    });
  });

const stampsRule = z
  .object({
    type: z.literal('stamps'),
    /** The card: stamp entries carry this id as reason.ruleId. */
    id,
    label: label.optional(),
    /** The card's name in the shop's other languages (core/program/texts.ts). */
    labels: programTextsSchema.optional(),
    /** Stamps that fill the card ("buy 9, the 10th free": cardSize 9 and a reward costing 9 stamps). */
    cardSize: count.max(100, 'cardSize is at most 100'),
    /** 'sale': one stamp per qualifying sale; 'item': one stamp per item (of `category`, if given). */
    per: z.enum(['sale', 'item'], { error: "per is 'sale' or 'item'" }),
    category: z.string().min(1).optional(),
    minSale: minor.optional(),
  })
  .strict();

const multiplierRule = z
  .object({
    type: z.literal('multiplier'),
    id,
    /** Printed on the receipt: "x2 Tuesday". */
    label,
    /** The campaign's name in the shop's other languages (core/program/texts.ts). */
    labels: programTextsSchema.optional(),
    multiplier,
    when: whenSchema,
  })
  .strict();

const spendBonusRule = z
  .object({
    type: z.literal('spendBonus'),
    id,
    label,
    /** Sales of at least this amount get `points` on top. */
    threshold: positiveMinor,
    points,
    when: whenSchema.optional(),
  })
  .strict();

const welcomeRule = z.object({ type: z.literal('welcome'), id, label: label.optional(), points }).strict();

const birthdayRule = z
  .object({
    type: z.literal('birthday'),
    id,
    label: label.optional(),
    points,
    /** The first sale on the birthday itself, within 7 days from it, or within its month; once a year. */
    window: z.enum(['day', 'week', 'month'], { error: "window is 'day', 'week' or 'month'" }),
  })
  .strict();

const winBackRule = z
  .object({
    type: z.literal('winBack'),
    id,
    label: label.optional(),
    /** Days since the last visit that make a returning member's sale earn `points`. */
    afterDays: count.max(3650, 'afterDays is at most 3650'),
    points,
  })
  .strict();

const milestoneRule = z
  .object({
    type: z.literal('milestone'),
    id,
    label: label.optional(),
    /** The visit number (the 10th, the 100th) that earns `points`. */
    visit: count,
    points,
  })
  .strict();

const referralRule = z
  .object({
    type: z.literal('referral'),
    id,
    label: label.optional(),
    /** Paid on the referred member's first purchase, to both. */
    referrerPoints: points,
    referredPoints: points,
  })
  .strict();

export const ruleTypes = ['points', 'stamps', 'multiplier', 'spendBonus', 'welcome', 'birthday', 'winBack', 'milestone', 'referral'] as const;

export const ruleSchema = z.discriminatedUnion(
  'type',
  [pointsRule, stampsRule, multiplierRule, spendBonusRule, welcomeRule, birthdayRule, winBackRule, milestoneRule, referralRule],
  { error: (issue) => (issue.code === 'invalid_union' ? `unknown rule type: use one of ${ruleTypes.join(', ')}` : undefined) },
);

export type Rule = z.infer<typeof ruleSchema>;
export type RuleOf<T extends Rule['type']> = Extract<Rule, { type: T }>;

const tierLevelSchema = z
  .object({
    id,
    name: label,
    /** The tier's name in the shop's other languages (core/program/texts.ts). */
    names: programTextsSchema.optional(),
    /** Spend (minor units) or visits within the window that reach this tier. */
    threshold: z.number().int('threshold must be a whole number').min(0, 'threshold must not be negative'),
    multiplier: multiplier.optional(),
    discountPercent: percent.optional(),
  })
  .strict();

export const tiersSchema = z
  .object({
    basis: z.enum(['spend', 'visits'], { error: "basis is 'spend' or 'visits'" }),
    /** Rolling window ending at the moment of the sale. */
    windowDays: count.max(3650, 'windowDays is at most 3650'),
    /** Lowest first; the first level's threshold is usually 0 (Bronze). */
    levels: z.array(tierLevelSchema).min(1, 'give at least one tier level'),
  })
  .strict()
  .superRefine((tiers, ctx) => {
    tiers.levels.forEach((level, i) => {
      const previous = tiers.levels[i - 1];
      if (previous && level.threshold <= previous.threshold) {
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'threshold'], message: 'thresholds must grow from level to level' });
      }
    });
  });
export type Tiers = z.infer<typeof tiersSchema>;
export type TierLevel = Tiers['levels'][number];

const costSchema = z.union([z.object({ points: count }).strict(), z.object({ stamps: count, card: id }).strict()], {
  error: 'cost is { points } or { stamps, card }',
});

/** `names`: the reward's name in the shop's other languages (core/program/texts.ts). */
const rewardBase = { id, name: label, names: programTextsSchema.optional(), cost: costSchema };

export const rewardSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('freeProduct'), ...rewardBase, product: z.string().min(1, 'product must not be empty') }).strict(),
    z.object({ kind: z.literal('percentOff'), ...rewardBase, percent }).strict(),
    z.object({ kind: z.literal('amountOff'), ...rewardBase, amount: positiveMinor }).strict(),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'unknown reward kind: use freeProduct, percentOff or amountOff' : undefined) },
);
export type Reward = z.infer<typeof rewardSchema>;

/** A product category as stamps rules count it (`stamps.category`) and sale lines carry it. */
const category = z.string().min(1, 'category must not be empty').max(60, 'category is at most 60 characters');

/**
 * Where a sale learns its items' categories when the till sends no lines (see core/program/categories.ts):
 * keys on the staff keypad, each adding one item of its category, and text patterns on the item lines
 * of a receipt read by the print-stream passthrough.
 */
export const categoriesSchema = z
  .object({
    keys: z.array(z.object({ label, category }).strict()).max(24, 'at most 24 keypad keys').optional(),
    /** Case and accents do not matter; `*` stands for any text. The first pattern a line matches gives its category. */
    itemPatterns: z
      .array(
        z
          .object({
            pattern: z
              .string()
              .max(60, 'pattern is at most 60 characters')
              .refine((p) => p.replaceAll('*', '').trim() !== '', 'pattern needs some text besides *'),
            category,
          })
          .strict(),
      )
      .max(100, 'at most 100 item patterns')
      .optional(),
  })
  .strict();
export type Categories = z.infer<typeof categoriesSchema>;

export const programSchema = z
  .object({
    version: z.literal(1, 'version must be 1'),
    name: label,
    currency: currencyCodeSchema,
    /** IANA zone of the shop ("Europe/Warsaw"): weekdays, time windows and birthdays are read in it. */
    timeZone: z.string().refine(isTimeZone, 'timeZone must be an IANA zone such as Europe/Warsaw'),
    /** Language of default receipt labels. */
    locale: localeSchema,
    /** Largest single sale accepted, minor units; defaults to the currency's ceiling. */
    maxSale: positiveMinor.optional(),
    rules: z.array(ruleSchema).max(100, 'at most 100 rules'),
    tiers: tiersSchema.optional(),
    rewards: z.array(rewardSchema).max(200, 'at most 200 rewards'),
    /** Points expire this many calendar months after they were earned, oldest first. */
    expiry: z
      .object({ months: count.max(120, 'months is at most 120') })
      .strict()
      .optional(),
    categories: categoriesSchema.optional(),
  })
  .strict()
  .superRefine((program, ctx) => {
    const seen = new Map<string, number>();
    program.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id "${rule.id}" is used twice` });
      seen.set(rule.id, i);
    });
    if (program.rules.filter((r) => r.type === 'points').length > 1) {
      const i = program.rules.findLastIndex((r) => r.type === 'points');
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'type'], message: 'a program has at most one points rule (use bands for steps)' });
    }
    const cards = new Set(program.rules.filter((r) => r.type === 'stamps').map((r) => r.id));
    const rewardIds = new Set<string>();
    program.rewards.forEach((reward, i) => {
      if (rewardIds.has(reward.id)) ctx.addIssue({ code: 'custom', path: ['rewards', i, 'id'], message: `reward id "${reward.id}" is used twice` });
      rewardIds.add(reward.id);
      if ('card' in reward.cost && !cards.has(reward.cost.card)) {
        ctx.addIssue({ code: 'custom', path: ['rewards', i, 'cost', 'card'], message: `no stamps rule with id "${reward.cost.card}"` });
      }
    });
    // A key or pattern for a category no card counts would feed nothing: refused, so a typo shows at once.
    const counted = new Set(program.rules.flatMap((r) => (r.type === 'stamps' && r.category !== undefined ? [r.category] : [])));
    const uncounted = (c: string): string => `no stamps rule counts category "${c}"`;
    program.categories?.keys?.forEach((key, i) => {
      if (!counted.has(key.category)) ctx.addIssue({ code: 'custom', path: ['categories', 'keys', i, 'category'], message: uncounted(key.category) });
    });
    program.categories?.itemPatterns?.forEach((item, i) => {
      if (!counted.has(item.category)) ctx.addIssue({ code: 'custom', path: ['categories', 'itemPatterns', i, 'category'], message: uncounted(item.category) });
    });
    // The program's own language is the item's name or label: a second text for it would contradict it.
    const ownLanguage = (texts: Partial<Record<string, string>> | undefined, path: (string | number)[]): void => {
      if (texts?.[program.locale] !== undefined)
        ctx.addIssue({ code: 'custom', path: [...path, program.locale], message: `the ${program.locale} text is the name or label itself` });
    };
    program.rules.forEach((rule, i) => {
      if (rule.type === 'stamps' || rule.type === 'multiplier') ownLanguage(rule.labels, ['rules', i, 'labels']);
    });
    program.rewards.forEach((reward, i) => ownLanguage(reward.names, ['rewards', i, 'names']));
    program.tiers?.levels.forEach((level, i) => ownLanguage(level.names, ['tiers', 'levels', i, 'names']));
    const levelIds = new Set<string>();
    program.tiers?.levels.forEach((level, i) => {
      if (levelIds.has(level.id)) ctx.addIssue({ code: 'custom', path: ['tiers', 'levels', i, 'id'], message: `tier id "${level.id}" is used twice` });
      levelIds.add(level.id);
    });
  });

export type Program = z.infer<typeof programSchema>;

export type ProgramIssue = { path: string; message: string };
export type ParseProgramResult = { ok: true; program: Program } | { ok: false; errors: ProgramIssue[] };

/** Validates an untrusted program document. Errors name the field: `rules.2.multiplier`. */
export function parseProgram(input: unknown): ParseProgramResult {
  const result = programSchema.safeParse(input);
  if (result.success) return { ok: true, program: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(document)', message: issue.message })),
  };
}

/** The stored form of a program (JSON). parseProgram(JSON.parse(serializeProgram(p))) deep-equals p. */
export function serializeProgram(program: Program): string {
  return JSON.stringify(program);
}

/** Parses the stored form, throwing with every field error on one line each (for trusted storage). */
export function loadProgram(json: string): Program {
  const result = parseProgram(JSON.parse(json) as unknown);
  if (!result.ok) throw new Error(`program is invalid:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return result.program;
}
