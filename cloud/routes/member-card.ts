import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { memberCodeFor } from '../../core/codes';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { rewardName } from '../../core/program/texts';
import { referralBonus } from '../../core/referral';
import { createVoucher, voucherValidity } from '../../core/tokens';
import { messageTexts } from '../../core/i18n/messages';
import { welcomeEntry } from '../join-verification';
import { offersSection, verifySection } from '../message-pages';
import { sessionText, sessionsCard } from '../account-pages';
import { cardIconPng } from '../card-icon';
import { CARD_CACHE_HEADER, CARD_ICON_SIZES, CARD_MANIFEST_PATH, CARD_PATH, CARD_SERVICE_WORKER, CARD_SW_PATH, cardIconPath, cardManifest } from '../card-pwa';
import { birthdaySection, cardPage, escapeHtml, messagePage, pagePolicy, referralSection, voucherPage } from '../pages';
import { WALLET_APPLE_DOWNLOAD, WALLET_GOOGLE_SAVE } from './wallet';
import { hubMemberProfile, setMemberBirthday } from '../member-earn';
import { postedBirthday } from './join-form';
import type { Member, Shop } from '../store';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';

/**
 * The member's card on their phone (`GET /m`), taking a reward (`POST /m/redeem`: the points are
 * held at once and the voucher QR shown), and the card's list of signed-in devices with "sign out"
 * per device and "sign out everywhere" (`POST /m/sessions/end`, `/m/sessions/end-all`). The phone's
 * member cookie names a session on the hub (cloud/routes/guards.ts HubSessions), resolved once by
 * ctx.cookieMember: an erased member opens nothing, a merged-away id opens the survivor's card.
 */

/**
 * The member's own code for staff to scan (the hub's card code for their number, which every kiosk's
 * replica knows), drawn as an inline SVG QR on the server: the card page loads nothing from elsewhere.
 */
async function memberQr(member: Member): Promise<{ code: string; svg: string }> {
  const code = memberCodeFor(member.no);
  return { code, svg: await qrSvg(code) };
}

/** A QR of `text` as an inline SVG (the card's QRs: its member code, its referral link). */
const qrSvg = (text: string): Promise<string> => QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

const cardQuery = z.looseObject({ claimed: field, verify: field, birthday: field });
const redeemBody = form({ reward: field });
const sessionBody = form({ csrf: field, ref: field });
const birthdayBody = form({ csrf: field, birthDay: field, birthMonth: field });
/** Phone pages: a stateless cookie of before 0010 is converted first (the owner hook, cloud/routes/app.ts). */
const memberPage = { memberPage: true } as const;

