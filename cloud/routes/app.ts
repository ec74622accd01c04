import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { OwnerAuth } from './guards';
import type { OwnerFrame } from '../back-office/layout';
import type { OwnerRole } from '../owner-accounts';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale } from '../../core/i18n/locales';
import { messagePage, pagePolicy } from '../pages';
import { isDatabaseUnavailable } from '../store';
import type { HubHttpContext } from './context';
import { assetRoutes } from './assets';
import { claimRoutes } from './claim';
import { referralRoutes } from './referral';
import { healthRoutes } from './health';
import { memberCardRoutes } from './member-card';
import { messageRoutes } from './messages';
import { ownerRoutes } from './owner';
import { ownerProgramRoutes } from './owner-program';
import { ownerSettingsRoutes } from './owner-settings';
import { accountRoutes } from './accounts';
import { walletRoutes } from './wallet';
import { sameText } from './guards';
import { ownerDataMessages } from '../../core/i18n/owner-data';
import { ownerAccountMessages } from '../../core/i18n/accounts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call the route, checked by the guard hooks below: 'owner' (the back office: an owner or
     * manager session, the owner token or an API key as bearer; a state-changing request with a
     * session also needs its CSRF token), 'member-form' (a phone's form: refused when posted from
     * another site), 'member-session' (a member form that also needs the session's CSRF token).
     * Unset: anyone.
     */
    guard?: 'owner' | 'member-form' | 'member-session';
    /** With guard 'owner': 'owner' refuses managers (403); unset, owners and managers alike. */
    role?: OwnerRole;
    /** An owner page (GET): without credentials the browser goes to the login page instead of a 401. */
    ownerPage?: boolean;
    /** A phone page that reads the member session: a stateless cookie of before 0010 is converted first. */
    memberPage?: boolean;
  }
  interface FastifyRequest {
    /** Set by the owner hook on 'owner' routes: how the owner signed in. */
    ownerAuth: OwnerAuth | null;
    /**
     * Set by the owner hook on 'owner' routes: what the back office's frame shows (the shop's name, the
     * section) and the session's CSRF token for the page's forms ('' with a bearer credential).
     */
    ownerFrame: OwnerFrame;
  }
}

/**
 * A form posted from another site: the browser says so in Sec-Fetch-Site, or an Origin that is not
 * this hub's. (The member cookie is SameSite=Lax too; this also covers forms that need no cookie.)
 */
export function crossSite(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/**
 * The hub's one HTTP stack: a Fastify app whose route modules (cloud/routes/*.ts, one plugin per
 * area) each declare their routes once with zod schemas. What every route shares lives here, once:
 * body parsers and limits, the headers of every answer (onSend), the error handler (413, 400, 503),
 * and the 404. Socket.IO attaches to `app.server` (cloud/hub.ts).
 */

/** Forms from phones and the owner's pages; the program routes allow more (MAX_PROGRAM_BYTES). */
export const MAX_FORM_BYTES = 8 * 1024;
export const MAX_PROGRAM_BYTES = 256 * 1024;

/** What a person reads while the database is away (503, and the kiosk's failed ack). */
export const DATABASE_UNAVAILABLE = 'hub database unavailable, try again shortly';

export type HubApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** The owner's JSON-only addresses (scripts with a bearer credential, and the program editor's preview script). */
const JSON_PATHS: ReadonlySet<string> = new Set(['/owner/program', '/owner/program/preview', '/owner/program/versions', '/owner/pairing-code']);

/**
 * Answers that are JSON rather than a page: an API client, a script on an owner page, or a client
 * that asks for JSON. The editor's page and its form (`/owner/program/edit`, `/owner/program/publish`)
 * and the accounts page's API-key forms are pages: a person reads what they answer, in their language.
 */
function wantsJson(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0]!;
  if (path.startsWith('/v1/') || JSON_PATHS.has(path) || (req.headers.accept ?? '').includes('application/json')) return true;
  // The API keys: the list, and a script's bearer credential, get JSON; the accounts page's forms get pages.
  if (path === '/owner/api-keys' || path.startsWith('/owner/api-keys/')) return req.method === 'GET' || /^bearer /i.test(req.headers.authorization ?? '');
  return false;
}

/**
 * A JSON refusal: `error` in the reader's language (Accept-Language; English when none matches), which
 * the editor's preview script shows as it is, and a stable `code` for programs; `detail`, when given,
 * says in English what a script's author should send instead.
 */
const jsonRefusal = (code: string, error: string, detail?: string): { error: string; code: string; detail?: string } =>
  detail === undefined ? { error, code } : { error, code, detail };

