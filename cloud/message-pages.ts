import { createElement } from 'react';
import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import {
  Campaign,
  TextsEditor,
  Undelivered,
  WinBackPreview,
  type CampaignModel,
  type TextsModel,
  type UndeliveredModel,
  type WinBackModel,
} from './back-office/messages/owner-messages';
import type { MessageRow } from './message-store';
import { page as ownerFrame } from './owner-pages';
import type { OwnerFrame } from './back-office/layout';
import { contactField, escapeHtml, page } from './pages';

export {
  EDITABLE_PURPOSES,
  editableFields,
  previewMessage,
  previewsOf,
  SAMPLE_NAME,
  textCheckWords,
  type EditableField,
  type EditablePurpose,
  type MessagePreview,
  type PreviewOf,
  type PreviewSample,
} from './message-text-groups';

/**
 * Phone pages that open a card by a one-time code, the unsubscribe page and the offers switch (HTML
 * strings), and the owner's message pages: React bodies (cloud/back-office/messages/) in the back
 * office's frame. Pure: data in, HTML out.
 */

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
      ${contactField(locale, contact, 'open-error')}
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

/**
 * The card's box for a new member whose welcome bonus waits for the code sent to their contact
 * (cloud/join-verification.ts): the code form (POST /m/verify) and "send a new code"
 * (POST /m/verify/resend). `note` is the answer to the last of those.
 */
export function verifySection(
  locale: Locale,
  contact: string,
  points: number,
  note?: { key: 'verify.wrong' | 'verify.tooMany' | 'verify.resent'; error: boolean },
  canSend = true,
  referred = false,
): string {
  // No sender for the contact's channel (no SMTP / SMS configured): no code can reach it, so the box says so instead of asking for one.
  if (!canSend)
    return `<section class="card" id="verify"><h2>${t(locale, 'verify.title')}</h2><p id="verify-unsendable">${t(locale, 'verify.noSender', { contact })}</p></section>`;
  return `<section class="card" id="verify"><h2>${t(locale, 'verify.title')}</h2>
    <p id="verify-sent">${t(locale, referred ? 'verify.sentReferred' : 'verify.sent', { contact, points })}</p>
    ${note ? `<p class="${note.error ? 'error' : 'ok'}" id="verify-note" role="${note.error ? 'alert' : 'status'}">${t(locale, note.key, { contact })}</p>` : ''}
    <form method="post" action="/m/verify" novalidate><label for="verify-code">${t(locale, 'verify.code')}</label>
      <input type="text" id="verify-code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]*" maxlength="6">
      <button type="submit" id="verify-submit">${t(locale, 'verify.submit')}</button></form>
    <form method="post" action="/m/verify/resend"><button type="submit" class="link" id="verify-resend">${t(locale, 'verify.resend')}</button></form></section>`;
}

export function unsubscribePage(locale: Locale, shop: string, action: string, done: boolean): string {
  const body = done
    ? `<p class="ok" id="unsubscribed" role="status">${t(locale, 'unsub.done', { shop })}</p>`
    : `<form method="post" action="${escapeHtml(action)}" class="card"><p>${t(locale, 'unsub.confirm', { shop })}</p>
      <button type="submit" id="unsubscribe">${t(locale, 'unsub.button')}</button></form>`;
  return page(locale, t(locale, 'unsub.title'), `<h1>${t(locale, 'unsub.title')}</h1>${body}`);
}

/**
 * The offers switch on the member card: one click to stop them, one to agree (with the consent text,
 * whose version is logged). The form posts to /m/offers with the member cookie (SameSite=Lax) and is
 * refused from another site.
 */
export function offersSection(locale: Locale, shop: string, on: boolean): string {
  return `<form method="post" action="/m/offers" class="card" id="offers"><h2>${t(locale, 'card.offers.title')}</h2>
    ${
      on
        ? `<p id="offers-state" data-on="yes">${t(locale, 'card.offers.on', { shop })}</p><input type="hidden" name="offers" value="no">
    <button type="submit" id="offers-withdraw">${t(locale, 'card.offers.withdraw')}</button>`
        : `<p id="offers-state" data-on="no">${t(locale, 'card.offers.off', { shop })}</p><p class="muted">${t(locale, 'card.offers.consent', { shop })}</p>
    <input type="hidden" name="offers" value="yes"><button type="submit" id="offers-grant">${t(locale, 'card.offers.grant')}</button>`
    }</form>`;
}

/** The win-back before it goes (cloud/back-office/messages/owner-messages.tsx), in the back office's frame. */
export function winBackPreviewPage(m: WinBackModel): string {
  return ownerFrame(m.locale, formatMessage(messageTexts, m.locale, 'owner.winBack.title'), createElement(WinBackPreview, m), m.frame);
}

/** The messages page: the rules, the links to texts, campaign and win-back, and the undelivered messages with why. */
export function undeliveredPage(locale: Locale, rows: MessageRow[], frame: OwnerFrame, rules: UndeliveredModel['rules']): string {
  return ownerFrame(locale, formatMessage(messageTexts, locale, 'owner.title'), createElement(Undelivered, { locale, rows, frame, rules }), frame);
}

/** The texts editor: every group in every language, the chosen group's form and its previews. */
export function textsPage(m: TextsModel): string {
  return ownerFrame(m.locale, formatMessage(messageTexts, m.locale, 'owner.texts.title'), createElement(TextsEditor, m), m.frame);
}

/** The owner's campaign: a text per language, the count of who gets it and why the others not, a preview, and the send button. */
export function campaignPage(m: CampaignModel): string {
  return ownerFrame(m.locale, formatMessage(messageTexts, m.locale, 'owner.campaign.title'), createElement(Campaign, m), m.frame);
}
