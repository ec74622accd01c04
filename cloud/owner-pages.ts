import { formatMessage } from '../core/i18n/catalog';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { ownerMessages } from '../core/i18n/owner';
import { programMessages } from '../core/i18n/program';
import type { LedgerEntry } from '../core/ledger/entry';
import type { Dashboard } from '../core/metrics';
import { formatMoney, type Money } from '../core/money';
import { escapeHtml } from './pages';
import type { Member } from './store';

/** Server-rendered owner pages and CSV exports. Pure: data in, HTML or CSV out. Every figure is a table cell. */

type OwnerKey = keyof typeof ownerMessages.en;
const tr = (locale: Locale, key: OwnerKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(ownerMessages, locale, key, values));

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:1rem;color:#1d1b19}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}td.n{text-align:right}nav a{margin-right:1rem}.error{color:#a4161a}`;

/** The owner pages' frame: navigation, title, body (already escaped HTML). */
export function page(locale: Locale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>${title}</title><style>${STYLE}</style></head><body>
<nav><a href="/owner">${tr(locale, 'dashboard')}</a><a href="/owner/members">${tr(locale, 'members')}</a><a href="/owner/program/edit">${escapeHtml(formatMessage(programMessages, locale, 'title'))}</a>
<a href="/owner/export/members.csv">${tr(locale, 'exportMembers')}</a><a href="/owner/export/ledger.csv">${tr(locale, 'exportLedger')}</a></nav>
<h1>${title}</h1>${body}</body></html>`;
}

export function loginPage(locale: Locale, failed: boolean): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${tr(locale, 'loginTitle')}</title><style>${STYLE}</style></head><body>
<h1>${tr(locale, 'loginTitle')}</h1>${failed ? `<p class="error" id="login-error">${tr(locale, 'loginFailed')}</p>` : ''}
<form method="post" action="/owner/login"><label>${tr(locale, 'token')} <input type="password" name="token" autocomplete="current-password"></label>
<button>${tr(locale, 'login')}</button></form></body></html>`;
}

const pct = (locale: Locale, x: number | null): string =>
  x === null ? '—' : new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'percent', maximumFractionDigits: 1 }).format(x);
const num = (locale: Locale, x: number | null): string =>
  x === null ? '—' : new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 2 }).format(x);

function table(id: string, head: string[], rows: string[][]): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export interface DashboardModel {
  locale: Locale;
  shopName: string;
  currency: Money['currency'];
  from: string;
  to: string;
  location: string;
  kiosks: { no: number; name: string }[];
  inactiveDays: number;
  figures: Dashboard;
}

