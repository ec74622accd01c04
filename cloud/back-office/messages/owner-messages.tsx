import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import { LANGUAGE_NAMES } from '../../../core/i18n/display';
import { LOCALES, type Locale } from '../../../core/i18n/locales';
import type { MessageTextKey } from '../../../core/i18n/messages';
import { ownerMessages } from '../../../core/i18n/owner';
import type { MessageRules } from '../../../core/message-rules';
import { CAMPAIGN_FIELD_PATTERN } from '../../../core/owner-actions';
import { reasonText } from '../../message-reasons';
import type { MessageRow } from '../../message-store';
import { EDITABLE_PURPOSES, editableFields, type EditableField, type EditablePurpose, type MessagePreview } from '../../message-text-groups';
import { renderMail, renderSms, TEMPLATES } from '../../message-templates';
import type { CampaignPreview } from '../../messaging';
import type { OwnerFrame } from '../layout';
import { DataTable, type Column } from '../table';
import { NoteLine, PreviewBlock, RulesForm, SkippedCounts, smsLine, text, type Note } from './message-parts';

/**
 * The owner's message pages as React, rendered on the server (cloud/message-pages.ts puts each in the
 * back office's frame): undelivered messages with the rules, the texts editor, a campaign and the
 * win-back before it goes. Pure: data in, elements out.
 */

export interface WinBackModel {
  locale: Locale;
  shop: string;
  inactiveDays: number;
  campaign: string;
  points: number;
  preview: CampaignPreview;
  publicUrl: string;
  frame: OwnerFrame;
}

/**
 * The win-back before it goes: how many members, how many get the message and why the others do
 * not, the message in the owner's language, its SMS length in each language it goes out in, and the
 * form that credits the points and queues the messages (POST /owner/winback, as on the dashboard).
 */
export function WinBackPreview(m: WinBackModel): ReactNode {
  const L = m.locale;
  const p = m.preview;
  const values = { shop: m.shop, points: m.points };
  const sample = `${m.publicUrl}/u/…`;
  const mail = renderMail(TEMPLATES.winBack, L, values, null, sample);
  const locales = [L, ...p.locales.filter((l) => l !== L)];
  const skipped = [p.already, p.noConsent, p.noContact, p.capped].some((n) => n > 0);
  return (
    <>
      <section className="card" id="winback-counts">
        <p id="winback-inactive">{text(L, 'owner.winBack.inactive', { n: p.members, days: m.inactiveDays })}</p>
        <p id="winback-will-send" data-n={p.willSend}>
          <strong>{text(L, 'owner.winBack.willSend', { n: p.willSend })}</strong>
        </p>
        {skipped && (
          <ul>
            <SkippedCounts locale={L} counts={p} idPrefix="winback" />
          </ul>
        )}
        <form method="get" action="/owner/messages/winback">
          <input type="hidden" name="inactive" value={m.inactiveDays} />
          <label className="field">
            {text(L, 'owner.winBack.campaign')} <input name="campaign" defaultValue={m.campaign} pattern={CAMPAIGN_FIELD_PATTERN} required />
          </label>
          <label className="field">
            {text(L, 'owner.winBack.points')} <input type="number" name="points" min="1" max="100000" defaultValue={m.points} required className="w6" />
          </label>
          <div className="actions">
            <button className="btn">{text(L, 'owner.winBack.refresh')}</button>
          </div>
        </form>
      </section>
      <h2>{text(L, 'owner.winBack.preview', { language: LANGUAGE_NAMES[L] })}</h2>
      <div className="card" id="winback-preview">
        <p>
          <strong>{mail.subject}</strong>
        </p>
        <pre className="wrap">{mail.text}</pre>
      </div>
      <ul id="winback-sms">
        {locales.map((l) => (
          <li key={l} data-locale={l}>
            {`${LANGUAGE_NAMES[l]}: ${smsLine(L, renderSms(TEMPLATES.winBack, l, values, sample))}`}
          </li>
        ))}
      </ul>
      <form method="post" action="/owner/winback" id="winback-send" className="actions">
        <input type="hidden" name="csrf" value={m.frame.csrf} />
        <input type="hidden" name="inactive" value={m.inactiveDays} />
        <input type="hidden" name="campaign" value={m.campaign} />
        <input type="hidden" name="points" value={m.points} />
        <input type="hidden" name="back" value={`/owner?inactive=${m.inactiveDays}`} />
        <button className="btn btn-primary">{text(L, 'owner.winBack.send')}</button>
      </form>
    </>
  );
}

