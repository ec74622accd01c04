import { formatMessage } from '../i18n/catalog';
import type { Locale } from '../i18n/locales';
import { programMessages } from '../i18n/program';
import { parseDecimalMoney, toDecimalString, type CurrencyCode } from '../money';
import { rewardKeyOf } from '../tokens';
import { categoryDraftFindings, cascadeCategories } from './category-form';
import { checkProgram } from './checks';
import type { PreviewSale } from './preview';
import { parseProgram, type Program, type ProgramIssue, type Rule } from './schema';

/**
 * The editor's form ⇄ program document. Every input is named by its path in the document
 * (`rules.2.multiplier`, `rewards.0.cost.points`), so a finding's path is the input it belongs to.
 * Amounts are typed as decimals in the program's currency ("18,40" or "18.40"); an empty optional
 * field is left out; `<array>.<i>._remove` drops an item; an item past the end of `rules` or
 * `rewards` is added only with its `<array>.<n>._add`. Pure: the hub's page and its preview route call it.
 */

export type EditResult = { ok: true; program: Program } | { ok: false; errors: ProgramIssue[] };

const MONEY = new Set(['unit', 'upTo', 'minSale', 'maxSale', 'amount']);
const INTEGER = new Set([
  'points',
  'cardSize',
  'visit',
  'afterDays',
  'referrerPoints',
  'referredPoints',
  'percent',
  'months',
  'windowDays',
  'stamps',
  'discountPercent',
]);
const DECIMAL = new Set(['multiplier']);
const LISTS = new Set(['weekdays']);
const TOP = new Set(['name', 'maxSale', 'expiry', 'rules', 'rewards', 'tiers', 'categories']);
const ARRAYS = ['rules', 'rewards', 'tiers.levels', 'categories.keys', 'categories.itemPatterns'] as const;
type ArrayName = (typeof ARRAYS)[number];

/** The list at an array path of the program, empty when the program has none. */
function listOf(program: Program, arrayName: ArrayName): readonly unknown[] {
  if (arrayName === 'tiers.levels') return program.tiers?.levels ?? [];
  if (arrayName === 'categories.keys') return program.categories?.keys ?? [];
  if (arrayName === 'categories.itemPatterns') return program.categories?.itemPatterns ?? [];
  return program[arrayName];
}

/** The object holding an array path's list in a draft, and the list's key there. */
function holderOf(draft: Record<string, unknown>, arrayName: ArrayName): [Record<string, unknown> | undefined, string] {
  const dot = arrayName.lastIndexOf('.');
  if (dot < 0) return [draft, arrayName];
  const holder = draft[arrayName.slice(0, dot)];
  return [holder !== null && typeof holder === 'object' ? (holder as Record<string, unknown>) : undefined, arrayName.slice(dot + 1)];
}
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);
/** The fields an added rule of each type keeps (the add-a-rule block offers the fields of every type). */
export const RULE_KEYS: Record<Rule['type'], readonly string[]> = {
  points: ['label', 'unit', 'bands', 'rounding', 'minSale'],
  stamps: ['label', 'labels', 'cardSize', 'per', 'category', 'minSale'],
  multiplier: ['label', 'labels', 'multiplier', 'when'],
  spendBonus: ['label', 'threshold', 'points'],
  welcome: ['label', 'points'],
  birthday: ['label', 'points', 'window'],
  winBack: ['label', 'afterDays', 'points'],
  milestone: ['label', 'visit', 'points'],
  referral: ['label', 'referrerPoints', 'referredPoints'],
};
/** The one field of each reward kind beside name and cost. */
const REWARD_FIELD: Record<string, string> = { percentOff: 'percent', amountOff: 'amount', freeProduct: 'product' };
const MAX_FIELDS = 3000;

/** A form amount in minor units: "18,40", "18.40", "1 250" → integers; undefined when it is not one. */
export function parseFormAmount(text: string, currency: CurrencyCode): number | undefined {
  let clean = text.replace(/[\s\u00a0\u202f]/g, '');
  if (/^\d+,\d+$/.test(clean)) clean = clean.replace(',', '.');
  try {
    const value = parseDecimalMoney(clean, currency).amount;
    return value < 0 ? undefined : value;
  } catch {
    return undefined;
  }
}

