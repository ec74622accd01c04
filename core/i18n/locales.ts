import { z } from 'zod';

/** Languages the kiosk, the receipts and the phone pages speak. A new one is a translation away. */
export const LOCALES = ['pl', 'hu', 'sk', 'cs', 'de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const localeSchema = z.enum(LOCALES);

/** The region each language formats money and dates for. */
export const INTL_LOCALE: Record<Locale, string> = {
  pl: 'pl-PL',
  hu: 'hu-HU',
  sk: 'sk-SK',
  cs: 'cs-CZ',
  de: 'de-DE',
  en: 'en-GB',
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Picks the best supported language from an Accept-Language header or navigator.languages. */
export function pickLocale(preferred: readonly string[] | string | undefined, fallback: Locale = 'en'): Locale {
  const list = typeof preferred === 'string' ? preferred.split(',').map((part) => part.split(';')[0]?.trim() ?? '') : (preferred ?? []);
  for (const tag of list) {
    const language = tag.toLowerCase().split('-')[0];
    if (isLocale(language)) return language;
  }
  return fallback;
}
