import { formatMessage } from '../core/i18n/catalog';
import { memberSessionMessages } from '../core/i18n/accounts';
import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';
import type { MemberSession } from './member-sessions';
import { escapeHtml } from './pages';

/** The member card's "signed in on …" list (the owner's sign-in, set-up and accounts pages are in cloud/back-office/accounts/). Pure: data in, HTML out. */

type SessionKey = keyof typeof memberSessionMessages.en;
const ts = (locale: Locale, key: SessionKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(memberSessionMessages, locale, key, values));

/** The card's list of signed-in devices, with "sign out" per device and "sign out everywhere" (forms carry the session's CSRF token). */
export function sessionsCard(locale: Locale, timeZone: string, sessions: readonly MemberSession[], current: string | undefined, csrf: string): string {
  const rows = sessions
    .map((s) => {
      const text = ts(locale, 'row', {
        device: s.device ?? formatMessage(memberSessionMessages, locale, 'unknownDevice'),
        date: formatInstant(s.createdAt, locale, timeZone, 'date'),
      });
      const mine = s.ref === current ? ` <strong class="this-device">(${ts(locale, 'thisDevice')})</strong>` : '';
      return `<li class="session" data-ref="${escapeHtml(s.ref)}"><span>${text}${mine}</span>
        <form method="post" action="/m/sessions/end"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="ref" value="${escapeHtml(
          s.ref,
        )}"><button type="submit" class="sign-out">${ts(locale, 'signOut')}</button></form></li>`;
    })
    .join('');
  return `<div class="card" id="sessions"><h2>${ts(locale, 'title')}</h2><ul>${rows}</ul>
    <form method="post" action="/m/sessions/end-all"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit" id="sign-out-everywhere">${ts(
      locale,
      'signOutEverywhere',
    )}</button></form></div>`;
}

export const sessionText = (locale: Locale, key: 'signedOutEverywhere' | 'ended'): string => formatMessage(memberSessionMessages, locale, key);
