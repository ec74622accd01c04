import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Locale } from '../core/i18n/locales';
import { isLocale } from '../core/i18n/locales';
import { formatInstant } from '../core/i18n/dates';
import { withEdits, type TextEdits } from '../core/i18n/message-edit';
import { CONSENT_TEXT_VERSIONS, messageTexts, type MessageTextKey } from '../core/i18n/messages';
import type { LedgerEntry } from '../core/ledger/entry';
import { balanceOf, stampsByCard } from '../core/ledger/projections';
import {
  birthdayOffer,
  birthdaysOn,
  CAP_WINDOW_MS,
  EXPIRY_NOTICE_DAYS,
  parseMessageRules,
  pointsExpiringSoon,
  quietUntil,
  rewardsNewlyReady,
  type MessageRules,
} from '../core/message-rules';
import { localTime } from '../core/program/clock';
import type { Program } from '../core/program/schema';
import { rewardName } from '../core/program/texts';
import type { Mailer } from './mailer';
import { earnedBeforeExpiryAt } from './member-expiry';
import { MailError } from './mailer';
import type { Channel, MessageKind, MessageRow, MessageState, MessageStore } from './message-store';
import { openCardAction, renderMail, renderSms, TEMPLATES, type MailTemplate, type MessageCatalog, type Purpose } from './message-templates';
import { SmsError, type SmsSender } from './sms';
import { capReason, gaveUpReason, noSenderReason, SUPPRESSED } from './message-reasons';
import type { Member } from './store';

/**
 * The hub's messages to members: queueing (with the consent and contact checks that decide whether
 * a message may go at all), one-time codes that prove a contact, unsubscribe tokens, and the worker
 * that sends the outbox. Storage is cloud/message-store.ts; rendering cloud/message-templates.ts.
 */

export type Contact = { phone: string | null; email: string | null };
export type CodePurpose = 'open' | 'join';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_TRIES = 5;
/** Codes per contact per hour, and per requesting address per hour. */
export const CODES_PER_CONTACT_PER_HOUR = 3;
export const CODES_PER_ADDRESS_PER_HOUR = 10;

export interface WorkerOptions {
  /** How often the worker looks for due messages when nothing woke it. */
  pollMs: number;
  /** How long a claimed message is this node's before another may claim it (a node that died). */
  leaseMs: number;
  batchSize: number;
  /** Attempts before a message that keeps failing temporarily is marked failed. */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The daily planner (points expiring): its first run this long after start, then once a day. */
  firstPlanMs: number;
}

export const DEFAULT_WORKER: WorkerOptions = {
  pollMs: 5_000,
  leaseMs: 120_000,
  batchSize: 20,
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  firstPlanMs: 60_000,
};
const DAY_MS = 86_400_000;

export interface MessagingOptions {
  /** Reads a typed phone number or e-mail the way the shop's country writes them (E.164 / lower case); undefined when it is neither. */
  parseContact: (text: string) => Contact | undefined;
  store: MessageStore;
  /** The shop; its name is read at each message, as the owner may rename it (cloud/shop-settings.ts). */
  shop: { no: number; name: () => Promise<string> };
  /** Hex secret of the hub (a setting): codes are hashed and unsubscribe tokens signed with keys derived from it. */
  secret: string;
  mailer: Mailer | undefined;
  /** Text messages (SMSAPI_TOKEN); undefined: messages to a phone are kept as suppressed. */
  sms?: SmsSender | undefined;
  /** The hub's address as phones and mail clients reach it (links in messages). */
  publicUrl: () => string;
  memberByContact: (contact: Contact) => Promise<Member | undefined>;
  member: (id: string) => Promise<Member | undefined>;
  /** The shop's program in force now (time zone for quiet hours, rewards, expiry). */
  program: () => Promise<Program>;
  /**
   * For the planner: the members with a positive balance and points earned at or before `earnedBefore`
   * (HubStore.expiryCandidates), and one member's entries. Never the whole ledger: at 10,000,000
   * entries that ran the hub out of memory (docs/benchmarks.md).
   */
  expiryCandidates: (earnedBefore: Date) => Promise<string[]>;
  memberEntries: (memberId: string) => Promise<LedgerEntry[]>;
  now: () => Date;
  log: (line: string) => void;
  worker?: Partial<WorkerOptions>;
}

