import { formatMessage } from '../core/i18n/catalog';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { messageTexts } from '../core/i18n/messages';
import { ownerMessages } from '../core/i18n/owner';
import { ownerDataMessages } from '../core/i18n/owner-data';
import { programMessages } from '../core/i18n/program';
import { settingsMessages } from '../core/i18n/settings';
import { escapeHtml } from './pages';
import type { MemberLabel } from './owner-store';
import type { Member } from './store';
import { asset } from './page-assets';

/** Server-rendered owner pages (frame, login, member search) and CSV exports, with the helpers the dashboard and member pages share. Pure: data in, HTML or CSV out. */

export type OwnerKey = keyof typeof ownerMessages.en;
export const tr = (locale: Locale, key: OwnerKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(ownerMessages, locale, key, values));

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:1rem;color:#1d1b19}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}td.n{text-align:right}nav a{margin-right:1rem}.error{color:#a4161a}
#logout{display:inline}.w5{width:5em}.w6{width:6em}.w7{width:7em}.w24{width:24em}pre.wrap{white-space:pre-wrap}`;
const OWNER_CSS = asset('owner.css', STYLE);

/**
 * The owner pages' frame: navigation, title, body (already escaped HTML). With the session's CSRF
 * token (a browser logged in with the cookie) the navigation ends with "Log out" (POST /owner/logout).
 */
export function page(locale: Locale, title: string, body: string, csrf = ''): string {
  const logout = csrf
    ? `<form method="post" action="/owner/logout" id="logout"><input type="hidden" name="csrf" value="${escapeHtml(
        csrf,
      )}"><button>${tr(locale, 'logout')}</button></form>`
    : '';
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>${title}</title><link rel="stylesheet" href="${OWNER_CSS}"></head><body>
<nav><a href="/owner">${tr(locale, 'dashboard')}</a><a href="/owner/members">${tr(locale, 'members')}</a><a href="/owner/program/edit">${escapeHtml(formatMessage(programMessages, locale, 'title'))}</a>
<a href="/owner/kiosks">${escapeHtml(formatMessage(ownerDataMessages, locale, 'kiosks'))}</a><a href="/owner/messages" id="nav-messages">${escapeHtml(formatMessage(messageTexts, locale, 'owner.nav'))}</a><a href="/owner/settings">${escapeHtml(formatMessage(settingsMessages, locale, 'title'))}</a>
<a href="/owner/export/members.csv">${tr(locale, 'exportMembers')}</a><a href="/owner/export/ledger.csv">${tr(locale, 'exportLedger')}</a>${logout}</nav>
<h1>${title}</h1>${body}</body></html>`;
}

/** A page without the back office's navigation (sign-in, set-up link): the same style sheet, no inline style. */
export function barePage(locale: Locale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${title}</title><link rel="stylesheet" href="${OWNER_CSS}"></head><body>
<h1>${title}</h1>${body}</body></html>`;
}

// One formatter per locale and style: making an Intl.NumberFormat costs far more than using one, and
// the dashboard formats a number per table cell (thousands with a long inactive list).
const formatters = new Map<string, Intl.NumberFormat>();
const formatter = (locale: Locale, style: 'percent' | 'decimal'): Intl.NumberFormat => {
  const key = `${locale}:${style}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(INTL_LOCALE[locale], style === 'percent' ? { style, maximumFractionDigits: 1 } : { maximumFractionDigits: 2 });
    formatters.set(key, format);
  }
  return format;
};
export const pct = (locale: Locale, x: number | null): string => (x === null ? '—' : formatter(locale, 'percent').format(x));
export const num = (locale: Locale, x: number | null): string => (x === null ? '—' : formatter(locale, 'decimal').format(x));

export function table(id: string, head: string[], rows: string[][]): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A member as a list of figures shows them: by name, else by contact, else by number; an erased member by number. Never by id. */
export function memberLabel(locale: Locale, m: MemberLabel): string {
  if (m.erasedAt !== null) return formatMessage(ownerDataMessages, locale, 'erased', { no: m.no });
  return m.name || m.phone || m.email || `#${m.no}`;
}

export function membersPage(locale: Locale, query: string, members: (Member & { points: number })[], csrf = ''): string {
  const t = (key: OwnerKey): string => tr(locale, key);
  return page(
    locale,
    t('members'),
    `<form method="get" action="/owner/members"><input type="search" name="q" value="${escapeHtml(query)}"
 placeholder="${t('search')}"><button>${t('show')}</button></form>` +
      (members.length === 0
        ? `<p>${t('noMembers')}</p>`
        : table(
            'members',
            [t('member'), t('phone'), t('email'), t('balance')],
            members.map((mb) => [
              `<a href="/owner/members/${encodeURIComponent(mb.id)}">${escapeHtml(mb.name ?? `#${mb.no}`)}</a>`,
              escapeHtml(mb.phone ?? ''),
              escapeHtml(mb.email ?? ''),
              String(mb.points),
            ]),
          )),
    csrf,
  );
}

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
export function csv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  // OWASP CSV injection: every text cell that a spreadsheet could read as a formula (=, +, -, @, tab or
  // carriage return first, also after leading spaces) gets a leading apostrophe, and is quoted when it
  // holds a separator (',' or the ';' of European spreadsheets), a quote or a line break. Numbers are
  // the hub's own integers and stay numbers (a negative count is data, not a formula).
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    let text = String(v);
    if (/^[\s]*[=+\-@]/.test(text) || /^[\t\r\n]/.test(text)) text = `'${text}`;
    return /[",;\r\n\t]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
