import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import { ownerDataMessages } from '../core/i18n/owner-data';
import type { Locale } from '../core/i18n/locales';
import { accountsPage, ownerLoginPage, setupPage, ta } from './account-pages';
import { OWNER_SESSION_MS, type OwnerAccounts, type OwnerPrincipal } from './owner-accounts';
import { messagePage } from './pages';

/**
 * The back office's account routes: sign-in and sign-out, the one-time set-up/invitation link,
 * accounts and invitations, API keys, TOTP. The hub hands in what they need; who is asking was
 * resolved once for the request (`auth`, the hub's auth hook), so each route only checks the role.
 *
 * | route | who |
 * |---|---|
 * | `GET/POST /owner/login`, `POST /owner/logout` | anyone / a session |
 * | `GET/POST /owner/setup/<token>` | whoever holds the link (once, 24 h) |
 * | `GET /owner/accounts`, `POST /owner/totp/start`, `POST /owner/totp/confirm` | owner or manager (TOTP: an account session) |
 * | `POST /owner/accounts/invite`, `GET/POST /owner/api-keys`, `POST /owner/api-keys/<id>/revoke` | owner |
 */

export interface OwnerAuth {
  principal: OwnerPrincipal;
  /** The session's CSRF token (cookie sessions only; a bearer request needs none). */
  csrf?: string;
}

export interface AccountRouteContext {
  accounts: OwnerAccounts;
  now: () => Date;
  log: (line: string) => void;
  send: (res: ServerResponse, status: number, body: string, type?: string, headers?: Record<string, string>) => void;
  readBody: (req: IncomingMessage) => Promise<string | undefined>;
  /** Who is asking (resolved once per request by the hub), or undefined. */
  auth: (req: IncomingMessage) => OwnerAuth | undefined;
  /** The raw owner session cookie the browser sent (to end it at sign-out or rotate it at sign-in). */
  sessionCookie: (req: IncomingMessage) => string | undefined;
  /** `Set-Cookie` of an owner session (empty value: cleared). */
  ownerCookie: (value: string, maxAgeS: number) => string;
  isOwnerToken: (given: string) => boolean;
  clientAddress: (req: IncomingMessage) => string;
  /** The `owner` failure counter, per address and per account name. */
  slowedDown: (...keys: string[]) => boolean;
  noteFailure: (...keys: string[]) => void;
  publicUrl: () => string;
}

const SAFE = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' } as const;

