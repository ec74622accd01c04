import { formatMessage } from '../core/i18n/catalog';
import { kioskRefusalMessages } from '../core/i18n/kiosk-refusals';
import { formatInstant } from '../core/i18n/dates';
import type { Locale } from '../core/i18n/locales';
import { ownerDataMessages } from '../core/i18n/owner-data';
import type { LedgerEntry } from '../core/ledger/entry';
import type { Program } from '../core/program/schema';
import { entryLabelIn } from '../core/program/texts';
import { entryKindName, escapeHtml } from './pages';
import { page, table, tr } from './owner-pages';
import { KIOSK_FLAG_RULE } from './outbox-check';
import type { AuditRow, KioskOverview } from './owner-store';
import type { ReferralParty } from './referrals';
import type { OwnerFrame } from './back-office/layout';
import type { KioskRefusalRow } from './store/outbox';

/**
 * The owner's member page (contact, balance, history, points adjustment, data export and erasure,
 * audit log), the kiosks-and-locations page with each kiosk's refusals and flag, and one kiosk's
 * refused reports. Pure: data in, HTML out.
 */

type DataKey = keyof typeof ownerDataMessages.en;
const x = (locale: Locale, key: DataKey, values?: Record<string, string | number>): string => escapeHtml(formatMessage(ownerDataMessages, locale, key, values));

export interface MemberPageModel {
  locale: Locale;
  /** The shop's time zone (shop settings): every moment on the page is on the shop's clock. */
  timeZone: string;
  member: { id: string; no: number; name: string | null; phone: string | null; email: string | null; erasedAt: string | null; consentAt: string | null };
  balance: number;
  entries: readonly LedgerEntry[];
  /** The shop's program: the history names its rewards, cards and campaigns in `locale` (core/program/texts.ts). */
  program: Pick<Program, 'locale' | 'rules' | 'rewards' | 'tiers'>;
  audit: readonly AuditRow[];
  frame: OwnerFrame;
  flash?: { text: string; error: boolean } | null;
  /** The adjustment form's values after a refusal, so nothing typed is lost. */
  values?: { delta: string; reason: string };
  /** Who referred this member and whom they referred (cloud/referrals.ts), dated on the shop's clock. */
  referrals: { referredBy: ReferralParty | undefined; referred: readonly ReferralParty[]; timeZone: string };
}

export const memberTitle = (locale: Locale, m: { no: number; name: string | null; erasedAt: string | null }): string =>
  m.erasedAt !== null ? formatMessage(ownerDataMessages, locale, 'erased', { no: m.no }) : (m.name ?? `#${m.no}`);

/** A member named for the owner: their name, else their contact, else their number; never their internal id. */
const partyName = (locale: Locale, m: ReferralParty): string =>
  m.erasedAt !== null ? formatMessage(ownerDataMessages, locale, 'erased', { no: m.no }) : (m.name ?? m.email ?? m.phone ?? `#${m.no}`);

const NAME_SLOT = '\u0000';

/** The member page's referral section: "Referred by Anna on 4 Dec 2026" and the members this one referred, each a link to their page. */
function referralSection(locale: Locale, r: MemberPageModel['referrals']): string {
  const day = (iso: string): string => formatInstant(iso, locale, r.timeZone, 'date');
  const link = (m: ReferralParty): string => `<a href="/owner/members/${encodeURIComponent(m.id)}">${escapeHtml(partyName(locale, m))}</a>`;
  // The sentence is escaped whole with a stand-in for the name, which then becomes the link (its text escaped on its own).
  const by = r.referredBy
    ? `<p id="referred-by">${escapeHtml(formatMessage(ownerDataMessages, locale, 'referredBy', { name: NAME_SLOT, date: day(r.referredBy.at) })).replace(NAME_SLOT, link(r.referredBy))}</p>`
    : `<p id="referred-by">${x(locale, 'notReferred')}</p>`;
  const referred =
    r.referred.length === 0
      ? `<p id="referred-none">${x(locale, 'referredNobody')}</p>`
      : table(
          'referred',
          [x(locale, 'referredMember'), x(locale, 'referredOn')],
          r.referred.map((m) => [link(m), escapeHtml(day(m.at))]),
        );
  return `<h2>${x(locale, 'referrals')}</h2>${by}<h3>${x(locale, 'referredMembers')}</h3>${referred}`;
}