/** A campaign's subject and text per language the owner wrote it in (at least one). */
export type CampaignTexts = Partial<Record<Locale, { subject: string; body: string }>>;

/** Why a message to a member would not go, in words (stored as the suppressed message's reason), or null when it would. */
export type Hold = string | null;

/** What the owner sees before a campaign goes: how many get it, how many not and why, and the text. */
export interface CampaignPreview {
  members: number;
  willSend: number;
  already: number;
  noConsent: number;
  noContact: number;
  capped: number;
  /** The languages of the members who get it (the owner sees a preview in each, the owner's own first). */
  locales: Locale[];
}

export type IssueResult = { ok: true; codeId: string; message: MessageState | 'none' } | { ok: false; reason: 'invalid-contact' | 'too-many' };
export type VerifyResult = { ok: true; contact: Contact } | { ok: false; reason: 'invalid-contact' | 'wrong' | 'dead' | 'none' };

/** Where a code stands in a message body until the worker sends it: the code itself is kept encrypted, never in clear. */
const CODE_SLOT = '[[code]]';

export class Messaging {
  private readonly codeKey: Buffer;
  private readonly tokenKey: Buffer;
  private readonly sealKey: Buffer;
  private readonly worker: WorkerOptions;
  private readonly node = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private planTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private paused = false;

  constructor(private readonly o: MessagingOptions) {
    const derive = (label: string): Buffer => createHmac('sha256', Buffer.from(o.secret, 'hex')).update(label).digest();
    this.codeKey = derive('contact-code');
    this.tokenKey = derive('unsubscribe');
    this.sealKey = derive('message-secret');
    this.worker = { ...DEFAULT_WORKER, ...o.worker };
  }

  get store(): MessageStore {
    return this.o.store;
  }

  /** The address the hub's links in messages start with (the win-back preview shows one). */
  publicUrl(): string {
    return this.o.publicUrl();
  }

  // ---- queueing --------------------------------------------------------------------------------

  /**
   * Queues a message from a template to a member (or, for a code proving a new contact, to the bare
   * contact). Decides here whether it may go: no contact for the channel, no marketing consent, no
   * sender configured → stored as suppressed with the reason. Queueing an id again changes nothing.
   */
  async queue(input: {
    id: string;
    purpose: Purpose;
    member: Member | null;
    to?: Contact;
    locale?: Locale;
    values?: Record<string, string | number>;
    action?: MailTemplate['action'];
    secret?: string;
    /** The texts to write it from; default the locale files with the owner's edits (texts()). */
    catalog?: MessageCatalog;
  }): Promise<MessageState> {
    const now = this.o.now();
    const catalog = input.catalog ?? (await this.texts());
    const base = TEMPLATES[input.purpose];
    const template: MailTemplate = { ...base, ...(input.action ? { action: input.action } : {}) };
    const kind: MessageKind = template.marketing ? 'marketing' : 'service';
    const prefs = input.member ? await this.o.store.preferences(input.member.id) : { locale: null, marketing: false };
    const locale: Locale = input.locale ?? (isLocale(prefs.locale) ? prefs.locale : 'en');
    const to = input.to ?? (input.member ? { phone: input.member.phone, email: input.member.email } : { phone: null, email: null });
    const channel: Channel = to.email ? 'email' : to.phone ? 'sms' : 'email';
    const recipient = channel === 'email' ? to.email : to.phone;
    const unsubscribe = kind === 'marketing' && input.member ? this.unsubscribeUrl(input.member.id) : null;
    const values = { shop: await this.o.shop.name(), ...input.values };
    const mail = renderMail(template, locale, values, input.member?.name ?? null, unsubscribe, catalog);
    const rendered = channel === 'email' ? mail : { subject: mail.subject, text: renderSms(template, locale, values, unsubscribe, catalog), html: '' };
    const rules = kind === 'marketing' ? await this.rules() : null;
    let reason: string | null = null;
    if (!recipient) reason = SUPPRESSED.noContact;
    else if (kind === 'marketing' && !prefs.marketing) reason = SUPPRESSED.noConsent;
    else if (rules && input.member && (await this.capReached(input.member.id, rules, now))) reason = capReason(rules.weeklyCap);
    else if (channel === 'email' && !this.o.mailer) reason = SUPPRESSED.noEmail;
    else if (channel === 'sms' && !this.o.sms) reason = SUPPRESSED.noSms;
    // Marketing asked for in quiet hours waits for the morning; service messages never wait.
    const notBefore = rules ? quietUntil(now, (await this.o.program()).timeZone, rules.quiet) : null;
    const state = await this.o.store.enqueue(
      {
        id: input.id,
        shopNo: this.o.shop.no,
        memberId: input.member?.id ?? null,
        purpose: input.purpose,
        kind,
        channel,
        recipient,
        locale,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        secret: input.secret === undefined ? null : this.seal(input.secret),
        state: reason ? 'suppressed' : 'queued',
        reason,
        ...(notBefore ? { notBefore } : {}),
      },
      now,
    );
    if (state === 'queued') this.kick();
    return state;
  }

