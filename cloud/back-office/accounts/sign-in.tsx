import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { barePage } from '../../owner-pages';
import { accountText, type AccountKey } from './accounts';

/**
 * The pages before a session: sign-in (name + password + TOTP code for accounts; below it the owner
 * token form, kept for scripts and for a hub with no account yet) and the one-time set-up or
 * invitation link's form. Pure: data in, HTML out.
 */

type LoginError = 'account' | 'totp-required' | 'token';

function LoginBody({ locale, error }: { locale: Locale; error: LoginError | undefined }): ReactNode {
  const owner = (key: keyof typeof ownerMessages.en): string => formatMessage(ownerMessages, locale, key);
  const message =
    error === 'token'
      ? owner('loginFailed')
      : error === 'totp-required'
        ? accountText(locale, 'totpRequired')
        : error === 'account'
          ? accountText(locale, 'loginFailed')
          : '';
  return (
    <>
      {message ? (
        <p className="error" id="login-error">
          {message}
        </p>
      ) : null}
      <form method="post" action="/owner/login" id="account-login" className="stack">
        <p>
          <label>
            {accountText(locale, 'name')} <input name="name" autoComplete="username" autoCapitalize="none" spellCheck={false} />
          </label>
        </p>
        <p>
          <label>
            {accountText(locale, 'password')} <input type="password" name="password" autoComplete="current-password" />
          </label>
        </p>
        <p>
          <label>
            {accountText(locale, 'totp')} <input name="totp" inputMode="numeric" autoComplete="one-time-code" maxLength={8} />
          </label>
        </p>
        <button>{accountText(locale, 'signIn')}</button>
      </form>
      <h2>{accountText(locale, 'orToken')}</h2>
      <form method="post" action="/owner/login" id="token-login" className="stack">
        <label>
          {owner('token')} <input type="password" name="token" autoComplete="off" />
        </label>{' '}
        <button>{owner('login')}</button>
      </form>
    </>
  );
}

/** The sign-in page; `error` says why the last attempt failed. */
export function ownerLoginPage(locale: Locale, error?: LoginError): string {
  return barePage(locale, accountText(locale, 'loginTitle'), <LoginBody locale={locale} error={error} />);
}

interface SetupModel {
  locale: Locale;
  action: string;
  error: AccountKey | undefined;
  name: string;
}

function SetupBody({ locale, action, error, name }: SetupModel): ReactNode {
  return (
    <>
      {error ? (
        <p className="error" id="setup-error">
          {accountText(locale, error)}
        </p>
      ) : null}
      <p>{accountText(locale, 'setupHint')}</p>
      <form method="post" action={action} className="stack">
        <p>
          <label>
            {accountText(locale, 'name')} <input name="name" autoComplete="username" autoCapitalize="none" spellCheck={false} defaultValue={name} />
          </label>
        </p>
        <p>
          <label>
            {accountText(locale, 'password')} <input type="password" name="password" autoComplete="new-password" />
          </label>
        </p>
        <button>{accountText(locale, 'create')}</button>
      </form>
    </>
  );
}

/** The one-time set-up (role owner) or invitation (manager) link's form; with no role the link cannot be used. */
export function setupPage(locale: Locale, role: 'owner' | 'manager' | undefined, action: string, error?: AccountKey, name = ''): string {
  if (!role)
    return barePage(
      locale,
      accountText(locale, 'setupTitle'),
      <p className="error" id="setup-error">
        {accountText(locale, 'setupInvalid')}
      </p>,
    );
  return barePage(
    locale,
    accountText(locale, role === 'manager' ? 'inviteTitle' : 'setupTitle'),
    <SetupBody locale={locale} action={action} error={error} name={name} />,
  );
}
