import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { ownerDataMessages } from '../../../core/i18n/owner-data';
import type { LedgerEntry } from '../../../core/ledger/entry';
import type { Program } from '../../../core/program/schema';
import { entryLabelIn } from '../../../core/program/texts';
import { entryKindText } from '../../pages';
import { num, page } from '../../owner-pages';
import type { AuditRow } from '../../owner-store';
import type { ReferralParty } from '../../referrals';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';

/**
 * One member's page in the back office: contact, consent, balance, the points adjustment, referrals,
 * the history (newest first), the audit log, the data export, merging a duplicate and erasure. Every
 * moment on the shop's clock in the owner's language; members by name, never by id. Pure: data in,
 * HTML out.
 */

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

type DataKey = keyof typeof ownerDataMessages.en;
type OwnerKey = keyof typeof ownerMessages.en;

export const memberTitle = (locale: Locale, m: { no: number; name: string | null; erasedAt: string | null }): string =>
  m.erasedAt !== null ? formatMessage(ownerDataMessages, locale, 'erased', { no: m.no }) : (m.name ?? `#${m.no}`);

/** A member named for the owner: their name, else their contact, else their number; never their internal id. */
const partyName = (locale: Locale, m: ReferralParty): string =>
  m.erasedAt !== null ? formatMessage(ownerDataMessages, locale, 'erased', { no: m.no }) : (m.name ?? m.email ?? m.phone ?? `#${m.no}`);

const NAME_SLOT = '\u0000';

function Referrals({ locale, r }: { locale: Locale; r: MemberPageModel['referrals'] }): ReactNode {
  const x = (key: DataKey, values?: Record<string, string | number>): string => formatMessage(ownerDataMessages, locale, key, values);
  const day = (iso: string): string => formatInstant(iso, locale, r.timeZone, 'date');
  const link = (m: ReferralParty): ReactNode => <a href={`/owner/members/${encodeURIComponent(m.id)}`}>{partyName(locale, m)}</a>;
  // The sentence with a stand-in for the name, which then becomes the link.
  const by = r.referredBy ? x('referredBy', { name: NAME_SLOT, date: day(r.referredBy.at) }).split(NAME_SLOT) : undefined;
  return (
    <>
      <h2>{x('referrals')}</h2>
      {by && r.referredBy ? (
        <p id="referred-by">
          {by[0]}
          {link(r.referredBy)}
          {by[1]}
        </p>
      ) : (
        <p id="referred-by">{x('notReferred')}</p>
      )}
      <h3>{x('referredMembers')}</h3>
      <DataTable
        id="referred"
        empty={{ id: 'referred-none', text: x('referredNobody') }}
        rowKey={(m) => m.id}
        columns={[
          { label: x('referredMember'), cell: link },
          { label: x('referredOn'), cell: (m) => day(m.at) },
        ]}
        rows={r.referred}
      />
    </>
  );
}

export function MemberDetail(p: MemberPageModel): ReactNode {
  const { locale, member } = p;
  const t = (key: OwnerKey): string => formatMessage(ownerMessages, locale, key);
  const x = (key: DataKey, values?: Record<string, string | number>): string => formatMessage(ownerDataMessages, locale, key, values);
  const when = (iso: string): string => formatInstant(iso, locale, p.timeZone);
  const base = `/owner/members/${encodeURIComponent(member.id)}`;
  const csrf = <input type="hidden" name="csrf" value={p.frame.csrf} />;
  return (
    <>
      {p.flash ? (
        <p className={p.flash.error ? 'error' : 'flash'} id="flash" role={p.flash.error ? 'alert' : 'status'}>
          {p.flash.text}
        </p>
      ) : null}
      <DataTable
        id="member"
        columns={[
          { label: t('phone'), cell: (m) => m.phone ?? '' },
          { label: t('email'), cell: (m) => m.email ?? '' },
          { label: x('consent'), cell: (m) => (m.consentAt === null ? '' : when(m.consentAt)) },
          { label: t('balance'), figure: true, cell: (m) => num(locale, m.balance) },
        ]}
        rows={[{ ...member, balance: p.balance }]}
      />
      <h2>{x('adjust')}</h2>
      <form method="post" action={`${base}/adjust`} id="adjust">
        {csrf}
        <label>
          {x('delta')} <input name="delta" inputMode="numeric" defaultValue={p.values?.delta ?? ''} required className="w7" />
        </label>
        <label>
          {x('reason')} <input name="reason" defaultValue={p.values?.reason ?? ''} maxLength={200} required className="w24" />
        </label>
        <button>{x('adjust')}</button>
      </form>
      <Referrals locale={locale} r={p.referrals} />
      <h2>{t('history')}</h2>
      {/* The kind in words and the entry's own label (the reward's or rule's name in the owner's language, the owner's reason): never a code. */}
      <DataTable
        id="history"
        rowKey={(e) => e.id}
        columns={[
          { label: t('when'), cell: (e) => when(e.at) },
          { label: t('kind'), cell: (e) => entryKindText(locale, e.kind) },
          { label: t('points'), figure: true, cell: (e) => String(e.points) },
          { label: t('stamps'), figure: true, cell: (e) => String(e.stamps) },
          { label: t('label'), cell: (e) => entryLabelIn(p.program, e.reason, locale) ?? '' },
        ]}
        rows={[...p.entries].reverse()}
      />
      <h2>{x('audit')}</h2>
      <DataTable
        id="audit"
        columns={[
          { label: t('when'), cell: (a) => when(a.at) },
          { label: x('action'), cell: (a) => x('auditAction', { action: a.action }) },
          { label: x('by'), cell: (a) => a.actor },
          { label: t('label'), cell: (a) => String(a.detail.reason ?? a.detail.points ?? '') },
        ]}
        rows={p.audit}
      />
      <h2>{x('memberData')}</h2>
      <p>
        <a id="export" href={`${base}/export.json`}>
          {x('exportJson')}
        </a>
      </p>
      {member.erasedAt !== null ? null : (
        <>
          <h2>{x('merge')}</h2>
          <form method="post" action={`${base}/merge`} id="merge">
            {csrf}
            <label>
              {x('mergeOther')} <input name="other" inputMode="numeric" autoComplete="off" required className="w7" />
            </label>{' '}
            <button>{x('mergeButton')}</button>
          </form>
          <form method="post" action={`${base}/erase`} id="erase">
            {csrf}
            <label>
              {x('eraseConfirm')} <input name="confirm" autoComplete="off" className="w7" />
            </label>{' '}
            <button className="danger">{x('erase')}</button>
          </form>
        </>
      )}
    </>
  );
}

/** The member's page in the back office's frame. */
export function memberPage(p: MemberPageModel): string {
  return page(p.locale, memberTitle(p.locale, p.member), <MemberDetail {...p} />, p.frame);
}
