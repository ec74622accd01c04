import type { ReactNode } from 'react';
import { formatMessage } from '../../core/i18n/catalog';
import type { Locale } from '../../core/i18n/locales';
import { ownerMessages } from '../../core/i18n/owner';

/**
 * The back office's one frame, rendered on the server: the shop's name and "Log out" in a header, the
 * seven sections as navigation (the one shown marked for screen readers), a skip link and the page in
 * <main>. The bodies are the pages' React components rendered to static HTML, already escaped.
 */

/** What the frame knows of the request: set by the owner hook (cloud/routes/app.ts) on every owner route. */
export interface OwnerFrame {
  /** The shop's name as its settings hold it. */
  shopName: string;
  /** The request's path (no query): picks the section marked as current. */
  path: string;
  /** The session's CSRF token for "Log out" and the pages' forms ('' with a bearer credential: no "Log out"). */
  csrf: string;
}

/** A frame for a page rendered outside a request (the sign-in page has none; tests render bodies alone). */
export const NO_FRAME: OwnerFrame = { shopName: '', path: '', csrf: '' };

type SectionKey = 'overview' | 'members' | 'program' | 'rewards' | 'messages' | 'kiosks' | 'settings';

/** The sections, in the navigation's order, with the paths that belong to each. */
export const SECTIONS: readonly { key: SectionKey; href: string; id: string; paths: readonly string[] }[] = [
  { key: 'overview', href: '/owner', id: 'nav-overview', paths: ['/owner', '/owner/winback'] },
  { key: 'members', href: '/owner/members', id: 'nav-members', paths: ['/owner/members'] },
  { key: 'program', href: '/owner/program/edit', id: 'nav-program', paths: ['/owner/program'] },
  { key: 'rewards', href: '/owner/rewards', id: 'nav-rewards', paths: ['/owner/rewards'] },
  { key: 'messages', href: '/owner/messages', id: 'nav-messages', paths: ['/owner/messages'] },
  { key: 'kiosks', href: '/owner/kiosks', id: 'nav-kiosks', paths: ['/owner/kiosks'] },
  {
    key: 'settings',
    href: '/owner/settings',
    id: 'nav-settings',
    paths: ['/owner/settings', '/owner/accounts', '/owner/welcome', '/owner/api-keys', '/owner/totp'],
  },
];

/** The section a path belongs to: the exact path or one below it ("/owner/members/…"); "/owner" itself only exactly. */
export function sectionOf(path: string): SectionKey | undefined {
  const bare = path.split(/[?#]/)[0]!.replace(/\/+$/, '') || '/';
  return SECTIONS.find((s) => s.paths.some((p) => bare === p || (p !== '/owner' && bare.startsWith(`${p}/`))))?.key;
}

export interface LayoutProps {
  locale: Locale;
  /** The page's heading, already escaped HTML (the pages build their titles as HTML). */
  titleHtml: string;
  /** The page's body, already escaped HTML. */
  bodyHtml: string;
  frame: OwnerFrame;
}

/** The body of every back-office page. */
export function Layout({ locale, titleHtml, bodyHtml, frame }: LayoutProps): ReactNode {
  const t = (key: keyof typeof ownerMessages.en): string => formatMessage(ownerMessages, locale, key);
  const current = sectionOf(frame.path);
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToMain')}
      </a>
      <div className="shell">
        <header className="topbar">
          <p className="shop">
            <span className="shop-name" id="shop-name">
              {frame.shopName}
            </span>
            <span className="shop-role">{t('backOffice')}</span>
          </p>
          {frame.csrf ? (
            <form method="post" action="/owner/logout" id="logout">
              <input type="hidden" name="csrf" value={frame.csrf} />
              <button type="submit" className="quiet">
                {t('logout')}
              </button>
            </form>
          ) : null}
        </header>
        <nav className="sections" aria-label={t('nav.label')}>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.key}>
                <a href={s.href} id={s.id} aria-current={s.key === current ? 'page' : undefined}>
                  {t(`nav.${s.key}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <h1 dangerouslySetInnerHTML={{ __html: titleHtml }} />
          <div className="content" dangerouslySetInnerHTML={{ __html: bodyHtml }} />
        </main>
      </div>
    </>
  );
}

/** The body of a page before the back office (sign-in, set-up link, first-run wizard): no navigation, the page's heading and content in <main>. */
export function BareLayout({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return (
    <main id="main">
      <h1>{title}</h1>
      {children}
    </main>
  );
}
