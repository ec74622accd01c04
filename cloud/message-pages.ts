import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import { LANGUAGE_NAMES } from '../core/i18n/display';
import type { MessageRules } from '../core/message-rules';
import { page as ownerFrame, table } from './owner-pages';
import { escapeHtml, page } from './pages';
import type { MessageRow } from './message-store';
import type { CampaignPreview } from './messaging';
import { renderMail, renderSms, TEMPLATES } from './message-templates';
import { smsLength } from './sms-length';

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
): string {
  return `<section class="card" id="verify"><h2>${t(locale, 'verify.title')}</h2>
    <p id="verify-sent">${t(locale, 'verify.sent', { contact, points })}</p>
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

/** The owner's message rules: quiet hours on the shop's clock and the weekly cap, a CSRF-checked form. */
function rulesForm(locale: Locale, rules: MessageRules, zone: string, csrf: string, note?: { text: string; error: boolean }): string {
  return `<h2>${t(locale, 'owner.rules.title')}</h2>${
    note ? `<p class="flash${note.error ? ' error' : ''}" id="rules-note" role="status">${escapeHtml(note.text)}</p>` : ''
  }<form method="post" action="/owner/messages/rules" id="rules"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label>${t(locale, 'owner.rules.quietFrom')} <input type="time" name="quietFrom" value="${escapeHtml(rules.quiet?.from ?? '')}"></label>
<label>${t(locale, 'owner.rules.quietTo')} <input type="time" name="quietTo" value="${escapeHtml(rules.quiet?.to ?? '')}"></label>
<p class="muted">${t(locale, 'owner.rules.zone', { zone })}</p>
<label>${t(locale, 'owner.rules.cap')} <input type="number" name="weeklyCap" min="0" max="100" value="${rules.weeklyCap}" class="w5"></label>
<button>${t(locale, 'owner.rules.save')}</button></form>`;
}

/** How a text reads as an SMS: characters, parts and encoding (no transliteration: ą stays ą, and the SMS goes as UCS-2). */
function smsLine(locale: Locale, text: string): string {
  const length = smsLength(text);
  return t(locale, 'owner.winBack.sms', { units: length.units, parts: length.parts, encoding: length.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2' });
}

/**
 * The win-back before it goes: how many members, how many get the message and why the others do
 * not, the message in the owner's language, its SMS length in each language it goes out in, and the
 * form that credits the points and queues the messages (POST /owner/winback, as on the dashboard).
 */
export function winBackPreviewPage(m: {
  locale: Locale;
  shop: string;
  inactiveDays: number;
  campaign: string;
  points: number;
  preview: CampaignPreview;
  publicUrl: string;
  csrf: string;
}): string {
  const L = m.locale;
  const p = m.preview;
  const values = { shop: m.shop, points: m.points };
  const sample = `${m.publicUrl}/u/…`;
  const mail = renderMail(TEMPLATES.winBack, L, values, null, sample);
  const locales = [L, ...p.locales.filter((l) => l !== L)];
  const counts = (
    [
      ['already', p.already],
      ['noConsent', p.noConsent],
      ['noContact', p.noContact],
      ['capped', p.capped],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `<li id="winback-${key}">${t(L, `owner.winBack.${key}`, { n })}</li>`)
    .join('');
  const body = `<p id="winback-inactive">${t(L, 'owner.winBack.inactive', { n: p.members, days: m.inactiveDays })}</p>
<p id="winback-will-send" data-n="${p.willSend}"><strong>${t(L, 'owner.winBack.willSend', { n: p.willSend })}</strong></p>
${counts ? `<ul>${counts}</ul>` : ''}
<form method="get" action="/owner/messages/winback"><input type="hidden" name="inactive" value="${m.inactiveDays}">
<label>${t(L, 'owner.winBack.campaign')} <input name="campaign" value="${escapeHtml(m.campaign)}" pattern="[\\w-]{1,40}" required></label>
<label>${t(L, 'owner.winBack.points')} <input type="number" name="points" min="1" max="100000" value="${m.points}" required class="w6"></label>
<button>${t(L, 'owner.winBack.refresh')}</button></form>
<h2>${t(L, 'owner.winBack.preview', { language: LANGUAGE_NAMES[L] })}</h2>
<div class="card" id="winback-preview"><p><strong>${escapeHtml(mail.subject)}</strong></p><pre class="wrap">${escapeHtml(mail.text)}</pre></div>
<ul id="winback-sms">${locales
    .map((l) => `<li data-locale="${l}">${escapeHtml(LANGUAGE_NAMES[l])}: ${smsLine(L, renderSms(TEMPLATES.winBack, l, values, sample))}</li>`)
    .join('')}</ul>
<form method="post" action="/owner/winback" id="winback-send"><input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
<input type="hidden" name="inactive" value="${m.inactiveDays}"><input type="hidden" name="campaign" value="${escapeHtml(m.campaign)}">
<input type="hidden" name="points" value="${m.points}"><input type="hidden" name="back" value="/owner?inactive=${m.inactiveDays}">
<button>${t(L, 'owner.winBack.send')}</button></form>`;
  return ownerFrame(L, t(L, 'owner.winBack.title'), body, m.csrf);
}

export function undeliveredPage(
  locale: Locale,
  rows: MessageRow[],
  csrf: string,
  rules: { rules: MessageRules; zone: string; note?: { text: string; error: boolean } },
): string {
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
  const settings = rulesForm(locale, rules.rules, rules.zone, csrf, rules.note);
  return ownerFrame(
    locale,
    t(locale, 'owner.title'),
    `${settings}<p><a href="/owner/messages/winback" id="winback-link">${t(locale, 'owner.winBack.link')}</a></p><h2>${t(locale, 'owner.title')}</h2>${body}`,
    csrf,
  );
}
