import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { num, page } from '../../owner-pages';
import type { Member } from '../../store';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';

/**
 * The Members section: the members export, the search form and the members found (name linking to
 * their page, phone, e-mail, balance). Pure: data in, HTML out.
 */

export interface MembersListModel {
  locale: Locale;
  query: string;
  members: readonly (Member & { points: number })[];
  frame: OwnerFrame;
}

export function MembersList({ locale, query, members }: MembersListModel): ReactNode {
  const t = (key: keyof typeof ownerMessages.en): string => formatMessage(ownerMessages, locale, key);
  return (
    <>
      <p className="exports">
        <a href="/owner/export/members.csv" download id="export-members">
          {t('exportMembers')}
        </a>
      </p>
      <form method="get" action="/owner/members" role="search">
        <input type="search" name="q" defaultValue={query} placeholder={t('search')} aria-label={t('search')} /> <button>{t('show')}</button>
      </form>
      <DataTable
        id="members"
        empty={{ text: t('noMembers') }}
        rowKey={(m) => m.id}
        columns={[
          { label: t('member'), cell: (m) => <a href={`/owner/members/${encodeURIComponent(m.id)}`}>{m.name ?? `#${m.no}`}</a> },
          { label: t('phone'), cell: (m) => m.phone ?? '' },
          { label: t('email'), cell: (m) => m.email ?? '' },
          { label: t('balance'), figure: true, cell: (m) => num(locale, m.points) },
        ]}
        rows={members}
      />
    </>
  );
}

/** The Members page in the back office's frame. */
export function membersPage(m: MembersListModel): string {
  return page(m.locale, formatMessage(ownerMessages, m.locale, 'members'), <MembersList {...m} />, m.frame);
}
