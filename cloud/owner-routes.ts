import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMessage } from '../core/i18n/catalog';
import type { Locale } from '../core/i18n/locales';
import type { LedgerEntry } from '../core/ledger/entry';
import { ownerDataMessages } from '../core/i18n/owner-data';
import { figures, zonedMidnight } from '../core/metrics';
import { adjustmentEntry, winBackEntries } from '../core/owner-actions';
import type { Program } from '../core/program/schema';
import { CHART_JS_PATH, dashboardPage } from './owner-dashboard';
import { kiosksPage, memberPage } from './owner-members';
import { MEMBER_ID_SHAPE } from './member-session';
import type { OwnerStore } from './owner-store';
import { messagePage, pagePolicy } from './pages';

/**
 * The owner's dashboard, kiosk locations, win-back, adjustments and a member's data export and
 * erasure, as HTTP routes. The hub hands in what they need (store, auth, CSRF, response helpers);
 * every POST needs the owner's session cookie and its CSRF token, or the bearer token (a script,
 * which no other site can make a browser send).
 */

export interface OwnerRouteContext {
  owner: OwnerStore;
  /** The shop whose owner is logged in, with its current program (time zone, currency). */
  shop: () => Promise<{ no: number; name: string; program: Program }>;
  /** A member of any shop, for the pages (undefined when unknown). */
  member: (id: string) => Promise<{ id: string; no: number; shopNo: number } | undefined>;
  /** A member's ledger entries, oldest first, in the store's own order (the order they were written at one instant). */
  entries: (memberId: string) => Promise<LedgerEntry[]>;
  now: () => Date;
  /** The bundled Chart.js (UMD), read once when the hub starts. */
  chartJs: string;
  /** 'cookie' (a browser session, CSRF token given), 'token' (bearer), or undefined (not the owner). */
  ownerAuth: (req: IncomingMessage, url: URL) => { via: 'cookie'; csrf: string } | { via: 'token' } | undefined;
  send: (res: ServerResponse, status: number, body: string, type?: string, headers?: Record<string, string>) => void;
  readBody: (req: IncomingMessage) => Promise<string | undefined>;
  /** Who did it, for the audit log ("owner@127.0.0.1"). */
  actor: (req: IncomingMessage) => string;
  log: (line: string) => void;
}

/** The dashboard's CSP: its own scripts (Chart.js from this hub, the inline drawing code), nothing from elsewhere. */
const DASHBOARD_CSP = pagePolicy({ scriptsFromHub: true });