/** A stored reason (English, for the log) in the owner's words; nothing of a provider's error reaches the page. */
function why(locale: Locale, reason: string): string {
  const { key, values } = reasonText(reason);
  return text(locale, key, values);
}

export interface UndeliveredModel {
  locale: Locale;
  rows: MessageRow[];
  frame: OwnerFrame;
  rules: { rules: MessageRules; zone: string; note?: Note | undefined };
}

/** The messages page: the rules, links to the texts, a campaign and the win-back, and the messages that did not go out and why. */
export function Undelivered({ locale, rows, frame, rules }: UndeliveredModel): ReactNode {
  return (
    <>
      <RulesForm locale={locale} rules={rules.rules} zone={rules.zone} csrf={frame.csrf} note={rules.note} />
      <ul>
        <li>
          <a href="/owner/messages/texts" id="texts-link">
            {text(locale, 'owner.texts.link')}
          </a>
        </li>
        <li>
          <a href="/owner/messages/campaign" id="campaign-link">
            {text(locale, 'owner.campaign.link')}
          </a>
        </li>
        <li>
          <a href="/owner/messages/winback" id="winback-link">
            {text(locale, 'owner.winBack.link')}
          </a>
        </li>
      </ul>
      <section className="card" id="undelivered-section">
        <h2>{text(locale, 'owner.title')}</h2>
        <DataTable
          id="undelivered"
          empty={{ id: 'no-undelivered', text: text(locale, 'owner.none') }}
          rowKey={(r) => r.id}
          columns={[
            { label: text(locale, 'owner.when'), cell: (r) => formatInstant(r.created_at, locale, rules.zone) },
            {
              label: text(locale, 'owner.member'),
              cell: (r) =>
                r.member_id ? (
                  <a href={`/owner/members/${encodeURIComponent(r.member_id)}`}>
                    {r.recipient === null ? formatMessage(ownerMessages, locale, 'member') : r.recipient}
                  </a>
                ) : (
                  (r.recipient ?? '')
                ),
            },
            {
              label: text(locale, 'owner.purpose'),
              cell: (r) => `${text(locale, 'owner.purposeName', { purpose: r.purpose })} (${text(locale, 'owner.kindName', { kind: r.kind })})`,
            },
            { label: text(locale, 'owner.channel'), cell: (r) => text(locale, 'owner.channelName', { channel: r.channel }) },
            { label: text(locale, 'owner.state'), cell: (r) => text(locale, 'owner.stateName', { state: r.state }) },
            { label: text(locale, 'owner.reason'), cell: (r) => (r.reason === null ? '' : why(locale, r.reason)) },
          ]}
          rows={rows}
        />
      </section>
    </>
  );
}

export interface TextsModel {
  locale: Locale;
  frame: OwnerFrame;
  purpose: EditablePurpose;
  textLocale: Locale;
  /** Which texts the owner changed, as `<locale>:<key>`. */
  edited: ReadonlySet<string>;
  /** The group's fields with the text in the form (the draft as typed, or the text in force) and the locale file's. */
  fields: { field: EditableField; text: string; fallback: string }[];
  note?: Note | undefined;
  previews?: MessagePreview[] | undefined;
}

