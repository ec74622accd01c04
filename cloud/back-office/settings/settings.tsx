import type { ReactNode } from 'react';
import type { Locale } from '../../../core/i18n/locales';
import type { SettingsIssue, ShopSettings } from '../../../core/shop-settings';
import { page } from '../../owner-pages';
import type { OwnerFrame } from '../layout';
import { CountrySelect, ErrorList, NameField, settingsText, ShopFields } from './shop-fields';

/** The owner's Settings page: every shop setting, the locations with one empty row to add one. Pure: data in, HTML out. */

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

export function SettingsBody(m: SettingsPageModel): ReactNode {
  const L = m.locale;
  const errors = m.errors ?? [];
  return (
    <>
      {m.saved ? (
        <p className="flash" id="flash" role="status">
          {settingsText(L, 'saved')}
        </p>
      ) : null}
      {m.refusal ? (
        <p className="error" id="errors" role="alert">
          {m.refusal}
        </p>
      ) : null}
      <ErrorList locale={L} errors={errors} />
      <form method="post" action="/owner/settings" id="settings" className="stack">
        <input type="hidden" name="csrf" value={m.frame.csrf} />
        <NameField locale={L} name={m.settings.name} invalid={errors.some((e) => e.path === 'name')} />
        <CountrySelect locale={L} country={m.settings.country} />
        <ShopFields locale={L} settings={m.settings} errors={errors} currencyLocked={m.currencyLocked} locationRows={m.settings.locations.length + 1} />
        <p>
          <button id="save">{settingsText(L, 'save')}</button>
        </p>
      </form>
    </>
  );
}

/** The Settings page in the back office's frame. */
export function settingsPage(m: SettingsPageModel): string {
  return page(m.locale, settingsText(m.locale, 'title'), <SettingsBody {...m} />, m.frame);
}
