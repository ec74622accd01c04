import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import type { Locale } from '../../../core/i18n/locales';
import { messageTexts, type MessageTextKey } from '../../../core/i18n/messages';
import type { MessageRules } from '../../../core/message-rules';
import type { MessagePreview } from '../../message-text-groups';
import type { CampaignPreview } from '../../messaging';
import { smsLength } from '../../sms-length';

/** Pieces the owner's message pages share: texts, notes, counts of who gets a message, the rules form, a message's preview. */

/** A message text in the owner's language, as text: React escapes it where it lands. */
export const text = (locale: Locale, key: MessageTextKey, values: Record<string, string | number> = {}): string =>
  formatMessage(messageTexts, locale, key, values);

/** How a text reads as an SMS: characters, parts and encoding (no transliteration: ą stays ą, and the SMS goes as UCS-2). */
export function smsLine(locale: Locale, sms: string): string {
  const length = smsLength(sms);
  return text(locale, 'owner.winBack.sms', { units: length.units, parts: length.parts, encoding: length.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2' });
}

export interface Note {
  text: string;
  error: boolean;
}

/** The answer to the owner's last save or check, above the form it answers. */
export function NoteLine({ id, note, role }: { id: string; note: Note | undefined; role?: 'status' }): ReactNode {
  if (!note) return null;
  return (
    <p className={note.error ? 'flash error' : 'flash'} id={id} role={role ?? (note.error ? 'alert' : 'status')}>
      {note.text}
    </p>
  );
}

/** Why the members who get no message get none (already had it, no consent, no contact, weekly cap); reasons with none are left out. */
export function SkippedCounts({ locale, counts, idPrefix }: { locale: Locale; counts: CampaignPreview; idPrefix: 'winback' | 'campaign' }): ReactNode {
  const reasons = (
    [
      ['already', counts.already],
      ['noConsent', counts.noConsent],
      ['noContact', counts.noContact],
      ['capped', counts.capped],
    ] as const
  ).filter(([, n]) => n > 0);
  return reasons.map(([key, n]) => (
    <li key={key} id={`${idPrefix}-${key}`}>
      {text(locale, `owner.winBack.${key}`, { n })}
    </li>
  ));
}

/** The owner's message rules: quiet hours on the shop's clock and the weekly cap, a CSRF-checked form. */
export function RulesForm({
  locale,
  rules,
  zone,
  csrf,
  note,
}: {
  locale: Locale;
  rules: MessageRules;
  zone: string;
  csrf: string;
  note?: Note | undefined;
}): ReactNode {
  return (
    <section className="card" id="rules-section">
      <h2>{text(locale, 'owner.rules.title')}</h2>
      <NoteLine id="rules-note" note={note} role="status" />
      <form method="post" action="/owner/messages/rules" id="rules">
        <input type="hidden" name="csrf" value={csrf} />
        <label className="field">
          {text(locale, 'owner.rules.quietFrom')} <input type="time" name="quietFrom" defaultValue={rules.quiet?.from ?? ''} />
        </label>
        <label className="field">
          {text(locale, 'owner.rules.quietTo')} <input type="time" name="quietTo" defaultValue={rules.quiet?.to ?? ''} />
        </label>
        <p className="muted">{text(locale, 'owner.rules.zone', { zone })}</p>
        <label className="field">
          {text(locale, 'owner.rules.cap')} <input type="number" name="weeklyCap" min="0" max="100" defaultValue={rules.weeklyCap} className="w5" />
        </label>
        <div className="actions">
          <button className="btn btn-primary">{text(locale, 'owner.rules.save')}</button>
        </div>
      </form>
    </section>
  );
}

/**
 * The preview block: subject, the plain-text part, the HTML part as sent (its source, shown as text,
 * never as markup), and the SMS with its length. A page with several previews numbers the ids of all
 * but the first (`-2`, `-3`).
 */
export function PreviewBlock({ locale, preview, index = 0 }: { locale: Locale; preview: MessagePreview; index?: number }): ReactNode {
  const id = (name: string): string => (index === 0 ? name : `${name}-${index + 1}`);
  return (
    <>
      {index === 0 && <h2>{text(locale, 'owner.texts.preview')}</h2>}
      <div className="card" id={id('text-preview')}>
        <p>
          <strong id={id('preview-subject')}>{preview.subject}</strong>
        </p>
        <h3>{text(locale, 'owner.texts.plain')}</h3>
        <pre className="wrap" id={id('preview-text')}>
          {preview.text}
        </pre>
        <h3>{text(locale, 'owner.texts.html')}</h3>
        <pre className="wrap" id={id('preview-html')}>
          {preview.html}
        </pre>
        <h3>{text(locale, 'owner.texts.sms')}</h3>
        <pre className="wrap" id={id('preview-sms')}>
          {preview.sms}
        </pre>
        <p id={id('preview-sms-length')}>{smsLine(locale, preview.sms)}</p>
      </div>
    </>
  );
}
