import { CURRENCIES, type Money } from '../core/money';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';

/** 1840 PLN → "18,40 zł" in Polish, "PLN 18.40" in English: Intl with the shop's currency. */
export function formatMoney(money: Money, locale: Locale): string {
  const digits = CURRENCIES[money.currency].minorDigits;
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency: money.currency, minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(money.amount / 10 ** digits);
}

/** Milliseconds → "1:05". */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
