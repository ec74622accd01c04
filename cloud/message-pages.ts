import { formatMessage } from '../core/i18n/catalog';
import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import { LANGUAGE_NAMES } from '../core/i18n/display';
import type { MessageRules } from '../core/message-rules';
import { page as ownerFrame, table, tr } from './owner-pages';
import { escapeHtml, page } from './pages';
import type { MessageRow } from './message-store';
import type { CampaignPreview } from './messaging';
import { reasonText } from './message-reasons';
import { LOCALES } from '../core/i18n/locales';
import type { TextCheck } from '../core/i18n/message-edit';
import { openCardAction, renderMail, renderSms, TEMPLATES, WITH_OPEN_CARD, type MessageCatalog, type Purpose, type RenderedMail } from './message-templates';
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

/** A stored reason (English, for the log) in the owner's words; nothing of a provider's error reaches the page. */
function why(locale: Locale, reason: string): string {
  const { key, values } = reasonText(reason);
  return t(locale, key, values);
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
            escapeHtml(formatInstant(r.created_at, locale, rules.zone)),
            r.member_id
              ? `<a href="/owner/members/${encodeURIComponent(r.member_id)}">${r.recipient === null ? tr(locale, 'member') : escapeHtml(r.recipient)}</a>`
              : escapeHtml(r.recipient ?? ''),
            `${t(locale, 'owner.purposeName', { purpose: r.purpose })} (${t(locale, 'owner.kindName', { kind: r.kind })})`,
            t(locale, 'owner.channelName', { channel: r.channel }),
            t(locale, 'owner.stateName', { state: r.state }),
            r.reason === null ? '' : why(locale, r.reason),
          ]),
        );
  const settings = rulesForm(locale, rules.rules, rules.zone, csrf, rules.note);
  return ownerFrame(
    locale,
    t(locale, 'owner.title'),
    `${settings}<ul><li><a href="/owner/messages/texts" id="texts-link">${t(locale, 'owner.texts.link')}</a></li>
<li><a href="/owner/messages/campaign" id="campaign-link">${t(locale, 'owner.campaign.link')}</a></li>
<li><a href="/owner/messages/winback" id="winback-link">${t(locale, 'owner.winBack.link')}</a></li></ul><h2>${t(locale, 'owner.title')}</h2>${body}`,
    csrf,
  );
}

// ---- the owner's message texts ---------------------------------------------------------------------

/**
 * The texts the owner edits here, in groups: each message's subject and body, and the greeting and
 * footer every e-mail shares (a campaign's texts are written with the campaign). The query's and
 * form's `purpose` names the group.
 */
export const EDITABLE_PURPOSES = ['welcome', 'code', 'rewardReady', 'pointsExpiring', 'birthday', 'winBack', 'greeting', 'footer'] as const;
export type EditablePurpose = (typeof EDITABLE_PURPOSES)[number];

/** One field of a group's form: its form name, the catalog key it edits and its label. */
export interface EditableField {
  name: 'subject' | 'body' | 'hello' | 'helloAnon' | 'footerService' | 'footerMarketing' | 'unsubscribe';
  key: MessageTextKey;
  label: MessageTextKey;
  rows: number;
}

/** A message the preview shows for a group, and whether it greets the member by name. */
export interface PreviewOf {
  purpose: Purpose;
  named: boolean;
}

const SHARED: Record<'greeting' | 'footer', { fields: EditableField[]; previews: PreviewOf[] }> = {
  // Both greetings: a member who gave a name, and one who did not.
  greeting: {
    fields: [
      { name: 'hello', key: 'mail.hello', label: 'owner.texts.hello', rows: 1 },
      { name: 'helloAnon', key: 'mail.helloAnon', label: 'owner.texts.helloAnon', rows: 1 },
    ],
    previews: [
      { purpose: 'welcome', named: true },
      { purpose: 'welcome', named: false },
    ],
  },
  // The footer of a service message and of an offer (with its unsubscribe link).
  footer: {
    fields: [
      { name: 'footerService', key: 'mail.footer.service', label: 'owner.texts.footerService', rows: 2 },
      { name: 'footerMarketing', key: 'mail.footer.marketing', label: 'owner.texts.footerMarketing', rows: 2 },
      { name: 'unsubscribe', key: 'mail.unsubscribe', label: 'owner.texts.unsubscribe', rows: 1 },
    ],
    previews: [
      { purpose: 'welcome', named: false },
      { purpose: 'winBack', named: false },
    ],
  },
};

/** The fields of a group's form. */
export function editableFields(group: EditablePurpose): EditableField[] {
  if (group === 'greeting' || group === 'footer') return SHARED[group].fields;
  return [
    { name: 'subject', key: TEMPLATES[group].subject, label: 'owner.texts.subject', rows: 2 },
    { name: 'body', key: TEMPLATES[group].paragraphs[0]!, label: 'owner.texts.body', rows: 5 },
  ];
}

