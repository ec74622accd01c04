import { formatMessage } from '../core/i18n/catalog';
import { kioskRefusalMessages } from '../core/i18n/kiosk-refusals';
import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';
import { ownerDataMessages } from '../core/i18n/owner-data';
import { escapeHtml } from './pages';
import { page, table, tr } from './owner-pages';
import { KIOSK_FLAG_RULE } from './outbox-check';
import type { KioskOverview } from './owner-store';
import type { OwnerFrame } from './back-office/layout';
import type { KioskRefusalRow } from './store/outbox';

/**
 * The kiosks-and-locations page with each kiosk's refusals and flag, and one kiosk's refused reports
 * (a member's page is cloud/back-office/members/member-detail.tsx). Pure: data in, HTML out.
 */

type DataKey = keyof typeof ownerDataMessages.en;
const x = (locale: Locale, key: DataKey, values?: Record<string, string | number>): string => escapeHtml(formatMessage(ownerDataMessages, locale, key, values));

type RefusalKey = keyof typeof kioskRefusalMessages.en;
const k = (locale: Locale, key: RefusalKey, values?: Record<string, string | number>): string =>
  escapeHtml(formatMessage(kioskRefusalMessages, locale, key, values));

const shopTime = (locale: Locale, timeZone: string, iso: string): string => formatInstant(iso, locale, timeZone);

export function kiosksPage(
  locale: Locale,
  kiosks: readonly KioskOverview[],
  frame: OwnerFrame,
  flash: { text: string; error: boolean } | null,
  timeZone: string,
): string {
  const t = (key: Parameters<typeof tr>[1]): string => tr(locale, key);
  const csrfField = `<input type="hidden" name="csrf" value="${escapeHtml(frame.csrf)}">`;
  return page(
    locale,
    x(locale, 'kiosks'),
    (flash ? `<p class="${flash.error ? 'error' : 'flash'}" id="flash">${escapeHtml(flash.text)}</p>` : '') +
      table(
        'kiosks',
        [x(locale, 'kiosk'), x(locale, 'location'), k(locale, 'refused'), k(locale, 'flag'), ''],
        kiosks.map((kiosk) => {
          const base = `/owner/kiosks/${encodeURIComponent(kiosk.id)}`;
          return [
            escapeHtml(kiosk.name),
            `<form method="post" action="${base}/location">${csrfField}
<input name="location" value="${escapeHtml(kiosk.location)}" maxlength="60" required aria-label="${x(locale, 'location')}"> <button>${x(locale, 'save')}</button></form>`,
            `<a href="${base}/refusals">${k(locale, 'refusedCount', { n: kiosk.refusals })}</a>`,
            kiosk.flaggedAt === null
              ? ''
              : `<strong class="error flagged">⚠ ${k(locale, 'flagged', { when: shopTime(locale, timeZone, kiosk.flaggedAt) })}</strong>
<form method="post" action="${base}/flag/clear">${csrfField}<button>${k(locale, 'clearFlag')}</button></form>`,
            kiosk.revoked ? '✕' : '',
          ];
        }),
      ) +
      `<p id="flag-rule">${k(locale, 'rule', { n: KIOSK_FLAG_RULE.refusals, hours: KIOSK_FLAG_RULE.windowMs / 3_600_000 })}</p>` +
      `<p><a href="/owner">${t('dashboard')}</a></p>`,
    frame,
  );
}

/** One kiosk's refused reports, newest first: when (the shop's clock), what kind of report, and why in words (not the ids). */
export function kioskRefusalsPage(locale: Locale, kiosk: KioskOverview, refusals: readonly KioskRefusalRow[], frame: OwnerFrame, timeZone: string): string {
  const typeKey = (type: string): RefusalKey => (`type.${type}` in kioskRefusalMessages.en ? (`type.${type}` as RefusalKey) : 'type.other');
  const flag =
    kiosk.flaggedAt === null
      ? ''
      : `<p class="error flagged">⚠ ${k(locale, 'flagged', { when: shopTime(locale, timeZone, kiosk.flaggedAt) })}</p>
<form method="post" action="/owner/kiosks/${encodeURIComponent(kiosk.id)}/flag/clear"><input type="hidden" name="csrf" value="${escapeHtml(frame.csrf)}"><button>${k(locale, 'clearFlag')}</button></form>`;
  return page(
    locale,
    k(locale, 'title', { kiosk: kiosk.name }),
    flag +
      `<p id="flag-rule">${k(locale, 'rule', { n: KIOSK_FLAG_RULE.refusals, hours: KIOSK_FLAG_RULE.windowMs / 3_600_000 })}</p>` +
      (refusals.length === 0
        ? `<p id="no-refusals">${k(locale, 'none')}</p>`
        : table(
            'refusals',
            [k(locale, 'when'), k(locale, 'what'), k(locale, 'why')],
            refusals.map((r) => [escapeHtml(shopTime(locale, timeZone, r.at)), k(locale, typeKey(r.type)), k(locale, `code.${r.code}`)]),
          )) +
      `<p><a href="/owner/kiosks">${k(locale, 'back')}</a></p>`,
    frame,
  );
}
