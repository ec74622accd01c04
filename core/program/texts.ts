import { z } from 'zod';
import { LOCALES, localeSchema, type Locale } from '../i18n/locales';
import type { Reason } from '../ledger/entry';
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

/**
 * A label a ledger entry or sale line carries (written in the program's language when it was earned)
 * in `locale`: each stamp card or campaign it names by its program label, in that language when the
 * program has a text for it. A headline joins the labels of everything that applied with ", "
 * (core/till-api), so each part is looked up on its own; a label no rule has (an owner's reason, a
 * refund) stays as it is.
 */
export function ruleLabelIn(program: Pick<Program, 'rules'>, label: string, locale: Locale): string {
  const textOf = (part: string): string => {
    const rule = program.rules.find((r) => (r.type === 'stamps' || r.type === 'multiplier') && r.label === part);
    return (rule?.type === 'stamps' || rule?.type === 'multiplier' ? rule.labels?.[locale] : undefined) ?? part;
  };
  return label.split(', ').map(textOf).join(', ');
}

/** Entry reasons that name a reward (its hold or redemption, and the points given back when its voucher lapsed). */
const REWARD_REASONS: ReadonlySet<string> = new Set(['redeem', 'voucher-expired', 'voucher-cancelled']);
/** Entry reasons whose `ruleId` is the stamp card or campaign they were earned by (a refund's reversal carries the ruleId too, but names the refund). */
const RULE_REASONS: ReadonlySet<string> = new Set(['stamps', 'campaign']);

/** Every text an item has: its own and those beside it (a stored label in any of them is this item's, under the name it still has). */
const textsOf = (text: string | undefined, texts: ProgramTexts | undefined): string[] =>
  [text, ...Object.values(texts ?? {})].filter((t): t is string => t !== undefined);

/**
 * The program's reward a reward entry (its hold, redemption or the points given back) names, or
 * undefined (another kind of entry, or a reward gone from the program or renamed in every language
 * since). By the reason's `ruleId` (the reward's id) with one of its names, else by a name on the
 * stamp card the `ruleId` names (a stamp-card reward's entries carry the card's id), else by name.
 */
export function rewardOfEntry(program: Pick<Program, 'rewards'>, reason: Pick<Reason, 'code' | 'label' | 'ruleId'>): Reward | undefined {
  const { code, label, ruleId } = reason;
  if (!REWARD_REASONS.has(code)) return undefined;
  const carries = (r: Reward): boolean => label !== undefined && textsOf(r.name, r.names).includes(label);
  return (
    program.rewards.find((r) => r.id === ruleId && (label === undefined || carries(r))) ??
    program.rewards.find((r) => carries(r) && 'card' in r.cost && r.cost.card === ruleId) ??
    program.rewards.find(carries)
  );
}

/**
 * What a ledger entry is called in `locale` (the card's history, the owner's member page, the
 * dashboard's reward popularity, the ledger export): the label stored on the entry when it was
 * written, in `locale` when the reward, card, campaign or tier it names still carries that label
 * (in any of its languages) and has a text in `locale`. The item is found by the reason's `ruleId`
 * (a redemption of a stamp-card reward carries the card's id, so the reward is the card's one with
 * the stored name), else by the stored label as the receipt finds it again (`ruleLabelIn`). A tier
 * bonus's label is the tier's name and the multiplier of the day ("Gold x1.5"): the name is put in
 * `locale`, the multiplier stays as earned. An item renamed since, or gone, keeps the stored label;
 * undefined for an entry with no label (the caller names its kind).
 */
