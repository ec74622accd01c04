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
      <div className="table-wrap">
        <table id="kiosks">
          <thead>
            <tr>
              <th scope="col">{data('kiosk')}</th>
              <th scope="col">{data('location')}</th>
              <th scope="col">{refusalText(locale, 'refused')}</th>
              <th scope="col">{refusalText(locale, 'flag')}</th>
              <th scope="col">{refusalText(locale, 'status')}</th>
            </tr>
          </thead>
          <tbody>
            {kiosks.map((kiosk) => {
              const base = `/owner/kiosks/${encodeURIComponent(kiosk.id)}`;
              return (
                <tr key={kiosk.id}>
                  <td>{kiosk.name}</td>
                  <td>
                    <form method="post" action={`${base}/location`}>
                      <input type="hidden" name="csrf" value={frame.csrf} />
                      <input name="location" defaultValue={kiosk.location} maxLength={60} required aria-label={data('location')} />{' '}
                      <button>{data('save')}</button>
                    </form>
                  </td>
                  <td>
                    <a href={`${base}/refusals`}>{refusalText(locale, 'refusedCount', { n: kiosk.refusals })}</a>
                  </td>
                  <td>
                    {kiosk.flaggedAt === null ? null : (
                      <>
                        <strong className="error flagged">
                          ⚠ {refusalText(locale, 'flagged', { when: formatInstant(kiosk.flaggedAt, locale, timeZone) })}
                        </strong>
                        <ClearFlag locale={locale} kioskId={kiosk.id} csrf={frame.csrf} />
                      </>
                    )}
                  </td>
                  <td>{refusalText(locale, kiosk.revoked ? 'revoked' : 'active')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
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
      {refusals.length === 0 ? (
        <p id="no-refusals">{refusalText(locale, 'none')}</p>
      ) : (
        <div className="table-wrap">
          <table id="refusals">
            <thead>
              <tr>
                <th scope="col">{refusalText(locale, 'when')}</th>
                <th scope="col">{refusalText(locale, 'what')}</th>
                <th scope="col">{refusalText(locale, 'why')}</th>
              </tr>
            </thead>
            <tbody>
              {refusals.map((r, i) => (
                <tr key={i}>
                  <td>{formatInstant(r.at, locale, timeZone)}</td>
                  <td>{refusalText(locale, typeKey(r.type))}</td>
                  <td>{refusalText(locale, `code.${r.code}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
