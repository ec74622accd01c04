import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { messageTexts } from '../../core/i18n/messages';
import { claimSaleKey } from '../../core/tokens';
import { joinCodeRequester, welcomeEntry } from '../join-verification';
import { claimPage, messagePage } from '../pages';
import type { Member } from '../store';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';
import { joinWithConsent, readJoinForm } from './join-form';

/**
 * The claim page a sale's QR opens (`GET /c/<token>`, also `/C/…`, the QR's upper-case form) and its
 * one form (`POST`): a remembered member claims with one tap, anyone else joins with a phone number
 * or an e-mail and consent. Failures count per address, and joins also per claim QR.
 */

/** A claim token's characters (base32); other paths are simply not claim pages (404). */
const TOKEN = '^[A-Za-z2-7]{1,120}$';
const params = z.object({ token: z.string().regex(new RegExp(TOKEN)) });
const query = z.looseObject({ join: z.string().optional() });
const body = form({ mode: field, name: field, contact: field, consent: field, birthDay: field, birthMonth: field });

export const claimRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { store } = ctx;
  const tooMany = (reply: FastifyReply, locale: ReturnType<typeof pickLocale>): FastifyReply =>
    sendPage(reply.header('retry-after', '60'), 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')));

  /** What GET and POST share: the token checked, the sale still claimable; undefined when already answered. */
  async function prepare(request: FastifyRequest, reply: FastifyReply, rawToken: string, posting: boolean) {
    // The shop as it is now: the owner may have renamed it in Settings since the hub started.
    const shop = (await store.shop(ctx.shop.no))!;
    const locale = pickLocale(request.headers['accept-language']);
    const token = rawToken.toUpperCase();
    const address = ctx.clientAddress(request);
    const member = await ctx.cookieMember(request);
    const memberOfShop = member && member.shopNo === shop.no ? member : undefined;
    const tokenInfo = await ctx.checkToken(token, shop.no);
    const due = tokenInfo.ok ? await store.claimable(claimSaleKey(tokenInfo.data), tokenInfo.data.points, tokenInfo.data.stamps) : undefined;
    if (ctx.failures.slowedDown('claim', `ip:${address}`) || (posting && ctx.failures.slowedDown('join', `ip:${address}`, `qr:${token}`))) {
      tooMany(reply, locale);
      return undefined;
    }
    if (!tokenInfo.ok) {
      ctx.failures.note('claim', `ip:${address}`);
      sendPage(reply, tokenInfo.reason === 'expired' ? 410 : 400, messagePage(locale, formatMessage(claimMessages, locale, `refusal.${tokenInfo.reason}`)));
      return undefined;
    }
    if (!due) {
      sendPage(reply, 410, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.sale-refunded')));
      return undefined;
    }
    const base = {
      locale,
      shopName: shop.name,
      privacyText: shop.privacyText,
      action: `/C/${token}`,
      points: due.points,
      member: memberOfShop ? { name: memberOfShop.name } : null,
    };
    return { locale, token, address, memberOfShop, base, shop, saleKey: claimSaleKey(tokenInfo.data) };
  }

  /**
   * A member who just joins with a contact, before the claim is made: with a welcome bonus in the
   * program, it is held until the contact is proven (cloud/join-verification.ts), so the claim's earn
   * (cloud/member-earn.ts) pays everything else of the sale but not the welcome. True when held.
   */
  async function holdWelcome(member: Member, saleKey: string, request: FastifyRequest): Promise<boolean> {
    const program = (await store.shop(ctx.shop.no))!.program;
    const contact = member.email ?? member.phone;
    if (contact === null || !welcomeEntry(program, member.id, ctx.now().toISOString())) return false;
    const device = ctx.sessions.deviceOf(request);
    await ctx.joins.hold({ memberId: member.id, shopNo: ctx.shop.no, contact, saleKey, device, address: ctx.clientAddress(request), at: ctx.now() });
    return true;
  }

  /**
   * After the claim a member joined with: their consent logged; with the welcome held, a code goes to
   * the contact (the card asks for it; the welcome message follows the code, so nothing but the code
   * goes to a contact nobody has proven); else the welcome message now.
   */
  async function welcomeNewMember(member: Member, held: boolean, request: FastifyRequest, locale: Locale): Promise<void> {
    await ctx.messaging.memberJoined(member, locale, { welcome: !held });
    if (!held) return;
    const device = ctx.sessions.deviceOf(request);
    const issued = await ctx.messaging.issueContactCode({ phone: member.phone, email: member.email }, 'join', {
      requestedBy: joinCodeRequester(device, ctx.clientAddress(request)),
      locale,
    });
    ctx.log(
      `member ${member.no} joined: welcome bonus held until the code sent to their contact is entered${issued.ok ? '' : ` (no code sent: ${issued.reason})`}`,
    );
  }

  for (const prefix of ['/c', '/C']) {
    app.get(`${prefix}/:token(${TOKEN})`, { schema: { params, querystring: query }, config: { memberPage: true } }, async (request, reply) => {
      const ready = await prepare(request, reply, request.params.token, false);
      if (!ready) return reply;
      // The phone's device id (the page a QR opens sets it): new cards are limited per device (cloud/join-verification.ts).
      const device = ctx.sessions.newDeviceCookie(request);
      if (device) reply.header('set-cookie', device);
      return sendPage(reply, 200, claimPage({ ...ready.base, forceJoin: request.query.join !== undefined }));
    });

    app.post(`${prefix}/:token(${TOKEN})`, { schema: { params, body }, config: { guard: 'member-form', memberPage: true } }, async (request, reply) => {
      const ready = await prepare(request, reply, request.params.token, true);
      if (!ready) return reply;
      const { locale, token, address, memberOfShop, base, shop, saleKey } = ready;
      const posted = request.body;
      let claimant: Member | undefined;
      let joined = false;
      if (posted.mode === 'member') {
        claimant = memberOfShop;
        if (!claimant) {
          return sendPage(reply, 400, claimPage({ ...base, member: null, errors: { form: formatMessage(claimMessages, locale, 'refusal.unknown-member') } }));
        }
      } else {
        const joining = readJoinForm(posted, shop);
        if (!joining.ok) {
          ctx.failures.note('join', `ip:${address}`, `qr:${token}`);
          return sendPage(reply, 400, claimPage({ ...base, forceJoin: true, values: joining.values, errors: joining.errors }));
        }
        // One card per claim QR: a sale already claimed opens no join (its QR was used), so no card is made.
        if (await store.claimOf(saleKey)) {
          return sendPage(reply, 409, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.already-claimed')));
        }
        // New cards per device (a day) and per address (an hour, the last line for a phone that keeps no cookie).
        const device = ctx.sessions.deviceOf(request);
        if (!(await ctx.joins.mayJoin(device, address, ctx.now()))) {
          ctx.log(`join refused: too many new cards from ${device ? 'this device' : 'a phone without a device id'} at ${address}`);
          return sendPage(reply.header('retry-after', '3600'), 429, messagePage(locale, formatMessage(messageTexts, locale, 'verify.tooManyJoins')));
        }
        // Kept only on a new member: typing someone's contact changes nothing of their card.
        const member = await joinWithConsent(ctx, shop, joining, locale);
        if (!member.created) {
          // The contact is someone's already. Typing it proves nothing, so this phone gets no session (no
          // cookie) and the card is left as it was; the purchase is still theirs: it is credited to that
          // card, without a welcome bonus. The page says how to open the card on this phone.
          const result = await ctx.claim(token, member, 'phone', null, locale, false);
          if (!result.ok) {
            ctx.failures.note('claim', `ip:${address}`);
            return sendPage(reply, 409, messagePage(locale, result.message));
          }
          ctx.log(`join with the contact of member ${member.no}: sale credited to that card, no session opened on this phone`);
          return sendPage(
            reply,
            200,
            messagePage(
              locale,
              `${formatMessage(claimMessages, locale, 'existingContact', { shop: shop.name })} ` + formatMessage(claimMessages, locale, 'existingContactHow'),
            ),
          );
        }
        claimant = member;
        joined = true;
      }
      // Held before the claim, so the claim's one earn sees a welcome that is not due yet.
      const held = joined && (await holdWelcome(claimant, saleKey, request));
      const result = await ctx.claim(token, claimant, 'phone', null, locale, joined);
      // A new member signs in on this phone (the card is new: nothing of anyone else's is on it); a member claiming with their session keeps it.
      const cookie = joined ? await ctx.sessions.openMemberSession(request, claimant.id) : undefined;
      if (joined) await welcomeNewMember(claimant, held, request, locale);
      if (!result.ok) {
        ctx.failures.note('claim', `ip:${address}`);
        if (cookie) reply.header('set-cookie', cookie);
        return sendPage(reply, 409, messagePage(locale, result.message, { href: '/m', text: formatMessage(claimMessages, locale, 'back') }));
      }
      // The card reads the claim back from the store by its sale key: nothing shown comes from the URL.
      return seeOther(reply, `/m?claimed=${encodeURIComponent(result.accepted.saleKey)}`, cookie);
    });
  }
};
