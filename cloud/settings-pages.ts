import { formatMessage } from '../core/i18n/catalog';
import { LOCALES, type Locale } from '../core/i18n/locales';
import { settingsMessages, type SettingsKey } from '../core/i18n/settings';
import { CURRENCIES } from '../core/money';
import { TEMPLATES, type TemplateKind } from '../core/program/templates';
import { COUNTRY_CODES, TIME_ZONES, type Country, type SettingsIssue, type ShopSettings } from '../core/shop-settings';
import { barePage, page } from './owner-pages';
import type { OwnerFrame } from './back-office/layout';
import { escapeHtml } from './pages';

/** Server-rendered Settings page and first-run wizard. Pure: data in, HTML out; no inline script or style. */

const ts = (locale: Locale, key: SettingsKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(settingsMessages, locale, key, values));

/** Each language by its own name: an owner looks for "Magyar", not "Hungarian". */
const AUTONYM: Record<Locale, string> = { pl: 'Polski', hu: 'Magyar', sk: 'Slovenčina', cs: 'Čeština', de: 'Deutsch', en: 'English' };

/** The translated sentence for a refused field, by the field it names. */
function issueText(locale: Locale, issue: SettingsIssue): string {
  const field = issue.path.split('.')[0];
  if (field === 'name') return ts(locale, 'error.name');
  if (field === 'timeZone') return ts(locale, 'error.timeZone');
  if (field === 'languages') return ts(locale, 'error.languages');
  if (field === 'locations') return ts(locale, 'error.locations');
  return ts(locale, 'error.choice');
}

function errorList(locale: Locale, errors: readonly SettingsIssue[]): string {
  if (errors.length === 0) return '';
  const texts = [...new Set(errors.map((e) => issueText(locale, e)))];
  return `<div class="error" id="errors" role="alert"><p>${ts(locale, 'invalid')}</p><ul>${texts.map((t) => `<li>${t}</li>`).join('')}</ul></div>`;
}

const option = (value: string, label: string, selected: boolean): string =>
  `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;

function select(name: string, label: string, options: string, invalid: boolean): string {
  return `<p><label>${label}<br><select name="${name}" id="${name}"${invalid ? ' aria-invalid="true"' : ''}>${options}</select></label></p>`;
}

/** The fields both forms share: currency, language, time zone, languages offered, locations. */
function shopFields(locale: Locale, s: ShopSettings, errors: readonly SettingsIssue[], currencyLocked: boolean, locationRows: number): string {
  const bad = (field: string): boolean => errors.some((e) => e.path.split('.')[0] === field);
  const zones = TIME_ZONES.includes(s.timeZone) ? TIME_ZONES : [s.timeZone, ...TIME_ZONES];
  const currency = currencyLocked
    ? `<p><label>${ts(locale, 'currency')}<br><select name="currency" id="currency" disabled>${option(s.currency, s.currency, true)}</select></label>
<input type="hidden" name="currency" value="${escapeHtml(s.currency)}"> <span class="muted">${ts(locale, 'currencyLockedNote')}</span></p>`
    : select(
        'currency',
        ts(locale, 'currency'),
        Object.keys(CURRENCIES)
          .map((c) => option(c, c, c === s.currency))
          .join(''),
        bad('currency'),
      );
  const languages = `<fieldset id="languages"${bad('languages') ? ' aria-invalid="true"' : ''}><legend>${ts(locale, 'languages')}</legend>${LOCALES.map(
    (l) => `<label><input type="checkbox" name="languages" value="${l}"${s.languages.includes(l) ? ' checked' : ''}> ${escapeHtml(AUTONYM[l])}</label> `,
  ).join('')}</fieldset>`;
  const rows = [...s.locations];
  while (rows.length < locationRows) rows.push({ name: '', address: '' });
  const locations = rows
    .map(
      (l, i) => `<fieldset class="location"><legend>${ts(locale, i === 0 && locationRows === 1 ? 'firstLocation' : 'locationName')}</legend>
<p><label>${ts(locale, 'locationName')}<br><input name="locationName" maxlength="60" value="${escapeHtml(l.name)}"></label></p>
<p><label>${ts(locale, 'locationAddress')}<br><textarea name="locationAddress" rows="2" cols="40" maxlength="200">${escapeHtml(l.address)}</textarea></label></p></fieldset>`,
    )
    .join('');
  return `${currency}