  // ---- the owner's texts ------------------------------------------------------------------------

  /** The owner's edits, by language and key (rows for a key or language the catalog no longer has are left out). */
  async textEdits(): Promise<TextEdits<MessageTextKey>> {
    const edits: TextEdits<MessageTextKey> = {};
    for (const row of await this.o.store.editedTexts()) {
      if (!isLocale(row.locale) || !(row.key in messageTexts.en)) continue;
      (edits[row.locale] ??= {})[row.key as MessageTextKey] = row.text;
    }
    return edits;
  }

  /** The texts messages are written from now: the locale files with the owner's edits laid over. Read per message, so every node sends the latest. */
  async texts(): Promise<MessageCatalog> {
    return withEdits(messageTexts, await this.textEdits());
  }

  // ---- the owner's rules: quiet hours and the weekly cap ---------------------------------------

  async rules(): Promise<MessageRules> {
    return parseMessageRules(await this.o.store.rulesJson());
  }

  async saveRules(rules: MessageRules): Promise<void> {
    await this.o.store.saveRulesJson(JSON.stringify(rules));
    this.o.log(
      `messages: rules changed: quiet hours ${rules.quiet ? `${rules.quiet.from}-${rules.quiet.to}` : 'none'}, at most ${rules.weeklyCap} offers per member per 7 days`,
    );
  }

  private async capReached(memberId: string, rules: MessageRules, now: Date): Promise<boolean> {
    return (await this.o.store.marketingSince(memberId, new Date(now.getTime() - CAP_WINDOW_MS))) >= rules.weeklyCap;
  }

  // ---- consent per purpose ---------------------------------------------------------------------

  /**
   * A member joined: the programme consent (service messages) is logged with its text's version and
   * language; then the welcome, unless it waits for the code that proves the contact (`welcome: false`;
   * cloud/join-verification.ts: the welcome goes once the code is entered).
   */
  async memberJoined(member: Member, locale: Locale, options: { welcome: boolean } = { welcome: true }): Promise<MessageState | 'none'> {
    await this.o.store.logConsent(member.id, 'service', true, { via: 'join', version: CONSENT_TEXT_VERSIONS.service, locale }, this.o.now());
    if (!options.welcome) {
      await this.o.store.setLocale(member.id, locale);
      return 'none';
    }
    return this.queueWelcome(member, locale);
  }

