import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import type { Locale } from '../core/i18n/locales';
import { messageTexts } from '../core/i18n/messages';
import { openCodePage, openContactPage, undeliveredPage, unsubscribePage } from './message-pages';
import type { Messaging } from './messaging';
import { messagePage } from './pages';
import type { Member } from './store';

/**
 * The hub's message routes: "Open my card on this phone" by a one-time code (GET/POST /m/open,
 * POST /m/open/code), one-click unsubscribe (GET shows a button, POST withdraws: /u/<token>, RFC
 * 8058), and the owner's list of failed and suppressed messages (GET /owner/messages).
 */

export interface MessageRouteContext {
  messaging: Messaging;
  shop: { no: number; name: string };
  send: (res: ServerResponse, status: number, body: string, type?: string, headers?: Record<string, string>) => void;
  readBody: (req: IncomingMessage) => Promise<string | undefined>;
  clientAddress: (req: IncomingMessage) => string;
  /** The hub's failure counter per address (wrong codes count like other failed attempts). */
  slowedDown: (address: string) => boolean;
  noteFailure: (address: string) => void;
  parseContact: (text: string) => { phone: string | null; email: string | null } | undefined;
  memberByContact: (contact: { phone: string | null; email: string | null }) => Promise<Member | undefined>;
  /** The member session cookie (the same one the join form sets). */
  /** Opens a session for the member on this phone (ending the one it presented): the Set-Cookie value. */
  rememberCookie: (req: IncomingMessage, member: Member) => Promise<string>;
  ownerAllowed: (req: IncomingMessage, url: URL) => boolean;
  ownerCsrf: (req: IncomingMessage, url: URL) => string;
  log: (line: string) => void;
}

/**
 * A form posted from another site is refused: the browser says so in Sec-Fetch-Site, or an Origin
 * that is not this hub's. (The unsubscribe POST is exempt: its signed token is the authority, and a
 * mail client posts it from nowhere.)
 */
function crossSite(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

export function messageRoutes(ctx: MessageRouteContext): (req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale) => Promise<boolean> {
  const tooMany = (res: ServerResponse, locale: Locale): void =>
    ctx.send(res, 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')), undefined, { 'retry-after': '60' });

  async function open(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/m/open') return ctx.send(res, 200, openContactPage(locale));
    if (req.method !== 'POST') return ctx.send(res, 405, 'method not allowed', 'text/plain');
    if (crossSite(req)) return ctx.send(res, 403, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request')));
    const address = ctx.clientAddress(req);
    if (ctx.slowedDown(address)) return tooMany(res, locale);
    const body = await ctx.readBody(req);
    if (body === undefined) return ctx.send(res, 413, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request')));
    const form = new URLSearchParams(body);
    const typed = (form.get('contact') ?? '').trim().slice(0, 254);
    const contact = ctx.parseContact(typed);
    if (url.pathname === '/m/open') {
      if (!contact) return ctx.send(res, 400, openContactPage(locale, typed, 'open.invalid'));
      const issued = await ctx.messaging.issueContactCode(contact, 'open', { requestedBy: address, locale });
      if (!issued.ok) return ctx.send(res, 429, openContactPage(locale, typed, 'open.tooMany'), undefined, { 'retry-after': '3600' });
      return ctx.send(res, 200, openCodePage(locale, contact.email ?? contact.phone ?? typed));
    }
    // POST /m/open/code
    if (!contact) return ctx.send(res, 400, openContactPage(locale, typed, 'open.invalid'));
    const shown = contact.email ?? contact.phone ?? typed;
    const verified = await ctx.messaging.verifyContactCode(contact, 'open', form.get('code') ?? '');
    const member = verified.ok ? await ctx.memberByContact(contact) : undefined;
    if (!member) {
      ctx.noteFailure(address);
      return ctx.send(res, 400, openCodePage(locale, shown, 'open.wrong'));
    }
    await ctx.messaging.store.setLocale(member.id, locale);
    ctx.log(`member ${member.no} opened their card on a new phone by a code`);
    res.writeHead(303, { location: '/m', 'cache-control': 'no-store', 'set-cookie': await ctx.rememberCookie(req, member) });
    res.end();
  }

  async function unsubscribe(req: IncomingMessage, res: ServerResponse, token: string, locale: Locale): Promise<void> {
    const invalid = (): void => ctx.send(res, 404, messagePage(locale, formatMessage(messageTexts, locale, 'unsub.invalid')));
    if (req.method === 'GET') {
      if (!ctx.messaging.memberOfToken(token)) return invalid();
      return ctx.send(res, 200, unsubscribePage(locale, ctx.shop.name, `/u/${token}`, false));
    }
    if (req.method !== 'POST') return ctx.send(res, 405, 'method not allowed', 'text/plain');
    await ctx.readBody(req);
    const done = await ctx.messaging.unsubscribe(token);
    if (!done) return invalid();
    ctx.send(res, 200, unsubscribePage(locale, ctx.shop.name, `/u/${token}`, true));
  }

  return async (req, res, url, locale) => {
    const path = url.pathname;
    if (path === '/m/open' || path === '/m/open/code') {
      await open(req, res, url, locale);
      return true;
    }
    const unsub = /^\/u\/([A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{1,64})$/.exec(path);
    if (unsub) {
      await unsubscribe(req, res, unsub[1]!, locale);
      return true;
    }
    if (path.startsWith('/u/')) {
      ctx.send(res, 404, messagePage(locale, formatMessage(messageTexts, locale, 'unsub.invalid')));
      return true;
    }
    if (path === '/owner/messages' && req.method === 'GET') {
      if (!ctx.ownerAllowed(req, url)) {
        res.writeHead(303, { location: '/owner/login', 'cache-control': 'no-store' });
        res.end();
        return true;
      }
      ctx.send(res, 200, undeliveredPage(locale, await ctx.messaging.store.undelivered(ctx.shop.no), ctx.ownerCsrf(req, url)));
      return true;
    }
    return false;
  };
}
