import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import type { TextCheck } from '../core/i18n/message-edit';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import { openCardAction, renderMail, renderSms, TEMPLATES, WITH_OPEN_CARD, type MessageCatalog, type Purpose, type RenderedMail } from './message-templates';

/**
 * The owner's message texts as data: the groups the texts page edits, their fields, the messages each
 * group's preview shows, and a preview rendered by the outbox's own functions. The pages that show
 * them are in cloud/back-office/messages/. Pure: data in, data out.
 */

/**
 * The texts the owner edits on the texts page, in groups: each message's subject and body, and the greeting and
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

/** A refused text in words: which field, and why (syntax, placeholders). */
export function textCheckWords(locale: Locale, field: string, check: Exclude<TextCheck, { ok: true }>): string {
  const none = '—';
  if (check.error === 'empty') return formatMessage(messageTexts, locale, 'owner.texts.invalid.empty', { field });
  if (check.error === 'syntax') return formatMessage(messageTexts, locale, 'owner.texts.invalid.syntax', { field, detail: check.detail });
  const braces = (names: string[]) => (names.length ? names.map((n) => `{${n}}`).join(', ') : none);
  return formatMessage(messageTexts, locale, 'owner.texts.invalid.placeholders', { field, missing: braces(check.missing), extra: braces(check.extra) });
}