  /** Offers (marketing) switched on or off by the member on their card, logged with the text they saw. */
  async setOffers(memberId: string, on: boolean, locale: Locale): Promise<void> {
    const record = { via: 'card', version: CONSENT_TEXT_VERSIONS.marketing, locale };
    if (on) await this.o.store.grantMarketing(memberId, this.o.now(), record);
    else await this.o.store.withdrawMarketing(memberId, this.o.now(), record);
    this.o.log(`member ${memberId} ${on ? 'agreed to' : 'withdrew from'} marketing messages on the card`);
  }

  // ---- the messages: reward ready, win-back, points expiring -----------------------------------

  /**
   * After a claim: "your reward is ready" when the claim made a reward affordable that was not before
   * (one message per claim, for the first such reward; a claim replayed is the same message id).
   */
  async afterClaim(member: Member, claim: { saleKey: string; entries: readonly LedgerEntry[] }, memberEntries: readonly LedgerEntry[]): Promise<void> {
    const program = await this.o.program();
    const claimIds = new Set(claim.entries.map((e) => e.id));
    const own = memberEntries.filter((e) => e.memberId === member.id);
    const before = own.filter((e) => !claimIds.has(e.id));
    const balance = (entries: readonly LedgerEntry[]) => ({ points: balanceOf(entries), stampsByCard: stampsByCard(entries) });
    const ready = rewardsNewlyReady(program, balance(before), balance(own))[0];
    if (!ready) return;
    // The reward's name in the language the message goes in (as queue picks it), else the program's.
    const prefs = await this.o.store.preferences(member.id);
    const locale: Locale = isLocale(prefs.locale) ? prefs.locale : 'en';
    await this.queue({
      id: `rewardReady:${member.id}:${claim.saleKey}`,
      purpose: 'rewardReady',
      member,
      locale,
      values: { reward: rewardName(ready, locale) },
      action: openCardAction(this.o.publicUrl()),
    });
  }

  private winBackId(campaign: string, memberId: string): string {
    return `winBack:${campaign}:${memberId}`;
  }

  /** What a win-back campaign to these members would do, message by message, without queueing anything. */
  async previewWinBack(campaign: string, memberIds: readonly string[]): Promise<CampaignPreview> {
    return this.previewAudience((id) => this.winBackId(campaign, id), memberIds);
  }

  private async previewAudience(idOf: (memberId: string) => string, memberIds: readonly string[]): Promise<CampaignPreview> {
    const now = this.o.now();
    const rules = await this.rules();
    const preview: CampaignPreview = { members: memberIds.length, willSend: 0, already: 0, noConsent: 0, noContact: 0, capped: 0, locales: [] };
    const locales = new Set<Locale>();
    for (const id of memberIds) {
      const member = await this.o.member(id);
      const prefs = await this.o.store.preferences(id);
      if (await this.o.store.message(idOf(id))) preview.already++;
      else if (!member || !(member.email ?? member.phone)) preview.noContact++;
      else if (!prefs.marketing) preview.noConsent++;
      else if (await this.capReached(id, rules, now)) preview.capped++;
      else if (member.email ? !this.o.mailer : !this.o.sms) preview.noContact++;
      else {
        preview.willSend++;
        locales.add(isLocale(prefs.locale) ? prefs.locale : 'en');
      }
    }
    preview.locales = [...locales].sort();
    return preview;
  }

  /** Queues the win-back message to each member (one per member per campaign: a second run queues nothing new). */
  async queueWinBack(campaign: string, memberIds: readonly string[], points: number): Promise<Record<MessageState, number>> {
    const counts: Record<MessageState, number> = { queued: 0, sent: 0, failed: 0, suppressed: 0 };
    for (const id of memberIds) {
      const member = await this.o.member(id);
      if (!member) continue;
      counts[await this.queue({ id: this.winBackId(campaign, id), purpose: 'winBack', member, values: { points } })]++;
    }
    this.o.log(`messages: win-back ${campaign}: ${counts.queued} queued, ${counts.suppressed} suppressed, ${counts.sent} already sent`);
    return counts;
  }

  // ---- campaigns the owner writes ----------------------------------------------------------------

