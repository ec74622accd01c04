import { INTL_LOCALE, type Locale } from './locales';

/**
 * The project's one formatter of moments for people: a stored instant (ISO 8601 UTC, or a Date) in
 * the viewer's language on the shop's clock. Pages, receipts and messages call this rather than
 * building their own Intl.DateTimeFormat, so a date never shows in UTC or as a raw ISO string.
 *
 * - `date`: "3 Nov 2026" / "3 lis 2026"
 * - `dateTime`: "3 Nov 2026, 09:40"
 * - `longDate`: "3 November 2026" (a day a customer reads in a message)
 * - `numericDate`, `numericDateTime`: "03.11.2026 09:40", fixed-width for the receipt's columns
 * - `time`, `timeSeconds`: "09:40", "09:40:05" (the staff screen's times of today)
 */
export type DateStyle = 'date' | 'dateTime' | 'longDate' | 'numericDate' | 'numericDateTime' | 'time' | 'timeSeconds';

const OPTIONS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  date: { dateStyle: 'medium' },
  dateTime: { dateStyle: 'medium', timeStyle: 'short' },
  longDate: { dateStyle: 'long' },
  numericDate: { year: 'numeric', month: '2-digit', day: '2-digit' },
  numericDateTime: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false },
  time: { hour: '2-digit', minute: '2-digit' },
  timeSeconds: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
};

// Making an Intl.DateTimeFormat costs far more than using one; a page formats one per table row.
const formats = new Map<string, Intl.DateTimeFormat>();

export function formatInstant(at: string | Date, locale: Locale, timeZone: string, style: DateStyle = 'dateTime'): string {
  const key = `${locale}|${timeZone}|${style}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(INTL_LOCALE[locale], { ...OPTIONS[style], timeZone });
    formats.set(key, format);
  }
  return format.format(typeof at === 'string' ? new Date(at) : at);
}