/** The texts editor: a grid of every group in every language (edited ones marked), the chosen group's form and its previews. */
export function TextsEditor(m: TextsModel): ReactNode {
  const L = m.locale;
  return (
    <>
      <p>{text(L, 'owner.texts.intro')}</p>
      <DataTable
        id="texts"
        rowKey={(purpose) => purpose}
        columns={[
          { label: text(L, 'owner.purpose'), cell: (purpose) => text(L, 'owner.purposeName', { purpose }) },
          ...LOCALES.map((l): Column<EditablePurpose> => ({
            label: LANGUAGE_NAMES[l],
            cell: (purpose) => {
              const isEdited = editableFields(purpose).some((f) => m.edited.has(`${l}:${f.key}`));
              const current = purpose === m.purpose && l === m.textLocale;
              return (
                <>
                  <a
                    href={`/owner/messages/texts?purpose=${purpose}&locale=${l}`}
                    data-text={`${purpose}-${l}`}
                    {...(current ? { 'aria-current': 'page' as const } : {})}
                  >
                    {l}
                  </a>
                  {isEdited && (
                    <>
                      {' '}
                      <em className="edited">{text(L, 'owner.texts.edited')}</em>
                    </>
                  )}
                </>
              );
            },
          })),
        ]}
        rows={EDITABLE_PURPOSES}
      />
      <section className="card" id="text-editing">
        <h2 id="editing">{`${m.purpose}: ${LANGUAGE_NAMES[m.textLocale]}`}</h2>
        <NoteLine id="texts-note" note={m.note} />
        <form method="post" action="/owner/messages/texts" id="text-form">
          <input type="hidden" name="csrf" value={m.frame.csrf} />
          <input type="hidden" name="purpose" value={m.purpose} />
          <input type="hidden" name="locale" value={m.textLocale} />
          {m.fields.map(({ field, text: value, fallback }) => (
            <div className="field" key={field.name}>
              <label htmlFor={`text-${field.name}`}>{text(L, field.label)}</label>
              <textarea id={`text-${field.name}`} name={field.name} rows={field.rows} className="w24" lang={m.textLocale} defaultValue={value} />
              <p className="muted">{text(L, 'owner.texts.default', { text: fallback })}</p>
            </div>
          ))}
          <div className="actions">
            <button name="do" value="preview" id="text-preview-button" className="btn">
              {text(L, 'owner.texts.preview')}
            </button>
            <button name="do" value="save" id="text-save" className="btn btn-primary">
              {text(L, 'owner.texts.save')}
            </button>
            <button name="do" value="reset" id="text-reset" className="btn btn-danger">
              {text(L, 'owner.texts.reset')}
            </button>
          </div>
        </form>
      </section>
      {(m.previews ?? []).map((p, i) => (
        <PreviewBlock key={i} locale={L} preview={p} index={i} />
      ))}
    </>
  );
}

export interface CampaignModel {
  locale: Locale;
  frame: OwnerFrame;
  campaign: string;
  texts: Partial<Record<Locale, { subject: string; body: string }>>;
  note?: Note | undefined;
  preview?: { counts: CampaignPreview & { total: number }; message: MessagePreview; language: Locale } | undefined;
}

/** The owner's campaign: a text per language, the count of who gets it and why the others not, a preview, and the send button. */
export function Campaign(m: CampaignModel): ReactNode {
  const L = m.locale;
  const p = m.preview?.counts;
  const label = (key: MessageTextKey): string => text(L, key);
  return (
    <>
      <p>{text(L, 'owner.campaign.intro')}</p>
      <NoteLine id="campaign-note" note={m.note} />
      {p && (
        <section className="card" id="campaign-counts">
          <p id="campaign-members">{text(L, 'owner.campaign.members', { n: p.total })}</p>
          <p id="campaign-will-send" data-n={p.willSend}>
            <strong>{text(L, 'owner.winBack.willSend', { n: p.willSend })}</strong>
          </p>
          <ul>
            <SkippedCounts locale={L} counts={p} idPrefix="campaign" />
          </ul>
        </section>
      )}
      <form method="post" action="/owner/messages/campaign" id="campaign-form">
        <input type="hidden" name="csrf" value={m.frame.csrf} />
        <label className="field">
          {label('owner.campaign.id')} <input name="campaign" defaultValue={m.campaign} pattern={CAMPAIGN_FIELD_PATTERN} required />
        </label>
        {LOCALES.map((l) => (
          <fieldset key={l} lang={l} className="card">
            <legend>{LANGUAGE_NAMES[l]}</legend>
            <label className="field">
              {label('owner.texts.subject')} <input name={`subject_${l}`} className="w24" maxLength={200} defaultValue={m.texts[l]?.subject ?? ''} />
            </label>
            <label className="field">
              {label('owner.texts.body')} <textarea name={`body_${l}`} rows={3} className="w24" maxLength={1000} defaultValue={m.texts[l]?.body ?? ''} />
            </label>
          </fieldset>
        ))}
        <div className="actions">
          <button name="do" value="check" id="campaign-check" className="btn">
            {label('owner.campaign.check')}
          </button>
          {m.preview && (
            <button name="do" value="send" id="campaign-send" className="btn btn-primary">
              {label('owner.campaign.send')}
            </button>
          )}
        </div>
      </form>
      {m.preview && (
        <>
          <p>{LANGUAGE_NAMES[m.preview.language]}</p>
          <PreviewBlock locale={L} preview={m.preview.message} />
        </>
      )}
    </>
  );
}