export function memberPage(p: MemberPageModel): string {
  const { locale, member } = p;
  const t = (key: Parameters<typeof tr>[1]): string => tr(locale, key);
  const when = (iso: string): string => escapeHtml(formatInstant(iso, locale, p.timeZone));
  const base = `/owner/members/${encodeURIComponent(member.id)}`;
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(p.frame.csrf)}">`;
  const flash = p.flash
    ? `<p class="${p.flash.error ? 'error' : 'flash'}" id="flash" role="${p.flash.error ? 'alert' : 'status'}">${escapeHtml(p.flash.text)}</p>`
    : '';
  return page(
    locale,
    escapeHtml(memberTitle(locale, member)),
    flash +
      table(
        'member',
        [t('phone'), t('email'), x(locale, 'consent'), t('balance')],
        [[escapeHtml(member.phone ?? ''), escapeHtml(member.email ?? ''), member.consentAt === null ? '' : when(member.consentAt), String(p.balance)]],
      ) +
      `<h2>${x(locale, 'adjust')}</h2><form method="post" action="${base}/adjust" id="adjust">${csrf}
<label>${x(locale, 'delta')} <input name="delta" inputmode="numeric" value="${escapeHtml(p.values?.delta ?? '')}" required class="w7"></label>
<label>${x(locale, 'reason')} <input name="reason" value="${escapeHtml(p.values?.reason ?? '')}" maxlength="200" required class="w24"></label>
<button>${x(locale, 'adjust')}</button></form>` +
      referralSection(locale, p.referrals) +
      `<h2>${t('history')}</h2>` +
      table(
        'history',
        [t('when'), t('kind'), t('points'), t('stamps'), t('label')],
        // The kind in words and the entry's own label (the reward's or rule's name in the owner's language, the owner's reason): never a code.
        [...p.entries]
          .reverse()
          .map((e) => [
            when(e.at),
            entryKindName(locale, e.kind),
            String(e.points),
            String(e.stamps),
            escapeHtml(entryLabelIn(p.program, e.reason, locale) ?? ''),
          ]),
      ) +
      `<h2>${x(locale, 'audit')}</h2>` +
      table(
        'audit',
        [t('when'), x(locale, 'action'), x(locale, 'by'), t('label')],
        p.audit.map((a) => [
          when(a.at),
          x(locale, 'auditAction', { action: a.action }),
          escapeHtml(a.actor),
          escapeHtml(String(a.detail.reason ?? a.detail.points ?? '')),
        ]),
      ) +
      `<h2>${x(locale, 'memberData')}</h2><p><a id="export" href="${base}/export.json">${x(locale, 'exportJson')}</a></p>` +
      (member.erasedAt !== null
        ? ''
        : `<h2>${x(locale, 'merge')}</h2><form method="post" action="${base}/merge" id="merge">${csrf}
<label>${x(locale, 'mergeOther')} <input name="other" inputmode="numeric" autocomplete="off" required class="w7"></label> <button>${x(locale, 'mergeButton')}</button></form>`) +
      (member.erasedAt !== null
        ? ''
        : `<form method="post" action="${base}/erase" id="erase">${csrf}
<label>${x(locale, 'eraseConfirm')} <input name="confirm" autocomplete="off" class="w7"></label> <button>${x(locale, 'erase')}</button></form>`),
    p.frame,
  );
}

type RefusalKey = keyof typeof kioskRefusalMessages.en;
const k = (locale: Locale, key: RefusalKey, values?: Record<string, string | number>): string =>
  escapeHtml(formatMessage(kioskRefusalMessages, locale, key, values));

