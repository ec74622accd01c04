import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { ownerDataMessages } from '../../core/i18n/owner-data';
import { formatInstant } from '../../core/i18n/dates';
import { defaultPeriod, figures, zonedMidnight, type Dashboard } from '../../core/metrics';
import { localTime } from '../../core/program/clock';
import { adjustmentEntry, winBackEntries } from '../../core/owner-actions';
import { parseProgram, type Program } from '../../core/program/schema';
import type { ProgramMisfit } from '../../core/shop-settings';
import { entryLabelIn } from '../../core/program/texts';
import { CHART_JS_PATH } from '../back-office/overview/charts';
import { dashboardPage } from '../back-office/overview/overview';
import { MEMBER_ID_SHAPE } from '../member-session';
import { kioskRefusalMessages } from '../../core/i18n/kiosk-refusals';
import { kioskRefusalsPage, kiosksPage } from '../back-office/kiosks/kiosks';
import { memberPage } from '../back-office/members/member-detail';
import { csv, csvLines } from '../owner-pages';
import { membersPage } from '../back-office/members/members-list';
import { rewardsPage } from '../back-office/rewards/rewards';
import type { OwnerStore } from '../owner-store';
import { messagePage } from '../pages';
import { MAX_PROGRAM_BYTES } from './app';
import { field, form, seeOther, sendPage, type HubHttpContext, type ProgramPublication } from './context';
import { jsonText } from './health';

/**
 * The owner's back office: the dashboard, members (search, one member's page, adjustment, export,
 * erasure, merging a duplicate), kiosks (locations, refused reports and the flag, revocation), win-back, the CSV exports and the JSON owner API (pairing
 * codes, the program document, voucher conflicts). Sign-in and accounts are cloud/routes/accounts.ts. Every route is
 * guarded by the one owner hook (cloud/routes/app.ts): a session, the owner token or an API key, the
 * route's role (pairing and revoking: the owner only), and the session's CSRF token on every
 * state-changing request.
 */

/** The dashboard's CSP: Chart.js and the drawing script from this hub, nothing from elsewhere. */
const FLASH_KEYS = new Set(['adjustDone', 'eraseDone', 'mergeDone', 'locationSaved']);
/** How many of a kiosk's refused reports its page lists (newest first); the kiosk list shows the full count. */
const REFUSALS_SHOWN = 200;
const ID = '^[\\w-]{1,100}$';
const kioskParams = z.object({ id: z.string().regex(new RegExp(ID)) });
/**
 * A member id in the path: members enrolled at a till have `<kioskId>:<opaque>` ids (the `:` comes as
 * %3A), so the segment is taken whole, decoded by the router, and checked here; any other shape is 400.
 */
const memberParams = z.object({ id: z.string().regex(MEMBER_ID_SHAPE) });
const page = { guard: 'owner', ownerPage: true } as const;
const owner = { guard: 'owner' } as const;
/** Pairing and revoking kiosks decide which machines may write to the shop: the owner only, not a manager. */
const ownerOnly = { guard: 'owner', role: 'owner' } as const;

/**
 * The members inactive for more than `inactiveDays` as of `now`, from the ledger as it is, oldest first: the Overview's
 * inactive list (its idle members do not depend on the period or location), the win-back's audience (credit and preview)
 * and the inactive export. `timeZone` is the shop's (its settings), as on the dashboard: the roll-ups are kept in one zone,
 * and a second one would rebuild them.
 */
export async function inactiveMembers(owner: OwnerStore, shopNo: number, timeZone: string, inactiveDays: number, now: Date): Promise<Dashboard['inactive']> {
  const aggregates = await owner.dashboardAggregates(shopNo, {
    from: new Date(now.getTime() - 1),
    to: now,
    location: null,
    inactiveBefore: new Date(now.getTime() - inactiveDays * 86_400_000),
    timeZone,
  });
  return figures(aggregates, { to: now, now, timeZone, inactiveDays }).inactive;
}

