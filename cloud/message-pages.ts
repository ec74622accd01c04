import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import { page as ownerFrame, table } from './owner-pages';
import { escapeHtml, page } from './pages';
import type { MessageRow } from './message-store';

/** Phone pages that open a card by a one-time code, the unsubscribe page, the owner's undelivered messages. Pure: data in, HTML out. */

const t = (locale: Locale, key: MessageTextKey, values: Record<string, string | number> = {}): string =>
  escapeHtml(formatMessage(messageTexts, locale, key, values));

/** Step 1: the contact. */
export function openContactPage(locale: Locale, contact = '', error?: MessageTextKey): string {
  return page(
    locale,
    t(locale, 'open.title'),
    `<h1>${t(locale, 'open.title')}</h1>
    <form method="post" action="/m/open" class="card" novalidate><p>${t(locale, 'open.intro')}</p>
      <label for="contact">${t(locale, 'open.contact')}</label>
      <input type="text" id="contact" name="contact" autocomplete="tel" inputmode="email" maxlength="254" value="${escapeHtml(contact)}">
      ${error ? `<p class="error" id="open-error" role="alert">${t(locale, error)}</p>` : ''}
      <button type="submit" id="send-code">${t(locale, 'open.send')}</button></form>`,
  );
}

/**
 * Step 2: the code. The same page whether or not the contact is a member's (it says "if it belongs
 * to a member"), so the form does not tell who is one.
 */
export function openCodePage(locale: Locale, contact: string, error?: MessageTextKey): string {
  return page(
    locale,
    t(locale, 'open.title'),
    `<h1>${t(locale, 'open.title')}</h1>
    <form method="post" action="/m/open/code" class="card" novalidate>
      <p id="open-sent">${t(locale, 'open.sent', { contact })}</p>
      <input type="hidden" name="contact" value="${escapeHtml(contact)}">
      <label for="code">${t(locale, 'open.code')}</label>
      <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]*" maxlength="6">
      ${error ? `<p class="error" id="open-error" role="alert">${t(locale, error)}</p>` : ''}
      <button type="submit" id="verify-code">${t(locale, 'open.verify')}</button></form>
    <p><a href="/m/open" class="muted">${t(locale, 'open.again')}</a></p>`,
  );
}

export function unsubscribePage(locale: Locale, shop: string, action: string, done: boolean): string {
  const body = done
    ? `<p class="ok" id="unsubscribed" role="status">${t(locale, 'unsub.done', { shop })}</p>`
    : `<form method="post" action="${escapeHtml(action)}" class="card"><p>${t(locale, 'unsub.confirm', { shop })}</p>
      <button type="submit" id="unsubscribe">${t(locale, 'unsub.button')}</button></form>`;
  return page(locale, t(locale, 'unsub.title'), `<h1>${t(locale, 'unsub.title')}</h1>${body}`);
}

export function undeliveredPage(locale: Locale, rows: MessageRow[], csrf: string): string {
  const body =
    rows.length === 0
      ? `<p id="no-undelivered">${t(locale, 'owner.none')}</p>`
      : table(
          'undelivered',
          ['when', 'member', 'purpose', 'channel', 'state', 'reason'].map((k) => t(locale, `owner.${k}` as MessageTextKey)),
          rows.map((r) => [
            escapeHtml(r.created_at.slice(0, 16).replace('T', ' ')),
            r.member_id
              ? `<a href="/owner/members/${encodeURIComponent(r.member_id)}">${escapeHtml(r.recipient ?? r.member_id)}</a>`
              : escapeHtml(r.recipient ?? ''),
            escapeHtml(`${r.purpose} (${r.kind})`),
            escapeHtml(r.channel),
            escapeHtml(r.state),
            escapeHtml(r.reason ?? ''),
          ]),
        );
  return ownerFrame(locale, t(locale, 'owner.title'), body, csrf);
}
