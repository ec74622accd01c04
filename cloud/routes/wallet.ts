import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale } from '../../core/i18n/locales';
import { messagePage } from '../pages';
import { sendPage, type HubHttpContext } from './context';

/**
 * The card in the phone's wallet (cloud/wallet.ts). For the signed-in member: `GET /m/wallet/apple`
 * (the signed .pkpass) and `GET /m/wallet/google` (to Google's save page with the signed object);
 * 404 where the owner configured no such wallet. For Apple's devices, the PassKit web service
 * (Apple's "Wallet Passes" web service reference) under /wallet/apple/v1: register and unregister a
 * device, list the device's updated passes, the latest pass (304 when unchanged since the device's
 * `If-Modified-Since`), and the device's error log. Every call
 * that names a pass carries `Authorization: ApplePass <the pass's authenticationToken>`.
 */

export const WALLET_APPLE_DOWNLOAD = '/m/wallet/apple';
export const WALLET_GOOGLE_SAVE = '/m/wallet/google';

const deviceId = z.string().min(1).max(128);
const passTypeId = z.string().min(1).max(128);
const serial = z.string().min(1).max(64);
/** A JSON body, also when sent without a JSON content type (the hub reads other types as text). */
const json = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' ? safeJson(v) : v), schema);
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The pass's Last-Modified, only once it is a strong validator (RFC 9110 8.8.2.2): an HTTP date has
 * whole seconds, so a pass served in the second it changed could change again within that second and
 * look unchanged to `If-Modified-Since`. Served a second or more after its change, any later change
 * falls in a later second. The device then asks without a date and always gets the pass.
 */
export function strongLastModified(updatedAt: string, now: Date): string | undefined {
  const changed = new Date(updatedAt).getTime();
  return now.getTime() - changed >= 1000 ? new Date(changed).toUTCString() : undefined;
}

/** Whether the pass is unchanged since the device's `If-Modified-Since` (an HTTP date, whole seconds): then 304. */
export function passNotModified(updatedAt: string, ifModifiedSince: string | undefined): boolean {
  if (!ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Math.floor(new Date(updatedAt).getTime() / 1000) * 1000 <= since;
}

export const walletRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { wallet } = ctx;

  app.get(WALLET_APPLE_DOWNLOAD, { config: { memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const member = await ctx.cookieMember(request);
    if (!wallet.apple) return sendPage(reply, 404, messagePage(locale, formatMessage(claimMessages, locale, 'notFound')));
    if (!member) return sendPage(reply, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
    const pass = await wallet.pkpass(member, locale);
    ctx.log(`wallet: Apple pass for member ${member.no} downloaded`);
    return reply
      .type('application/vnd.apple.pkpass')
      .header('content-disposition', 'attachment; filename="card.pkpass"')
      .header('last-modified', new Date(pass.updatedAt).toUTCString())
      .send(pass.body);
  });

  app.get(WALLET_GOOGLE_SAVE, { config: { memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const member = await ctx.cookieMember(request);
    if (!wallet.google) return sendPage(reply, 404, messagePage(locale, formatMessage(claimMessages, locale, 'notFound')));
    if (!member) return sendPage(reply, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
    return reply
      .code(303)
      .header('location', await wallet.googleSaveUrl(member, locale))
      .send();
  });

  // ---- the PassKit web service ----

  const refused = { error: 'pass unknown or authorization refused' };
  /** The pass named by the URL when the configured type, a pass of ours and its token all match. */
  async function authorizedPass(type: string, serialNumber: string, authorization: string | undefined) {
    if (!wallet.apple || type !== wallet.apple.passTypeId) return undefined;
    const pass = await wallet.passBySerial(serialNumber);
    return pass && wallet.authorized(serialNumber, authorization) ? pass : undefined;
  }
  const registration = z.object({ deviceId, passTypeId, serial });

  app.post(
    '/wallet/apple/v1/devices/:deviceId/registrations/:passTypeId/:serial',
    { schema: { params: registration, body: json(z.object({ pushToken: z.string().min(1).max(256) })) } },
    async (request, reply) => {
      const { params } = request;
      if (!(await authorizedPass(params.passTypeId, params.serial, request.headers.authorization))) return reply.code(401).send(refused);
      const created = await wallet.register(params.deviceId, params.serial, request.body.pushToken);
      if (created) ctx.log(`wallet: a device registered for pass ${params.serial}`);
      return reply.code(created ? 201 : 200).send({});
    },
  );

  app.delete('/wallet/apple/v1/devices/:deviceId/registrations/:passTypeId/:serial', { schema: { params: registration } }, async (request, reply) => {
    const { params } = request;
    if (!(await authorizedPass(params.passTypeId, params.serial, request.headers.authorization))) return reply.code(401).send(refused);
    await wallet.unregister(params.deviceId, params.serial);
    return reply.code(200).send({});
  });

  // Apple sends no token here (the device asks about all its passes of the type): it learns serial numbers only.
  app.get(
    '/wallet/apple/v1/devices/:deviceId/registrations/:passTypeId',
    { schema: { params: z.object({ deviceId, passTypeId }), querystring: z.object({ passesUpdatedSince: z.string().max(64).optional() }) } },
    async (request, reply) => {
      if (!wallet.apple || request.params.passTypeId !== wallet.apple.passTypeId) return reply.code(404).send({ error: 'unknown pass type' });
      const updated = await wallet.updatedFor(request.params.deviceId, request.query.passesUpdatedSince);
      return updated ? reply.code(200).send(updated) : reply.code(204).send();
    },
  );

  app.get('/wallet/apple/v1/passes/:passTypeId/:serial', { schema: { params: z.object({ passTypeId, serial }) } }, async (request, reply) => {
    const { params } = request;
    const row = await authorizedPass(params.passTypeId, params.serial, request.headers.authorization);
    const member = row && (await ctx.store.member(row.member_id));
    if (!row || !member) return reply.code(401).send(refused);
    if (passNotModified(row.updated_at, request.headers['if-modified-since'])) return reply.code(304).send();
    const pass = await wallet.pkpass(member, pickLocale(request.headers['accept-language']));
    const lastModified = strongLastModified(pass.updatedAt, ctx.now());
    if (lastModified) reply.header('last-modified', lastModified);
    return reply.type('application/vnd.apple.pkpass').send(pass.body);
  });

  app.post('/wallet/apple/v1/log', { schema: { body: json(z.object({ logs: z.array(z.string().max(2000)).max(100) })) } }, async (request, reply) => {
    for (const line of request.body.logs) ctx.log(`wallet: a device reports: ${line}`);
    return reply.code(200).send({});
  });
};