/** How a minor-unit amount is shown in an input: "18.40". */
export function formAmount(amount: number | undefined, currency: CurrencyCode): string {
  return amount === undefined ? '' : toDecimalString({ amount, currency });
}

type Container = Record<string, unknown> | unknown[];

function isIndex(segment: string): boolean {
  return /^(0|[1-9]\d{0,3})$/.test(segment);
}

/** Applies the form's fields to a copy of `base` and checks the result: schema, then the editor's checks. */
export function programFromForm(base: Program, fields: readonly (readonly [string, string])[], locale: Locale): EditResult {
  const t = (key: 'form.money' | 'form.integer' | 'form.number'): string => formatMessage(programMessages, locale, key);
  const draft = structuredClone(base) as unknown as Record<string, unknown>;
  const errors: ProgramIssue[] = [];
  const byName = new Map<string, string[]>();
  for (const [name, value] of fields.slice(0, MAX_FIELDS)) {
    const list = byName.get(name) ?? [];
    list.push(value);
    byName.set(name, list);
  }
  // A program without tiers gets them only when the form says so ("add tiers"), with its first level.
  const addTiers = !base.tiers && byName.has('tiers._add');
  if (addTiers) byName.set('tiers.levels.0._add', ['on']);
  const basis = byName.get('tiers.basis')?.[0] ?? base.tiers?.basis;
  const lengths = new Map<string, number>(ARRAYS.map((a) => [a, listOf(base, a).length]));

  for (const [name, values] of byName) {
    const segments = name.split('.');
    const last = segments.at(-1)!;
    if (!TOP.has(segments[0]!) || segments.some((s) => FORBIDDEN.has(s) || s === '') || last === '_remove' || last === '_add') continue;
    if (segments[0] === 'tiers' && !base.tiers && !addTiers) continue;
    // An item past the end of an array exists only when the form says to add it.
    const arrayName = ARRAYS.find((a) => name.startsWith(`${a}.`));
    if (arrayName) {
      const indexText = name.slice(arrayName.length + 1).split('.')[0]!;
      if (!isIndex(indexText)) continue;
      const index = Number(indexText);
      const length = lengths.get(arrayName)!;
      if (index > length || (index === length && !byName.has(`${arrayName}.${index}._add`))) continue;
      // An added rule reads only the fields of its type: the page offers those of every type.
      const field = name.slice(arrayName.length + 1).split('.')[1];
      const keep = RULE_KEYS[byName.get(`rules.${index}.type`)?.[0] as Rule['type']] as readonly string[] | undefined;
      if (arrayName === 'rules' && index === length && keep && field !== 'type' && !keep.includes(field ?? '')) continue;
    }
    const raw = values.filter((v) => v.trim() !== '');
    const text = raw[0]?.trim();
    let value: unknown;
    if (LISTS.has(last)) {
      const numbers = raw.map(Number).filter((n) => Number.isInteger(n));
      value = numbers.length > 0 ? [...new Set(numbers)].sort((a, b) => a - b) : undefined;
    } else if (text === undefined) {
      value = undefined;
    } else if (MONEY.has(last) || (last === 'threshold' && !(segments[0] === 'tiers' && basis === 'visits'))) {
      value = parseFormAmount(text, base.currency);
      if (value === undefined) errors.push({ path: name, message: t('form.money') });
    } else if (INTEGER.has(last) || last === 'threshold') {
      value = /^-?\d{1,15}$/.test(text) ? Number(text) : undefined;
      if (value === undefined) errors.push({ path: name, message: t('form.integer') });
    } else if (DECIMAL.has(last)) {
      const dotted = text.replace(',', '.');
      value = /^\d{1,6}(\.\d{1,6})?$/.test(dotted) ? Number(dotted) : undefined;
      if (value === undefined) errors.push({ path: name, message: t('form.number') });
    } else {
      value = text;
    }
    setPath(draft, segments, value);
  }

  cascadeCategories(base, draft, byName);
  // Texts in the shop's other languages left empty: the item keeps only its text in the program's language.
  const items = [...(draft.rules as Record<string, unknown>[]), ...(draft.rewards as Record<string, unknown>[])];
  items.push(...((draft.tiers as { levels?: Record<string, unknown>[] } | undefined)?.levels ?? []));
  for (const item of items) {
    for (const key of ['names', 'labels']) {
      const texts = item[key];
      if (texts !== null && typeof texts === 'object' && Object.keys(texts).length === 0) delete item[key];
    }
  }

  // Added items get an id nobody else has (a reward's also a voucher key nobody else has, core/tokens
  // rewardKeyOf); an added reward keeps only the fields of its kind.
  const freshIds = (list: Record<string, unknown>[], from: number, prefix: (item: Record<string, unknown>) => string, keyed = false): void => {
    const ids = new Set(list.map((item) => item.id));
    const keys = new Set(keyed ? list.filter((item) => typeof item.id === 'string').map((item) => rewardKeyOf(item.id as string)) : []);
    list.forEach((item, i) => {
      if (i < from || (item.id !== undefined && item.id !== '')) return;
      let n = i + 1;
      while (ids.has(`${prefix(item)}-${n}`) || keys.has(rewardKeyOf(`${prefix(item)}-${n}`))) n++;
      item.id = `${prefix(item)}-${n}`;
      ids.add(item.id);
      if (keyed) keys.add(rewardKeyOf(`${prefix(item)}-${n}`));
    });
  };
  const rules = draft.rules as Record<string, unknown>[];
  freshIds(rules, base.rules.length, (rule) => String(rule.type));
  rules.slice(base.rules.length).forEach((rule) => {
    const keep = RULE_KEYS[rule.type as Rule['type']] as readonly string[] | undefined;
    if (keep) for (const key of Object.keys(rule)) if (key !== 'type' && key !== 'id' && !keep.includes(key)) delete rule[key];
  });
  const rewards = draft.rewards as Record<string, unknown>[];
  freshIds(rewards, base.rewards.length, () => 'reward', true);
  rewards.slice(base.rewards.length).forEach((reward) => {
    for (const key of ['percent', 'amount', 'product'] as const) if (REWARD_FIELD[String(reward.kind)] !== key) delete reward[key];
    // Paid with points (no card chosen) or with the stamps of the chosen card.
    const cost = reward.cost as Record<string, unknown> | undefined;
    if (cost && cost.card === undefined) delete cost.stamps;
    else if (cost) delete cost.points;
  });
  const levels = (draft.tiers as { levels?: Record<string, unknown>[] } | undefined)?.levels;
  if (levels) freshIds(levels, base.tiers?.levels.length ?? 0, () => 'tier');
  // An emptied expiry means "points do not expire".
  if (draft.expiry && (draft.expiry as { months?: unknown }).months === undefined) delete draft.expiry;

  // Removals, remembering where each kept item was on the form.
  const formIndex = new Map<string, number[]>();
  for (const arrayName of ARRAYS) {
    const [owner, key] = holderOf(draft, arrayName);
    const list = owner?.[key] as unknown[] | undefined;
    if (!owner || !Array.isArray(list)) continue;
    const kept = list.map((_, i) => i).filter((i) => !byName.has(`${arrayName}.${i}._remove`));
    owner[key] = kept.map((i) => list[i]);
    formIndex.set(arrayName, kept);
  }
  // No keys and no patterns left: the program has no categories block (as one that never had any).
  const categories = draft.categories as Record<string, unknown[] | undefined> | undefined;
  if (categories) {
    for (const key of ['keys', 'itemPatterns']) if (categories[key]?.length === 0) delete categories[key];
    if (Object.keys(categories).length === 0) delete draft.categories;
  }
  const toFormPath = (path: string): string => {
    for (const [arrayName, kept] of formIndex) {
      if (path.startsWith(`${arrayName}.`)) {
        const rest = path.slice(arrayName.length + 1).split('.');
        const index = kept[Number(rest[0])];
        if (index !== undefined) return [arrayName, String(index), ...rest.slice(1)].join('.');
      }
    }
    return path;
  };

  // Keys and patterns are checked here, in the owner's language, before the schema's English words.
  for (const finding of categoryDraftFindings(draft, locale)) errors.push({ path: toFormPath(finding.path), message: finding.message });

  const parsed = parseProgram(draft);
  if (!parsed.ok) {
    const marked = new Set(errors.map((e) => e.path));
    for (const e of parsed.errors) {
      const path = toFormPath(e.path);
      if (marked.has(path)) continue;
      // A required field left empty: zod says "expected string, received undefined".
      const message = /received undefined/.test(e.message)
        ? formatMessage(programMessages, locale, 'form.required')
        : formatMessage(programMessages, locale, 'form.schema', { detail: e.message });
      errors.push({ path, message });
    }
    return { ok: false, errors };
  }
  if (errors.length > 0) return { ok: false, errors };
  const findings = checkProgram(parsed.program, locale).map((e) => ({ path: toFormPath(e.path), message: e.message }));
  return findings.length > 0 ? { ok: false, errors: findings } : { ok: true, program: parsed.program };
}

