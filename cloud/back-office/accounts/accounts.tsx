import type { ReactNode } from 'react';
import { API_KEY_NAME_MAX } from '../../../core/accounts';
import { ownerAccountMessages } from '../../../core/i18n/accounts';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import type { Locale } from '../../../core/i18n/locales';
import { page } from '../../owner-pages';
import type { ApiKeyInfo, OwnerAccount, OwnerPrincipal } from '../../owner-accounts';
import type { OwnerFrame } from '../layout';
import { DataTable, type Column } from '../table';

/** The accounts page (part of Settings): accounts, invitations, API keys (owner only) and the signed-in account's TOTP. Pure: data in, HTML out. */

export type AccountKey = keyof typeof ownerAccountMessages.en;
export const accountText = (locale: Locale, key: AccountKey, values: Record<string, string | number> = {}): string =>
  formatMessage(ownerAccountMessages, locale, key, values);

export interface AccountsPageModel {
  locale: Locale;
  /** The shop's time zone (shop settings), for the days accounts and keys were made and used. */
  timeZone: string;
  who: OwnerPrincipal;
  frame: OwnerFrame;
  accounts: readonly OwnerAccount[];
  keys: readonly ApiKeyInfo[];
  /** Just made: an invitation link or an API key, shown once. */
  inviteLink?: string;
  newKey?: string;
  /** TOTP being set up for the signed-in account. */
  totp?: { secret: string; uri: string; wrong?: boolean };
  totpEnabled?: boolean;
  /** A removal or demotion of the last owner was refused. */
  lastOwner?: boolean;
  /** A new key's name was refused (nothing was made): why, and the name as typed, to correct. */
  keyError?: 'key-name-empty' | 'key-name-too-long';
  keyName?: string;
}

const Csrf = ({ csrf }: { csrf: string }): ReactNode => <input type="hidden" name="csrf" value={csrf} />;

/** An owner's buttons on an account's row: the other role, and removal (the hub refuses them for the last owner). */
function AccountActions({ locale, account, csrf }: { locale: Locale; account: OwnerAccount; csrf: string }): ReactNode {
  const other = account.role === 'owner' ? 'manager' : 'owner';
  const base = `/owner/accounts/${encodeURIComponent(account.id)}`;
  return (
    <>
      <form method="post" action={`${base}/role`}>
        <Csrf csrf={csrf} />
        <input type="hidden" name="role" value={other} />
        <button>{accountText(locale, other === 'owner' ? 'makeOwner' : 'makeManager')}</button>
      </form>
      <form method="post" action={`${base}/remove`}>
        <Csrf csrf={csrf} />
        <button>{accountText(locale, 'removeAccount')}</button>
      </form>
    </>
  );
}

function Totp({ m }: { m: AccountsPageModel }): ReactNode {
  const L = m.locale;
  const me = m.accounts.find((a) => a.id === m.who.accountId);
  if (!me) return <p>{accountText(L, 'tokenSession')}</p>;
  if (me.totp || m.totpEnabled) return <p id="totp-on">{accountText(L, 'totpEnabled')}</p>;
  if (m.totp)
    return (
      <>
        {m.totp.wrong ? (
          <p className="error" id="totp-error">
            {accountText(L, 'totpWrong')}
          </p>
        ) : null}
        <p>{accountText(L, 'totpScan')}</p>
        <p>
          <a id="totp-uri" href={m.totp.uri}>
            {m.totp.uri}
          </a>
        </p>
        <p>
          {accountText(L, 'totpSecret')}: <code id="totp-secret">{m.totp.secret}</code>
        </p>
        <form method="post" action="/owner/totp/confirm">
          <Csrf csrf={m.frame.csrf} />
          <label>
            {accountText(L, 'totp')} <input name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={8} />
          </label>{' '}
          <button>{accountText(L, 'totpConfirm')}</button>
        </form>
      </>
    );
  return (
    <form method="post" action="/owner/totp/start">
      <Csrf csrf={m.frame.csrf} />
      <button>{accountText(L, 'totpStart')}</button>
    </form>
  );
}

