import { formatMessage } from '../core/i18n/catalog';
import { memberSessionMessages, ownerAccountMessages } from '../core/i18n/accounts';
import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';
import type { MemberSession } from './member-sessions';
import type { ApiKeyInfo, OwnerAccount, OwnerPrincipal } from './owner-accounts';
import { barePage, page, tr } from './owner-pages';
import type { OwnerFrame } from './back-office/layout';
import { escapeHtml } from './pages';

/** Server-rendered pages of sessions and accounts: the card's "signed in on …", owner sign-in, set-up link, accounts. Pure: data in, HTML out. */

type SessionKey = keyof typeof memberSessionMessages.en;
type AccountKey = keyof typeof ownerAccountMessages.en;
const ts = (locale: Locale, key: SessionKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(memberSessionMessages, locale, key, values));
export const ta = (locale: Locale, key: AccountKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(ownerAccountMessages, locale, key, values));

/** The card's list of signed-in devices, with "sign out" per device and "sign out everywhere" (forms carry the session's CSRF token). */
export function sessionsCard(locale: Locale, timeZone: string, sessions: readonly MemberSession[], current: string | undefined, csrf: string): string {
  const rows = sessions
    .map((s) => {
      const text = ts(locale, 'row', {
        device: s.device ?? formatMessage(memberSessionMessages, locale, 'unknownDevice'),
        date: formatInstant(s.createdAt, locale, timeZone, 'date'),
      });
      const mine = s.ref === current ? ` <strong class="this-device">(${ts(locale, 'thisDevice')})</strong>` : '';
      return `<li class="session" data-ref="${escapeHtml(s.ref)}"><span>${text}${mine}</span>
        <form method="post" action="/m/sessions/end"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="ref" value="${escapeHtml(
          s.ref,
        )}"><button type="submit" class="sign-out">${ts(locale, 'signOut')}</button></form></li>`;
    })
    .join('');
  return `<div class="card" id="sessions"><h2>${ts(locale, 'title')}</h2><ul>${rows}</ul>
    <form method="post" action="/m/sessions/end-all"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit" id="sign-out-everywhere">${ts(
      locale,
      'signOutEverywhere',
    )}</button></form></div>`;
}

export const sessionText = (locale: Locale, key: 'signedOutEverywhere' | 'ended'): string => formatMessage(memberSessionMessages, locale, key);

/**
 * Sign-in: name (e-mail) + password (+ TOTP code) for accounts; below it the owner token form
 * (`HUB_OWNER_TOKEN` or the generated one), kept for scripts and for a hub with no account yet.
 */
export function ownerLoginPage(locale: Locale, error?: 'account' | 'totp-required' | 'token'): string {
  const message =
    error === 'token'
      ? tr(locale, 'loginFailed')
      : error === 'totp-required'
        ? ta(locale, 'totpRequired')
        : error === 'account'
          ? ta(locale, 'loginFailed')
          : '';
  return barePage(
    locale,
    ta(locale, 'loginTitle'),
    `${message ? `<p class="error" id="login-error">${message}</p>` : ''}
<form method="post" action="/owner/login" id="account-login"><p><label>${ta(locale, 'name')} <input name="name" autocomplete="username"></label></p>
<p><label>${ta(locale, 'password')} <input type="password" name="password" autocomplete="current-password"></label></p>
<p><label>${ta(locale, 'totp')} <input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="8"></label></p>
<button>${ta(locale, 'signIn')}</button></form>
<h2>${ta(locale, 'orToken')}</h2>
<form method="post" action="/owner/login" id="token-login"><label>${tr(locale, 'token')} <input type="password" name="token" autocomplete="off"></label>
<button>${tr(locale, 'login')}</button></form>`,
  );
}

/** The one-time set-up (role owner) or invitation (manager) link's form; `invalid` when the link cannot be used. */
export function setupPage(locale: Locale, role: 'owner' | 'manager' | undefined, action: string, error?: AccountKey, name = ''): string {
  const title = ta(locale, role === 'manager' ? 'inviteTitle' : 'setupTitle');
  if (!role) return barePage(locale, ta(locale, 'setupTitle'), `<p class="error" id="setup-error">${ta(locale, 'setupInvalid')}</p>`);
  return barePage(
    locale,
    title,
    `${error ? `<p class="error" id="setup-error">${ta(locale, error)}</p>` : ''}<p>${ta(locale, 'setupHint')}</p>
<form method="post" action="${escapeHtml(action)}"><p><label>${ta(locale, 'name')} <input name="name" autocomplete="username" value="${escapeHtml(name)}"></label></p>
<p><label>${ta(locale, 'password')} <input type="password" name="password" autocomplete="new-password"></label></p><button>${ta(locale, 'create')}</button></form>`,
  );
}

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
}