export function accountRoutes(ctx: AccountRouteContext): (req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale) => Promise<boolean> {
  const redirect = (res: ServerResponse, location: string, cookie?: string): void => {
    res.writeHead(303, { location, ...SAFE, ...(cookie ? { 'set-cookie': cookie } : {}) });
    res.end();
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => ctx.send(res, status, JSON.stringify(body), 'application/json');
  const tooMany = (res: ServerResponse, locale: Locale): void =>
    ctx.send(res, 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')), undefined, { 'retry-after': '60' });

  /** The form of a POST by a signed-in person whose CSRF token checks (bearer requests need none); undefined after answering. */
  async function form(
    req: IncomingMessage,
    res: ServerResponse,
    locale: Locale,
    ownerOnly: boolean,
  ): Promise<{ auth: OwnerAuth; form: URLSearchParams } | undefined> {
    const auth = ctx.auth(req);
    const body = new URLSearchParams((await ctx.readBody(req)) ?? '');
    if (!auth) {
      redirect(res, '/owner/login');
      return undefined;
    }
    if (auth.csrf !== undefined && !equal(body.get('csrf') ?? '', auth.csrf)) {
      ctx.send(res, 403, messagePage(locale, formatMessage(ownerDataMessages, locale, 'error.csrf')));
      return undefined;
    }
    if (ownerOnly && auth.principal.role !== 'owner') {
      ctx.send(res, 403, messagePage(locale, ta(locale, 'ownerOnly')));
      return undefined;
    }
    return { auth, form: body };
  }

  async function showAccounts(
    res: ServerResponse,
    locale: Locale,
    auth: OwnerAuth,
    extra: Partial<Parameters<typeof accountsPage>[0]> = {},
    status = 200,
  ): Promise<void> {
    const owner = auth.principal.role === 'owner';
    ctx.send(
      res,
      status,
      accountsPage({
        locale,
        who: auth.principal,
        csrf: auth.csrf ?? '',
        accounts: await ctx.accounts.accounts(),
        keys: owner ? await ctx.accounts.apiKeys() : [],
        ...extra,
      }),
    );
  }

  async function login(req: IncomingMessage, res: ServerResponse, locale: Locale): Promise<void> {
    if (req.method !== 'POST') return ctx.send(res, 200, ownerLoginPage(locale));
    const address = ctx.clientAddress(req);
    const posted = new URLSearchParams((await ctx.readBody(req)) ?? '');
    const token = posted.get('token') ?? '';
    const nameKey = `account:${(posted.get('name') ?? '').trim().toLowerCase().slice(0, 100)}`;
    if (ctx.slowedDown(address) || (token === '' && ctx.slowedDown(nameKey))) return tooMany(res, locale);
    let who: { accountId: string | null; name: string; role: 'owner' | 'manager' };
    if (token !== '') {
      if (!ctx.isOwnerToken(token)) {
        ctx.noteFailure(address);
        return ctx.send(res, 401, ownerLoginPage(locale, 'token'));
      }
      // Named "owner" in the audit log, as before accounts existed.
      who = { accountId: null, name: 'owner', role: 'owner' };
    } else {
      const result = await ctx.accounts.signIn(posted.get('name') ?? '', posted.get('password') ?? '', posted.get('totp') ?? '', ctx.now());
      if (!result.ok) {
        // A right password without its code is not a guess: the page asks for the code.
        if (result.reason === 'totp-required') return ctx.send(res, 401, ownerLoginPage(locale, 'totp-required'));
        ctx.noteFailure(address, nameKey);
        ctx.log(`owner sign-in refused (${result.reason}) for "${nameKey.slice(8)}" from ${address}`);
        return ctx.send(res, 401, ownerLoginPage(locale, 'account'));
      }
      who = { accountId: result.account.id, name: result.account.name, role: result.account.role };
    }
    // Rotation: the session this browser had (if any) ends; a new id is issued.
    await ctx.accounts.endSession(ctx.sessionCookie(req), ctx.now());
    const cookie = await ctx.accounts.openSession(who, ctx.now());
    ctx.log(`owner sign-in: ${who.name} (${who.role}) from ${address}`);
    redirect(res, '/owner', ctx.ownerCookie(cookie, OWNER_SESSION_MS / 1000));
  }

  async function setup(req: IncomingMessage, res: ServerResponse, locale: Locale, token: string): Promise<void> {
    const action = `/owner/setup/${token}`;
    const invite = await ctx.accounts.invite(token, ctx.now());
    if (req.method !== 'POST') return ctx.send(res, invite ? 200 : 410, setupPage(locale, invite?.role, action));
    const posted = new URLSearchParams((await ctx.readBody(req)) ?? '');
    const name = posted.get('name') ?? '';
    const result = await ctx.accounts.acceptInvite(token, name, posted.get('password') ?? '', ctx.now());
    if (!result.ok) {
      if (result.reason === 'invalid-link') return ctx.send(res, 410, setupPage(locale, undefined, action));
      return ctx.send(res, 400, setupPage(locale, invite?.role, action, `error.${result.reason}`, name));
    }
    ctx.log(`owner account created: ${result.account.name} (${result.account.role})`);
    const cookie = await ctx.accounts.openSession({ accountId: result.account.id, name: result.account.name, role: result.account.role }, ctx.now());
    redirect(res, '/owner/accounts', ctx.ownerCookie(cookie, OWNER_SESSION_MS / 1000));
  }

  async function apiKeys(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<void> {
    const auth = ctx.auth(req);
    if (req.method === 'GET') {
      if (!auth) return json(res, 401, { error: 'owner sign-in or bearer key required' });
      if (auth.principal.role !== 'owner') return json(res, 403, { error: 'only the owner manages API keys' });
      return json(res, 200, { keys: await ctx.accounts.apiKeys() });
    }
    const posted = await form(req, res, locale, true);
    if (!posted) return;
    const revoke = /^\/owner\/api-keys\/([0-9a-f]{12})\/revoke$/.exec(url.pathname);
    const bearer = posted.auth.csrf === undefined;
    if (revoke) {
      const done = await ctx.accounts.revokeApiKey(revoke[1]!, ctx.now());
      ctx.log(`API key ${revoke[1]} ${done ? 'revoked' : 'not found'} by ${posted.auth.principal.name}`);
      if (bearer) return json(res, done ? 200 : 404, { revoked: done });
      return redirect(res, '/owner/accounts');
    }
    const name = (posted.form.get('name') ?? '').trim().slice(0, 80);
    if (name === '') return bearer ? json(res, 400, { error: 'a key needs a name' }) : showAccounts(res, locale, posted.auth, {}, 400);
    const key = await ctx.accounts.createApiKey(name, posted.auth.principal.name, ctx.now());
    ctx.log(`API key ${key.id} ("${name}") created by ${posted.auth.principal.name}`);
    if (bearer) return json(res, 201, { id: key.id, name, key: key.key });
    return showAccounts(res, locale, posted.auth, { newKey: key.key }, 201);
  }

  return async (req, res, url, locale) => {
    const path = url.pathname;
    if (path === '/owner/login') {
      await login(req, res, locale);
      return true;
    }
    if (path === '/owner/logout' && req.method === 'POST') {
      const posted = await form(req, res, locale, false);
      if (!posted) return true;
      await ctx.accounts.endSession(ctx.sessionCookie(req), ctx.now());
      redirect(res, '/owner/login', ctx.ownerCookie('', 0));
      return true;
    }
    const setupMatch = /^\/owner\/setup\/([A-Za-z0-9_-]{1,100})$/.exec(path);
    if (setupMatch && (req.method === 'GET' || req.method === 'POST')) {
      await setup(req, res, locale, setupMatch[1]!);
      return true;
    }
    if (path === '/owner/accounts' && req.method === 'GET') {
      const auth = ctx.auth(req);
      if (!auth) redirect(res, '/owner/login');
      else await showAccounts(res, locale, auth);
      return true;
    }
    if (path === '/owner/accounts/invite' && req.method === 'POST') {
      const posted = await form(req, res, locale, true);
      if (!posted) return true;
      const token = await ctx.accounts.createInvite('manager', posted.auth.principal.name, ctx.now());
      const link = `${ctx.publicUrl()}/owner/setup/${token}`;
      ctx.log(`manager invitation made by ${posted.auth.principal.name}`);
      if (posted.auth.csrf === undefined) json(res, 201, { link });
      else await showAccounts(res, locale, posted.auth, { inviteLink: link }, 201);
      return true;
    }
    if (path === '/owner/api-keys' || /^\/owner\/api-keys\/[0-9a-f]{12}\/revoke$/.test(path)) {
      await apiKeys(req, res, url, locale);
      return true;
    }
    if ((path === '/owner/totp/start' || path === '/owner/totp/confirm') && req.method === 'POST') {
      const posted = await form(req, res, locale, false);
      if (!posted) return true;
      const accountId = posted.auth.principal.accountId;
      if (accountId === null) {
        await showAccounts(res, locale, posted.auth, {}, 400);
        return true;
      }
      if (path === '/owner/totp/start') {
        const started = await ctx.accounts.startTotp(accountId);
        await showAccounts(res, locale, posted.auth, started ? { totp: started } : {});
        return true;
      }
      if (await ctx.accounts.confirmTotp(accountId, posted.form.get('code') ?? '', ctx.now())) {
        ctx.log(`two-step sign-in turned on for ${posted.auth.principal.name}`);
        await showAccounts(res, locale, posted.auth, { totpEnabled: true });
        return true;
      }
      // The same pending secret is shown again; nothing changed.
      const pending = await ctx.accounts.pendingTotp(accountId);
      await showAccounts(res, locale, posted.auth, pending ? { totp: { ...pending, wrong: true } } : {}, 400);
      return true;
    }
    return false;
  };
}

function equal(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
