import { IntlMessageFormat } from 'intl-messageformat';
import type { AreaCatalog } from './catalog';
import { INTL_LOCALE, LOCALES, type Locale } from './locales';

/**
 * Texts the owner writes in place of a message's locale-file text (cloud/message-texts.ts keeps
 * them), and campaign texts: checked here before anything is saved or sent. Pure.
 *
 * An edit must parse as ICU MessageFormat and name exactly the placeholders of the text it replaces
 * ({shop}, {points}, {code}, …): a missing {code} would send a code message without the code, an
 * unknown {nmae} would fail at send time. Tags (`<b>`) are refused: the HTML part escapes the text,
 * so they would arrive as literal angle brackets (or, in ICU, as an unformattable tag).
 */

export type TextCheck =
  | { ok: true }
  | { ok: false; error: 'empty' }
  | { ok: false; error: 'syntax'; detail: string }
  | { ok: false; error: 'placeholders'; missing: string[]; extra: string[] };

const ARGUMENT_TYPES = new Set([1, 2, 3, 4, 5, 6]); // argument, number, date, time, select, plural
const TAG = 8;

/** The placeholder names a message uses, sorted; throws a SyntaxError-like error when it does not parse. */
export function placeholdersOf(text: string, locale: Locale): string[] {
  const names = new Set<string>();
  const walk = (elements: unknown): void => {
    if (!Array.isArray(elements)) return;
    for (const element of elements as { type: number; value?: unknown; options?: Record<string, { value: unknown }>; children?: unknown }[]) {
      if (element.type === TAG) throw new Error(`tags such as <${String(element.value)}> are not allowed`);
      if (ARGUMENT_TYPES.has(element.type) && typeof element.value === 'string') names.add(element.value);
      for (const option of Object.values(element.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(text, INTL_LOCALE[locale]).getAst());
  return [...names].sort();
}

/** Whether `edited` may stand in for `original` (the locale file's text of the same key and language). */
export function checkEditedText(original: string, edited: string, locale: Locale): TextCheck {
  if (edited.trim() === '') return { ok: false, error: 'empty' };
  let mine: string[];
  try {
    mine = placeholdersOf(edited, locale);
  } catch (error) {
    return { ok: false, error: 'syntax', detail: error instanceof Error ? error.message : String(error) };
  }
  const theirs = placeholdersOf(original, locale);
  const missing = theirs.filter((n) => !mine.includes(n));
  const extra = mine.filter((n) => !theirs.includes(n));
  return missing.length === 0 && extra.length === 0 ? { ok: true } : { ok: false, error: 'placeholders', missing, extra };
}

/** Edited texts by language and key. */
export type TextEdits<K extends string> = Partial<Record<Locale, Partial<Record<K, string>>>>;

/** The catalog with the owner's edits laid over the locale files' texts (an unedited key keeps its locale-file text). */
export function withEdits<K extends string>(catalog: AreaCatalog<K>, edits: TextEdits<K>): AreaCatalog<K> {
  const out = {} as Record<Locale, Record<K, string>>;
  for (const locale of LOCALES) out[locale] = { ...catalog[locale], ...edits[locale] } as Record<K, string>;
  return out as AreaCatalog<K>;
}

/** A text the owner writes from scratch (a campaign): it must parse, and may use only the `allowed` placeholders. */
export function checkOwnText(text: string, locale: Locale, allowed: readonly string[]): TextCheck {
  if (text.trim() === '') return { ok: false, error: 'empty' };
  try {
    const extra = placeholdersOf(text, locale).filter((n) => !allowed.includes(n));
    return extra.length === 0 ? { ok: true } : { ok: false, error: 'placeholders', missing: [], extra };
  } catch (error) {
    return { ok: false, error: 'syntax', detail: error instanceof Error ? error.message : String(error) };
  }
}