/** An owner's buttons on an account's row: the other role, and removal (the hub refuses them for the last owner). */
function accountActions(L: Locale, a: OwnerAccount, csrf: string): string {
  const other = a.role === 'owner' ? 'manager' : 'owner';
  const base = `/owner/accounts/${escapeHtml(a.id)}`;
  return `<td><form method="post" action="${base}/role">${csrf}<input type="hidden" name="role" value="${other}"><button>${ta(
    L,
    other === 'owner' ? 'makeOwner' : 'makeManager',
  )}</button></form></td><td><form method="post" action="${base}/remove">${csrf}<button>${ta(L, 'removeAccount')}</button></form></td>`;
}

/** Accounts, invitations, API keys (owner only) and the signed-in account's TOTP. */
export function accountsPage(m: AccountsPageModel): string {
  const L = m.locale;
  const day = (locale: Locale, iso: string): string => formatInstant(iso, locale, m.timeZone, 'date');
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(m.frame.csrf)}">`;
  const me = m.accounts.find((a) => a.id === m.who.accountId);
  const accounts = `<table id="accounts"><tbody>${m.accounts
    .map(
      (a) =>
        `<tr data-account="${escapeHtml(a.id)}"><td>${escapeHtml(a.name)}</td><td>${ta(L, 'role', { role: a.role })}</td><td>${a.totp ? ta(L, 'totpOn') : ''}</td><td>${escapeHtml(day(L, a.createdAt))}</td>${
          m.who.role === 'owner' ? accountActions(L, a, csrf) : ''
        }</tr>`,
    )
    .join('')}</tbody></table>${m.lastOwner ? `<p class="error" id="last-owner" role="alert">${ta(L, 'lastOwner')}</p>` : ''}`;
  const invite =
    m.who.role === 'owner'
      ? `${m.inviteLink ? `<p id="invite-link">${ta(L, 'inviteLink')} <code>${escapeHtml(m.inviteLink)}</code></p>` : ''}
<form method="post" action="/owner/accounts/invite">${csrf}<button>${ta(L, 'inviteManager')}</button></form>`
      : '';
  const keys =
    m.who.role === 'owner'
      ? `<h2>${ta(L, 'apiKeys')}</h2>${m.newKey ? `<p id="new-key">${ta(L, 'keyCreated')} <code>${escapeHtml(m.newKey)}</code></p>` : ''}
${
  m.keys.length === 0
    ? `<p>${ta(L, 'noKeys')}</p>`
    : `<table id="api-keys"><tbody>${m.keys
        .map(
          (
            k,
          ) => `<tr data-key="${escapeHtml(k.id)}"><td>${escapeHtml(k.name)}</td><td><code>lko_${escapeHtml(k.id)}_…</code></td><td>${escapeHtml(day(L, k.createdAt))} · ${escapeHtml(
            k.createdBy,
          )}</td><td>${k.lastUsedAt ? ta(L, 'lastUsed', { date: day(L, k.lastUsedAt) }) : ta(L, 'never')}</td>
<td><form method="post" action="/owner/api-keys/${escapeHtml(k.id)}/revoke">${csrf}<button>${ta(L, 'revoke')}</button></form></td></tr>`,
        )
        .join('')}</tbody></table>`
}
<form method="post" action="/owner/api-keys">${csrf}<label>${ta(L, 'keyName')} <input name="name" maxlength="80" required></label> <button>${ta(L, 'createKey')}</button></form>`
      : '';
  let totp = '';
  if (!me) totp = `<p>${ta(L, 'tokenSession')}</p>`;
  else if (me.totp || m.totpEnabled) totp = `<p id="totp-on">${ta(L, 'totpEnabled')}</p>`;
  else if (m.totp)
    totp = `${m.totp.wrong ? `<p class="error" id="totp-error">${ta(L, 'totpWrong')}</p>` : ''}<p>${ta(L, 'totpScan')}</p>
<p><a id="totp-uri" href="${escapeHtml(m.totp.uri)}">${escapeHtml(m.totp.uri)}</a></p><p>${ta(L, 'totpSecret')}: <code id="totp-secret">${escapeHtml(m.totp.secret)}</code></p>
<form method="post" action="/owner/totp/confirm">${csrf}<label>${ta(L, 'totp')} <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8"></label> <button>${ta(
      L,
      'totpConfirm',
    )}</button></form>`;
  else totp = `<form method="post" action="/owner/totp/start">${csrf}<button>${ta(L, 'totpStart')}</button></form>`;
  return page(L, ta(L, 'accounts'), `${accounts}${invite}${keys}<h2>${ta(L, 'totpTitle')}</h2>${totp}`, m.frame);
}