/**
 * Every answer: nothing cached (unless the route says otherwise), no sniffing, no Referer (claim
 * URLs carry their token), and the pages' CSP unless the route set a wider one of its own
 * (pagePolicy: no inline script or style, no framing). Set by the onSend hook, and by the answer to
 * an address the router cannot read, which no hook sees.
 */
function safeHeaders(reply: FastifyReply): void {
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', pagePolicy());
}

const page = (reply: FastifyReply, status: number, html: string): FastifyReply => reply.code(status).type('text/html; charset=utf-8').send(html);

export function buildHubApp(ctx: HubHttpContext): HubApp {
  const app = Fastify({
    bodyLimit: MAX_FORM_BYTES,
    // A phone on a bad line must not hold a connection forever.
    requestTimeout: 15_000,
    // Proxy headers are read by clientAddress (cloud/routes/guards.ts), from configured proxies only.
    trustProxy: false,
    logger: false,
    // Routes are matched as declared (/C/… and /c/… are both declared where both are used).
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // An address the router cannot read (a malformed %-encoding, a path segment over maxParamLength) is the
    // client's mistake, most often a link cut off or mangled on its way to a phone: answered like any other 400.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      safeHeaders(reply);
      if (wantsJson(request)) {
        const what =
          error.code === 'FST_ERR_BAD_URL'
            ? 'the URL has a malformed %-encoding'
            : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? 'a part of the URL is too long'
              : error.message;
        void reply.code(status).send({ error: `bad request: ${what}`, code: 'bad-address' });
        return;
      }
      const locale = pickLocale(request.headers['accept-language']);
      void page(reply, status, messagePage(locale, formatMessage(claimMessages, locale, 'badAddress')));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.server.headersTimeout = 10_000;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  void app.register(formbody);
  void app.register(cookie);
  // JSON sent without (or with another) content type is read as text and parsed by the route's schema
  // (scripts and kiosks post JSON with `fetch(url, {body})`, which says text/plain).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (_request, reply, payload) => {
    safeHeaders(reply);
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const json = wantsJson(request);
    if (isDatabaseUnavailable(error)) {
      ctx.noteDatabaseDown(error);
      reply.header('retry-after', '5');
      // JSON keeps the one English sentence kiosks and scripts read (the kiosk's failed ack says the same); a person reads their language.
      return json
        ? reply.code(503).send({ ok: false, error: DATABASE_UNAVAILABLE, code: 'database-unavailable' })
        : page(reply, 503, messagePage(locale, formatMessage(claimMessages, locale, 'databaseUnavailable')));
    }
    if (error.statusCode === 413) {
      const limit = request.routeOptions.bodyLimit ?? MAX_FORM_BYTES;
      const text = formatMessage(claimMessages, locale, 'tooLarge', { kilobytes: Math.floor(limit / 1024) });
      return json ? reply.code(413).send(jsonRefusal('too-large', text)) : page(reply, 413, messagePage(locale, text));
    }
    if (hasZodFastifySchemaValidationErrors(error) || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      const text = hasZodFastifySchemaValidationErrors(error) ? error.validation.map((i) => i.message).join('; ') : error.message;
      // What the schema refused is for the script's author (the pages' own forms always send what it takes).
      return json
        ? reply.code(status).send({ error: text, code: 'invalid-request' })
        : reply
            .code(status)
            .type('text/html; charset=utf-8')
            .send(messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request')));
    }
    // The error's own text stays in the log: it can name tables, values or paths the reader has no business seeing.
    ctx.log(`http error on ${request.method} ${request.url}: ${String(error)}`);
    const text = formatMessage(claimMessages, locale, 'serverError');
    return json ? reply.code(500).send(jsonRefusal('server-error', text)) : page(reply, 500, messagePage(locale, text));
  });

  // Fastify refuses an object as a decoration's default; every owner route gets its frame in the hook below.
  app.decorateRequest('ownerFrame', null as unknown as OwnerFrame);
  app.decorateRequest('ownerAuth', null);

  /**
   * The one "who is asking" hook, before any body is read. Owner routes: the owner's side is resolved
   * once (a session cookie, else the owner token or an API key as bearer; wrong bearer credentials
   * count as owner sign-in failures), then the route's role; without credentials the login page for
   * an owner page (GET) and 401 for the rest. Phone pages: a stateless member cookie of before 0010 is
   * turned into a session once, and the phone sent back to the same URL with it (refused: cleared).
   */
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.memberPage) {
      const legacy = ctx.sessions.legacyMemberCookie(request);
      if (legacy) {
        const member = legacy.memberId === undefined ? undefined : await ctx.store.member(legacy.memberId);
        const answer = member ? await ctx.sessions.convertLegacyMember(request, member.id, legacy.value) : undefined;
        if (member)
          ctx.log(
            `member ${member.no}: stateless cookie ${answer?.converted ? 'converted into a session' : 'refused (converted before, signed out everywhere or erased)'}`,
          );
        return reply
          .code(303)
          .header('location', request.url)
          .header('set-cookie', answer?.setCookie ?? ctx.sessions.memberCookieCleared)
          .send();
      }
    }
    if (config.guard !== 'owner') return;
    const auth = await ctx.ownerAuth(request);
    if (auth) {
      request.ownerAuth = auth;
      request.ownerFrame = {
        csrf: auth.via === 'cookie' ? auth.csrf : '',
        shopName: (await ctx.settings()).settings.name,
        path: request.url.split('?')[0]!,
      };
      if (config.role === 'owner' && auth.principal.role !== 'owner') {
        const text = formatMessage(ownerAccountMessages, pickLocale(request.headers['accept-language']), 'ownerOnly');
        return wantsJson(request)
          ? reply.code(403).send(jsonRefusal('owner-only', text, 'only the owner can do this (a manager account is refused)'))
          : page(reply, 403, messagePage(pickLocale(request.headers['accept-language']), text));
      }
      return;
    }
    if (config.ownerPage && (request.method === 'GET' || request.method === 'HEAD')) return reply.code(303).header('location', '/owner/login').send();
    // A form posted after the session ended (or from a signed-out browser): said in the owner's language, with the way back in.
    const locale = pickLocale(request.headers['accept-language']);
    const say = (key: 'signInRequired' | 'signIn'): string => formatMessage(ownerAccountMessages, locale, key);
    if (wantsJson(request))
      return reply
        .code(401)
        .send(
          jsonRefusal(
            'sign-in-required',
            say('signInRequired'),
            'owner sign-in required, or the owner token or an API key as bearer in the Authorization header',
          ),
        );
    return page(reply, 401, messagePage(locale, say('signInRequired'), { href: '/owner/login', text: say('signIn') }));
  });

  /**
   * The one CSRF check, for every state-changing request of a guarded route (its body is read by
   * now). Owner routes with a cookie session: the session's token as form field `csrf` or header
   * `x-csrf-token` (a bearer credential needs none: a browser never sends it by itself). Member forms:
   * refused when another site posted them; the card's session forms also need the session's token.
   */
  app.addHook('preHandler', async (request, reply) => {
    const guard = request.routeOptions.config.guard;
    if (guard === undefined || request.method === 'GET' || request.method === 'HEAD') return;
    const locale = pickLocale(request.headers['accept-language']);
    if (guard === 'member-form' || guard === 'member-session') {
      const body = request.body as { csrf?: unknown } | undefined;
      const sessionOk = guard === 'member-form' || (typeof body?.csrf === 'string' && ctx.sessions.memberCsrfOk(request, body.csrf));
      if (crossSite(request) || !sessionOk) return page(reply, 403, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request')));
      return;
    }
    const auth = request.ownerAuth;
    if (auth?.via === 'token') return;
    const body = request.body as { csrf?: unknown } | undefined;
    const header = request.headers['x-csrf-token'];
    const given = typeof body?.csrf === 'string' ? body.csrf : typeof header === 'string' ? header : '';
    if (auth?.via === 'cookie' && sameText(given, auth.csrf)) return;
    const expired = formatMessage(ownerDataMessages, locale, 'error.csrf');
    return wantsJson(request)
      ? reply
          .code(403)
          .send(jsonRefusal('csrf', expired, "CSRF token missing or wrong: send the page's token as the x-csrf-token header, or use the bearer token"))
      : page(reply, 403, messagePage(locale, expired));
  });

  // A mistyped or cut-off address, most often a phone's: a page in the reader's language; a JSON client gets JSON.
  app.setNotFoundHandler((request, reply) => {
    // JSON keeps English: no page of ours fetches an address it does not have; a script's author reads it.
    if (wantsJson(request)) return reply.code(404).send({ error: 'not found', code: 'not-found' });
    const locale = pickLocale(request.headers['accept-language']);
    return page(reply, 404, messagePage(locale, formatMessage(claimMessages, locale, 'notFound')));
  });

  void app.register(healthRoutes, ctx);
  void app.register(assetRoutes, ctx);
  void app.register(claimRoutes, ctx);
  void app.register(referralRoutes, ctx);
  void app.register(memberCardRoutes, ctx);
  void app.register(messageRoutes, ctx);
  void app.register(ownerRoutes, ctx);
  void app.register(ownerProgramRoutes, ctx);
  void app.register(ownerSettingsRoutes, ctx);
  void app.register(accountRoutes, ctx);
  void app.register(walletRoutes, ctx);
  return app;
}