/** The member id of a path segment, or undefined when it is not one the hub or a kiosk mints. */
function decodedMemberId(segment: string): string | undefined {
  try {
    const id = decodeURIComponent(segment);
    return MEMBER_ID_SHAPE.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const FLASH_KEYS = new Set(['adjustDone', 'eraseDone', 'mergeDone', 'locationSaved']);

export function ownerDataRoutes(ctx: OwnerRouteContext): (req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale) => Promise<boolean> {
  const x = (locale: Locale, key: keyof typeof ownerDataMessages.en, values?: Record<string, string | number>): string =>
    formatMessage(ownerDataMessages, locale, key, values);
  const redirect = (res: ServerResponse, location: string): void => {
    res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
  };

  /** YYYY-MM-DD from a query parameter, or the fallback; a malformed date is refused (undefined). */
  function dateParam(url: URL, name: string, fallback: string): string | undefined {
    const value = url.searchParams.get(name) || fallback;
    return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? value : undefined;
  }

  /** The form of a POST, once its CSRF token (cookie session) checks; undefined after answering 403. */
  async function postedForm(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<URLSearchParams | undefined> {
    const auth = ctx.ownerAuth(req, url);
    const form = new URLSearchParams((await ctx.readBody(req)) ?? '');
    if (auth?.via === 'cookie' && form.get('csrf') === auth.csrf) return form;
    if (auth?.via === 'token') return form;
    ctx.send(res, 403, messagePage(locale, x(locale, 'error.csrf')));
    return undefined;
  }

  async function dashboard(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale, csrf: string): Promise<void> {
    const now = ctx.now();
    const shop = await ctx.shop();
    const today = now.toISOString().slice(0, 10);
    const monthAgo = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
    const from = dateParam(url, 'from', monthAgo);
    const to = dateParam(url, 'to', tomorrow);
    const inactiveDays = Number(url.searchParams.get('inactive') || 60);
    if (!from || !to || from >= to || !Number.isInteger(inactiveDays) || inactiveDays < 0 || inactiveDays > 3650) {
      ctx.send(res, 400, messagePage(locale, `from/to must be dates YYYY-MM-DD with from before to (today is ${today}); inactive a whole number of days`));
      return;
    }
    const zone = shop.program.timeZone;
    const location = url.searchParams.get('location') ?? '';
    const period = { from: zonedMidnight(from, zone), to: zonedMidnight(to, zone) };
    const aggregates = await ctx.owner.dashboardAggregates(shop.no, {
      ...period,
      location: location || null,
      inactiveBefore: new Date(now.getTime() - inactiveDays * 86_400_000),
    });
    const d = figures(aggregates, { to: period.to, now, timeZone: zone, inactiveDays });
    const flash = url.searchParams.get('winback');
    ctx.send(
      res,
      200,
      dashboardPage({
        locale,
        shopName: shop.name,
        currency: shop.program.currency,
        from,
        to,
        location,
        locations: await ctx.owner.locations(shop.no),
        inactiveDays,
        figures: d,
        csrf,
        campaign: `winback-${today}`,
        flash: flash ? { text: flash, error: url.searchParams.has('error') } : null,
      }),
      undefined,
      { 'content-security-policy': DASHBOARD_CSP },
    );
  }

  async function winBack(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<void> {
    const form = await postedForm(req, res, url, locale);
    if (!form) return;
    const now = ctx.now();
    const shop = await ctx.shop();
    const back = form.get('back') ?? '/owner';
    const backTo = back.startsWith('/owner?') || back === '/owner' ? back : '/owner';
    const answer = (text: string, error: boolean): void =>
      redirect(res, `${backTo}${backTo.includes('?') ? '&' : '?'}winback=${encodeURIComponent(text)}${error ? '&error=1' : ''}`);
    const inactiveDays = Number(form.get('inactive') ?? '');
    if (!Number.isInteger(inactiveDays) || inactiveDays < 0) return answer(x(locale, 'error.no-members'), true);
    // The list is worked out again here, from the ledger as it is now: the page may be old.
    const aggregates = await ctx.owner.dashboardAggregates(shop.no, {
      from: new Date(now.getTime() - 1),
      to: now,
      location: null,
      inactiveBefore: new Date(now.getTime() - inactiveDays * 86_400_000),
    });
    const inactive = figures(aggregates, { to: now, now, timeZone: shop.program.timeZone, inactiveDays }).inactive;
    const campaign = (form.get('campaign') ?? '').trim();
    const result = winBackEntries({
      campaign,
      memberIds: inactive.map((m) => m.memberId),
      points: Number(form.get('points') ?? ''),
      label: x(locale, 'winBackLabel', { days: inactiveDays }),
      at: now,
    });
    if (!result.ok) return answer(x(locale, `error.${result.error}`), true);
    const done = await ctx.owner.creditWinBack(shop.no, result.entries, campaign, ctx.actor(req), now);
    ctx.log(`owner win-back ${campaign}: ${done.written} credited, ${done.skipped} already had it`);
    answer(x(locale, 'winBackDone', done), false);
  }

  async function memberRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    locale: Locale,
    requestedId: string,
    action: string,
    csrf: string,
  ): Promise<void> {
    const shop = await ctx.shop();
    const known = await ctx.member(requestedId);
    if (!known || known.shopNo !== shop.no) {
      ctx.send(res, 404, messagePage(locale, 'no such member'));
      return;
    }
    // An id merged into another member (an old link) is that member.
    const memberId = known.id;
    const base = `/owner/members/${encodeURIComponent(memberId)}`;
    const show = async (status: number, flash: { text: string; error: boolean } | null, values?: { delta: string; reason: string }): Promise<void> => {
      const data = (await ctx.owner.memberExport(shop.no, memberId))!;
      ctx.send(
        res,
        status,
        memberPage({
          locale,
          member: { ...data.member, consentAt: data.consent.at },
          balance: await ctx.owner.balance(memberId),
          entries: await ctx.entries(memberId),
          audit: data.audit,
          csrf,
          flash,
          ...(values ? { values } : {}),
        }),
      );
    };
    if (action === '' && req.method === 'GET') {
      const done = url.searchParams.get('done') ?? '';
      return show(200, FLASH_KEYS.has(done) ? { text: x(locale, done as 'adjustDone'), error: false } : null);
    }
    if (action === '/export.json' && req.method === 'GET') {
      const data = await ctx.owner.memberExport(shop.no, memberId);
      ctx.send(
        res,
        200,
        JSON.stringify({ format: 'loyalty-kiosk member export 1', exportedAt: ctx.now().toISOString(), shop: shop.name, ...data }, null, 2),
        'application/json; charset=utf-8',
        { 'content-disposition': `attachment; filename="member-${known.no}.json"` },
      );
      return;
    }
    if (req.method !== 'POST') {
      ctx.send(res, 405, 'method not allowed', 'text/plain');
      return;
    }
    const form = await postedForm(req, res, url, locale);
    if (!form) return;
    const now = ctx.now();
    if (action === '/adjust') {
      const delta = form.get('delta') ?? '';
      const reason = form.get('reason') ?? '';
      let balanceSeen = 0;
      const result = await ctx.owner.adjust(shop.no, memberId, ctx.actor(req), now, (balance) => {
        balanceSeen = balance;
        return adjustmentEntry({ id: `adjust:${randomUUID()}`, memberId, delta, reason, balance, at: now });
      });
      if (!result.ok) return show(400, { text: x(locale, `error.${result.error}`, { balance: balanceSeen }), error: true }, { delta, reason });
      ctx.log(`owner adjusted member ${known.no} by ${result.entry.points}: ${result.entry.reason.label ?? ''}`);
      return redirect(res, `${base}?done=adjustDone`);
    }
    if (action === '/erase') {
      if ((form.get('confirm') ?? '').trim() !== 'ERASE') return show(400, { text: x(locale, 'error.erase-confirm'), error: true });
      await ctx.owner.eraseMember(shop.no, memberId, ctx.actor(req), now);
      ctx.log(`owner erased the personal data of member ${known.no}`);
      return redirect(res, `${base}?done=eraseDone`);
    }
    if (action === '/merge') {
      // The duplicate is named by its member number (as the pages show it, "#12" or "12").
      const other = /^#?\s*(\d{1,12})$/.exec((form.get('other') ?? '').trim());
      const otherId = other ? await ctx.owner.memberIdByNo(shop.no, Number(other[1])) : undefined;
      if (otherId === undefined) return show(400, { text: x(locale, 'error.merge-not-found'), error: true });
      const result = await ctx.owner.mergeMembers(shop.no, memberId, otherId, ctx.actor(req), now);
      if (!result.ok) return show(400, { text: x(locale, `error.merge-${result.error}`), error: true });
      ctx.log(`owner merged member ${other![1]} into member ${known.no}: ${result.moved.entries} entries, ${result.moved.points} points moved`);
      return redirect(res, `${base}?done=mergeDone`);
    }
    ctx.send(res, 404, 'not found', 'text/plain');
  }

  async function kiosks(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale, csrf: string): Promise<void> {
    const shop = await ctx.shop();
    const match = /^\/owner\/kiosks\/([\w-]{1,100})\/location$/.exec(url.pathname);
    if (match && req.method === 'POST') {
      const form = await postedForm(req, res, url, locale);
      if (!form) return;
      const location = (form.get('location') ?? '').trim().replace(/\s+/g, ' ');
      if (location.length < 1 || location.length > 60) {
        ctx.send(res, 400, kiosksPage(locale, await ctx.owner.kioskLocations(shop.no), csrf, { text: x(locale, 'error.location-invalid'), error: true }));
        return;
      }
      const done = await ctx.owner.setKioskLocation(shop.no, match[1]!, location, ctx.actor(req), ctx.now());
      if (!done) {
        ctx.send(res, 404, messagePage(locale, 'no such kiosk'));
        return;
      }
      return redirect(res, '/owner/kiosks?done=locationSaved');
    }
    const saved = url.searchParams.get('done') === 'locationSaved';
    ctx.send(res, 200, kiosksPage(locale, await ctx.owner.kioskLocations(shop.no), csrf, saved ? { text: x(locale, 'locationSaved'), error: false } : null));
  }

  return async (req, res, url, locale) => {
    const path = url.pathname;
    if (path === CHART_JS_PATH && req.method === 'GET') {
      ctx.send(res, 200, ctx.chartJs, 'text/javascript; charset=utf-8', { 'cache-control': 'public, max-age=86400' });
      return true;
    }
    // Ids of members enrolled at a till hold a `:` (sent as %3A): the path segment is decoded, then checked.
    const memberMatch = /^\/owner\/members\/([\w%:.-]{1,200})(\/adjust|\/erase|\/merge|\/export\.json)?$/.exec(path);
    const memberId = memberMatch ? decodedMemberId(memberMatch[1]!) : undefined;
    const mine =
      path === '/owner' ||
      path === '/owner/winback' ||
      path === '/owner/kiosks' ||
      /^\/owner\/kiosks\/[\w-]{1,100}\/location$/.test(path) ||
      memberId !== undefined;
    if (!mine) return false;
    const auth = ctx.ownerAuth(req, url);
    if (!auth) {
      if (req.method === 'GET') redirect(res, '/owner/login');
      else ctx.send(res, 401, messagePage(locale, 'owner login required'));
      return true;
    }
    const csrf = auth.via === 'cookie' ? auth.csrf : '';
    if (path === '/owner' && req.method === 'GET') await dashboard(req, res, url, locale, csrf);
    else if (path === '/owner/winback' && req.method === 'POST') await winBack(req, res, url, locale);
    else if (path.startsWith('/owner/kiosks')) await kiosks(req, res, url, locale, csrf);
    else if (memberMatch && memberId !== undefined) await memberRoute(req, res, url, locale, memberId, memberMatch[2] ?? '', csrf);
    else return false;
    return true;
  };
}
