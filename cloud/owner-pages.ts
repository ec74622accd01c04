import { createElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { formatMessage } from '../core/i18n/catalog';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { ownerMessages } from '../core/i18n/owner';
import { ownerDataMessages } from '../core/i18n/owner-data';
import type { Segment } from '../core/metrics';
import type { MemberLabel } from './owner-store';
import { BareLayout, Layout, NO_FRAME, OwnerDocument, type OwnerFrame, type PageAssets } from './back-office/layout';
import { OWNER_CSS } from './back-office/style';

/** Server-rendered owner pages (the frame, the sign-in frame) and CSV exports, with the helpers the dashboard and member pages share. Pure: data in, HTML or CSV out. */

export type OwnerKey = keyof typeof ownerMessages.en;

/**
 * The owner pages' frame (cloud/back-office/layout.tsx): the shop's name, "Log out" (with the
 * session's CSRF token), the seven sections, and the page's title (plain text) and React body; the
 * page's own style sheets and scripts, if any, in `assets`. Rendered once, escaped by React.
 */
export function page(locale: Locale, title: string, body: ReactNode, frame: OwnerFrame = NO_FRAME, assets: PageAssets = {}): string {
  return htmlDocument(createElement(OwnerDocument, { locale, title, stylesheet: OWNER_CSS, assets }, createElement(Layout, { locale, title, frame }, body)));
}

/**
 * A page without the back office's navigation (sign-in, set-up link, wizard): `BareLayout` in
 * cloud/back-office/layout.tsx in a body of class "bare", the same style sheet, no inline style.
 * The title is plain text; the body is the page's React content.
 */
export function barePage(locale: Locale, title: string, body: ReactNode, assets: PageAssets = {}): string {
  return htmlDocument(
    createElement(OwnerDocument, { locale, title, stylesheet: OWNER_CSS, assets, bodyClass: 'bare' }, createElement(BareLayout, { title }, body)),
  );
}

const htmlDocument = (root: ReactElement): string => `<!doctype html>${renderToStaticMarkup(root)}`;

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

/** A segment by its name in the viewer's language; the code (core/metrics SEGMENTS) stays the figures' key. */
export function segmentName(locale: Locale, segment: Segment): string {
  return formatMessage(ownerMessages, locale, `segment.${segment}`);
}

/** A member as a list of figures shows them: by name, else by contact, else by number; an erased member by number. Never by id. */
export function memberLabel(locale: Locale, m: MemberLabel): string {
  if (m.erasedAt !== null) return formatMessage(ownerDataMessages, locale, 'erased', { no: m.no });
  return m.name || m.phone || m.email || `#${m.no}`;
}

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
export function csv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return csvLines([header, ...rows]);
}

/** The rows of a CSV, each line ended by CRLF, cells as `csv` writes them (a long export is written a page at a time). */
export function csvLines(rows: readonly (readonly (string | number | null)[])[]): string {
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
  return rows.map((r) => `${r.map(cell).join(',')}\r\n`).join('');
}