function setPath(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node: Container = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!;
    const nextIsIndex = isIndex(segments[i + 1]!);
    const current = (node as Record<string, unknown>)[key];
    if (current === null || typeof current !== 'object') {
      if (value === undefined) return;
      (node as Record<string, unknown>)[key] = nextIsIndex ? [] : {};
    }
    node = (node as Record<string, unknown>)[key] as Container;
  }
  const last = segments.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node)) return;
    delete (node as Record<string, unknown>)[last];
  } else {
    (node as Record<string, unknown>)[last] = value;
  }
}

/** The preview's example sales as the editor offers them first. */
export const DEFAULT_SAMPLES: readonly { amount: number; weekday: number; time: string }[] = [
  { amount: 1840, weekday: 2, time: '10:00' },
  { amount: 1840, weekday: 3, time: '10:00' },
  { amount: 12000, weekday: 6, time: '12:00' },
];

/**
 * The example sales of the editor form (`sample.<i>.amount|weekday|time|tier|items`), in the program's
 * currency; an example with an unreadable field is left out (the preview shows the others).
 */
export function samplesFromForm(program: Program, fields: readonly (readonly [string, string])[]): (PreviewSale & { row: number })[] {
  const rows = new Map<number, Record<string, string>>();
  for (const [name, value] of fields) {
    const match = /^sample\.(\d{1,2})\.(amount|weekday|time|tier|items)$/.exec(name);
    if (!match) continue;
    const row = rows.get(Number(match[1])) ?? {};
    row[match[2]!] = value.trim();
    rows.set(Number(match[1]), row);
  }
  const samples: (PreviewSale & { row: number })[] = [];
  for (const [index, row] of [...rows].sort(([a], [b]) => a - b)) {
    const amount = parseFormAmount(row.amount ?? '', program.currency);
    const weekday = Number(row.weekday);
    const time = row.time ?? '';
    if (amount === undefined || amount <= 0 || !Number.isInteger(weekday) || weekday < 1 || weekday > 7 || !/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) continue;
    const tier = program.tiers?.levels.find((level) => level.id === row.tier);
    // Receipt lines typed on one input, split at ";" (at most 20: an example, not a receipt).
    const items = (row.items ?? '')
      .split(';')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .slice(0, 20);
    samples.push({
      row: index,
      amount: { amount, currency: program.currency },
      weekday,
      time,
      ...(tier ? { tierId: tier.id } : {}),
      ...(items.length > 0 ? { items } : {}),
    });
  }
  return samples;
}

/** DEFAULT_SAMPLES as form fields, for the editor's first preview. */
export function defaultSampleFields(program: Program): [string, string][] {
  return DEFAULT_SAMPLES.flatMap((sample, row): [string, string][] => [
    [`sample.${row}.amount`, formAmount(sample.amount, program.currency)],
    [`sample.${row}.weekday`, String(sample.weekday)],
    [`sample.${row}.time`, sample.time],
  ]);
}
