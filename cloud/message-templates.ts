import { formatMessage, type AreaCatalog, type MessageValues } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../core/i18n/messages';
import { escapeHtml } from './pages';

/**
 * Renders a member's message from the catalog: one template (greeting, paragraphs, an optional
 * button, footer) gives both the plain-text and the HTML part, so they cannot say different things.
 * Pure: texts and values in, subject and bodies out.
 */

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailTemplate {
  subject: MessageTextKey;
  paragraphs: MessageTextKey[];
  action?: { label: MessageTextKey; href: string };
  marketing: boolean;
}

export const TEMPLATES = {
  code: { subject: 'mail.code.subject', paragraphs: ['mail.code.body'], marketing: false },
  welcome: { subject: 'mail.welcome.subject', paragraphs: ['mail.welcome.body'], marketing: false },
  winBack: { subject: 'mail.winBack.subject', paragraphs: ['mail.winBack.body'], marketing: true },
  // Marketing: a greeting with the program's birthday offer, sent only with consent to offers.
  birthday: { subject: 'mail.birthday.subject', paragraphs: ['mail.birthday.body'], marketing: true },
  // Service: both report the member's own card (what they joined for) and offer nothing new.
  rewardReady: { subject: 'mail.rewardReady.subject', paragraphs: ['mail.rewardReady.body'], marketing: false },
  pointsExpiring: { subject: 'mail.pointsExpiring.subject', paragraphs: ['mail.pointsExpiring.body'], marketing: false },
  // The owner's own words (a campaign): its texts stand in for these two keys, in each language written.
  campaign: { subject: 'mail.campaign.subject', paragraphs: ['mail.campaign.body'], marketing: true },
} satisfies Record<string, Omit<MailTemplate, 'action'>>;

export type Purpose = keyof typeof TEMPLATES;

/** The button of the messages about the member's card (welcome, reward ready, points expiring, birthday): open the card on this phone. */
export function openCardAction(publicUrl: string): NonNullable<MailTemplate['action']> {
  return { label: 'mail.welcome.action', href: `${publicUrl}/m/open` };
}
export const WITH_OPEN_CARD: ReadonlySet<Purpose> = new Set<Purpose>(['welcome', 'rewardReady', 'pointsExpiring', 'birthday']);

/** The texts messages are written from: the locale files, with the owner's edits laid over (cloud/messaging.ts texts()). */
export type MessageCatalog = AreaCatalog<MessageTextKey>;

export function renderMail(
  template: MailTemplate,
  locale: Locale,
  values: MessageValues & { shop: string },
  name: string | null,
  unsubscribeUrl: string | null,
  catalog: MessageCatalog = messageTexts,
): RenderedMail {
  const t = (key: MessageTextKey): string => formatMessage(catalog, locale, key, values);
  const hello = name ? formatMessage(catalog, locale, 'mail.hello', { name }) : t('mail.helloAnon');
  const paragraphs = [hello, ...template.paragraphs.map(t)];
  const footer = t(template.marketing ? 'mail.footer.marketing' : 'mail.footer.service');
  const action = template.action && { label: t(template.action.label), href: template.action.href };
  const unsubscribe = unsubscribeUrl && { label: t('mail.unsubscribe'), href: unsubscribeUrl };
  const text =
    [
      ...paragraphs,
      ...(action ? [`${action.label}: ${action.href}`] : []),
      '--',
      footer + (unsubscribe ? `\n${unsubscribe.label}: ${unsubscribe.href}` : ''),
    ].join('\n\n') + '\n';
  const html =
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(t(template.subject))}</title></head>` +
    '<body style="font:16px/1.5 system-ui,sans-serif;color:#1d1b19;max-width:36rem">' +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') +
    (action
      ? `<p><a href="${escapeHtml(action.href)}" style="display:inline-block;padding:.7rem 1.2rem;background:#1f6f4a;color:#fff;` +
        `border-radius:8px;text-decoration:none">${escapeHtml(action.label)}</a></p>`
      : '') +
    `<hr><p style="color:#666;font-size:13px">${escapeHtml(footer)}${
      unsubscribe ? `<br><a href="${escapeHtml(unsubscribe.href)}">${escapeHtml(unsubscribe.label)}</a>` : ''
    }</p></body></html>`;
  return { subject: t(template.subject), text, html };
}

/** The same message as a text message: its paragraphs only (no greeting, no footer), and the opt-out link for marketing. */
export function renderSms(
  template: MailTemplate,
  locale: Locale,
  values: MessageValues & { shop: string },
  unsubscribeUrl: string | null,
  catalog: MessageCatalog = messageTexts,
): string {
  const t = (key: MessageTextKey): string => formatMessage(catalog, locale, key, values);
  return [...template.paragraphs.map(t), ...(unsubscribeUrl ? [`${t('mail.unsubscribe')}: ${unsubscribeUrl}`] : [])].join(' ');
}