export function entryLabelIn(
  program: Pick<Program, 'locale' | 'rules' | 'rewards' | 'tiers'>,
  reason: Pick<Reason, 'code' | 'label' | 'ruleId'>,
  locale: Locale,
): string | undefined {
  const { code, label, ruleId } = reason;
  /** The item's text in `locale` when `label` is one of its texts (no label: the item's id alone names it). */
  const storedIn = (text: string | undefined, texts: ProgramTexts | undefined): string | undefined =>
    label === undefined || textsOf(text, texts).includes(label) ? (locale === program.locale ? text : texts?.[locale]) : undefined;
  if (REWARD_REASONS.has(code)) {
    const reward = rewardOfEntry(program, reason);
    if (reward) return storedIn(reward.name, reward.names) ?? label ?? reward.name;
  }
  if (RULE_REASONS.has(code) && ruleId !== null && ruleId !== undefined) {
    const rule = program.rules.find((r) => r.id === ruleId);
    if (rule?.type === 'stamps' || rule?.type === 'multiplier') {
      const text = storedIn(rule.label, rule.labels);
      if (text !== undefined) return text;
      if (label !== undefined && !textsOf(rule.label, rule.labels).includes(label)) return label;
    }
  }
  if (code === 'tier' && label !== undefined) {
    const level = program.tiers?.levels.find((l) => l.id === ruleId);
    // The longest of the tier's texts the label starts with, so "Gold Plus x2" is not read as "Gold".
    const name = level
      ? textsOf(level.name, level.names)
          .filter((t) => label.startsWith(`${t} `))
          .sort((a, b) => b.length - a.length)[0]
      : undefined;
    const text = level && name !== undefined ? (locale === program.locale ? level.name : level.names?.[locale]) : undefined;
    return text === undefined ? label : `${text}${label.slice(name!.length)}`;
  }
  return label === undefined ? undefined : ruleLabelIn(program, label, locale);
}

/**
 * Texts of an item re-homed for a program whose own language becomes `to` (was `from`): the text in
 * `to` becomes the item's own, the old own text goes beside it under `from`. An item with no text in
 * `to` keeps its own (shown in every language with none of its own, as before) and its texts as they were.
 */
function rehomed(
  text: string | undefined,
  texts: ProgramTexts | undefined,
  from: Locale,
  to: Locale,
): { text: string | undefined; texts: ProgramTexts | undefined } {
  const own = texts?.[to];
  if (own === undefined) return { text, texts };
  const others: ProgramTexts = { ...texts };
  delete others[to];
  if (text !== undefined) others[from] = text;
  return { text: own, texts: Object.keys(others).length > 0 ? others : undefined };
}

/**
 * The program with `locale` as its own language (the shop's language changed, cloud/hub.ts
 * saveSettings): each reward's, tier's, card's and campaign's text in `locale` becomes its name or
 * label, and the one it had goes under the old language, so no text is lost and none is refused as
 * a second text in the program's own language.
 */
export function programInLanguage(program: Program, locale: Locale): Program {
  const from = program.locale;
  if (from === locale) return program;
  const named = <T extends { name: string; names?: ProgramTexts | undefined }>(item: T): T => {
    const { text, texts } = rehomed(item.name, item.names, from, locale);
    const { names: _old, ...rest } = item;
    return { ...rest, name: text!, ...(texts ? { names: texts } : {}) } as T;
  };
  const rules = program.rules.map((rule) => {
    if (rule.type !== 'stamps' && rule.type !== 'multiplier') return rule;
    const { text, texts } = rehomed(rule.label, rule.labels, from, locale);
    const { label: _label, labels: _labels, ...rest } = rule;
    return { ...rest, ...(text !== undefined ? { label: text } : {}), ...(texts ? { labels: texts } : {}) } as typeof rule;
  });
  return {
    ...program,
    locale,
    rules,
    rewards: program.rewards.map(named),
    ...(program.tiers ? { tiers: { ...program.tiers, levels: program.tiers.levels.map(named) } } : {}),
  };
}

/** The languages other than the program's own for which the editor offers texts (the shop's languages, in the usual order). */
export function otherLanguages(program: Pick<Program, 'locale'>, offered: readonly Locale[]): Locale[] {
  return LOCALES.filter((locale) => locale !== program.locale && offered.includes(locale));
}
