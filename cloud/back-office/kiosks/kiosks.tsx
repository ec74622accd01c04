import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import { kioskRefusalMessages } from '../../../core/i18n/kiosk-refusals';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { ownerDataMessages } from '../../../core/i18n/owner-data';
import { page } from '../../owner-pages';
import { KIOSK_FLAG_RULE } from '../../outbox-check';
import type { KioskOverview } from '../../owner-store';
import type { KioskRefusalRow } from '../../store/outbox';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';

/**
 * The Kiosks section: each kiosk's location (editable), its refused reports and flag; and one kiosk's
 * refused reports in words, on the shop's clock (never the ids). Pure: data in, HTML out.
 */

type RefusalKey = keyof typeof kioskRefusalMessages.en;
const refusalText = (locale: Locale, key: RefusalKey, values?: Record<string, string | number>): string =>
  formatMessage(kioskRefusalMessages, locale, key, values);

function FlagRule({ locale }: { locale: Locale }): ReactNode {
  return <p id="flag-rule">{refusalText(locale, 'rule', { n: KIOSK_FLAG_RULE.refusals, hours: KIOSK_FLAG_RULE.windowMs / 3_600_000 })}</p>;
}

function ClearFlag({ locale, kioskId, csrf }: { locale: Locale; kioskId: string; csrf: string }): ReactNode {
  return (
    <form method="post" action={`/owner/kiosks/${encodeURIComponent(kioskId)}/flag/clear`}>
      <input type="hidden" name="csrf" value={csrf} />
      <button>{refusalText(locale, 'clearFlag')}</button>
    </form>
  );
}

/** A kiosk's own pages (its location, its refused reports) are under its id, which only addresses show. */
const kioskPath = (kiosk: { id: string }): string => `/owner/kiosks/${encodeURIComponent(kiosk.id)}`;

export interface KiosksModel {
  locale: Locale;
  kiosks: readonly KioskOverview[];
  frame: OwnerFrame;
  flash: { text: string; error: boolean } | null;
  /** The shop's time zone (its settings): when a kiosk was flagged, on the shop's clock. */
  timeZone: string;
}

export function KiosksBody({ locale, kiosks, frame, flash, timeZone }: KiosksModel): ReactNode {
  const data = (key: keyof typeof ownerDataMessages.en): string => formatMessage(ownerDataMessages, locale, key);
  return (
    <>
      {flash ? (
        <p className={flash.error ? 'error' : 'flash'} id="flash">
          {flash.text}
        </p>
      ) : null}
      <DataTable
        id="kiosks"
        rowKey={(kiosk) => kiosk.id}
        columns={[
          { label: data('kiosk'), cell: (kiosk) => kiosk.name },
          {
            label: data('location'),
            cell: (kiosk) => (
              <form method="post" action={`${kioskPath(kiosk)}/location`}>
                <input type="hidden" name="csrf" value={frame.csrf} />
                <input name="location" defaultValue={kiosk.location} maxLength={60} required aria-label={data('location')} /> <button>{data('save')}</button>
              </form>
            ),
          },
          {
            label: refusalText(locale, 'refused'),
            cell: (kiosk) => <a href={`${kioskPath(kiosk)}/refusals`}>{refusalText(locale, 'refusedCount', { n: kiosk.refusals })}</a>,
          },
          {
            label: refusalText(locale, 'flag'),
            cell: (kiosk) =>
              kiosk.flaggedAt === null ? null : (
                <>
                  <strong className="error flagged">⚠ {refusalText(locale, 'flagged', { when: formatInstant(kiosk.flaggedAt, locale, timeZone) })}</strong>
                  <ClearFlag locale={locale} kioskId={kiosk.id} csrf={frame.csrf} />
                </>
              ),
          },
          { label: refusalText(locale, 'status'), cell: (kiosk) => refusalText(locale, kiosk.revoked ? 'revoked' : 'active') },
        ]}
        rows={kiosks}
      />
      <FlagRule locale={locale} />
      <p>
        <a href="/owner">{formatMessage(ownerMessages, locale, 'dashboard')}</a>
      </p>
    </>
  );
}

/** The Kiosks page in the back office's frame. */
export function kiosksPage(m: KiosksModel): string {
  return page(m.locale, formatMessage(ownerDataMessages, m.locale, 'kiosks'), <KiosksBody {...m} />, m.frame);
}

export interface KioskRefusalsModel {
  locale: Locale;
  kiosk: KioskOverview;
  refusals: readonly KioskRefusalRow[];
  frame: OwnerFrame;
  timeZone: string;
}

export function KioskRefusalsBody({ locale, kiosk, refusals, frame, timeZone }: KioskRefusalsModel): ReactNode {
  const typeKey = (type: string): RefusalKey => (`type.${type}` in kioskRefusalMessages.en ? (`type.${type}` as RefusalKey) : 'type.other');
  return (
    <>
      {kiosk.flaggedAt === null ? null : (
        <>
          <p className="error flagged">⚠ {refusalText(locale, 'flagged', { when: formatInstant(kiosk.flaggedAt, locale, timeZone) })}</p>
          <ClearFlag locale={locale} kioskId={kiosk.id} csrf={frame.csrf} />
        </>
      )}
      <FlagRule locale={locale} />
      <DataTable
        id="refusals"
        empty={{ id: 'no-refusals', text: refusalText(locale, 'none') }}
        columns={[
          { label: refusalText(locale, 'when'), cell: (r) => formatInstant(r.at, locale, timeZone) },
          { label: refusalText(locale, 'what'), cell: (r) => refusalText(locale, typeKey(r.type)) },
          { label: refusalText(locale, 'why'), cell: (r) => refusalText(locale, `code.${r.code}`) },
        ]}
        rows={refusals}
      />
      <p>
        <a href="/owner/kiosks">{refusalText(locale, 'back')}</a>
      </p>
    </>
  );
}

/** One kiosk's refused reports, newest first, in the back office's frame. */
export function kioskRefusalsPage(m: KioskRefusalsModel): string {
  return page(m.locale, refusalText(m.locale, 'title', { kiosk: m.kiosk.name }), <KioskRefusalsBody {...m} />, m.frame);
}