${select('locale', ts(locale, 'language'), LOCALES.map((l) => option(l, AUTONYM[l], l === s.locale)).join(''), bad('locale'))}
${select('timeZone', ts(locale, 'timeZone'), zones.map((z) => option(z, z.replace(/_/g, ' '), z === s.timeZone)).join(''), bad('timeZone'))}
${languages}<h2>${ts(locale, 'locations')}</h2>${locationRows > 1 ? `<p class="muted">${ts(locale, 'locationHint')}</p>` : ''}${locations}`;
}

const nameField = (locale: Locale, name: string, invalid: boolean): string =>
  `<p><label>${ts(locale, 'shopName')}<br><input name="name" id="name" maxlength="80" required value="${escapeHtml(name)}"${
    invalid ? ' aria-invalid="true"' : ''
  }></label></p>`;

const countrySelect = (locale: Locale, country: Country, invalid: boolean): string =>
  select(
    'country',
    ts(locale, 'country'),
    COUNTRY_CODES.map((c) => option(c, formatMessage(settingsMessages, locale, `country.${c}`), c === country)).join(''),
    invalid,
  );

export interface SettingsPageModel {
  locale: Locale;
  frame: OwnerFrame;
  settings: ShopSettings;
  errors?: readonly SettingsIssue[];
  saved?: boolean;
  /** A published program counts in the shop's currency: it is shown, not offered for change. */
  currencyLocked: boolean;
  /** A refusal that is no field's fault (the currency under a published program). */
  refusal?: string;
}

/** The owner's Settings page: every setting, the locations with one empty row to add one. */
export function settingsPage(m: SettingsPageModel): string {
  const L = m.locale;
  const errors = m.errors ?? [];
  const flash = m.saved ? `<p class="flash" id="flash" role="status">${ts(L, 'saved')}</p>` : '';
  const refusal = m.refusal ? `<p class="error" id="errors" role="alert">${escapeHtml(m.refusal)}</p>` : '';
  return page(
    L,
    ts(L, 'title'),
    `${flash}${refusal}${errorList(L, errors)}<form method="post" action="/owner/settings" id="settings"><input type="hidden" name="csrf" value="${escapeHtml(m.frame.csrf)}">
${nameField(
  L,
  m.settings.name,
  errors.some((e) => e.path === 'name'),
)}
${countrySelect(L, m.settings.country, false)}
${shopFields(L, m.settings, errors, m.currencyLocked, m.settings.locations.length + 1)}
<p><button id="save">${ts(L, 'save')}</button></p></form>`,
    m.frame,
  );
}

/** Wizard step 1 (GET form, nothing saved): the shop's name and country, whose defaults step 2 fills in. */
export function wizardStartPage(locale: Locale, name: string, country: Country): string {
  return barePage(
    locale,
    ts(locale, 'wizardTitle'),
    `<p>${ts(locale, 'wizardIntro')}</p><form method="get" action="/owner/welcome" id="wizard-start">
${nameField(locale, name, false)}${countrySelect(locale, country, false)}<p><button id="next">${ts(locale, 'next')}</button></p></form>`,
  );
}

export interface WizardPageModel {
  locale: Locale;
  csrf: string;
  settings: ShopSettings;
  template: TemplateKind;
  errors?: readonly SettingsIssue[];
  /** false when a program was published before the wizard ran: no template is offered then. */
  offerTemplate: boolean;
}

/** Wizard step 2: the country's defaults (editable), the first location and the program template; POSTed with CSRF. */
export function wizardPage(m: WizardPageModel): string {
  const L = m.locale;
  const errors = m.errors ?? [];
  const templates = m.offerTemplate
    ? `<fieldset id="templates"><legend>${ts(L, 'template')}</legend>${TEMPLATES.map(
        (t) => `<p><label><input type="radio" name="template" value="${t}"${t === m.template ? ' checked' : ''}> ${ts(L, `template.${t}`)}</label></p>`,
      ).join('')}</fieldset>`
    : '';
  return barePage(
    L,
    ts(L, 'wizardTitle'),
    `${errorList(L, errors)}<form method="post" action="/owner/welcome" id="wizard"><input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
${nameField(
  L,
  m.settings.name,
  errors.some((e) => e.path === 'name'),
)}
${countrySelect(L, m.settings.country, false)}<p class="muted">${ts(L, 'defaultsNote')}</p>
${shopFields(L, m.settings, errors, false, 1)}${templates}
<p><button id="finish">${ts(L, 'finish')}</button></p></form>`,
  );
}