export const memberCardRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { store } = ctx;

  /** The member and their shop, with expired vouchers released; undefined after answering 401. */
  async function signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    locale: Locale,
  ): Promise<{ member: Member & { sessionRef: string }; memberShop: Shop } | undefined> {
    const member = await ctx.cookieMember(request);
    const memberShop = member && (await store.shop(member.shopNo));
    if (!member || !memberShop) {
      // The phone's kept card goes too (cloud/card-pwa.ts): this phone no longer opens it.
      sendPage(reply.header(CARD_CACHE_HEADER, 'clear'), 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
      return undefined;
    }
    // Vouchers of this member that expired unredeemed give their points back before the card is shown.
    await store.releaseExpiredVouchers(ctx.now(), member.id);
    return { member, memberShop };
  }

  /**
   * The box asking a new member for the code sent to their contact while their welcome bonus is held
   * (cloud/join-verification.ts), with the answer to the last code or resend (`?verify=`: a fixed word,
   * shown as one of our own texts, never echoed); "confirmed" once it is done.
   */
  async function verifyBox(member: Member, memberShop: Shop, locale: Locale, answer: string | undefined): Promise<string> {
    const held = await ctx.joins.pending(member.id);
    if (!held)
      return answer === 'done' ? `<p class="ok" id="verified" role="status">${escapeHtml(formatMessage(messageTexts, locale, 'verify.done'))}</p>` : '';
    // A friend who joined through a referral link has made no purchase yet: the welcome and the referral bonus both come with the first one.
    const welcome = welcomeEntry(memberShop.program, member.id, '')?.points ?? 0;
    const points = held.referred ? welcome + (referralBonus(memberShop.program)?.referredPoints ?? 0) : welcome;
    const notes = {
      wrong: { key: 'verify.wrong', error: true },
      tooMany: { key: 'verify.tooMany', error: true },
      resent: { key: 'verify.resent', error: false },
    } as const;
    const note = answer === 'wrong' || answer === 'tooMany' || answer === 'resent' ? notes[answer] : undefined;
    return verifySection(locale, held.contact, points, note, ctx.messaging.canDeliver(member), held.referred);
  }

  /**
   * The member's referral link and its QR (cloud/referrals.ts), when the program pays a referral: the
   * link carries the member's random referral code only, made the first time the card shows it.
   */
  async function referralBox(member: Member, memberShop: Shop, locale: Locale): Promise<string> {
    const bonus = referralBonus(memberShop.program);
    if (!bonus) return '';
    const link = `${ctx.publicUrl()}/r/${await ctx.referrals.codeOf(member.id)}`;
    return referralSection(locale, { link, qrSvg: await qrSvg(link), referrerPoints: bonus.referrerPoints, referredPoints: bonus.referredPoints });
  }

  const card = async (
    request: FastifyRequest,
    reply: FastifyReply,
    claimedParam: string | undefined,
    verifyParam?: string,
    saved = false,
  ): Promise<FastifyReply> => {
    const locale = pickLocale(request.headers['accept-language']);
    const who = await signedIn(request, reply, locale);
    if (!who) return reply;
    const { member, memberShop } = who;
    const view = await store.memberView(member, ctx.now(), locale);
    // `claimed` is only a sale key to look up: the flash shows this member's own claim of it, or nothing.
    const claimedKey = (claimedParam ?? '').slice(0, 100);
    const claimed = claimedKey === '' ? undefined : await store.claimOf(claimedKey);
    const welcome =
      claimed?.memberId === member.id
        ? ((await store.saleEntries(claimedKey)).find((e) => e.memberId === member.id && e.reason.code === 'welcome')?.points ?? 0)
        : 0;
    // The card may be installed (manifest, service worker), and this answer is the one the phone keeps for offline.
    reply.header('content-security-policy', pagePolicy({ installable: true })).header(CARD_CACHE_HEADER, 'store');
    return sendPage(
      reply,
      200,
      cardPage({
        locale,
        shopName: memberShop.name,
        memberName: member.name,
        view,
        program: memberShop.program,
        history: await store.history(member.id),
        memberQr: await memberQr(member),
        // The welcome bonus has its own line: the thank-you counts the rest of what the claim earned.
        flash: claimed?.memberId === member.id ? { name: member.name ?? '', points: claimed.points - welcome, welcome } : null,
        // The offers switch posts to /m/offers (cloud/routes/messages.ts).
        extra:
          (await verifyBox(member, memberShop, locale, verifyParam)) +
          (await referralBox(member, memberShop, locale)) +
          birthdaySection(locale, (await hubMemberProfile(store.db, member.id))?.birthday ?? null, ctx.sessions.memberCsrf(request), saved) +
          offersSection(locale, memberShop.name, (await ctx.messaging.store.preferences(member.id)).marketing),
        sessions: sessionsCard(locale, view.timeZone, await ctx.sessions.members.list(member.id), member.sessionRef, ctx.sessions.memberCsrf(request)),
        wallets: {
          ...(ctx.wallet.apple ? { apple: WALLET_APPLE_DOWNLOAD } : {}),
          ...(ctx.wallet.google ? { google: WALLET_GOOGLE_SAVE } : {}),
        },
      }),
    );
  };

  // ---- the card as an installable web app (cloud/card-pwa.ts): nothing here names a member ----

  app.get(CARD_MANIFEST_PATH, async (request, reply) => {
    const shopNow = await store.shop(ctx.shop.no);
    const manifest = cardManifest(shopNow?.name ?? ctx.shop.name, pickLocale(request.headers['accept-language']));
    return reply.type('application/manifest+json; charset=utf-8').header('cache-control', 'no-cache').send(JSON.stringify(manifest));
  });
  // Served under /m, the card's scope; Service-Worker-Allowed lets it control /m itself as well as /m/….
  // Its own CSP binds the worker: it may fetch from this hub and nowhere else.
  app.get(CARD_SW_PATH, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('service-worker-allowed', CARD_PATH)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', "default-src 'none'; connect-src 'self'")
      .send(CARD_SERVICE_WORKER),
  );
  for (const size of CARD_ICON_SIZES) {
    const png = cardIconPng(size);
    app.get(cardIconPath(size), async (_request, reply) => reply.type('image/png').header('cache-control', 'public, max-age=86400').send(png));
  }

  app.get('/m', { schema: { querystring: cardQuery }, config: memberPage }, (request, reply) =>
    card(request, reply, request.query.claimed, request.query.verify, request.query.birthday === 'saved'),
  );
  app.get('/m/redeem', { schema: { querystring: cardQuery }, config: memberPage }, (request, reply) => card(request, reply, request.query.claimed));

  app.post('/m/redeem', { schema: { body: redeemBody }, config: { guard: 'member-form', ...memberPage } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const who = await signedIn(request, reply, locale);
    if (!who) return reply;
    const { member, memberShop } = who;
    const view = await store.memberView(member, ctx.now(), locale);
    const rewardKey = Number(request.body.reward);
    const reward = view.rewards.find((r) => r.rewardKey === rewardKey);
    const noRewards = (status: number): FastifyReply =>
      sendPage(
        reply,
        status,
        messagePage(locale, formatMessage(claimMessages, locale, 'noRewards'), { href: '/m', text: formatMessage(claimMessages, locale, 'back') }),
      );
    if (!reward?.affordable) return noRewards(400);
    const voucherId = randomBytes(8).toString('hex');
    const { expiresAt } = voucherValidity(ctx.now());
    // The points are held at once, with the voucher row, or nothing is issued (another voucher took them a moment ago).
    const issued = await store.issueVoucher({
      voucherId,
      member,
      rewardKey,
      costPoints: reward.costPoints,
      costStamps: reward.costStamps,
      expiresAt,
      now: ctx.now(),
    });
    if (!issued.ok) return noRewards(409);
    const code = createVoucher(
      { shopNo: memberShop.no, voucherId, memberNo: member.no, rewardKey, costPoints: reward.costPoints, costStamps: reward.costStamps, expiresAt },
      ctx.voucherSecretKey,
    );
    ctx.log(`voucher ${voucherId} issued to member ${member.no}: ${reward.reward.name}, ${reward.costPoints} points / ${reward.costStamps} stamps held`);
    const svg = await qrSvg(code);
    return sendPage(reply, 200, voucherPage(locale, view.timeZone, rewardName(reward.reward, locale), code, svg, expiresAt));
  });

  // ---- the card's sessions: the CSRF hook checks the session's token (guard 'member-session') ----

  const back = (locale: Locale) => ({ href: '/m', text: formatMessage(claimMessages, locale, 'back') });

  app.post('/m/sessions/end', { schema: { body: sessionBody }, config: { guard: 'member-session', ...memberPage } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const who = await signedIn(request, reply, locale);
    if (!who) return reply;
    const ref = request.body.ref ?? '';
    if (!(await ctx.sessions.members.end(who.member.id, ref, ctx.now()))) {
      return sendPage(reply, 404, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request'), back(locale)));
    }
    // This phone's own session: its cookie goes too.
    if (ref === who.member.sessionRef)
      return sendPage(
        reply.header('set-cookie', ctx.sessions.memberCookieCleared).header(CARD_CACHE_HEADER, 'clear'),
        200,
        messagePage(locale, sessionText(locale, 'ended')),
      );
    return sendPage(reply, 200, messagePage(locale, sessionText(locale, 'ended'), back(locale)));
  });

  // The card's birthday (day and month, optional): a session form like the ones above (CSRF token of the session).
  app.post('/m/birthday', { schema: { body: birthdayBody }, config: { guard: 'member-session', ...memberPage } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const who = await signedIn(request, reply, locale);
    if (!who) return reply;
    const birthday = postedBirthday((request.body.birthDay ?? '').trim(), (request.body.birthMonth ?? '').trim());
    if (birthday === 'invalid') {
      return sendPage(reply, 400, messagePage(locale, formatMessage(claimMessages, locale, 'birthdayInvalid'), back(locale)));
    }
    await setMemberBirthday(store.db, store.engine, who.member.id, birthday, ctx.now());
    return seeOther(reply, '/m?birthday=saved#birthday');
  });

  app.post('/m/sessions/end-all', { schema: { body: sessionBody }, config: { guard: 'member-session', ...memberPage } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const who = await signedIn(request, reply, locale);
    if (!who) return reply;
    const ended = await ctx.sessions.members.endAll(who.member.id, ctx.now());
    ctx.log(`member ${who.member.no} signed out everywhere (${ended} sessions)`);
    return sendPage(
      reply.header('set-cookie', ctx.sessions.memberCookieCleared).header(CARD_CACHE_HEADER, 'clear'),
      200,
      messagePage(locale, sessionText(locale, 'signedOutEverywhere')),
    );
  });
};