  /** The owner's campaign texts laid over the catalog: a language not written takes the first one written (`fallback`). */
  private campaignCatalog(base: MessageCatalog, texts: CampaignTexts): { catalog: MessageCatalog; written: Set<Locale>; fallback: Locale } {
    const written = new Set((Object.keys(texts) as Locale[]).filter((l) => texts[l]));
    const fallback = [...written][0]!;
    const edits: TextEdits<MessageTextKey> = {};
    for (const l of written) edits[l] = { 'mail.campaign.subject': texts[l]!.subject, 'mail.campaign.body': texts[l]!.body };
    return { catalog: withEdits(base, edits), written, fallback };
  }

  /**
   * A campaign to every member with consent to offers now: how many members in all, how many get it and
   * why the others not (already in this campaign, weekly cap, no reachable contact).
   */
  async previewCampaign(campaign: string): Promise<CampaignPreview & { total: number }> {
    const audience = await this.o.store.campaignAudience(this.o.shop.no);
    const preview = await this.previewAudience((id) => `campaign:${campaign}:${id}`, audience.consenting);
    return { ...preview, total: audience.members, noConsent: audience.members - audience.consenting.length };
  }

  /**
   * Queues the campaign (id `campaign:<campaign>:<memberId>`: a second send queues nothing new) to the
   * members with consent to offers, each in their language when the owner wrote it, else in the first
   * language written. Members without consent get no row at all.
   */
  async queueCampaign(campaign: string, texts: CampaignTexts): Promise<Record<MessageState, number>> {
    const { catalog, written, fallback } = this.campaignCatalog(await this.texts(), texts);
    const counts: Record<MessageState, number> = { queued: 0, sent: 0, failed: 0, suppressed: 0 };
    for (const id of (await this.o.store.campaignAudience(this.o.shop.no)).consenting) {
      const member = await this.o.member(id);
      if (!member) continue;
      const prefs = await this.o.store.preferences(id);
      const locale = isLocale(prefs.locale) && written.has(prefs.locale) ? prefs.locale : fallback;
      counts[await this.queue({ id: `campaign:${campaign}:${id}`, purpose: 'campaign', member, locale, catalog })]++;
    }
    this.o.log(`messages: campaign ${campaign}: ${counts.queued} queued, ${counts.suppressed} suppressed, ${counts.sent} already sent`);
    return counts;
  }

  /** The campaign as a member in `locale` would get it (the preview): its catalog and the language it goes in. */
  async campaignTexts(texts: CampaignTexts, locale: Locale): Promise<{ catalog: MessageCatalog; locale: Locale }> {
    const { catalog, written, fallback } = this.campaignCatalog(await this.texts(), texts);
    return { catalog, locale: written.has(locale) ? locale : fallback };
  }

  /**
   * The daily planner: one reminder per member per expiry date for points that expire within the next
   * 14 days. The hub calls it once a day with its clock; calling it again the same day changes nothing.
   */
  async planDaily(now: Date): Promise<number> {
    const program = await this.o.program();
    // Only members with points old enough to expire within the notice's days, each member's entries read alone.
    const earnedBefore = earnedBeforeExpiryAt(program, new Date(now.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS));
    if (earnedBefore === null) return 0;
    let queued = 0;
    for (const memberId of await this.o.expiryCandidates(earnedBefore)) {
      const soon = pointsExpiringSoon(program, memberId, await this.o.memberEntries(memberId), now);
      if (!soon) continue;
      const id = `pointsExpiring:${memberId}:${soon.date}`;
      if (await this.o.store.message(id)) continue;
      const member = await this.o.member(memberId);
      if (!member) continue;
      const prefs = await this.o.store.preferences(memberId);
      const locale: Locale = isLocale(prefs.locale) ? prefs.locale : 'en';
      // soon.date is already the shop's calendar day: noon UTC of it shows that day in any zone's reading.
      const date = formatInstant(`${soon.date}T12:00:00Z`, locale, 'UTC', 'longDate');
      const state = await this.queue({
        id,
        purpose: 'pointsExpiring',
        member,
        locale,
        values: { points: soon.points, date },
        action: openCardAction(this.o.publicUrl()),
      });
      if (state === 'queued') queued++;
    }
    // New reminders queued now (a second run the same day finds them all there).
    return queued;
  }