export function dashboardPage(m: DashboardModel): string {
  const { locale, figures: d } = m;
  const t = (key: OwnerKey, values?: Record<string, string | number>): string => tr(locale, key, values);
  const money = (amount: number | null): string => (amount === null ? '—' : escapeHtml(formatMoney({ amount, currency: m.currency }, INTL_LOCALE[locale])));
  const memberName = (c: { memberId: string; name: string | null }): string =>
    `<a href="/owner/members/${encodeURIComponent(c.memberId)}">${escapeHtml(c.name ?? c.memberId)}</a>`;
  const summary: [string, OwnerKey, string][] = [
    ['sales', 'sales', num(locale, d.sales)], ['memberSales', 'memberSales', num(locale, d.memberSales)],
    ['nonMemberSales', 'nonMemberSales', num(locale, d.nonMemberSales)], ['participation', 'participation', pct(locale, d.participation)],
    ['pointsEarned', 'pointsEarned', num(locale, d.pointsEarned)], ['pointsRedeemed', 'pointsRedeemed', num(locale, d.pointsRedeemed)],
    ['redemptionRate', 'redemptionRate', pct(locale, d.redemptionRate)], ['activeMembers', 'activeMembers', num(locale, d.activeMembers)],
    ['repeatRate', 'repeatRate', pct(locale, d.repeatRate)], ['visitFrequency', 'visitFrequency', num(locale, d.visitFrequency)],
    ['nonMembersRepeat', 'nonMembersRepeat', t('notMeasurable')],
    ['avgAll', 'avgAll', money(d.averageSale.all)], ['avgMembers', 'avgMembers', money(d.averageSale.members)],
    ['avgNonMembers', 'avgNonMembers', money(d.averageSale.nonMembers)],
  ];
  const form = `<form method="get" action="/owner"><label>${t('from')} <input type="date" name="from" value="${escapeHtml(m.from)}"></label>
<label>${t('to')} <input type="date" name="to" value="${escapeHtml(m.to)}"></label>
<label>${t('location')} <select name="location"><option value="">${t('allLocations')}</option>${m.kiosks.map((k) =>
  `<option value="${k.no}"${String(k.no) === m.location ? ' selected' : ''}>${escapeHtml(k.name)}</option>`).join('')}</select></label>
<button>${t('show')}</button></form><p>${t('tablesNote')}</p>`;
  const weekday = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  const dayName = (n: number): string => escapeHtml(weekday.format(new Date(Date.UTC(2024, 0, n))));
  return page(locale, `${t('dashboard')} · ${escapeHtml(m.shopName)}`, form
    + `<table id="summary"><thead><tr><th>${t('figure')}</th><th>${t('value')}</th></tr></thead><tbody>${summary.map(([id, key, value]) =>
      `<tr data-figure="${id}"><th>${t(key)}</th><td class="n">${value}</td></tr>`).join('')}</tbody></table>`
    + `<h2>${t('top')}</h2>` + table('top', [t('member'), t('visits'), t('spend'), t('lastVisit'), t('segment')],
      d.top.map((c) => [memberName(c), num(locale, c.visits), money(c.spend), escapeHtml(c.lastAt), c.segment]))
    + `<h2>${t('segments')}</h2>` + table('segments', [t('segment'), t('count')], Object.entries(d.segments).map(([s, n]) => [s, num(locale, n)]))
    + `<h2>${t('rewards')}</h2>` + table('rewards', [t('reward'), t('redemptions'), t('points'), t('stamps')],
      d.rewards.map((r) => [escapeHtml(r.label), num(locale, r.redemptions), num(locale, r.points), num(locale, r.stamps)]))
    + `<h2>${t('heatmap')}</h2>` + table('heatmap', [t('weekday'), t('hour'), t('sales'), t('total')],
      d.heatmap.map((c) => [dayName(c.weekday), `${String(c.hour).padStart(2, '0')}:00`, num(locale, c.sales), money(c.total)]))
    + `<h2>${t('inactive', { days: m.inactiveDays })}</h2>` + table('inactive', [t('member'), t('lastVisit'), t('daysInactive')],
      d.inactive.map((c) => [memberName(c), escapeHtml(c.lastAt), num(locale, c.days)])));
}

export function membersPage(locale: Locale, query: string, members: (Member & { points: number })[]): string {
  const t = (key: OwnerKey): string => tr(locale, key);
  return page(locale, t('members'), `<form method="get" action="/owner/members"><input type="search" name="q" value="${escapeHtml(query)}"
 placeholder="${t('search')}"><button>${t('show')}</button></form>`
    + (members.length === 0 ? `<p>${t('noMembers')}</p>` : table('members', [t('member'), t('phone'), t('email'), t('balance')],
      members.map((mb) => [`<a href="/owner/members/${encodeURIComponent(mb.id)}">${escapeHtml(mb.name ?? `#${mb.no}`)}</a>`,
        escapeHtml(mb.phone ?? ''), escapeHtml(mb.email ?? ''), String(mb.points)]))));
}

export function memberPage(locale: Locale, member: Member, balance: number, entries: readonly LedgerEntry[]): string {
  const t = (key: OwnerKey): string => tr(locale, key);
  return page(locale, escapeHtml(member.name ?? `#${member.no}`),
    table('member', [t('phone'), t('email'), t('balance')], [[escapeHtml(member.phone ?? ''), escapeHtml(member.email ?? ''), String(balance)]])
    + `<h2>${t('history')}</h2>` + table('history', [t('when'), t('kind'), t('points'), t('stamps'), t('label')],
      [...entries].reverse().map((e) => [escapeHtml(e.at), e.kind, String(e.points), String(e.stamps), escapeHtml(e.reason.label ?? e.reason.code)])));
}

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
export function csv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    let text = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
