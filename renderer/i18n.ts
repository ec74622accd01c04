import { translator } from '../core/i18n/catalog';
import { commonMessages } from '../core/i18n/common';
import { displayMessages } from '../core/i18n/display';
import { staffMessages } from '../core/i18n/staff';
import type { Locale } from '../core/i18n/locales';
import type { Refusal } from '../core/contract';

export type DisplayT = ReturnType<typeof translator<keyof typeof displayMessages.en>>;
export type StaffT = ReturnType<typeof translator<keyof typeof staffMessages.en>>;

export const displayT = (locale: Locale): DisplayT => translator(displayMessages, locale);
export const staffT = (locale: Locale): StaffT => translator(staffMessages, locale);
export const commonT = (locale: Locale) => translator(commonMessages, locale);

/** A refusal from main, in words staff can act on. */
export function refusalText(t: StaffT, error: Refusal): string {
  if (error.reason) return t(error.reason);
  switch (error.code) {
    case 'staffLocked':
      return t('errStaffLocked');
    case 'badArgs':
    case 'tooLarge':
      return t('errBadInput');
    case 'unknownCommand':
    case 'badResult':
    case 'failed':
      return t('errFailed');
  }
}