  /**
   * The birthday messages of the shop's local day at `now`: one per member whose birthday it is
   * (29 February on 28 February in other years), id `birthday:<member>:<year>`, so a second run the
   * same day (or year) sends nothing new. A marketing message: queue() suppresses it without consent
   * to offers or over the weekly cap, and holds it until quiet hours end. Returns how many were queued.
   */
  async planBirthdays(now: Date): Promise<number> {
    const program = await this.o.program();
    const today = localTime(now, program.timeZone).date;
    const offer = birthdayOffer(program);
    let queued = 0;
    for (const memberId of await this.o.store.birthdayMembers(this.o.shop.no, birthdaysOn(today))) {
      const id = `birthday:${memberId}:${today.slice(0, 4)}`;
      if (await this.o.store.message(id)) continue;
      const member = await this.o.member(memberId);
      if (!member) continue;
      const state = await this.queue({
        id,
        purpose: 'birthday',
        member,
        values: { window: offer.window, points: offer.points },
        action: openCardAction(this.o.publicUrl()),
      });
      if (state === 'queued') queued++;
    }
    return queued;
  }

  /** The welcome message after a join (a service message: it confirms the membership the member just agreed to, and offers nothing). */
  async queueWelcome(member: Member, locale: Locale): Promise<MessageState | 'none'> {
    await this.o.store.setLocale(member.id, locale);
    // Welcome is an e-mail: a member who joined with a phone number only gets no welcome text message.
    if (!member.email) return 'none';
    return this.queue({
      id: `welcome:${member.id}`,
      purpose: 'welcome',
      member,
      locale,
      action: openCardAction(this.o.publicUrl()),
    });
  }

  // ---- one-time codes --------------------------------------------------------------------------

  /**
   * Issues a six-digit code for a contact (a typed phone or e-mail, normalised): stored only as an
   * HMAC, valid 10 minutes, five tries. Limited per contact and per requesting address (counted in
   * the store, so on every node), the same whether or not the contact is a member's. For 'open' the
   * code is sent only to a member's contact; for 'join' (proving a new contact) to the contact itself.
   */
  /** Whether a message to this contact can leave the hub: a sender is configured for its channel (e-mail when it has one, else SMS, as queue picks). */
  canDeliver(to: { phone: string | null; email: string | null }): boolean {
    return to.email ? this.o.mailer !== undefined : to.phone ? this.o.sms !== undefined : false;
  }

  async issueContactCode(contactText: string | Contact, purpose: CodePurpose, context: { requestedBy: string; locale: Locale }): Promise<IssueResult> {
    const contact = typeof contactText === 'string' ? this.o.parseContact(contactText) : contactText;
    const key = contact && (contact.email ?? contact.phone);
    if (!contact || !key) return { ok: false, reason: 'invalid-contact' };
    const now = this.o.now();
    const counts = await this.o.store.codesSince(this.o.shop.no, key, context.requestedBy, new Date(now.getTime() - 3_600_000));
    if (counts.contact >= CODES_PER_CONTACT_PER_HOUR || counts.requester >= CODES_PER_ADDRESS_PER_HOUR) return { ok: false, reason: 'too-many' };
    const codeId = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.o.store.insertCode({
      id: codeId,
      shopNo: this.o.shop.no,
      contact: key,
      purpose,
      codeHash: this.codeHash(codeId, code),
      requestedBy: context.requestedBy,
      now,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
    });
    const member = await this.o.memberByContact(contact);
    if (!member && purpose === 'open') return { ok: true, codeId, message: 'none' };
    // In the language of the page that asked for it: the person is reading that page right now.
    const message = await this.queue({
      id: `code:${codeId}`,
      purpose: 'code',
      member: member ?? null,
      to: contact,
      locale: context.locale,
      values: { code: CODE_SLOT },
      secret: code,
    });
    return { ok: true, codeId, message };
  }