const shopTime = (locale: Locale, timeZone: string, iso: string): string => formatInstant(iso, locale, timeZone);

export function kiosksPage(
  locale: Locale,
  kiosks: readonly KioskOverview[],
  frame: OwnerFrame,
  flash: { text: string; error: boolean } | null,
  timeZone: string,
): string {
  const t = (key: Parameters<typeof tr>[1]): string => tr(locale, key);
  const csrfField = `<input type="hidden" name="csrf" value="${escapeHtml(frame.csrf)}">`;
  return page(
    locale,
    x(locale, 'kiosks'),
    (flash ? `<p class="${flash.error ? 'error' : 'flash'}" id="flash">${escapeHtml(flash.text)}</p>` : '') +
      table(
        'kiosks',
        [x(locale, 'kiosk'), x(locale, 'location'), k(locale, 'refused'), k(locale, 'flag'), ''],
        kiosks.map((kiosk) => {
          const base = `/owner/kiosks/${encodeURIComponent(kiosk.id)}`;
          return [
            escapeHtml(kiosk.name),
            `<form method="post" action="${base}/location">${csrfField}
<input name="location" value="${escapeHtml(kiosk.location)}" maxlength="60" required aria-label="${x(locale, 'location')}"> <button>${x(locale, 'save')}</button></form>`,
            `<a href="${base}/refusals">${k(locale, 'refusedCount', { n: kiosk.refusals })}</a>`,
            kiosk.flaggedAt === null
              ? ''
              : `<strong class="error flagged">⚠ ${k(locale, 'flagged', { when: shopTime(locale, timeZone, kiosk.flaggedAt) })}</strong>
<form method="post" action="${base}/flag/clear">${csrfField}<button>${k(locale, 'clearFlag')}</button></form>`,
            kiosk.revoked ? '✕' : '',
          ];
        }),
      ) +
      `<p id="flag-rule">${k(locale, 'rule', { n: KIOSK_FLAG_RULE.refusals, hours: KIOSK_FLAG_RULE.windowMs / 3_600_000 })}</p>` +
      `<p><a href="/owner">${t('dashboard')}</a></p>`,
    frame,
  );
}

/** One kiosk's refused reports, newest first: when (the shop's clock), what kind of report, and why in words (not the ids). */
export function kioskRefusalsPage(locale: Locale, kiosk: KioskOverview, refusals: readonly KioskRefusalRow[], frame: OwnerFrame, timeZone: string): string {
  const typeKey = (type: string): RefusalKey => (`type.${type}` in kioskRefusalMessages.en ? (`type.${type}` as RefusalKey) : 'type.other');
  const flag =
    kiosk.flaggedAt === null
      ? ''
      : `<p class="error flagged">⚠ ${k(locale, 'flagged', { when: shopTime(locale, timeZone, kiosk.flaggedAt) })}</p>
<form method="post" action="/owner/kiosks/${encodeURIComponent(kiosk.id)}/flag/clear"><input type="hidden" name="csrf" value="${escapeHtml(frame.csrf)}"><button>${k(locale, 'clearFlag')}</button></form>`;
  return page(
    locale,
    k(locale, 'title', { kiosk: kiosk.name }),
    flag +
      `<p id="flag-rule">${k(locale, 'rule', { n: KIOSK_FLAG_RULE.refusals, hours: KIOSK_FLAG_RULE.windowMs / 3_600_000 })}</p>` +
      (refusals.length === 0
        ? `<p id="no-refusals">${k(locale, 'none')}</p>`
        : table(
            'refusals',
            [k(locale, 'when'), k(locale, 'what'), k(locale, 'why')],
            refusals.map((r) => [escapeHtml(shopTime(locale, timeZone, r.at)), k(locale, typeKey(r.type)), k(locale, `code.${r.code}`)]),
          )) +
      `<p><a href="/owner/kiosks">${k(locale, 'back')}</a></p>`,
    frame,
  );
}
