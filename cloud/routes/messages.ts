import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { messageTexts } from '../../core/i18n/messages';
import { messageRulesFromForm } from '../../core/message-rules';
import { openCodePage, openContactPage, undeliveredPage, unsubscribePage, winBackPreviewPage } from '../message-pages';
import { joinCodeRequester } from '../join-verification';
import { messagePage } from '../pages';
import type { Member } from '../store';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';
import { inactiveMemberIds } from './owner';

/**
 * The hub's message routes: "Open my card on this phone" by a one-time code (GET/POST /m/open,
 * POST /m/open/code), one-click unsubscribe (GET shows a button, POST withdraws: /u/<token>, RFC
 * 8058), offers switched on or off from the member card (POST /m/offers), and the owner's messages
 * page: failed and suppressed messages with the quiet hours and weekly cap (GET /owner/messages,
 * POST /owner/messages/rules), and the win-back preview (GET /owner/messages/winback; its form posts
 * to /owner/winback, cloud/routes/owner.ts).
 *
 * Wrong codes count against the address and the contact they were typed for (codes have their own
 * counter: they never lock out claims or the owner); the code itself dies after five wrong tries
 * (cloud/messaging.ts).
 */

const contactForm = form({ contact: field, code: field });
const UNSUBSCRIBE = '^[A-Za-z0-9_-]{1,200}\\.[A-Za-z0-9_-]{1,64}$';
const unsubscribeParams = z.object({ token: z.string().regex(new RegExp(UNSUBSCRIBE)) });
const offersForm = form({ offers: z.enum(['yes', 'no']) });
const rulesForm = form({ csrf: field, quietFrom: field, quietTo: field, weeklyCap: field });
/** A whole number in a query, `fallback` when absent or empty (a form's empty field). */
const wholeNumber = (min: number, max: number, fallback: number) =>
  field.transform((v) => (v === undefined || v.trim() === '' ? fallback : Number(v))).pipe(z.number().int().min(min).max(max));