/** The ids of `inactiveMembers`. */
export async function inactiveMemberIds(owner: OwnerStore, shopNo: number, timeZone: string, inactiveDays: number, now: Date): Promise<string[]> {
  return (await inactiveMembers(owner, shopNo, timeZone, inactiveDays, now)).map((m) => m.memberId);
}

/** The Overview's "days without a visit" (`inactive` in its query): 60 when absent, else a whole number from 0 to 3650; undefined when it is not. */
export function inactiveDaysOf(value: string | undefined): number | undefined {
  const days = Number(value || 60);
  return Number.isInteger(days) && days >= 0 && days <= 3650 ? days : undefined;
}

/**
 * What `PUT /owner/program` answers a program the shop's settings do not allow, said for the script's
 * author: each thing that differs, what to send instead, and the one place the shop's own changes
 * (its settings, while that can still change it).
 */
function programRefusal(
  program: Program,
  refused: Extract<ProgramPublication, { ok: false }>,
): { error: string; issues: { path: ProgramMisfit; message: string }[] } {
  const { settings } = refused;
  const where = '(the Settings page, or POST /owner/settings)';
  const issues = refused.misfits.map((path) => {
    switch (path) {
      case 'currency':
        return {
          path,
          said: `it counts in ${program.currency}`,
          message: refused.currencyLocked
            ? `the shop counts in ${settings.currency} and keeps it while a published program counts in it: send the program with "currency": "${settings.currency}"`
            : `the shop counts in ${settings.currency} (its settings): send the program with "currency": "${settings.currency}", or first change the shop's currency in its settings ${where}`,
        };
      case 'locale':
        return {
          path,
          said: `it speaks ${program.locale}`,
          message: `the shop offers ${settings.languages.join(', ')} (its settings): send the program with "locale": "${settings.locale}", or first add ${program.locale} to the shop's languages in its settings ${where}`,
        };
      case 'timeZone':
        return {
          path,
          said: `it keeps time in ${program.timeZone}`,
          message: `the shop's time zone is ${settings.timeZone} (its settings): send the program with "timeZone": "${settings.timeZone}", or first change the shop's time zone in its settings ${where}`,
        };
    }
  });
  return {
    error: `program refused, nothing changed: ${issues.map((i) => `${i.said}; ${i.message}`).join('; ')}`,
    issues: issues.map(({ path, message }) => ({ path, message })),
  };
}