  /** Checks a code typed for a contact: the newest live code, one try counted per check; five wrong tries kill it. */
  async verifyContactCode(contactText: string | Contact, purpose: CodePurpose, code: string): Promise<VerifyResult> {
    const contact = typeof contactText === 'string' ? this.o.parseContact(contactText) : contactText;
    const key = contact && (contact.email ?? contact.phone);
    if (!contact || !key) return { ok: false, reason: 'invalid-contact' };
    const now = this.o.now();
    const live = await this.o.store.liveCode(this.o.shop.no, key, purpose, now);
    if (!live) return { ok: false, reason: 'none' };
    if (!(await this.o.store.takeTry(live.id, CODE_MAX_TRIES))) return { ok: false, reason: 'dead' };
    const typed = code.replace(/\s/g, '');
    const expected = Buffer.from(live.codeHash, 'hex');
    const given = Buffer.from(this.codeHash(live.id, typed), 'hex');
    if (!/^\d{6}$/.test(typed) || !timingSafeEqual(expected, given)) return { ok: false, reason: 'wrong' };
    return (await this.o.store.useCode(live.id, now)) ? { ok: true, contact } : { ok: false, reason: 'none' };
  }

  private codeHash(codeId: string, code: string): string {
    return createHmac('sha256', this.codeKey).update(`${codeId}:${code}`).digest('hex');
  }

  // ---- unsubscribe -----------------------------------------------------------------------------

  unsubscribeToken(memberId: string): string {
    const id = Buffer.from(memberId, 'utf8').toString('base64url');
    return `${id}.${createHmac('sha256', this.tokenKey).update(memberId).digest().subarray(0, 16).toString('base64url')}`;
  }

  unsubscribeUrl(memberId: string): string {
    return `${this.o.publicUrl()}/u/${this.unsubscribeToken(memberId)}`;
  }

  /** The member a token was signed for, or undefined for a forged or mangled token. */
  memberOfToken(token: string): string | undefined {
    const [id, mac, extra] = token.split('.');
    if (!id || !mac || extra !== undefined || token.length > 300) return undefined;
    const memberId = Buffer.from(id, 'base64url').toString('utf8');
    const expected = Buffer.from(this.unsubscribeToken(memberId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given) ? memberId : undefined;
  }

  /** Withdraws marketing consent for the token's member; undefined for a bad token. */
  async unsubscribe(token: string): Promise<{ memberId: string; wasSubscribed: boolean } | undefined> {
    const memberId = this.memberOfToken(token);
    if (!memberId || !(await this.o.member(memberId))) return undefined;
    const wasSubscribed = await this.o.store.withdrawMarketing(memberId, this.o.now());
    this.o.log(`member ${memberId} unsubscribed from marketing messages`);
    return { memberId, wasSubscribed };
  }

  // ---- secrets in messages ---------------------------------------------------------------------

  private seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', createHash('sha256').update(this.sealKey).digest(), iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  private unseal(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', createHash('sha256').update(this.sealKey).digest(), iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  }

  // ---- the worker ------------------------------------------------------------------------------

  start(): void {
    this.stopped = false;
    this.schedule(0);
    const plan = (delayMs: number): void => {
      this.planTimer = setTimeout(() => {
        void this.planDaily(this.o.now())
          .then((n) => n > 0 && this.o.log(`messages: ${n} points-expiring reminder${n === 1 ? '' : 's'} queued`))
          .catch((error: unknown) => this.o.log(`messages: daily planner failed (${error instanceof Error ? error.message : String(error)}); again tomorrow`))
          .finally(() => {
            if (!this.stopped) plan(DAY_MS);
          });
      }, delayMs);
      this.planTimer.unref();
    };
    plan(this.worker.firstPlanMs);
  }