const winBackQuery = z.looseObject({
  inactive: wholeNumber(0, 3650, 60),
  points: wholeNumber(1, 100_000, 50),
  campaign: field
    .transform((v) => v?.trim() || undefined)
    .pipe(
      z
        .string()
        .regex(/^[\w-]{1,40}$/)
        .optional(),
    ),
});

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
    // The code proved the contact: a welcome bonus still held for it is paid now.
    await contactProven(member, locale);
    return seeOther(reply, '/m', await ctx.sessions.openMemberSession(request, member.id));
  });

  // ---- a new member's contact proven by the code sent at join (cloud/join-verification.ts) -------

  /** Pays the welcome bonus held for the member, once, and then sends the welcome (the contact is theirs now). */
  async function contactProven(member: Member, locale: Locale): Promise<void> {
    const paid = await ctx.store.payHeldWelcome(member.id, ctx.now());
    if (!paid) return;
    ctx.log(`member ${member.no} proved their contact: welcome bonus +${paid.points} paid`);
    await ctx.messaging.queueWelcome(member, locale);
  }

  /** The card's verify box answered: back to the card with a note, or the card's page with the note (errors). */
  const verifyAnswer = (reply: FastifyReply, note: 'wrong' | 'tooMany' | 'resent' | 'done'): FastifyReply => seeOther(reply, `/m?verify=${note}#verify`);

  app.post('/m/verify', { schema: { body: form({ code: field }) }, config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const member = await ctx.cookieMember(request);
    if (!member) return sendPage(reply, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
    const held = await ctx.joins.pending(member.id);
    if (!held) return seeOther(reply, '/m');
    const address = ctx.clientAddress(request);
    const device = ctx.sessions.deviceOf(request);
    // Wrong codes count per address, per contact and per device (the code itself dies after five).
    const keys = [`ip:${address}`, `contact:${held.contact}`, ...(device ? [`device:${device}`] : [])];
    if (ctx.failures.slowedDown('code', ...keys)) return tooMany(reply, locale);
    const verified = await ctx.messaging.verifyContactCode({ phone: member.phone, email: member.email }, 'join', request.body.code ?? '');
    if (!verified.ok) {
      ctx.failures.note('code', ...keys);
      return verifyAnswer(reply, 'wrong');
    }
    await contactProven(member, locale);
    return verifyAnswer(reply, 'done');
  });

  app.post('/m/verify/resend', { config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const member = await ctx.cookieMember(request);
    if (!member) return sendPage(reply, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
    const held = await ctx.joins.pending(member.id);
    if (!held) return seeOther(reply, '/m');
    // Codes are limited per contact and per device (else address) in the store (cloud/messaging.ts), on every node.
    const issued = await ctx.messaging.issueContactCode({ phone: member.phone, email: member.email }, 'join', {
      requestedBy: joinCodeRequester(ctx.sessions.deviceOf(request), ctx.clientAddress(request)),
      locale,
    });
    return verifyAnswer(reply, issued.ok ? 'resent' : 'tooMany');
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

  // The card's offers switch (cloud/message-pages.ts offersSection): logged with the consent text's version.
  app.post('/m/offers', { schema: { body: offersForm }, config: { guard: 'member-form' } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const member = await ctx.cookieMember(request);
    if (!member) return sendPage(reply, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
    await ctx.messaging.setOffers(member.id, request.body.offers === 'yes', locale);
    return seeOther(reply, '/m#offers');
  });

  const ownerPage = { guard: 'owner', ownerPage: true } as const;

  /** The owner's messages page: the rules form (with a note after saving or a refused value) and the undelivered messages. */
  const messagesPage = async (request: FastifyRequest, reply: FastifyReply, status: number, note?: { text: string; error: boolean }) =>
    sendPage(
      reply,
      status,
      undeliveredPage(pickLocale(request.headers['accept-language']), await ctx.messaging.store.undelivered(ctx.shop.no), request.ownerCsrf, {
        rules: await ctx.messaging.rules(),
        zone: (await ctx.store.shop(ctx.shop.no))!.program.timeZone,
        ...(note ? { note } : {}),
      }),
    );

  app.get('/owner/messages', { schema: { querystring: z.looseObject({ rules: field }) }, config: ownerPage }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const saved = request.query.rules === 'saved' ? { text: formatMessage(messageTexts, locale, 'owner.rules.saved'), error: false } : undefined;
    return messagesPage(request, reply, 200, saved);
  });

  app.post('/owner/messages/rules', { schema: { body: rulesForm }, config: { guard: 'owner' } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const { quietFrom, quietTo, weeklyCap } = request.body;
    const fields: Record<string, string | undefined> = { quietFrom, quietTo, weeklyCap };
    const parsed = messageRulesFromForm((name) => fields[name] ?? null);
    if (!parsed.ok) {
      const key = parsed.error === 'quiet' ? 'owner.rules.invalid.quiet' : 'owner.rules.invalid.weeklyCap';
      return messagesPage(request, reply, 400, { text: formatMessage(messageTexts, locale, key), error: true });
    }
    await ctx.messaging.saveRules(parsed.rules);
    return seeOther(reply, '/owner/messages?rules=saved');
  });

  app.get('/owner/messages/winback', { schema: { querystring: winBackQuery }, config: ownerPage }, async (request, reply) => {
    const { inactive: inactiveDays, points } = request.query;
    const now = ctx.now();
    const campaign = request.query.campaign ?? `winback-${now.toISOString().slice(0, 10)}`;
    const shop = (await ctx.store.shop(ctx.shop.no))!;
    // The same audience the win-back form credits (cloud/routes/owner.ts), as of now.
    const preview = await ctx.messaging.previewWinBack(campaign, await inactiveMemberIds(ctx.owner, shop, inactiveDays, now));
    return sendPage(
      reply,
      200,
      winBackPreviewPage({
        locale: pickLocale(request.headers['accept-language']),
        shop: shop.name,
        inactiveDays,
        campaign,
        points,
        preview,
        publicUrl: ctx.messaging.publicUrl(),
        csrf: request.ownerCsrf,
      }),
    );
  });
};