/** The messages a group's preview shows: the message itself, or messages that show the shared texts. */
export function previewsOf(group: EditablePurpose): PreviewOf[] {
  return group === 'greeting' || group === 'footer' ? SHARED[group].previews : [{ purpose: group, named: false }];
}

/** Sample values a preview is filled with: the shop's own name, first reward and birthday offer, a date 14 days on. */
export interface PreviewSample {
  shop: string;
  publicUrl: string;
  reward: string;
  date: string;
  birthday: { window: string; points: number };
}

/** The name a preview greets by, when it shows the greeting with a name. */
export const SAMPLE_NAME = 'Anna';

export interface MessagePreview extends RenderedMail {
  sms: string;
}

/**
 * A message as the outbox would write it from `catalog` (the same template, button and unsubscribe
 * link, the same render functions), with sample values in place of a member's.
 */
export function previewMessage(purpose: Purpose, locale: Locale, catalog: MessageCatalog, sample: PreviewSample, name: string | null = null): MessagePreview {
  const base = TEMPLATES[purpose];
  const template = WITH_OPEN_CARD.has(purpose) ? { ...base, action: openCardAction(sample.publicUrl) } : base;
  const points = purpose === 'birthday' ? sample.birthday.points : 50;
  const values = { shop: sample.shop, points, code: '123456', reward: sample.reward, date: sample.date, window: sample.birthday.window };
  const unsubscribe = template.marketing ? `${sample.publicUrl}/u/…` : null;
  return { ...renderMail(template, locale, values, name, unsubscribe, catalog), sms: renderSms(template, locale, values, unsubscribe, catalog) };
}

/**
 * The preview block: subject, the plain-text part, the HTML part as sent (its source), and the SMS
 * with its length. A page with several previews numbers the ids of all but the first (`-2`, `-3`).
 */
export function previewBlock(locale: Locale, preview: MessagePreview, index = 0): string {
  const id = (name: string): string => (index === 0 ? name : `${name}-${index + 1}`);
  return `${index === 0 ? `<h2>${t(locale, 'owner.texts.preview')}</h2>` : ''}<div class="card" id="${id('text-preview')}">
<p><strong id="${id('preview-subject')}">${escapeHtml(preview.subject)}</strong></p>
<h3>${t(locale, 'owner.texts.plain')}</h3><pre class="wrap" id="${id('preview-text')}">${escapeHtml(preview.text)}</pre>
<h3>${t(locale, 'owner.texts.html')}</h3><pre class="wrap" id="${id('preview-html')}">${escapeHtml(preview.html)}</pre>
<h3>${t(locale, 'owner.texts.sms')}</h3><pre class="wrap" id="${id('preview-sms')}">${escapeHtml(preview.sms)}</pre><p id="${id('preview-sms-length')}">${smsLine(locale, preview.sms)}</p></div>`;
}

/** A refused text in words: which field, and why (syntax, placeholders). */
export function textCheckWords(locale: Locale, field: string, check: Exclude<TextCheck, { ok: true }>): string {
  const none = '—';
  if (check.error === 'empty') return formatMessage(messageTexts, locale, 'owner.texts.invalid.empty', { field });
  if (check.error === 'syntax') return formatMessage(messageTexts, locale, 'owner.texts.invalid.syntax', { field, detail: check.detail });
  const braces = (names: string[]) => (names.length ? names.map((n) => `{${n}}`).join(', ') : none);
  return formatMessage(messageTexts, locale, 'owner.texts.invalid.placeholders', { field, missing: braces(check.missing), extra: braces(check.extra) });
}

