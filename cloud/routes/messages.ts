import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import { formatInstant } from '../../core/i18n/dates';
import { LOCALES, pickLocale, type Locale } from '../../core/i18n/locales';
import { checkEditedText, checkOwnText, withEdits } from '../../core/i18n/message-edit';
import { messageTexts } from '../../core/i18n/messages';
import { birthdayOffer, messageRulesFromForm } from '../../core/message-rules';
import { CAMPAIGN_PATTERN } from '../../core/owner-actions';
import { joinCodeRequester } from '../join-verification';
import {
  campaignPage,
  EDITABLE_PURPOSES,
  editableFields,
  openCodePage,
  openContactPage,
  previewMessage,
  previewsOf,
  SAMPLE_NAME,
  textCheckWords,
  textsPage,
  undeliveredPage,
  unsubscribePage,
  winBackPreviewPage,
  type EditableField,
  type EditablePurpose,
  type PreviewSample,
} from '../message-pages';
import type { CampaignTexts } from '../messaging';
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
  campaign: field.transform((v) => v?.trim() || undefined).pipe(z.string().regex(CAMPAIGN_PATTERN).optional()),
});

const textsQuery = z.looseObject({ purpose: z.enum(EDITABLE_PURPOSES).optional(), locale: z.enum(LOCALES).optional(), saved: field });
const textsForm = form({
  csrf: field,
  purpose: z.enum(EDITABLE_PURPOSES),
  locale: z.enum(LOCALES),
  // The fields of the group being edited (message-pages.ts editableFields); the others are absent.
  subject: z.string().max(500).optional(),
  body: z.string().max(2000).optional(),
  hello: z.string().max(500).optional(),
  helloAnon: z.string().max(500).optional(),
  footerService: z.string().max(1000).optional(),
  footerMarketing: z.string().max(1000).optional(),
  unsubscribe: z.string().max(500).optional(),
  do: z.enum(['preview', 'save', 'reset']),
});

