import { IntlMessageFormat } from 'intl-messageformat';
import { INTL_LOCALE, LOCALES, type Locale } from './locales';

/**
 * Messages are ICU MessageFormat strings, so plurals follow CLDR rules per language
 * ("{n, plural, one {# punkt} few {# punkty} many {# punktów} other {# punktu}}").
 * Each area of the product declares its messages in one file with all six languages; the type
 * makes a language that lacks a key fail to compile, and a test checks the same at run time.
 */
export type Messages<K extends string> = Readonly<Record<K, string>>;
export type AreaCatalog<K extends string> = { readonly en: Messages<K> } & Readonly<Record<Exclude<Locale, 'en'>, Messages<K>>>;

export function defineMessages<K extends string>(catalog: { en: Messages<K> } & Record<Exclude<Locale, 'en'>, Messages<K>>): AreaCatalog<K> {
  return catalog;
}

export type MessageValues = Record<string, string | number | Date>;

const compiled = new Map<string, IntlMessageFormat>();

/** Formats `key` of `catalog` in `locale`; falls back to English only if a key is missing at run time. */
export function formatMessage<K extends string>(catalog: AreaCatalog<K>, locale: Locale, key: K, values: MessageValues = {}): string {
  const source = catalog[locale][key] ?? catalog.en[key];
  const cacheKey = `${locale}\u0000${source}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    format = new IntlMessageFormat(source, INTL_LOCALE[locale]);
    compiled.set(cacheKey, format);
  }
  return String(format.format(values));
}

/** Binds a catalog to a locale: `const t = translator(receiptMessages, 'pl'); t('pointsEarned', { n: 5 })`. */
export function translator<K extends string>(catalog: AreaCatalog<K>, locale: Locale): (key: K, values?: MessageValues) => string {
  return (key, values) => formatMessage(catalog, locale, key, values);
}

/** Keys present in English but missing (or empty) in another language, as `lang.key`. */
export function missingKeys<K extends string>(catalog: AreaCatalog<K>): string[] {
  const missing: string[] = [];
  for (const locale of LOCALES) {
    for (const key of Object.keys(catalog.en) as K[]) {
      const text = catalog[locale][key];
      if (typeof text !== 'string' || text.trim() === '') missing.push(`${locale}.${key}`);
    }
    for (const key of Object.keys(catalog[locale])) {
      if (!(key in catalog.en)) missing.push(`${locale}.${key} (not in en)`);
    }
  }
  return missing;
}
