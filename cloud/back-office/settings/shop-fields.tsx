import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { LOCALES, type Locale } from '../../../core/i18n/locales';
import { settingsMessages, type SettingsKey } from '../../../core/i18n/settings';
import { CURRENCIES } from '../../../core/money';
import { COUNTRY_CODES, TIME_ZONES, type Country, type SettingsIssue, type ShopSettings } from '../../../core/shop-settings';

/** The fields the Settings page and the first-run wizard share, and their error list. Pure: data in, elements out. */

export const settingsText = (locale: Locale, key: SettingsKey, values: Record<string, string | number> = {}): string =>
  formatMessage(settingsMessages, locale, key, values);

/** Each language by its own name: an owner looks for "Magyar", not "Hungarian". */
const AUTONYM: Record<Locale, string> = { pl: 'Polski', hu: 'Magyar', sk: 'Slovenčina', cs: 'Čeština', de: 'Deutsch', en: 'English' };

const fieldOf = (issue: SettingsIssue): string | undefined => issue.path.split('.')[0];

/** The translated sentence for a refused field, by the field it names. */
function issueText(locale: Locale, issue: SettingsIssue): string {
  const field = fieldOf(issue);
  if (field === 'name') return settingsText(locale, 'error.name');
  if (field === 'timeZone') return settingsText(locale, 'error.timeZone');
  if (field === 'languages') return settingsText(locale, 'error.languages');
  if (field === 'locations') return settingsText(locale, 'error.locations');
  return settingsText(locale, 'error.choice');
}

export function ErrorList({ locale, errors }: { locale: Locale; errors: readonly SettingsIssue[] }): ReactNode {
  if (errors.length === 0) return null;
  const texts = [...new Set(errors.map((e) => issueText(locale, e)))];
  return (
    <div className="error" id="errors" role="alert">
      <p>{settingsText(locale, 'invalid')}</p>
      <ul>
        {texts.map((text) => (
          <li key={text}>{text}</li>
        ))}
      </ul>
    </div>
  );
}

interface SelectProps {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  value: string;
  invalid: boolean;
}

function Select({ name, label, options, value, invalid }: SelectProps): ReactNode {
  return (
    <p>
      <label>
        {label}
        <select name={name} id={name} defaultValue={value} aria-invalid={invalid ? true : undefined}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    </p>
  );
}

export function NameField({ locale, name, invalid }: { locale: Locale; name: string; invalid: boolean }): ReactNode {
  return (
    <p>
      <label>
        {settingsText(locale, 'shopName')}
        <input name="name" id="name" maxLength={80} required defaultValue={name} autoComplete="organization" aria-invalid={invalid ? true : undefined} />
      </label>
    </p>
  );
}

export function CountrySelect({ locale, country }: { locale: Locale; country: Country }): ReactNode {
  return (
    <Select
      name="country"
      label={settingsText(locale, 'country')}
      options={COUNTRY_CODES.map((c) => ({ value: c, label: settingsText(locale, `country.${c}`) }))}
      value={country}
      invalid={false}
    />
  );
}

export interface ShopFieldsProps {
  locale: Locale;
  settings: ShopSettings;
  errors: readonly SettingsIssue[];
  /** A published program counts in the shop's currency: it is shown, not offered for change. */
  currencyLocked: boolean;
  /** How many location rows to show (the Settings page adds one empty row to add a location). */
  locationRows: number;
}

/** Currency, language, time zone, languages offered, locations. */
export function ShopFields({ locale, settings: s, errors, currencyLocked, locationRows }: ShopFieldsProps): ReactNode {
  const bad = (field: string): boolean => errors.some((e) => fieldOf(e) === field);
  const zones = TIME_ZONES.includes(s.timeZone) ? TIME_ZONES : [s.timeZone, ...TIME_ZONES];
  const rows = [...s.locations];
  while (rows.length < locationRows) rows.push({ name: '', address: '' });
  return (
    <>
      {currencyLocked ? (
        <p>
          <label>
            {settingsText(locale, 'currency')}
            <select name="currency" id="currency" disabled defaultValue={s.currency}>
              <option value={s.currency}>{s.currency}</option>
            </select>
          </label>
          <input type="hidden" name="currency" value={s.currency} /> <span className="muted">{settingsText(locale, 'currencyLockedNote')}</span>
        </p>
      ) : (
        <Select
          name="currency"
          label={settingsText(locale, 'currency')}
          options={Object.keys(CURRENCIES).map((c) => ({ value: c, label: c }))}
          value={s.currency}
          invalid={bad('currency')}
        />
      )}
      <Select
        name="locale"
        label={settingsText(locale, 'language')}
        options={LOCALES.map((l) => ({ value: l, label: AUTONYM[l] }))}
        value={s.locale}
        invalid={bad('locale')}
      />
      <Select
        name="timeZone"
        label={settingsText(locale, 'timeZone')}
        options={zones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))}
        value={s.timeZone}
        invalid={bad('timeZone')}
      />
      <fieldset id="languages" aria-invalid={bad('languages') ? true : undefined}>
        <legend>{settingsText(locale, 'languages')}</legend>
        {LOCALES.map((l) => (
          <label key={l} className="choice">
            <input type="checkbox" name="languages" value={l} defaultChecked={s.languages.includes(l)} /> {AUTONYM[l]}{' '}
          </label>
        ))}
      </fieldset>
      <h2>{settingsText(locale, 'locations')}</h2>
      {locationRows > 1 ? <p className="muted">{settingsText(locale, 'locationHint')}</p> : null}
      {rows.map((l, i) => (
        <fieldset className="location" key={i}>
          <legend>{settingsText(locale, i === 0 && locationRows === 1 ? 'firstLocation' : 'locationName')}</legend>
          <p>
            <label>
              {settingsText(locale, 'locationName')}
              <input name="locationName" maxLength={60} defaultValue={l.name} />
            </label>
          </p>
          <p>
            <label>
              {settingsText(locale, 'locationAddress')}
              <textarea name="locationAddress" rows={2} cols={40} maxLength={200} defaultValue={l.address} />
            </label>
          </p>
        </fieldset>
      ))}
    </>
  );
}
