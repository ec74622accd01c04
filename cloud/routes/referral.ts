import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { messageTexts } from '../../core/i18n/messages';
import { REFERRAL_CODE_PATTERN, referralBonus, referralRefusal, type ReferralRefusal } from '../../core/referral';
import { joinCodeRequester } from '../join-verification';
import { messagePage, referralPage } from '../pages';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';
import { joinWithConsent, readJoinForm } from './join-form';

/**
 * A member's referral link (`GET /r/<code>`, cloud/referrals.ts) and its join form (`POST`): a friend
 * joins with a contact nobody has, like on a claim page but with no sale to collect. The new card
 * opens on this phone and asks for the code sent to the contact (cloud/join-verification.ts); the
 * code records the referral, and the friend's next purchase pays both sides (core/earn). Refused,
 * changing nothing: the referrer's own phone or contact, a phone signed in as a member, a contact
 * that has a card, a contact referred before, an unknown or dead link.
 */

const params = z.object({ code: z.string().regex(new RegExp(REFERRAL_CODE_PATTERN)) });
const body = form({ name: field, contact: field, consent: field, birthDay: field, birthMonth: field });

export const referralRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { store } = ctx;

  /** A refusal page: `member` is a phone signed in as a member already, the other words are core/referral's. */
  const refuse = (reply: FastifyReply, locale: Locale, status: number, why: ReferralRefusal | 'invalid' | 'member', shop: string): FastifyReply =>
    sendPage(reply, status, messagePage(locale, formatMessage(claimMessages, locale, `referral.${why}`, { shop })));

  /** The shop, the referrer behind the code and the phone's own member; undefined once a refusal is answered. */
  async function prepare(request: FastifyRequest, reply: FastifyReply, code: string) {
    const shop = (await store.shop(ctx.shop.no))!;
    const locale = pickLocale(request.headers['accept-language']);
    const address = ctx.clientAddress(request);
    if (ctx.failures.slowedDown('claim', `ip:${address}`)) {
      sendPage(reply.header('retry-after', '60'), 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')));
      return undefined;
    }
    const referrerId = await ctx.referrals.referrerByCode(shop.no, code);
    if (referrerId === undefined) {
      // Unknown codes count as failures per address: guessing links is slowed down like guessing claim QRs.
      ctx.failures.note('claim', `ip:${address}`);
      refuse(reply, locale, 404, 'invalid', shop.name);
      return undefined;
    }
    const signedIn = await ctx.cookieMember(request);
    const own = signedIn && signedIn.shopNo === shop.no ? signedIn.id : undefined;
    const refusal = referralRefusal({ referrerId, signedInMemberId: own });
    if (refusal) {
      refuse(reply, locale, 409, refusal === 'known-contact' ? 'member' : refusal, shop.name);
      return undefined;
    }
    return { shop, locale, address, referrerId, action: `/r/${code}`, referredPoints: referralBonus(shop.program)?.referredPoints ?? 0 };
  }

  app.get('/r/:code', { schema: { params }, config: { memberPage: true } }, async (request, reply) => {
    const ready = await prepare(request, reply, request.params.code);
    if (!ready) return reply;
    // The phone's device id: new cards are limited per device, as on a claim page (cloud/join-verification.ts).
    const device = ctx.sessions.newDeviceCookie(request);
    if (device) reply.header('set-cookie', device);
    const { shop, locale, action, referredPoints } = ready;
    return sendPage(reply, 200, referralPage({ locale, shopName: shop.name, privacyText: shop.privacyText, action, referredPoints }));
  });

  app.post('/r/:code', { schema: { params, body }, config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
    const ready = await prepare(request, reply, request.params.code);
    if (!ready) return reply;
    const { shop, locale, address, referrerId, action, referredPoints } = ready;
    const joining = readJoinForm(request.body, shop);
    if (!joining.ok) {
      ctx.failures.note('join', `ip:${address}`);
      return sendPage(
        reply,
        400,
        referralPage({ locale, shopName: shop.name, privacyText: shop.privacyText, action, referredPoints, values: joining.values, errors: joining.errors }),
      );
    }
    const { contact } = joining;
    const contactKey = (contact.email ?? contact.phone)!;
    const holder = await store.memberByContact(shop.no, contact);
    const refusal = referralRefusal({ referrerId, contactMemberId: holder?.id, contactReferred: await ctx.referrals.contactReferred(shop.no, contactKey) });
    if (refusal) {
      // Typing a contact proves nothing: the page says no more than the claim page's join would.
      ctx.log(`referral refused (${refusal}) on the link of a member`);
      return refuse(reply, locale, 409, refusal, shop.name);
    }
    const device = ctx.sessions.deviceOf(request);
    if (!(await ctx.joins.mayJoin(device, address, ctx.now()))) {
      ctx.log(`join refused: too many new cards from ${device ? 'this device' : 'a phone without a device id'} at ${address}`);
      return sendPage(reply.header('retry-after', '3600'), 429, messagePage(locale, formatMessage(messageTexts, locale, 'verify.tooManyJoins')));
    }
    const member = await joinWithConsent(ctx, shop, joining, locale);
    // Another phone joined with this contact a moment ago: theirs, as above.
    if (!member.created) return refuse(reply, locale, 409, member.id === referrerId ? 'self' : 'known-contact', shop.name);
    // The referral (and the welcome, paid by the first purchase: no sale here) wait for the code.
    await ctx.joins.hold({ memberId: member.id, shopNo: shop.no, contact: contactKey, saleKey: '', device, address, at: ctx.now(), referrer: referrerId });
    await ctx.messaging.memberJoined(member, locale, { welcome: false });
    const issued = await ctx.messaging.issueContactCode({ phone: member.phone, email: member.email }, 'join', {
      requestedBy: joinCodeRequester(device, address),
      locale,
    });
    ctx.log(
      `member ${member.no} joined through a referral link: referral held until the code sent to their contact is entered${issued.ok ? '' : ` (no code sent: ${issued.reason})`}`,
    );
    // The card is new (nothing of anyone else's is on it): it opens on this phone and asks for the code.
    return seeOther(reply, '/m#verify', await ctx.sessions.openMemberSession(request, member.id));
  });
};
