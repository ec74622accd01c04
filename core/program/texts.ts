import { z } from 'zod';
import { LOCALES, localeSchema, type Locale } from '../i18n/locales';
import type { Program, Reward, TierLevel } from './schema';

/**
 * Texts the owner writes into the program, in every language the shop offers. A reward's, card's,
 * tier's or campaign's text in the program's own language (`program.locale`) is its `name` or
 * `label`, as it always was; the other languages sit beside it (`names` on rewards and tier levels,
 * `labels` on stamp cards and campaigns). So a program written before had all it needs (one text,
 * in the program's language) and still loads unchanged, and a screen, receipt, card or message in
 * a language with no text of its own shows the program's.
 */

/** Text per language other than the program's own (that one is the item's `name` or `label`). */
export const programTextsSchema = z.partialRecord(localeSchema, z.string().min(1, 'text must not be empty').max(60, 'text is at most 60 characters'));
export type ProgramTexts = z.infer<typeof programTextsSchema>;

/** The text in `locale`, else the program's own. */
export const inLanguage = (text: string, texts: ProgramTexts | undefined, locale: Locale | undefined): string =>
  (locale === undefined ? undefined : texts?.[locale]) ?? text;

export const rewardName = (reward: Pick<Reward, 'name' | 'names'>, locale?: Locale): string => inLanguage(reward.name, reward.names, locale);

export const tierName = (level: Pick<TierLevel, 'name' | 'names'>, locale?: Locale): string => inLanguage(level.name, level.names, locale);

/**
 * The label of a program item a ledger entry names (`reason.ruleId`: a stamp card, a campaign or a
 * reward) in `locale`, or undefined when the program has no text of its own in that language for it:
 * the entry's stored label (written in the program's language when it was earned) stands then.
 */
export function ruleTextIn(program: Pick<Program, 'rules' | 'rewards'>, ruleId: string | null | undefined, locale: Locale): string | undefined {
  if (ruleId === null || ruleId === undefined) return undefined;
  const rule = program.rules.find((r) => r.id === ruleId);
  if (rule && (rule.type === 'stamps' || rule.type === 'multiplier')) return rule.labels?.[locale];
  return program.rewards.find((r) => r.id === ruleId)?.names?.[locale];
}

/** The languages other than the program's own for which the editor offers texts (the shop's languages, in the usual order). */
export function otherLanguages(program: Pick<Program, 'locale'>, offered: readonly Locale[]): Locale[] {
  return LOCALES.filter((locale) => locale !== program.locale && offered.includes(locale));
}
