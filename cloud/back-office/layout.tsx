import type { ReactNode } from 'react';
import { formatMessage } from '../../core/i18n/catalog';
import type { Locale } from '../../core/i18n/locales';
import { ownerMessages } from '../../core/i18n/owner';

/**
 * The back office's one frame, rendered on the server: the shop's name and "Log out" in a header, the
 * seven sections as navigation (the one shown marked for screen readers), a skip link and the page in
 * <main>; and the HTML document around it (`OwnerDocument`). The pages hand their React bodies and
 * plain-text titles in, and the whole page is rendered once (cloud/owner-pages.ts), escaped by React.
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
  /** The page's heading, plain text. */
  title: string;
  frame: OwnerFrame;
  /** The page's content. */
  children?: ReactNode;
}

/** The body of every back-office page. */
export function Layout({ locale, title, frame, children }: LayoutProps): ReactNode {
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
          <h1>{title}</h1>
          <div className="content">{children}</div>
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

/** A page's own style sheets and scripts (URLs under /assets), beside the back office's style sheet. */
export interface PageAssets {
  /** Style sheets, linked in <head> after the back office's. */
  styles?: readonly string[];
  /** Classic scripts, run in order at the end of <body> (the content is parsed by then). */
  scripts?: readonly string[];
}

export interface OwnerDocumentProps {
  locale: Locale;
  /** The document's <title>, plain text. */
  title: string;
  /** The back office's style sheet (cloud/back-office/style.ts). */
  stylesheet: string;
  assets: PageAssets;
  /** "bare" for a page without the navigation. */
  bodyClass?: string;
  children?: ReactNode;
}

/** The HTML document of every owner page: head (charset, viewport, no referrer, title, style sheets) and body (the frame, then the scripts). */
export function OwnerDocument({ locale, title, stylesheet, assets, bodyClass, children }: OwnerDocumentProps): ReactNode {
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        {[stylesheet, ...(assets.styles ?? [])].map((href) => (
          <link key={href} rel="stylesheet" href={href} />
        ))}
      </head>
      <body className={bodyClass}>
        {children}
        {(assets.scripts ?? []).map((src) => (
          <script key={src} src={src} />
        ))}
      </body>
    </html>
  );
}