export function AccountsBody(m: AccountsPageModel): ReactNode {
  const L = m.locale;
  const day = (iso: string): string => formatInstant(iso, L, m.timeZone, 'date');
  const moment = (iso: string): string => formatInstant(iso, L, m.timeZone, 'dateTime');
  const csrf = m.frame.csrf;
  const owner = m.who.role === 'owner';
  const accountColumns: Column<OwnerAccount>[] = [
    { label: accountText(L, 'col.name'), cell: (a) => a.name },
    { label: accountText(L, 'col.role'), cell: (a) => accountText(L, 'role', { role: a.role }) },
    { label: accountText(L, 'col.twoStep'), cell: (a) => (a.totp ? accountText(L, 'totpOn') : '') },
    { label: accountText(L, 'col.created'), cell: (a) => day(a.createdAt) },
    ...(owner ? [{ label: accountText(L, 'col.actions'), cell: (a: OwnerAccount) => <AccountActions locale={L} account={a} csrf={csrf} /> }] : []),
  ];
  return (
    <>
      {/* The table stays (its header row) with a bearer credential and no account yet. */}
      <DataTable id="accounts" rowKey={(a) => a.id} rowData={(a) => ({ account: a.id })} columns={accountColumns} rows={m.accounts} />
      {m.lastOwner ? (
        <p className="error" id="last-owner" role="alert">
          {accountText(L, 'lastOwner')}
        </p>
      ) : null}
      {owner ? (
        <>
          {m.inviteLink ? (
            <p id="invite-link">
              {accountText(L, 'inviteLink')} <code>{m.inviteLink}</code>
            </p>
          ) : null}
          <form method="post" action="/owner/accounts/invite">
            <Csrf csrf={csrf} />
            <button>{accountText(L, 'inviteManager')}</button>
          </form>
          <h2>{accountText(L, 'apiKeys')}</h2>
          {m.newKey ? (
            <p id="new-key">
              {accountText(L, 'keyCreated')} <code>{m.newKey}</code>
            </p>
          ) : null}
          {/* A key is shown by the name its owner gave it; its id is only in the revoke form's address. */}
          <DataTable
            id="api-keys"
            empty={{ text: accountText(L, 'noKeys') }}
            rowKey={(k) => k.id}
            columns={[
              { label: accountText(L, 'col.name'), cell: (k) => k.name },
              { label: accountText(L, 'col.created'), cell: (k) => moment(k.createdAt) },
              { label: accountText(L, 'col.createdBy'), cell: (k) => k.createdBy },
              { label: accountText(L, 'col.lastUsed'), cell: (k) => (k.lastUsedAt ? moment(k.lastUsedAt) : accountText(L, 'never')) },
              {
                label: accountText(L, 'col.actions'),
                cell: (k) => (
                  <form method="post" action={`/owner/api-keys/${encodeURIComponent(k.id)}/revoke`}>
                    <Csrf csrf={csrf} />
                    <button>{accountText(L, 'revoke')}</button>
                  </form>
                ),
              },
            ]}
            rows={m.keys}
          />
          {m.keyError ? (
            <p className="error" id="key-error" role="alert">
              {accountText(L, `error.${m.keyError}`, { max: API_KEY_NAME_MAX })}
            </p>
          ) : null}
          <form method="post" action="/owner/api-keys">
            <Csrf csrf={csrf} />
            <label>
              {accountText(L, 'keyName')}{' '}
              <input
                name="name"
                defaultValue={m.keyName}
                maxLength={API_KEY_NAME_MAX}
                required
                autoComplete="off"
                aria-invalid={m.keyError ? true : undefined}
                aria-describedby={m.keyError ? 'key-error' : undefined}
              />
            </label>{' '}
            <button>{accountText(L, 'createKey')}</button>
          </form>
        </>
      ) : null}
      <h2>{accountText(L, 'totpTitle')}</h2>
      <Totp m={m} />
    </>
  );
}

/** The accounts page in the back office's frame. */
export function accountsPage(m: AccountsPageModel): string {
  return page(m.locale, accountText(m.locale, 'accounts'), <AccountsBody {...m} />, m.frame);
}
