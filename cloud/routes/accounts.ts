import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_KEY_NAME_MAX, apiKeyName } from '../../core/accounts';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { accountsPage } from '../back-office/accounts/accounts';
import { ownerLoginPage, setupPage } from '../back-office/accounts/sign-in';
import type { AccountChangeResult, OwnerRole } from '../owner-accounts';
import { messagePage } from '../pages';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';
import type { OwnerAuth } from './guards';

/**
 * The back office's accounts: sign-in and sign-out, the one-time set-up/invitation link, accounts and
 * invitations, API keys, TOTP. Who is asking was resolved once by the owner hook (cloud/routes/app.ts)
 * and the role each route needs is its `config.role`; the CSRF hook checks every POST of a session.
 *
 * | route | who |
 * |---|---|
 * | `GET/POST /owner/login` | anyone (failures counted per address and per account name) |
 * | `GET/POST /owner/setup/<token>` | whoever holds the link (once, 24 h) |
 * | `POST /owner/logout`, `GET /owner/accounts`, `POST /owner/totp/start`, `POST /owner/totp/confirm` | owner or manager (TOTP: an account session) |
 * | `POST /owner/accounts/invite`, `POST /owner/accounts/<id>/role`, `POST /owner/accounts/<id>/remove`, `GET/POST /owner/api-keys`, `POST /owner/api-keys/<id>/revoke` | owner |
 */

/** The owner token's account: token sign-in and bearer failures count against it as well as against the address. */
export const OWNER_ACCOUNT_KEY = 'account:owner';

const SETUP = '^[A-Za-z0-9_-]{1,100}$';
const KEY_ID = '^[0-9a-f]{12}$';
/** An account id (a UUID, cloud/owner-accounts.ts). */
const ACCOUNT_ID = '^[0-9a-f-]{36}$';
const signedIn = { guard: 'owner' } as const;
const ownerOnly = { guard: 'owner', role: 'owner' } as const;

