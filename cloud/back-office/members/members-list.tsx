import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { num, page } from '../../owner-pages';
import type { Member } from '../../store';
import type { OwnerFrame } from '../layout';

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
      {members.length === 0 ? (
        <p>{t('noMembers')}</p>
      ) : (
        <div className="table-wrap">
          <table id="members">
            <thead>
              <tr>
                <th scope="col">{t('member')}</th>
                <th scope="col">{t('phone')}</th>
                <th scope="col">{t('email')}</th>
                <th scope="col" className="n">
                  {t('balance')}
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.id}>
                  <td>
                    <a href={`/owner/members/${encodeURIComponent(m.id)}`}>{m.name ?? `#${m.no}`}</a>
                  </td>
                  <td>{m.phone ?? ''}</td>
                  <td>{m.email ?? ''}</td>
                  <td className="n">{num(locale, m.points)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The Members page in the back office's frame. */
export function membersPage(m: MembersListModel): string {
  return page(m.locale, formatMessage(ownerMessages, m.locale, 'members'), <MembersList {...m} />, m.frame);
}
