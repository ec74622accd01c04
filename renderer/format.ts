import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';

/** Money is shown by the one formatter of the project (core/money.ts), on the screens as on the receipt. */
export { formatMoney } from '../core/money';

/** Milliseconds → "1:05". */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * "12:05", or "12:05:30" with seconds (a held refund's minute), on the shop's clock (its time zone from
 * the hub's settings), not the machine's, through the project's one date formatter.
 */
export function formatTime(iso: string, locale: Locale, timeZone: string, seconds = false): string {
  return formatInstant(iso, locale, timeZone, seconds ? 'timeSeconds' : 'time');
}