const campaignForm = form({
  csrf: field,
  campaign: field,
  do: z.enum(['check', 'send']),
  ...Object.fromEntries(
    LOCALES.flatMap((l) => [
      [`subject_${l}`, z.string().max(200).optional()],
      [`body_${l}`, z.string().max(1000).optional()],
    ]),
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
    return sendPage(reply, 200, unsubscribePage(locale, (await ctx.store.shop(ctx.shop.no))!.name, `/u/${request.params.token}`, false));
  });

  // Not a member form: the signed token is the authority, and a mail client posts it from nowhere (RFC 8058).
  app.post(`/u/:token(${UNSUBSCRIBE})`, { schema: { params: unsubscribeParams } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    if (!(await ctx.messaging.unsubscribe(request.params.token))) return invalid(reply, locale);
    return sendPage(reply, 200, unsubscribePage(locale, (await ctx.store.shop(ctx.shop.no))!.name, `/u/${request.params.token}`, true));
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
      undeliveredPage(pickLocale(request.headers['accept-language']), await ctx.messaging.store.undelivered(ctx.shop.no), request.ownerFrame, {
        rules: await ctx.messaging.rules(),
        zone: (await ctx.settings()).settings.timeZone,
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
    // The same audience the win-back form credits (cloud/routes/owner.ts), as of now, on the shop's clock.
    const zone = (await ctx.settings()).settings.timeZone;
    const preview = await ctx.messaging.previewWinBack(campaign, await inactiveMemberIds(ctx.owner, ctx.shop.no, zone, inactiveDays, now));
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
        frame: request.ownerFrame,
      }),
    );
  });

  // ---- the owner's message texts: per message and language, with a preview of what will be sent ----

  const sampleFor = async (locale: Locale): Promise<PreviewSample> => {
    const shop = (await ctx.store.shop(ctx.shop.no))!;
    const date = formatInstant(new Date(ctx.now().getTime() + 14 * 86_400_000), locale, (await ctx.settings()).settings.timeZone, 'longDate');
    return { shop: shop.name, publicUrl: ctx.messaging.publicUrl(), reward: shop.program.rewards[0]?.name ?? '—', date, birthday: birthdayOffer(shop.program) };
  };

  /** The page for one group of texts in one language: the form holds `draft` (as typed) or the texts in force, and the preview renders them. */
  const showTexts = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    purpose: EditablePurpose,
    textLocale: Locale,
    draft?: Partial<Record<EditableField['name'], string>>,
    note?: { text: string; error: boolean },
  ) => {
    const locale = pickLocale(request.headers['accept-language']);
    const edits = await ctx.messaging.textEdits();
    const inForce = withEdits(messageTexts, edits);
    const fields = editableFields(purpose).map((field) => ({
      field,
      text: draft ? (draft[field.name] ?? '') : inForce[textLocale][field.key],
      fallback: messageTexts[textLocale][field.key],
    }));
    // A refused draft is not previewed: it would not render (and it is not what will be sent).
    const sample = await sampleFor(textLocale);
    const catalog = withEdits(inForce, { [textLocale]: Object.fromEntries(fields.map((f) => [f.field.key, f.text])) });
    const previews = note?.error
      ? undefined
      : previewsOf(purpose).map((p) => previewMessage(p.purpose, textLocale, catalog, sample, p.named ? SAMPLE_NAME : null));
    const edited = new Set(Object.entries(edits).flatMap(([l, byKey]) => Object.keys(byKey ?? {}).map((k) => `${l}:${k}`)));
    return sendPage(reply, status, textsPage({ locale, frame: request.ownerFrame, purpose, textLocale, edited, fields, note, previews }));
  };

  app.get('/owner/messages/texts', { schema: { querystring: textsQuery }, config: ownerPage }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const { purpose = 'welcome', locale: textLocale = locale, saved } = request.query;
    const note =
      saved === 'yes'
        ? { text: formatMessage(messageTexts, locale, 'owner.texts.saved'), error: false }
        : saved === 'reset'
          ? { text: formatMessage(messageTexts, locale, 'owner.texts.resetDone'), error: false }
          : undefined;
    return showTexts(request, reply, 200, purpose, textLocale, undefined, note);
  });

  app.post('/owner/messages/texts', { schema: { body: textsForm }, config: { guard: 'owner' } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const { purpose, locale: textLocale } = request.body;
    const back = `/owner/messages/texts?purpose=${purpose}&locale=${textLocale}`;
    const who = `${request.ownerAuth?.principal.name ?? 'owner'}@${ctx.clientAddress(request)}`;
    if (request.body.do === 'reset') {
      for (const { key } of editableFields(purpose)) await ctx.messaging.store.removeText(textLocale, key);
      ctx.log(`messages: ${who} put the ${purpose} texts in ${textLocale} back to the locale file`);
      return seeOther(reply, `${back}&saved=reset`);
    }
    // Line ends as a browser sends them (CRLF) are the text's own line ends.
    const fields = editableFields(purpose).map((field) => ({ field, text: (request.body[field.name] ?? '').replace(/\r\n?/g, '\n').trim() }));
    const draft = Object.fromEntries(fields.map((f) => [f.field.name, f.text]));
    for (const { field, text } of fields) {
      const check = checkEditedText(messageTexts[textLocale][field.key], text, textLocale);
      const label = formatMessage(messageTexts, locale, field.label);
      if (!check.ok) return showTexts(request, reply, 400, purpose, textLocale, draft, { text: textCheckWords(locale, label, check), error: true });
    }
    if (request.body.do === 'preview') return showTexts(request, reply, 200, purpose, textLocale, draft);
    const now = ctx.now();
    for (const { field, text } of fields) {
      // The locale file's text typed again is no edit: it follows the file from now on.
      if (text === messageTexts[textLocale][field.key]) await ctx.messaging.store.removeText(textLocale, field.key);
      else await ctx.messaging.store.saveText(textLocale, field.key, text, who, now);
    }
    ctx.log(`messages: ${who} saved the ${purpose} texts in ${textLocale}`);
    return seeOther(reply, `${back}&saved=yes`);
  });

  // ---- campaigns the owner writes: count and preview, then send to members with consent to offers ----

  app.get('/owner/messages/campaign', { config: ownerPage }, async (request, reply) =>
    sendPage(
      reply,
      200,
      campaignPage({
        locale: pickLocale(request.headers['accept-language']),
        frame: request.ownerFrame,
        campaign: `campaign-${ctx.now().toISOString().slice(0, 10)}`,
        texts: {},
      }),
    ),
  );

  app.post('/owner/messages/campaign', { schema: { body: campaignForm }, config: { guard: 'owner' } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const posted = request.body as Record<string, string | undefined>;
    const campaign = (posted.campaign ?? '').trim();
    const texts: CampaignTexts = {};
    for (const l of LOCALES) {
      const subject = (posted[`subject_${l}`] ?? '').replace(/\r\n?/g, '\n').trim();
      const body = (posted[`body_${l}`] ?? '').replace(/\r\n?/g, '\n').trim();
      if (subject || body) texts[l] = { subject, body };
    }
    const page = (status: number, note?: { text: string; error: boolean }, preview?: Parameters<typeof campaignPage>[0]['preview']) =>
      sendPage(reply, status, campaignPage({ locale, frame: request.ownerFrame, campaign, texts, note, preview }));
    const refuse = (text: string) => page(400, { text, error: true });
    if (!CAMPAIGN_PATTERN.test(campaign)) return refuse(formatMessage(messageTexts, locale, 'owner.campaign.badId'));
    if (Object.keys(texts).length === 0) return refuse(formatMessage(messageTexts, locale, 'owner.campaign.none'));
    for (const [l, text] of Object.entries(texts) as [Locale, { subject: string; body: string }][]) {
      for (const [name, value] of [
        ['owner.texts.subject', text.subject],
        ['owner.texts.body', text.body],
      ] as const) {
        const check = checkOwnText(value, l, ['shop']);
        const field = `${formatMessage(messageTexts, locale, name)} (${l})`;
        if (!check.ok) return refuse(textCheckWords(locale, field, check));
      }
    }
    if (request.body.do === 'send') {
      const counts = await ctx.messaging.queueCampaign(campaign, texts);
      return page(200, { text: formatMessage(messageTexts, locale, 'owner.campaign.sent', { campaign, n: counts.queued }), error: false });
    }
    const shown = await ctx.messaging.campaignTexts(texts, locale);
    return page(200, undefined, {
      counts: await ctx.messaging.previewCampaign(campaign),
      message: previewMessage('campaign', shown.locale, shown.catalog, await sampleFor(shown.locale)),
      language: shown.locale,
    });
  });
};