  /** Stops the worker: the message being sent is finished and marked, claimed ones not yet tried are given back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.planTimer);
    await this.draining;
  }

  /** Something was queued: send soon rather than at the next poll. */
  kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Sends what is due now, until nothing is (tests and benches wait for this instead of the poll). */
  async drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      await this.draining;
      return;
    }
    this.draining = this.sendDue().finally(() => {
      this.draining = undefined;
    });
    await this.draining;
    if (this.again && !this.stopped) {
      this.again = false;
      await this.drain();
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.drain().finally(() => {
        if (!this.stopped) this.schedule(this.worker.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async sendDue(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const now = this.o.now();
        const claimed = await this.o.store.claimDue(this.node, now, new Date(now.getTime() + this.worker.leaseMs), this.worker.batchSize);
        if (claimed.length === 0) break;
        const hold = claimed.some((r) => r.kind === 'marketing') ? quietUntil(now, (await this.o.program()).timeZone, (await this.rules()).quiet) : null;
        for (const [i, row] of claimed.entries()) {
          if (this.stopped) {
            for (const rest of claimed.slice(i)) await this.o.store.release(rest.id, this.node);
            return;
          }
          // Quiet hours began after it was queued (or changed): marketing waits for the window to open.
          if (hold && row.kind === 'marketing') await this.o.store.defer(row.id, this.node, hold);
          else await this.sendOne(row);
        }
      }
      if (this.paused) this.o.log('messages: outbox worker sending again');
      this.paused = false;
    } catch (error) {
      // The database went away: claimed messages come back when their lease runs out. Said once per outage.
      if (!this.paused) this.o.log(`messages: outbox worker paused (${error instanceof Error ? error.message : String(error)}); retrying every poll`);
      this.paused = true;
    }
  }

  private async sendOne(row: MessageRow): Promise<void> {
    const { mailer, sms } = this.o;
    const recipient = row.recipient;
    if (!recipient || (row.channel === 'email' ? !mailer : row.channel === 'sms' ? !sms : true)) {
      await this.o.store.markFailed(row.id, this.node, noSenderReason(row.channel), this.o.now());
      return;
    }
    const secret = row.secret ? this.unseal(row.secret) : undefined;
    const fill = (text: string): string => (secret === undefined ? text : text.replaceAll(CODE_SLOT, secret));
    try {
      if (row.channel === 'sms') await sms!.send(recipient, fill(row.body_text));
      else {
        const headers: Record<string, string> = { 'X-Loyalty-Message': row.id };
        if (row.kind === 'marketing' && row.member_id) {
          headers['List-Unsubscribe'] = `<${this.unsubscribeUrl(row.member_id)}>`;
          headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
        }
        const host = new URL(this.o.publicUrl()).hostname;
        await mailer!.send({
          to: recipient,
          subject: fill(row.subject),
          text: fill(row.body_text),
          html: fill(row.body_html),
          locale: row.locale,
          messageId: `<${createHash('sha256').update(row.id).digest('hex').slice(0, 32)}@${host}>`,
          headers,
        });
      }
    } catch (error) {
      const words = error instanceof Error ? error.message : String(error);
      const permanent = (error instanceof MailError || error instanceof SmsError) && error.permanent;
      if (permanent || row.attempts >= this.worker.maxAttempts) {
        await this.o.store.markFailed(row.id, this.node, permanent ? words : gaveUpReason(row.attempts, words), this.o.now());
        this.o.log(`message ${row.id} failed: ${words}`);
        return;
      }
      const delay = Math.min(this.worker.maxDelayMs, this.worker.baseDelayMs * 2 ** (row.attempts - 1));
      await this.o.store.retryLater(row.id, this.node, words, new Date(this.o.now().getTime() + delay));
      this.o.log(`message ${row.id} not sent (attempt ${row.attempts}), again in ${Math.round(delay / 1000)} s: ${words}`);
      return;
    }
    await this.o.store.markSent(row.id, this.node, this.o.now());
  }
}
