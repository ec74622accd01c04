import { formatMessage } from '../i18n/catalog';
import type { Locale } from '../i18n/locales';
import { programMessages } from '../i18n/program';
import { normalizeLine } from '../pos/receipt-kind';
import type { Program, ProgramIssue } from './schema';

/**
 * The editor's part for category cards (`program.categories`, read by core/program/categories.ts):
 * keypad keys and receipt item patterns follow the stamp card that counts their category, and a
 * draft's keys and patterns are checked in the owner's language before the schema sees them.
 */

/** The schema's limits (core/program/schema.ts categoriesSchema), repeated here to word them for the owner. */
export const MAX_CATEGORY_KEYS = 24;
export const MAX_ITEM_PATTERNS = 100;
const MAX_TEXT = 60;

type Draft = Record<string, unknown>;
type Item = Record<string, unknown>;

const listIn = (draft: Draft, key: 'keys' | 'itemPatterns'): Item[] => {
  const categories = draft.categories as Record<string, unknown> | undefined;
  const list = categories?.[key];
  return Array.isArray(list) ? (list.filter((item) => item !== null && typeof item === 'object') as Item[]) : [];
};

/** Categories the draft's stamp cards count (those the form keeps). */
function countedCategories(draft: Draft, removed: (i: number) => boolean): Set<string> {
  const rules = Array.isArray(draft.rules) ? (draft.rules as Item[]) : [];
  return new Set(rules.flatMap((rule, i) => (!removed(i) && rule.type === 'stamps' && typeof rule.category === 'string' ? [rule.category] : [])));
}

/**
 * A card's keys and patterns go where its category goes: renamed with it, removed with the card,
 * unless another card still counts the old category. Marks removals in the form's fields (`_remove`),
 * so the editor's removal step drops them and keeps error paths right.
 */
export function cascadeCategories(base: Program, draft: Draft, byName: Map<string, string[]>): void {
  const removed = (i: number): boolean => byName.has(`rules.${i}._remove`);
  const counted = countedCategories(draft, removed);
  const rules = Array.isArray(draft.rules) ? (draft.rules as Item[]) : [];
  base.rules.forEach((rule, i) => {
    if (rule.type !== 'stamps' || rule.category === undefined || counted.has(rule.category)) return;
    const now = rules[i];
    const renamed = !removed(i) && now?.type === 'stamps' && typeof now.category === 'string' ? now.category : undefined;
    for (const key of ['keys', 'itemPatterns'] as const) {
      listIn(draft, key).forEach((item, j) => {
        if (item.category !== rule.category) return;
        if (renamed !== undefined) item.category = renamed;
        else byName.set(`categories.${key}.${j}._remove`, ['on']);
      });
    }
  });
}

/**
 * What is wrong with the draft's keys and patterns (after removals), at their paths, in the owner's
 * language: an empty or over-long label or pattern, a pattern of `*` alone (it would take every line),
 * a category no card counts, a key label or a pattern listed twice, too many of either.
 */
export function categoryDraftFindings(draft: Draft, locale: Locale): ProgramIssue[] {
  const t = (key: keyof typeof programMessages.en, values: Record<string, string | number> = {}): string => formatMessage(programMessages, locale, key, values);
  const counted = countedCategories(draft, () => false);
  const findings: ProgramIssue[] = [];
  const text = (path: string, value: unknown): string | undefined => {
    if (typeof value !== 'string' || value.trim() === '') findings.push({ path, message: t('form.required') });
    else if (value.length > MAX_TEXT) findings.push({ path, message: t('check.tooLong', { max: MAX_TEXT }) });
    else return value;
    return undefined;
  };
  const category = (path: string, value: unknown): void => {
    const name = text(path, value);
    if (name !== undefined && !counted.has(name)) findings.push({ path, message: t('check.uncountedCategory', { category: name }) });
  };

  const keys = listIn(draft, 'keys');
  if (keys.length > MAX_CATEGORY_KEYS)
    findings.push({ path: `categories.keys.${MAX_CATEGORY_KEYS}.label`, message: t('check.tooMany', { max: MAX_CATEGORY_KEYS }) });
  const labels = new Map<string, number>();
  keys.forEach((key, i) => {
    const label = text(`categories.keys.${i}.label`, key.label);
    category(`categories.keys.${i}.category`, key.category);
    if (label === undefined) return;
    const seen = normalizeLine(label);
    if (labels.has(seen)) findings.push({ path: `categories.keys.${i}.label`, message: t('check.duplicateKey', { label }) });
    else labels.set(seen, i);
  });

  const patterns = listIn(draft, 'itemPatterns');
  if (patterns.length > MAX_ITEM_PATTERNS)
    findings.push({ path: `categories.itemPatterns.${MAX_ITEM_PATTERNS}.pattern`, message: t('check.tooMany', { max: MAX_ITEM_PATTERNS }) });
  const seenPatterns = new Map<string, string>();
  patterns.forEach((item, i) => {
    const path = `categories.itemPatterns.${i}.pattern`;
    const pattern = text(path, item.pattern);
    category(`categories.itemPatterns.${i}.category`, item.category);
    if (pattern === undefined) return;
    if (pattern.replaceAll('*', '').trim() === '') {
      findings.push({ path, message: t('check.patternOnlyStar') });
      return;
    }
    const seen = pattern
      .split('*')
      .map((piece) => normalizeLine(piece))
      .join('*');
    const first = seenPatterns.get(seen);
    if (first !== undefined) findings.push({ path, message: t('check.duplicatePattern', { pattern, category: first }) });
    else seenPatterns.set(seen, typeof item.category === 'string' ? item.category : '');
  });
  return findings;
}