export function textsPage(m: {
  locale: Locale;
  csrf: string;
  purpose: EditablePurpose;
  textLocale: Locale;
  /** Which texts the owner changed, as `<locale>:<key>`. */
  edited: ReadonlySet<string>;
  /** The group's fields with the text in the form (the draft as typed, or the text in force) and the locale file's. */
  fields: { field: EditableField; text: string; fallback: string }[];
  note?: { text: string; error: boolean } | undefined;
  previews?: MessagePreview[] | undefined;
}): string {
  const L = m.locale;
  const grid = table(
    'texts',
    ['', ...LOCALES.map((l) => escapeHtml(LANGUAGE_NAMES[l]))],
    EDITABLE_PURPOSES.map((purpose) => [
      t(L, 'owner.purposeName', { purpose }),
      ...LOCALES.map((l) => {
        const isEdited = editableFields(purpose).some((f) => m.edited.has(`${l}:${f.key}`));
        const current = purpose === m.purpose && l === m.textLocale ? ' aria-current="page"' : '';
        return `<a href="/owner/messages/texts?purpose=${purpose}&amp;locale=${l}" data-text="${purpose}-${l}"${current}>${l}</a>${
          isEdited ? ` <em class="edited">${t(L, 'owner.texts.edited')}</em>` : ''
        }`;
      }),
    ]),
  );
  const area = ({ field, text, fallback }: { field: EditableField; text: string; fallback: string }) =>
    `<label for="text-${field.name}">${t(L, field.label)}</label><textarea id="text-${field.name}" name="${field.name}" rows="${field.rows}" class="w24" lang="${m.textLocale}">${escapeHtml(text)}</textarea>
<p class="muted">${t(L, 'owner.texts.default', { text: fallback })}</p>`;
  const body = `<p>${t(L, 'owner.texts.intro')}</p>${grid}
<h2 id="editing">${escapeHtml(m.purpose)}: ${escapeHtml(LANGUAGE_NAMES[m.textLocale])}</h2>${
    m.note ? `<p class="flash${m.note.error ? ' error' : ''}" id="texts-note" role="${m.note.error ? 'alert' : 'status'}">${escapeHtml(m.note.text)}</p>` : ''
  }<form method="post" action="/owner/messages/texts" id="text-form"><input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
<input type="hidden" name="purpose" value="${m.purpose}"><input type="hidden" name="locale" value="${m.textLocale}">
${m.fields.map(area).join('')}
<button name="do" value="preview" id="text-preview-button">${t(L, 'owner.texts.preview')}</button>
<button name="do" value="save" id="text-save">${t(L, 'owner.texts.save')}</button>
<button name="do" value="reset" id="text-reset">${t(L, 'owner.texts.reset')}</button></form>${(m.previews ?? []).map((p, i) => previewBlock(L, p, i)).join('')}`;
  return ownerFrame(L, t(L, 'owner.texts.title'), body, m.csrf);
}

/** The owner's campaign: a text per language, the count of who gets it and why the others not, a preview, and the send button. */
export function campaignPage(m: {
  locale: Locale;
  csrf: string;
  campaign: string;
  texts: Partial<Record<Locale, { subject: string; body: string }>>;
  note?: { text: string; error: boolean } | undefined;
  preview?: { counts: CampaignPreview & { total: number }; message: MessagePreview; language: Locale } | undefined;
}): string {
  const L = m.locale;
  const fields = LOCALES.map(
    (l) => `<fieldset lang="${l}"><legend>${escapeHtml(LANGUAGE_NAMES[l])}</legend>
<label>${t(L, 'owner.texts.subject')} <input name="subject_${l}" class="w24" maxlength="200" value="${escapeHtml(m.texts[l]?.subject ?? '')}"></label>
<label>${t(L, 'owner.texts.body')} <textarea name="body_${l}" rows="3" class="w24" maxlength="1000">${escapeHtml(m.texts[l]?.body ?? '')}</textarea></label></fieldset>`,
  ).join('');
  const p = m.preview?.counts;
  const counts = p
    ? `<p id="campaign-members">${t(L, 'owner.campaign.members', { n: p.total })}</p>
<p id="campaign-will-send" data-n="${p.willSend}"><strong>${t(L, 'owner.winBack.willSend', { n: p.willSend })}</strong></p><ul>${(
        [
          ['already', p.already],
          ['noConsent', p.noConsent],
          ['noContact', p.noContact],
          ['capped', p.capped],
        ] as const
      )
        .filter(([, n]) => n > 0)
        .map(([key, n]) => `<li id="campaign-${key}">${t(L, `owner.winBack.${key}`, { n })}</li>`)
        .join('')}</ul>`
    : '';
  const body = `<p>${t(L, 'owner.campaign.intro')}</p>${
    m.note
      ? `<p class="flash${m.note.error ? ' error' : ''}" id="campaign-note" role="${m.note.error ? 'alert' : 'status'}">${escapeHtml(m.note.text)}</p>`
      : ''
  }${counts}<form method="post" action="/owner/messages/campaign" id="campaign-form"><input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
<label>${t(L, 'owner.campaign.id')} <input name="campaign" value="${escapeHtml(m.campaign)}" pattern="[\\w-]{1,40}" required></label>${fields}
<button name="do" value="check" id="campaign-check">${t(L, 'owner.campaign.check')}</button>${
    m.preview ? `<button name="do" value="send" id="campaign-send">${t(L, 'owner.campaign.send')}</button>` : ''
  }</form>${m.preview ? `<p>${escapeHtml(LANGUAGE_NAMES[m.preview.language])}</p>${previewBlock(L, m.preview.message)}` : ''}`;
  return ownerFrame(L, t(L, 'owner.campaign.title'), body, m.csrf);
}