export const accountRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const localeOf = (request: FastifyRequest): Locale => pickLocale(request.headers['accept-language']);
  /** A session's page, or JSON for a bearer credential (a script). */
  const bearer = (request: FastifyRequest): boolean => request.ownerAuth?.via === 'token';
  const auth = (request: FastifyRequest): OwnerAuth => request.ownerAuth!;

  async function showAccounts(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<Parameters<typeof accountsPage>[0]> = {},
    status = 200,
  ): Promise<FastifyReply> {
    const who = auth(request).principal;
    return sendPage(
      reply,
      status,
      accountsPage({
        locale: localeOf(request),
        timeZone: (await ctx.settings()).settings.timeZone,
        who,
        frame: request.ownerFrame,
        accounts: await ctx.sessions.accounts.accounts(),
        keys: who.role === 'owner' ? await ctx.sessions.accounts.apiKeys() : [],
        ...extra,
      }),
    );
  }

  // ---- sign-in and sign-out ----------------------------------------------------------------------

  app.get('/owner/login', async (request, reply) => sendPage(reply, 200, ownerLoginPage(localeOf(request))));

  app.post('/owner/login', { schema: { body: form({ token: field, name: field, password: field, totp: field }) } }, async (request, reply) => {
    const locale = localeOf(request);
    const posted = request.body;
    const address = `ip:${ctx.clientAddress(request)}`;
    const token = posted.token ?? '';
    const nameKey = token === '' ? `account:${(posted.name ?? '').trim().toLowerCase().slice(0, 100)}` : OWNER_ACCOUNT_KEY;
    if (ctx.failures.slowedDown('owner', address, nameKey)) {
      return sendPage(reply.header('retry-after', '60'), 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')));
    }
    let who: { accountId: string | null; name: string; role: OwnerRole };
    if (token !== '') {
      if (!ctx.sessions.isOwnerToken(token)) {
        ctx.failures.note('owner', address, OWNER_ACCOUNT_KEY);
        return sendPage(reply, 401, ownerLoginPage(locale, 'token'));
      }
      // Named "owner" in the audit log, as before accounts existed.
      who = { accountId: null, name: 'owner', role: 'owner' };
    } else {
      const result = await ctx.sessions.accounts.signIn(posted.name ?? '', posted.password ?? '', posted.totp ?? '', ctx.now());
      if (!result.ok) {
        // A right password without its code is not a guess: the page asks for the code.
        if (result.reason === 'totp-required') return sendPage(reply, 401, ownerLoginPage(locale, 'totp-required'));
        ctx.failures.note('owner', address, nameKey);
        ctx.log(`owner sign-in refused (${result.reason}) for "${nameKey.slice('account:'.length)}" from ${address.slice(3)}`);
        return sendPage(reply, 401, ownerLoginPage(locale, 'account'));
      }
      who = { accountId: result.account.id, name: result.account.name, role: result.account.role };
    }
    const cookie = await ctx.sessions.openOwnerSession(request, who);
    ctx.log(`owner sign-in: ${who.name} (${who.role}) from ${address.slice(3)}`);
    return seeOther(reply, '/owner', cookie);
  });

  // CSRF-checked like the other owner forms; the session ends on the hub and the browser goes to the login.
  app.post('/owner/logout', { schema: { body: form({ csrf: field }) }, config: signedIn }, async (request, reply) => {
    await ctx.sessions.endOwnerSession(request);
    return seeOther(reply, '/owner/login', ctx.sessions.ownerCookieCleared);
  });

  // ---- the one-time set-up and invitation links --------------------------------------------------

  const setupParams = z.object({ token: z.string().regex(new RegExp(SETUP)) });
  app.get(`/owner/setup/:token(${SETUP})`, { schema: { params: setupParams } }, async (request, reply) => {
    const invite = await ctx.sessions.accounts.invite(request.params.token, ctx.now());
    return sendPage(reply, invite ? 200 : 410, setupPage(localeOf(request), invite?.role, `/owner/setup/${request.params.token}`));
  });

  app.post(`/owner/setup/:token(${SETUP})`, { schema: { params: setupParams, body: form({ name: field, password: field }) } }, async (request, reply) => {
    const locale = localeOf(request);
    const { token } = request.params;
    const action = `/owner/setup/${token}`;
    const invite = await ctx.sessions.accounts.invite(token, ctx.now());
    const name = request.body.name ?? '';
    const result = await ctx.sessions.accounts.acceptInvite(token, name, request.body.password ?? '', ctx.now());
    if (!result.ok) {
      if (result.reason === 'invalid-link') return sendPage(reply, 410, setupPage(locale, undefined, action));
      return sendPage(reply, 400, setupPage(locale, invite?.role, action, `error.${result.reason}`, name));
    }
    ctx.log(`owner account created: ${result.account.name} (${result.account.role})`);
    const cookie = await ctx.sessions.openOwnerSession(request, { accountId: result.account.id, name: result.account.name, role: result.account.role });
    // The shop's owner comes to the first-run wizard until the shop has settings; a manager to the accounts.
    const firstRun = result.account.role === 'owner' && !(await ctx.settings()).configured;
    return seeOther(reply, firstRun ? '/owner/welcome' : '/owner/accounts', cookie);
  });

  // ---- accounts, invitations, TOTP ---------------------------------------------------------------

  app.get('/owner/accounts', { config: { guard: 'owner', ownerPage: true } }, (request, reply) => showAccounts(request, reply));

  app.post('/owner/accounts/invite', { schema: { body: form({ csrf: field }) }, config: ownerOnly }, async (request, reply) => {
    const by = auth(request).principal.name;
    const token = await ctx.sessions.accounts.createInvite('manager', by, ctx.now());
    const link = `${ctx.publicUrl()}/owner/setup/${token}`;
    ctx.log(`manager invitation made by ${by}`);
    return bearer(request) ? reply.code(201).send({ link }) : showAccounts(request, reply, { inviteLink: link }, 201);
  });

  // Removing an account or changing its role: the last owner stays an owner; a removed account's
  // sessions end in the same transaction. A bearer (script) gets JSON, a session the accounts page.
  const accountParams = z.object({ id: z.string().regex(new RegExp(ACCOUNT_ID)) });
  const changed = async (request: FastifyRequest, reply: FastifyReply, result: AccountChangeResult, what: string): Promise<FastifyReply> => {
    const by = auth(request).principal.name;
    if (!result.ok) {
      ctx.log(`owner account change refused (${result.reason}): ${what} by ${by}`);
      const status = result.reason === 'not-found' ? 404 : 409;
      return bearer(request)
        ? reply.code(status).send({ error: result.reason, code: result.reason })
        : showAccounts(request, reply, { lastOwner: result.reason === 'last-owner' }, status);
    }
    ctx.log(`owner account ${result.account.name}: ${what} by ${by}`);
    return bearer(request) ? reply.code(200).send({ account: result.account }) : seeOther(reply, '/owner/accounts');
  };

  app.post(
    `/owner/accounts/:id(${ACCOUNT_ID})/role`,
    { schema: { params: accountParams, body: form({ csrf: field, role: z.enum(['owner', 'manager']) }) }, config: ownerOnly },
    async (request, reply) =>
      changed(request, reply, await ctx.sessions.accounts.setRole(request.params.id, request.body.role), `role set to ${request.body.role}`),
  );

  app.post(
    `/owner/accounts/:id(${ACCOUNT_ID})/remove`,
    { schema: { params: accountParams, body: form({ csrf: field }) }, config: ownerOnly },
    async (request, reply) => changed(request, reply, await ctx.sessions.accounts.removeAccount(request.params.id, ctx.now()), 'removed, its sessions ended'),
  );

  const totpForm = form({ csrf: field, code: field });
  app.post('/owner/totp/start', { schema: { body: totpForm }, config: signedIn }, async (request, reply) => {
    const accountId = auth(request).principal.accountId;
    // The owner token and API keys have no account to put a second step on.
    if (accountId === null) return showAccounts(request, reply, {}, 400);
    const started = await ctx.sessions.accounts.startTotp(accountId);
    return showAccounts(request, reply, started ? { totp: started } : {});
  });

  app.post('/owner/totp/confirm', { schema: { body: totpForm }, config: signedIn }, async (request, reply) => {
    const principal = auth(request).principal;
    if (principal.accountId === null) return showAccounts(request, reply, {}, 400);
    if (await ctx.sessions.accounts.confirmTotp(principal.accountId, request.body.code ?? '', ctx.now())) {
      ctx.log(`two-step sign-in turned on for ${principal.name}`);
      return showAccounts(request, reply, { totpEnabled: true });
    }
    // The same pending secret is shown again; nothing changed.
    const pending = await ctx.sessions.accounts.pendingTotp(principal.accountId);
    return showAccounts(request, reply, pending ? { totp: { ...pending, wrong: true } } : {}, 400);
  });

  // ---- API keys ----------------------------------------------------------------------------------

  app.get('/owner/api-keys', { config: ownerOnly }, async () => ({ keys: await ctx.sessions.accounts.apiKeys() }));

  app.post('/owner/api-keys', { schema: { body: form({ csrf: field, name: field }) }, config: ownerOnly }, async (request, reply) => {
    const by = auth(request).principal.name;
    const named = apiKeyName(request.body.name ?? '');
    if (!named.ok) {
      if (bearer(request))
        return reply.code(400).send({
          error: named.problem === 'key-name-empty' ? 'a key needs a name' : `a key's name may have at most ${API_KEY_NAME_MAX} characters`,
          code: named.problem,
        });
      return showAccounts(request, reply, { keyError: named.problem, keyName: request.body.name ?? '' }, 400);
    }
    const { name } = named;
    const key = await ctx.sessions.accounts.createApiKey(name, by, ctx.now());
    ctx.log(`API key ${key.id} ("${name}") created by ${by}`);
    return bearer(request) ? reply.code(201).send({ id: key.id, name, key: key.key }) : showAccounts(request, reply, { newKey: key.key }, 201);
  });

  app.post(
    `/owner/api-keys/:id(${KEY_ID})/revoke`,
    { schema: { params: z.object({ id: z.string().regex(new RegExp(KEY_ID)) }), body: form({ csrf: field }) }, config: ownerOnly },
    async (request, reply) => {
      const done = await ctx.sessions.accounts.revokeApiKey(request.params.id, ctx.now());
      ctx.log(`API key ${request.params.id} ${done ? 'revoked' : 'not found'} by ${auth(request).principal.name}`);
      return bearer(request) ? reply.code(done ? 200 : 404).send({ revoked: done }) : seeOther(reply, '/owner/accounts');
    },
  );
};