export const ownerRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { store } = ctx;
  const localeOf = (request: FastifyRequest): Locale => pickLocale(request.headers['accept-language']);
  const x = (locale: Locale, key: keyof typeof ownerDataMessages.en, values?: Record<string, string | number>): string =>
    formatMessage(ownerDataMessages, locale, key, values);
  const shopNow = async () => (await store.shop(ctx.shop.no))!;
  /** The zone every moment on an owner page is shown in: the shop's, from its settings. */
  const shopZone = async (): Promise<string> => (await ctx.settings()).settings.timeZone;
  /** Who did it, for the audit log: the account, "owner" (the owner token) or "key:<name>", at the address ("anna@127.0.0.1"). */
  const actor = (request: FastifyRequest): string => `${request.ownerAuth?.principal.name ?? 'owner'}@${ctx.clientAddress(request)}`;

  // ---- the dashboard and win-back ----------------------------------------------------------------

  app.get(CHART_JS_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(ctx.chartJs),
  );

  const dashboardQuery = z.looseObject({ from: field, to: field, inactive: field, location: field, winback: field, error: field });
  app.get('/owner', { schema: { querystring: dashboardQuery }, config: page }, async (request, reply) => {
    const locale = localeOf(request);
    const q = request.query;
    const now = ctx.now();
    const shop = await shopNow();
    // The shop's days, not UTC's: at 00:30 in Warsaw "today" is already the new date there.
    const zone = await shopZone();
    const today = localTime(now, zone).date;
    /** YYYY-MM-DD, or the fallback; a malformed date is refused (undefined). */
    const date = (value: string | undefined, fallback: string): string | undefined => {
      const v = value || fallback;
      return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? v : undefined;
    };
    // The default period is prepared ahead by the hub (cloud/hub.ts prepareOverview), so its read finds it kept.
    const fallback = defaultPeriod(now, zone);
    const from = date(q.from, fallback.fromDate);
    const to = date(q.to, fallback.toDate);
    const inactiveDays = inactiveDaysOf(q.inactive);
    if (!from || !to || from >= to || inactiveDays === undefined) {
      return sendPage(
        reply,
        400,
        messagePage(locale, x(locale, 'error.period', { today: formatInstant(now, locale, zone, 'date') }), {
          href: '/owner',
          text: x(locale, 'backToOverview'),
        }),
      );
    }
    const location = q.location ?? '';
    const period = { from: zonedMidnight(from, zone), to: zonedMidnight(to, zone) };
    const aggregates = await ctx.owner.dashboardAggregates(shop.no, {
      ...period,
      location: location || null,
      inactiveBefore: new Date(now.getTime() - inactiveDays * 86_400_000),
      timeZone: zone,
    });
    const d = figures(aggregates, { to: period.to, now, timeZone: zone, inactiveDays });
    // Members without a name are shown by contact (or number): looked up for those few only.
    const unnamed = [...new Set([...d.top, ...d.inactive].filter((c) => c.name === null).map((c) => c.memberId))];
    return sendPage(
      reply,
      200,
      dashboardPage({
        locale,
        timeZone: zone,
        unnamed: await ctx.owner.memberLabels(shop.no, unnamed),
        shopName: shop.name,
        currency: shop.program.currency,
        from,
        to,
        location,
        locations: await ctx.owner.locations(shop.no),
        inactiveDays,
        // Rewards by the name stored when they were redeemed, in the owner's language (the page shows what it is given).
        figures: {
          ...d,
          rewards: d.rewards.map((r) => ({
            ...r,
            label: entryLabelIn(shop.program, { code: 'redeem', label: r.label, ruleId: r.rewardId }, locale) ?? r.label,
          })),
        },
        frame: request.ownerFrame,
        campaign: `winback-${today}`,
        flash: q.winback ? { text: q.winback, error: q.error !== undefined } : null,
      }),
    );
  });

  const winBackForm = form({ back: field, inactive: field, campaign: field, points: field, csrf: field });
  app.post('/owner/winback', { schema: { body: winBackForm }, config: owner }, async (request, reply) => {
    const locale = localeOf(request);
    const posted = request.body;
    const now = ctx.now();
    const shop = await shopNow();
    const back = posted.back ?? '/owner';
    const backTo = back.startsWith('/owner?') || back === '/owner' ? back : '/owner';
    const answer = (text: string, error: boolean): FastifyReply =>
      seeOther(reply, `${backTo}${backTo.includes('?') ? '&' : '?'}winback=${encodeURIComponent(text)}${error ? '&error=1' : ''}`);
    const inactiveDays = Number(posted.inactive ?? '');
    if (!Number.isInteger(inactiveDays) || inactiveDays < 0) return answer(x(locale, 'error.no-members'), true);
    // The list is worked out again here, from the ledger as it is now: the page may be old.
    const inactive = await inactiveMemberIds(ctx.owner, shop.no, await shopZone(), inactiveDays, now);
    const campaign = (posted.campaign ?? '').trim();
    const points = Number(posted.points ?? '');
    const result = winBackEntries({
      campaign,
      memberIds: inactive,
      points,
      label: x(locale, 'winBackLabel', { days: inactiveDays }),
      at: now,
    });
    if (!result.ok) return answer(x(locale, `error.${result.error}`), true);
    const done = await ctx.owner.creditWinBack(shop.no, result.entries, campaign, actor(request), now);
    ctx.log(`owner win-back ${campaign}: ${done.written} credited, ${done.skipped} already had it`);
    // Then the message: one per member per campaign (cloud/messaging.ts), so sending again queues nothing new.
    await ctx.messaging.queueWinBack(campaign, inactive, points);
    return answer(x(locale, 'winBackDone', done), false);
  });

  // ---- rewards -----------------------------------------------------------------------------------

  // The program's rewards with their redemptions over the Overview's default period (so both pages agree), and the open vouchers.
  app.get('/owner/rewards', { config: page }, async (request, reply) => {
    const now = ctx.now();
    const shop = await shopNow();
    const zone = await shopZone();
    const { from, to } = defaultPeriod(now, zone);
    const period = { from, to };
    const aggregates = await ctx.owner.dashboardAggregates(shop.no, { ...period, location: null, inactiveBefore: new Date(0), timeZone: zone });
    const { rewards } = figures(aggregates, { to: period.to, now, timeZone: zone, inactiveDays: 0 });
    return sendPage(
      reply,
      200,
      rewardsPage({
        locale: localeOf(request),
        timeZone: zone,
        frame: request.ownerFrame,
        program: shop.program,
        redeemed: rewards,
        open: await store.openVouchers(shop.no, now),
        openTotal: await store.openVoucherCount(shop.no, now),
      }),
    );
  });

  // ---- members -----------------------------------------------------------------------------------

  app.get('/owner/members', { schema: { querystring: z.looseObject({ q: field }) }, config: page }, async (request, reply) => {
    const query = (request.query.q ?? '').trim().slice(0, 100);
    return sendPage(
      reply,
      200,
      membersPage({ locale: localeOf(request), query, members: await store.searchMembers(ctx.shop.no, query), frame: request.ownerFrame }),
    );
  });

  /** A member of this shop (a merged-away id is the member it was merged into), or undefined after answering 404. */
  async function memberOfShop(request: FastifyRequest, reply: FastifyReply, id: string) {
    const known = await store.member(id);
    if (!known || known.shopNo !== ctx.shop.no) {
      sendPage(reply, 404, messagePage(localeOf(request), x(localeOf(request), 'notFound.member')));
      return undefined;
    }
    return known;
  }

  async function showMember(
    request: FastifyRequest,
    reply: FastifyReply,
    memberId: string,
    status: number,
    flash: { text: string; error: boolean } | null,
    values?: { delta: string; reason: string },
  ): Promise<FastifyReply> {
    const data = (await ctx.owner.memberExport(ctx.shop.no, memberId))!;
    const shop = (await store.shop(ctx.shop.no))!;
    return sendPage(
      reply,
      status,
      memberPage({
        locale: localeOf(request),
        timeZone: await shopZone(),
        member: { ...data.member, consentAt: data.consent.at },
        balance: await ctx.owner.balance(memberId),
        entries: await store.entries(memberId),
        program: shop.program,
        audit: data.audit,
        referrals: { ...(await ctx.referrals.referralsOf(memberId)), timeZone: shop.program.timeZone },
        frame: request.ownerFrame,
        flash,
        ...(values ? { values } : {}),
      }),
    );
  }

  app.get('/owner/members/:id', { schema: { params: memberParams, querystring: z.looseObject({ done: field }) }, config: page }, async (request, reply) => {
    const known = await memberOfShop(request, reply, request.params.id);
    if (!known) return reply;
    const done = request.query.done ?? '';
    // An id merged into another member (an old link) shows that member.
    return showMember(request, reply, known.id, 200, FLASH_KEYS.has(done) ? { text: x(localeOf(request), done as 'adjustDone'), error: false } : null);
  });

  app.get('/owner/members/:id/export.json', { schema: { params: memberParams }, config: page }, async (request, reply) => {
    const known = await memberOfShop(request, reply, request.params.id);
    if (!known) return reply;
    const shop = await shopNow();
    const data = await ctx.owner.memberExport(shop.no, known.id);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="member-${known.no}.json"`)
      .send(JSON.stringify({ format: 'loyalty-kiosk member export 1', exportedAt: ctx.now().toISOString(), shop: shop.name, ...data }, null, 2));
  });

  const adjustForm = form({ delta: field, reason: field, csrf: field });
  app.post('/owner/members/:id/adjust', { schema: { params: memberParams, body: adjustForm }, config: owner }, async (request, reply) => {
    const known = await memberOfShop(request, reply, request.params.id);
    if (!known) return reply;
    const memberId = known.id;
    const delta = request.body.delta ?? '';
    const reason = request.body.reason ?? '';
    const now = ctx.now();
    let balanceSeen = 0;
    const result = await ctx.owner.adjust(ctx.shop.no, memberId, actor(request), now, (balance) => {
      balanceSeen = balance;
      return adjustmentEntry({ id: `adjust:${randomUUID()}`, memberId, delta, reason, balance, at: now });
    });
    if (!result.ok) {
      return showMember(
        request,
        reply,
        memberId,
        400,
        { text: x(localeOf(request), `error.${result.error}`, { balance: balanceSeen }), error: true },
        { delta, reason },
      );
    }
    ctx.log(`owner adjusted member ${known.no} by ${result.entry.points}: ${result.entry.reason.label ?? ''}`);
    return seeOther(reply, `/owner/members/${encodeURIComponent(memberId)}?done=adjustDone`);
  });

  app.post(
    '/owner/members/:id/erase',
    { schema: { params: memberParams, body: form({ confirm: field, csrf: field }) }, config: owner },
    async (request, reply) => {
      const known = await memberOfShop(request, reply, request.params.id);
      if (!known) return reply;
      if ((request.body.confirm ?? '').trim() !== 'ERASE') {
        return showMember(request, reply, known.id, 400, { text: x(localeOf(request), 'error.erase-confirm'), error: true });
      }
      await ctx.owner.eraseMember(ctx.shop.no, known.id, actor(request), ctx.now());
      ctx.log(`owner erased the personal data of member ${known.no}`);
      return seeOther(reply, `/owner/members/${encodeURIComponent(known.id)}?done=eraseDone`);
    },
  );

  // The duplicate is named by its member number, as the pages show it ("#12" or "12").
  const mergeForm = form({ other: field, csrf: field });
  app.post('/owner/members/:id/merge', { schema: { params: memberParams, body: mergeForm }, config: owner }, async (request, reply) => {
    const known = await memberOfShop(request, reply, request.params.id);
    if (!known) return reply;
    const locale = localeOf(request);
    const other = /^#?\s*(\d{1,12})$/.exec((request.body.other ?? '').trim());
    const otherId = other ? await ctx.owner.memberIdByNo(ctx.shop.no, Number(other[1])) : undefined;
    if (otherId === undefined) return showMember(request, reply, known.id, 400, { text: x(locale, 'error.merge-not-found'), error: true });
    const result = await ctx.owner.mergeMembers(ctx.shop.no, known.id, otherId, actor(request), ctx.now());
    if (!result.ok) return showMember(request, reply, known.id, 400, { text: x(locale, `error.merge-${result.error}`), error: true });
    ctx.log(`owner merged member ${other![1]} into member ${known.no}: ${result.moved.entries} entries, ${result.moved.points} points moved`);
    return seeOther(reply, `/owner/members/${encodeURIComponent(known.id)}?done=mergeDone`);
  });

  // ---- exports -----------------------------------------------------------------------------------

  const csvReply = (reply: FastifyReply, name: string, body: string | Readable): FastifyReply =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(body);

  app.get('/owner/export/members.csv', { config: page }, async (_request, reply) => {
    const rows = await store.searchMembers(ctx.shop.no, '', Number.MAX_SAFE_INTEGER);
    return csvReply(
      reply,
      'members.csv',
      csv(
        ['no', 'id', 'name', 'phone', 'email', 'joined_at', 'points'],
        rows.map((m) => [m.no, m.id, m.name, m.phone, m.email, m.joinedAt, m.points]),
      ),
    );
  });

  // The Overview's inactive members (inactiveMembers: the same list, not only the 100 the page shows), oldest first, with
  // contact and balance as the members export gives them; the last visit is a date on the shop's clock. Looked up 500
  // members at a time (OwnerStore.memberLabels), each slice written as it comes.
  app.get('/owner/export/inactive-members.csv', { schema: { querystring: z.looseObject({ inactive: field }) }, config: page }, async (request, reply) => {
    const locale = localeOf(request);
    const inactiveDays = inactiveDaysOf(request.query.inactive);
    if (inactiveDays === undefined)
      return sendPage(reply, 400, messagePage(locale, x(locale, 'error.inactiveDays'), { href: '/owner', text: x(locale, 'backToOverview') }));
    const zone = await shopZone();
    const inactive = await inactiveMembers(ctx.owner, ctx.shop.no, zone, inactiveDays, ctx.now());
    async function* lines(): AsyncGenerator<string> {
      yield csv(['no', 'name', 'phone', 'email', 'last_visit', 'days_inactive', 'points'], []);
      for (let i = 0; i < inactive.length; i += 500) {
        const slice = inactive.slice(i, i + 500);
        const labels = await ctx.owner.memberLabels(
          ctx.shop.no,
          slice.map((m) => m.memberId),
        );
        yield csvLines(
          slice.map((m) => {
            const member = labels.get(m.memberId);
            return [
              member?.no ?? null,
              member?.name ?? null,
              member?.phone ?? null,
              member?.email ?? null,
              localTime(new Date(m.lastAt), zone).date,
              m.days,
              member?.points ?? 0,
            ];
          }),
        );
      }
    }
    return csvReply(reply, 'inactive-members.csv', Readable.from(lines()));
  });

  // The label column names each entry as it was stored, in the owner's language (Accept-Language, else the shop's); reason is the machine's code.
  app.get('/owner/export/ledger.csv', { config: page }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language'], (await ctx.settings()).settings.locale);
    const { program } = await shopNow();
    // Written a page of entries at a time (HubStore.ledgerPages): the whole ledger is never in memory.
    async function* lines(): AsyncGenerator<string> {
      yield csv(['id', 'member_id', 'kind', 'points', 'stamps', 'sale_id', 'reverses', 'reason', 'label', 'spend', 'at'], []);
      for await (const entries of store.ledgerPages(ctx.shop.no))
        yield csvLines(
          entries.map((e) => [
            e.id,
            e.memberId,
            e.kind,
            e.points,
            e.stamps,
            e.saleId,
            e.reverses,
            e.reason.code,
            entryLabelIn(program, e.reason, locale) ?? null,
            e.spend ?? null,
            e.at,
          ]),
        );
    }
    return csvReply(reply, 'ledger.csv', Readable.from(lines()));
  });

  // ---- kiosks ------------------------------------------------------------------------------------

  /** The kiosk list with a flash: its locations, each kiosk's refusal count and flag, in the shop's time zone. */
  const kiosksList = async (request: FastifyRequest, flash: { text: string; error: boolean } | null): Promise<string> =>
    kiosksPage({ locale: localeOf(request), kiosks: await ctx.owner.kioskOverview(ctx.shop.no), frame: request.ownerFrame, flash, timeZone: await shopZone() });

  app.get('/owner/kiosks', { schema: { querystring: z.looseObject({ done: field }) }, config: page }, async (request, reply) => {
    const locale = localeOf(request);
    const done = request.query.done;
    const flash =
      done === 'locationSaved'
        ? { text: x(locale, 'locationSaved'), error: false }
        : done === 'flagCleared'
          ? { text: formatMessage(kioskRefusalMessages, locale, 'flagCleared'), error: false }
          : null;
    return sendPage(reply, 200, await kiosksList(request, flash));
  });

  app.get(`/owner/kiosks/:id(${ID})/refusals`, { schema: { params: kioskParams }, config: page }, async (request, reply) => {
    const locale = localeOf(request);
    const kiosk = (await ctx.owner.kioskOverview(ctx.shop.no)).find((k) => k.id === request.params.id);
    if (!kiosk) return sendPage(reply, 404, messagePage(locale, x(locale, 'notFound.kiosk')));
    const refusals = await store.kioskRefusals(kiosk.no, REFUSALS_SHOWN);
    return sendPage(reply, 200, kioskRefusalsPage({ locale, kiosk, refusals, frame: request.ownerFrame, timeZone: await shopZone() }));
  });

  // The owner has looked at a flagged kiosk; only refusals after this count toward the next flag. Revoking it is separate.
  app.post(
    `/owner/kiosks/:id(${ID})/flag/clear`,
    { schema: { params: kioskParams, body: form({ csrf: field }) }, config: ownerOnly },
    async (request, reply) => {
      const cleared = await ctx.owner.clearKioskFlag(ctx.shop.no, request.params.id, actor(request), ctx.now());
      if (!cleared) return sendPage(reply, 404, messagePage(localeOf(request), x(localeOf(request), 'notFound.kiosk')));
      return seeOther(reply, '/owner/kiosks?done=flagCleared');
    },
  );

  app.post(
    `/owner/kiosks/:id(${ID})/location`,
    { schema: { params: kioskParams, body: form({ location: field, csrf: field }) }, config: owner },
    async (request, reply) => {
      const locale = localeOf(request);
      const location = (request.body.location ?? '').trim().replace(/\s+/g, ' ');
      if (location.length < 1 || location.length > 60) {
        return sendPage(reply, 400, await kiosksList(request, { text: x(locale, 'error.location-invalid'), error: true }));
      }
      if (!(await ctx.owner.setKioskLocation(ctx.shop.no, request.params.id, location, actor(request), ctx.now()))) {
        return sendPage(reply, 404, messagePage(locale, x(locale, 'notFound.kiosk')));
      }
      // The kiosk's receipts carry its location's address: it gets the settings again with its new location.
      await ctx.settingsChanged();
      return seeOther(reply, '/owner/kiosks?done=locationSaved');
    },
  );

  // ---- the JSON owner API (scripts with the bearer token, or a page's script with the CSRF header) --

  const pairingCode = async () => store.createPairingCode(ctx.shop.no, ctx.now());
  app.get('/owner/pairing-code', { config: ownerOnly }, pairingCode);
  app.post('/owner/pairing-code', { config: ownerOnly }, pairingCode);

  app.get('/owner/program', { config: owner }, async () => (await shopNow()).program);

  // Vouchers redeemed again by a kiosk that was offline: the redemption that stands and each one that did not.
  app.get('/owner/voucher-conflicts', { config: owner }, async () => ({ conflicts: await store.voucherConflicts(ctx.shop.no) }));

  app.put(
    '/owner/program',
    { schema: { body: jsonText(z.unknown(), 'program document') }, bodyLimit: MAX_PROGRAM_BYTES, config: owner },
    async (request, reply) => {
      const parsed = parseProgram(request.body);
      if (!parsed.ok) return reply.code(400).send({ error: 'program refused, nothing changed', code: 'program-invalid', issues: parsed.errors });
      const published = await ctx.publishProgram(parsed.program, ctx.now().toISOString());
      if (!published.ok) return reply.code(409).send({ code: 'program-differs-from-settings', ...programRefusal(parsed.program, published) });
      return { ok: true, name: parsed.program.name, version: published.version };
    },
  );

  app.post(`/owner/kiosks/:id(${ID})/revoke`, { schema: { params: kioskParams }, config: ownerOnly }, async (request, reply) => {
    const done = await ctx.revokeKiosk(request.params.id);
    return reply.code(done ? 200 : 404).send({ revoked: done });
  });
};
