import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import { ownerDataMessages } from '../core/i18n/owner-data';
import type { LedgerEntry } from '../core/ledger/entry';
import { escapeHtml } from './pages';
import { page, table, tr } from './owner-pages';
import type { AuditRow, KioskLocation } from './owner-store';

/**
 * The owner's member page (contact, balance, history, points adjustment, data export and erasure,
 * audit log) and the kiosks-and-locations page. Pure: data in, HTML out.
 */

type DataKey = keyof typeof ownerDataMessages.en;
const x = (locale: Locale, key: DataKey, values?: Record<string, string | number>): string => escapeHtml(formatMessage(ownerDataMessages, locale, key, values));

export interface MemberPageModel {
  locale: Locale;
  member: { id: string; no: number; name: string | null; phone: string | null; email: string | null; erasedAt: string | null; consentAt: string | null };
  balance: number;
  entries: readonly LedgerEntry[];
  audit: readonly AuditRow[];
  csrf: string;
  flash?: { text: string; error: boolean } | null;
  /** The adjustment form's values after a refusal, so nothing typed is lost. */
  values?: { delta: string; reason: string };
}

export const memberTitle = (locale: Locale, m: { no: number; name: string | null; erasedAt: string | null }): string =>
  m.erasedAt !== null ? formatMessage(ownerDataMessages, locale, 'erased', { no: m.no }) : (m.name ?? `#${m.no}`);

export function memberPage(p: MemberPageModel): string {
  const { locale, member } = p;
  const t = (key: Parameters<typeof tr>[1]): string => tr(locale, key);
  const base = `/owner/members/${encodeURIComponent(member.id)}`;
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(p.csrf)}">`;
  const flash = p.flash
    ? `<p class="${p.flash.error ? 'error' : 'flash'}" id="flash" role="${p.flash.error ? 'alert' : 'status'}">${escapeHtml(p.flash.text)}</p>`
    : '';
  return page(
    locale,
    escapeHtml(memberTitle(locale, member)),
    flash +
      table(
        'member',
        [t('phone'), t('email'), x(locale, 'consent'), t('balance')],
        [[escapeHtml(member.phone ?? ''), escapeHtml(member.email ?? ''), escapeHtml(member.consentAt ?? ''), String(p.balance)]],
      ) +
      `<h2>${x(locale, 'adjust')}</h2><form method="post" action="${base}/adjust" id="adjust">${csrf}
<label>${x(locale, 'delta')} <input name="delta" inputmode="numeric" value="${escapeHtml(p.values?.delta ?? '')}" required class="w7"></label>
<label>${x(locale, 'reason')} <input name="reason" value="${escapeHtml(p.values?.reason ?? '')}" maxlength="200" required class="w24"></label>
<button>${x(locale, 'adjust')}</button></form>` +
      `<h2>${t('history')}</h2>` +
      table(
        'history',
        [t('when'), t('kind'), t('points'), t('stamps'), t('label')],
        [...p.entries].reverse().map((e) => [escapeHtml(e.at), e.kind, String(e.points), String(e.stamps), escapeHtml(e.reason.label ?? e.reason.code)]),
      ) +
      `<h2>${x(locale, 'audit')}</h2>` +
      table(
        'audit',
        [t('when'), x(locale, 'action'), x(locale, 'by'), t('label')],
        p.audit.map((a) => [escapeHtml(a.at), escapeHtml(a.action), escapeHtml(a.actor), escapeHtml(String(a.detail.reason ?? a.detail.points ?? ''))]),
      ) +
      `<h2>${x(locale, 'memberData')}</h2><p><a id="export" href="${base}/export.json">${x(locale, 'exportJson')}</a></p>` +
      (member.erasedAt !== null
        ? ''
        : `<h2>${x(locale, 'merge')}</h2><form method="post" action="${base}/merge" id="merge">${csrf}
<label>${x(locale, 'mergeOther')} <input name="other" inputmode="numeric" autocomplete="off" required class="w7"></label> <button>${x(locale, 'mergeButton')}</button></form>`) +
      (member.erasedAt !== null
        ? ''
        : `<form method="post" action="${base}/erase" id="erase">${csrf}
<label>${x(locale, 'eraseConfirm')} <input name="confirm" autocomplete="off" class="w7"></label> <button>${x(locale, 'erase')}</button></form>`),
    p.csrf,
  );
}

export function kiosksPage(locale: Locale, kiosks: readonly KioskLocation[], csrf: string, flash: { text: string; error: boolean } | null): string {
  const t = (key: Parameters<typeof tr>[1]): string => tr(locale, key);
  return page(
    locale,
    x(locale, 'kiosks'),
    (flash ? `<p class="${flash.error ? 'error' : 'flash'}" id="flash">${escapeHtml(flash.text)}</p>` : '') +
      table(
        'kiosks',
        [x(locale, 'kiosk'), x(locale, 'location'), ''],
        kiosks.map((k) => [
          escapeHtml(k.name),
          `<form method="post" action="/owner/kiosks/${encodeURIComponent(k.id)}/location"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<input name="location" value="${escapeHtml(k.location)}" maxlength="60" required aria-label="${x(locale, 'location')}"> <button>${x(locale, 'save')}</button></form>`,
          k.revoked ? '✕' : '',
        ]),
      ) +
      `<p><a href="/owner">${t('dashboard')}</a></p>`,
    csrf,
  );
}
