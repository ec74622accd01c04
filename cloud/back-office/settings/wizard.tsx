import { createElement, type ReactNode } from 'react';
import type { Locale } from '../../../core/i18n/locales';
import { TEMPLATES, type TemplateKind } from '../../../core/program/templates';
import type { Country, SettingsIssue, ShopSettings } from '../../../core/shop-settings';
import { barePage } from '../../owner-pages';
import { CountrySelect, ErrorList, NameField, settingsText, ShopFields } from './shop-fields';

/**
 * The first-run wizard after the owner's set-up link: step 1 asks the shop's name and country, step 2
 * shows the country's defaults (editable), the first location and the program template. Pure: data
 * in, HTML out.
 */

interface WizardStartModel {
  locale: Locale;
  name: string;
  country: Country;
}

function WizardStartBody({ locale, name, country }: WizardStartModel): ReactNode {
  return (
    <>
      <p>{settingsText(locale, 'wizardIntro')}</p>
      <form method="get" action="/owner/welcome" id="wizard-start" className="stack">
        <NameField locale={locale} name={name} invalid={false} />
        <CountrySelect locale={locale} country={country} />
        <p>
          <button id="next">{settingsText(locale, 'next')}</button>
        </p>
      </form>
    </>
  );
}

/** Wizard step 1 (GET form, nothing saved): the shop's name and country, whose defaults step 2 fills in. */
export function wizardStartPage(locale: Locale, name: string, country: Country): string {
  return barePage(locale, settingsText(locale, 'wizardTitle'), <WizardStartBody locale={locale} name={name} country={country} />);
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

function WizardBody(m: WizardPageModel): ReactNode {
  const L = m.locale;
  const errors = m.errors ?? [];
  return (
    <>
      <ErrorList locale={L} errors={errors} />
      <form method="post" action="/owner/welcome" id="wizard" className="stack">
        <input type="hidden" name="csrf" value={m.csrf} />
        <NameField locale={L} name={m.settings.name} invalid={errors.some((e) => e.path === 'name')} />
        <CountrySelect locale={L} country={m.settings.country} />
        <p className="muted">{settingsText(L, 'defaultsNote')}</p>
        <ShopFields locale={L} settings={m.settings} errors={errors} currencyLocked={false} locationRows={1} />
        {m.offerTemplate ? (
          <fieldset id="templates">
            <legend>{settingsText(L, 'template')}</legend>
            {TEMPLATES.map((t) => (
              <p key={t}>
                <label className="choice">
                  <input type="radio" name="template" value={t} defaultChecked={t === m.template} /> {settingsText(L, `template.${t}`)}
                </label>
              </p>
            ))}
          </fieldset>
        ) : null}
        <p>
          <button id="finish">{settingsText(L, 'finish')}</button>
        </p>
      </form>
    </>
  );
}

/** Wizard step 2: the country's defaults (editable), the first location and the program template; POSTed with CSRF. */
export function wizardPage(m: WizardPageModel): string {
  return barePage(m.locale, settingsText(m.locale, 'wizardTitle'), createElement(WizardBody, m));
}
