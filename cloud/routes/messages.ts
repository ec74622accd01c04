import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { messageTexts } from '../../core/i18n/messages';
import { openCodePage, openContactPage, undeliveredPage, unsubscribePage } from '../message-pages';
import { messagePage } from '../pages';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';

/**
 * The hub's message routes: "Open my card on this phone" by a one-time code (GET/POST /m/open,
 * POST /m/open/code), one-click unsubscribe (GET shows a button, POST withdraws: /u/<token>, RFC
 * 8058), and the owner's list of failed and suppressed messages (GET /owner/messages).
 *
 * Wrong codes count against the address and the contact they were typed for (codes have their own
 * counter: they never lock out claims or the owner); the code itself dies after five wrong tries
 * (cloud/messaging.ts).
 */

const contactForm = form({ contact: field, code: field });
const UNSUBSCRIBE = '^[A-Za-z0-9_-]{1,200}\\.[A-Za-z0-9_-]{1,64}$';
const unsubscribeParams = z.object({ token: z.string().regex(new RegExp(UNSUBSCRIBE)) });

export const messageRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const tooMany = (reply: FastifyReply, locale: Locale): FastifyReply =>
    sendPage(reply.header('retry-after', '60'), 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')));

  app.get('/m/open', { config: { memberPage: true } }, async (request, reply) =>
    sendPage(reply, 200, openContactPage(pickLocale(request.headers['accept-language']))),
  );

  app.post('/m/open', { schema: { body: contactForm }, config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const address = ctx.clientAddress(request);
    if (ctx.failures.slowedDown('code', `ip:${address}`)) return tooMany(reply, locale);
    const typed = (request.body.contact ?? '').trim().slice(0, 254);
    const contact = ctx.parseContact(typed);
    if (!contact) return sendPage(reply, 400, openContactPage(locale, typed, 'open.invalid'));
    const issued = await ctx.messaging.issueContactCode(contact, 'open', { requestedBy: address, locale });
    if (!issued.ok) return sendPage(reply.header('retry-after', '3600'), 429, openContactPage(locale, typed, 'open.tooMany'));
    return sendPage(reply, 200, openCodePage(locale, contact.email ?? contact.phone ?? typed));
  });

  app.post('/m/open/code', { schema: { body: contactForm }, config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const address = ctx.clientAddress(request);
    const typed = (request.body.contact ?? '').trim().slice(0, 254);
    const contact = ctx.parseContact(typed);
    const contactKey = `contact:${contact?.email ?? contact?.phone ?? ''}`;
    if (ctx.failures.slowedDown('code', `ip:${address}`, ...(contact ? [contactKey] : []))) return tooMany(reply, locale);
    if (!contact) return sendPage(reply, 400, openContactPage(locale, typed, 'open.invalid'));
    const shown = contact.email ?? contact.phone ?? typed;
    const verified = await ctx.messaging.verifyContactCode(contact, 'open', request.body.code ?? '');
    const member = verified.ok ? await ctx.store.memberByContact(ctx.shop.no, contact) : undefined;
    if (!member) {
      ctx.failures.note('code', `ip:${address}`, contactKey);
      return sendPage(reply, 400, openCodePage(locale, shown, 'open.wrong'));
    }
    await ctx.messaging.store.setLocale(member.id, locale);
    ctx.log(`member ${member.no} opened their card on a new phone by a code`);
    return seeOther(reply, '/m', await ctx.sessions.openMemberSession(request, member.id));
  });

  const invalid = (reply: FastifyReply, locale: Locale): FastifyReply =>
    sendPage(reply, 404, messagePage(locale, formatMessage(messageTexts, locale, 'unsub.invalid')));

  app.get(`/u/:token(${UNSUBSCRIBE})`, { schema: { params: unsubscribeParams } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    if (!ctx.messaging.memberOfToken(request.params.token)) return invalid(reply, locale);
    return sendPage(reply, 200, unsubscribePage(locale, ctx.shop.name, `/u/${request.params.token}`, false));
  });

  // Not a member form: the signed token is the authority, and a mail client posts it from nowhere (RFC 8058).
  app.post(`/u/:token(${UNSUBSCRIBE})`, { schema: { params: unsubscribeParams } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    if (!(await ctx.messaging.unsubscribe(request.params.token))) return invalid(reply, locale);
    return sendPage(reply, 200, unsubscribePage(locale, ctx.shop.name, `/u/${request.params.token}`, true));
  });

  // Any other /u/ link (cut short, altered) says the link is not valid rather than "not found".
  app.all('/u/*', async (request, reply) => invalid(reply, pickLocale(request.headers['accept-language'])));

  app.get('/owner/messages', { config: { guard: 'owner', ownerPage: true } }, async (request, reply) =>
    sendPage(
      reply,
      200,
      undeliveredPage(pickLocale(request.headers['accept-language']), await ctx.messaging.store.undelivered(ctx.shop.no), request.ownerCsrf),
    ),
  );
};
