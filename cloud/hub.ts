import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Server, type Socket } from 'socket.io';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import type { Locale } from '../core/i18n/locales';
import type { LedgerEntry } from '../core/ledger/entry';
import { localTime } from '../core/program/clock';
import { serializeProgram, type Program } from '../core/program/schema';
import { liveVersions, programInEffect } from '../core/program/versions';
import type { VersionRow } from './program-pages';
import {
  AUTH_WINDOW_MS,
  MAX_PACKET_BYTES,
  bytesToHex,
  claimSaleSchema,
  hexToBytes,
  kioskAuthProof,
  kioskAuthSchema,
  memberChangesSinceSchema,
  redeemVoucherSchema,
  syncOutboxSchema,
  type ClaimAccepted,
  type RedeemVoucherResult,
  type VoucherRedemption,
  type VoucherRefusalCode,
  type ClaimRefusalCode,
  type ClaimResult,
  type HubToKioskEvents,
  type KioskToHubEvents,
} from '../core/sync-protocol';
import { REFUSAL_LOG, claimSaleKey, peekClaimToken, verifyClaimToken, verifyVoucher, voucherKeyPair, type ClaimTokenData } from '../core/tokens';
import { contactOrUndefined, regionForLocale } from '../core/contact';
import { earnCeilingOf } from '../core/earn-ceiling';
import { HUB_CHUNKING, type Chunking } from './owner-member-periods';
import { OwnerStore } from './owner-store';
import { memberChangesSince } from './member-changes';
import { HubStore, isDatabaseUnavailable, type ClaimOutcome, type Kiosk, type Member, type OutboxApplied, type StoredProgramVersion } from './store';
import { KIOSK_FLAG_RULE } from './outbox-check';
import { LoyaltyError } from '../core/ledger/errors';
import { MoneyError } from '../core/money';
import { connectCluster, type HubPeerEvents } from './cluster';
import { KioskThrottle, type ThrottleLimits } from './throttle';
import type { Clock } from '../core/clock';
import { defaultFrom, smtpMailer } from './mailer';
import { dailyInShopTime, expireDuePoints, type ExpiryRun } from './member-expiry';
import { sessionMember } from './member-session';
import { MessageStore } from './message-store';
import { JoinVerifications } from './join-verification';
import { Referrals } from './referrals';
import { Messaging, type WorkerOptions } from './messaging';
import { smsSenderFromSettings } from './sms';
import { DATABASE_UNAVAILABLE, buildHubApp } from './routes/app';
import type { HubHttpContext, ProgramPublication } from './routes/context';
import { OWNER_ACCOUNT_KEY } from './routes/accounts';
import { FailureCounters, HubSessions, LOOPBACK_PROXIES, bearerOf, clientAddress as addressOf, type OwnerAuth } from './routes/guards';
import { MemberSessions } from './member-sessions';
import { OwnerAccounts, type OwnerPrincipal } from './owner-accounts';
import { KioskNonces } from './kiosk-handshake';
import { ShopSettingsStore, type StoredSettings } from './shop-settings';
import type { ShopSettings } from '../core/shop-settings';
import { GOOGLE_WALLET_API, Wallet, type WalletConfig } from './wallet';

/**
 * The hub: one HTTP server on one port carrying the phone pages, the owner and pairing routes and
 * Socket.IO for kiosks. State lives in the store (embedded SQLite, or PostgreSQL with databaseUrl);
 * nothing is kept only in memory except rate-limit counters and in-flight deliveries. While the
 * database is unreachable the hub refuses new work with 503 / a failed ack and recovers by itself.
 */

export interface HubOptions {
  dataDir: string;
  /** postgres://… : the store on PostgreSQL (several hub processes may share it); unset: SQLite in dataDir. */
  databaseUrl?: string | undefined;
  port?: number;
  host?: string;
  shopName?: string;
  privacyText?: string;
  /** Owner bearer token for /owner routes; generated and kept in the store when unset. */
  ownerToken?: string;
  /** The hub's clock (core/clock.ts): `systemClock` from cloud/start.ts, a test's own clock in tests. */
  now: Clock;
  log?: (line: string) => void;
  /** Failed claims per address per minute before it is told to wait. */
  maxFailuresPerMinute?: number;
  /** Several hub nodes: their shared Redis (REDIS_URL). Unset: one node, no Redis. */
  redisUrl?: string;
  /** Prefix of this hub's Redis stream, channels and keys (nodes of one hub share it). */
  redisPrefix?: string;
  /** Per-kiosk limit on syncOutbox/claimSale commands (cloud/throttle.ts). */
  kioskLimits?: ThrottleLimits;
  /** With Redis: how often each node re-sends queued deliveries to its kiosks (a lost cross-node notice). */
  deliverySweepMs?: number;
  /**
   * Addresses of the reverse proxies (HUB_TRUSTED_PROXIES) whose `X-Real-IP` header names the phone; from
   * any other peer the header is ignored. `trustProxy: true` (HUB_TRUST_PROXY=1) means the loopback proxies.
   */
  trustedProxies?: readonly string[];
  /** Kept for HUB_TRUST_PROXY=1: the same as trustedProxies 127.0.0.1 and ::1. */
  trustProxy?: boolean;
  /** smtp://user:pass@host:port (SMTP_URL): the hub's e-mail. Unset: no e-mail is sent (messages are kept as suppressed). */
  smtpUrl?: string | undefined;
  /** The sender address (SMTP_FROM); default no-reply@<host of publicUrl>. */
  smtpFrom?: string | undefined;
  /** The hub's address as phones and mail clients reach it (HUB_PUBLIC_URL), for links in messages; default the address it listens on. */
  publicUrl?: string | undefined;
  /** SMSAPI bearer token (SMSAPI_TOKEN): text messages to members who gave a phone. Unset: none (kept as suppressed). */
  smsapiToken?: string | undefined;
  /** The SMS sender name registered at SMSAPI (SMSAPI_FROM); unset: the account's default. */
  smsapiFrom?: string | undefined;
  /** SMSAPI's endpoint (tests point it at a local stand-in); default https://api.smsapi.pl/sms.do. */
  smsapiUrl?: string | undefined;
  /** Which SMS provider (SMS_PROVIDER: smsapi or twilio); unset: the one whose credentials are given (cloud/sms.ts smsSenderFromSettings). */
  smsProvider?: string | undefined;
  /** Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: a number, an alphanumeric sender ID or a Messaging Service MG… id). */
  twilioAccountSid?: string | undefined;
  twilioAuthToken?: string | undefined;
  twilioFrom?: string | undefined;
  /** Twilio's API base (tests point it at a local stand-in); default https://api.twilio.com. */
  twilioUrl?: string | undefined;
  /** The message outbox worker's timing (cloud/messaging.ts DEFAULT_WORKER). */
  messageWorker?: Partial<WorkerOptions>;
  /** Apple and Google Wallet (WALLET_* variables, cloud/wallet.ts walletConfigFromEnv); unset: no wallet buttons. */
  wallet?: WalletConfig;
  /** A store query returning more rows than this is logged (cloud/store/result-watch.ts; default 100,000); tests lower it. */
  largeResultRows?: number;
}

export interface Hub {
  url: string;
  port: number;
  store: HubStore;
  /** The owner's side of the store: dashboard sums, locations, win-back, adjustments, export and erasure. */
  owner: OwnerStore;
  /** Messages to members: the outbox and its worker, one-time codes, unsubscribe. */
  messaging: Messaging;
  /** The card in Apple / Google Wallet: passes, registrations, balance updates (cloud/wallet.ts). */
  wallet: Wallet;
  ownerToken: string;
  /** Owner and manager accounts, their sessions, invitations and API keys (cloud/owner-accounts.ts). */
  accounts: OwnerAccounts;
  /** Members' sessions (cloud/member-sessions.ts). */
  memberSessions: MemberSessions;
  /** The one-time set-up link printed at this start (no owner account yet), else undefined. */
  setupLink: string | undefined;
  hubPublicKey: string;
  io: Server<KioskToHubEvents, HubToKioskEvents, HubPeerEvents, { kiosk: Kiosk }>;
  newPairingCode(): Promise<string>;
  /** Writes off the points past the program's expiry now (the daily job runs this; tests call it). */
  expirePoints(): Promise<ExpiryRun>;
  /**
   * Makes the overview's default period of the shop's current day ready unless done already on this
   * node (the hub runs it at start, every 10 minutes and after a settings save; tests call it).
   */
  prepareOverview(): Promise<void>;
  /** true while the database answers (GET /health says the same). */
  databaseUp(): Promise<boolean>;
  connectedKiosks(): number;
  close(): Promise<void>;
}

/** Why a configured owner token is too weak to guard the back office, or undefined when it will do. */
export function ownerTokenWeakness(token: string): string | undefined {
  if (token.length < 32) return `it has ${token.length} characters; at least 32 are needed`;
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  // Shannon entropy per character, measured on the token itself: a random hex token shows 3–4 bits,
  // "aaaa…" or "abababab…" 0–1. The bar sits well below what a random 32-character hex token can
  // show (1 in 6,000 of them measured under the old bar of 96 bits in all and was refused).
  let bits = 0;
  for (const n of counts.values()) bits -= (n / token.length) * Math.log2(n / token.length);
  if (counts.size < 8 || bits < 2.5) return 'it repeats too few characters to be guessed hard (use a random token)';
  return undefined;
}

/** Chart.js's UMD build, served to the owner's dashboard from this hub (no CDN). */
const CHART_JS = readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');

type KioskSocket = Socket<KioskToHubEvents, HubToKioskEvents, HubPeerEvents, { kiosk: Kiosk }>;

export async function startHub(options: HubOptions): Promise<Hub> {
  const now = options.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const store = await HubStore.open({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, log, largeResultRows: options.largeResultRows });
  try {
    return await serve(store, options, now, log);
  } catch (error) {
    await store.close();
    throw error;
  }
}

export { DATABASE_UNAVAILABLE };

async function serve(store: HubStore, options: HubOptions, now: Clock, log: (line: string) => void): Promise<Hub> {
  // Throttles, failure windows and outage timing read the hub's clock too, so a test can move it.
  const nowMs = (): number => now().getTime();
  const shop = await store.ensureShop(
    options.shopName ?? 'My shop',
    // The catalog's sentence, which the phone pages show translated (cloud/pages.ts privacySentence).
    options.privacyText ?? claimMessages.en.privacy,
  );
  const cookieSecret = await store.setting('cookieSecret', () => bytesToHex(randomBytes(32)));
  const voucherSeed = hexToBytes(await store.setting('voucherSeed', () => bytesToHex(randomBytes(32))));
  const voucherKeys = voucherKeyPair(voucherSeed);
  const hubPublicKey = bytesToHex(voucherKeys.publicKey);
  if (options.ownerToken !== undefined) {
    const weakness = ownerTokenWeakness(options.ownerToken);
    if (weakness) throw new Error(`HUB_OWNER_TOKEN refused: ${weakness}. Leave it unset to have the hub generate one, or use e.g. \`openssl rand -hex 24\``);
  }
  const ownerToken = options.ownerToken ?? (await store.setting('ownerToken', () => bytesToHex(randomBytes(16))));
  // Owner sessions have their own key: a value signed for a member (or anything else) is never an owner session.
  const ownerCookieSecret = await store.setting('ownerCookieSecret', () => bytesToHex(randomBytes(32)));
  const trustedProxies = new Set([...(options.trustedProxies ?? []), ...(options.trustProxy ? LOOPBACK_PROXIES : [])]);
  const failures = new FailureCounters(options.maxFailuresPerMinute ?? 10, nowMs);
  // Sessions on the server (migration 0010): members' under the member key, owners' under the owner key.
  const memberSessions = new MemberSessions(store.db, cookieSecret);
  const accounts = new OwnerAccounts(store.db, ownerCookieSecret);
  const kioskNonces = new KioskNonces(store.db);
  // Cookies get `Secure` when phones and the owner reach the hub over HTTPS (HUB_PUBLIC_URL).
  const sessions = new HubSessions(
    { member: cookieSecret, owner: ownerCookieSecret, ownerToken },
    memberSessions,
    accounts,
    now,
    (options.publicUrl ?? '').startsWith('https://'),
  );
  const owner = new OwnerStore(store.context, store.ledger);
  const shopSettings = new ShopSettingsStore(store.context, store.shops);
  /** The shop's settings now (the store is their home: another hub node may have saved them). */
  const settingsNow = async (): Promise<StoredSettings> => shopSettings.get(shop.no, (await store.shop(shop.no))!.program);

  // ---- messages: outbox, e-mail, one-time codes ------------------------------------------------

  let listeningUrl = '';
  const publicUrl = (): string => (options.publicUrl ?? listeningUrl).replace(/\/+$/, '');
  const mailer = options.smtpUrl ? smtpMailer(options.smtpUrl, options.smtpFrom || defaultFrom(options.publicUrl ?? 'http://localhost')) : undefined;
  const sms = smsSenderFromSettings({
    provider: options.smsProvider,
    smsapiToken: options.smsapiToken,
    smsapiFrom: options.smsapiFrom,
    smsapiUrl: options.smsapiUrl,
    twilioAccountSid: options.twilioAccountSid,
    twilioAuthToken: options.twilioAuthToken,
    twilioFrom: options.twilioFrom,
    twilioUrl: options.twilioUrl,
  });
  /** A typed phone number or e-mail read the way the shop's country writes them; undefined when it is neither. */
  const parseContact = (text: string) => contactOrUndefined(text, regionForLocale(shop.program.locale));
  const messaging = new Messaging({
    store: new MessageStore(store.db, store.engine),
    shop: { no: shop.no, name: async () => (await store.shop(shop.no))!.name },
    // Its own key: codes and unsubscribe tokens share nothing with member or owner cookies.
    secret: await store.setting('messageSecret', () => bytesToHex(randomBytes(32))),
    mailer,
    sms,
    publicUrl,
    now,
    log,
    ...(options.messageWorker ? { worker: options.messageWorker } : {}),
    memberByContact: (contact) => store.memberByContact(shop.no, contact),
    parseContact,
    member: (id) => store.member(id),
    program: async () => (await store.shop(shop.no))!.program,
    expiryCandidates: (earnedBefore) => store.expiryCandidates(shop.no, earnedBefore),
    memberEntries: (memberId) => store.entries(memberId),
  });
  log(
    mailer
      ? `messages: e-mail over SMTP to ${mailer.where}, from ${mailer.from}`
      : 'messages: SMTP_URL not set: no e-mail is sent; e-mail messages are kept as "suppressed: no e-mail configured"',
  );
  log(
    sms
      ? `messages: text messages through ${sms.where}`
      : 'messages: no SMS provider set (SMSAPI_TOKEN or TWILIO_*): no text messages; they are kept as "suppressed: no SMS configured"',
  );

  // ---- the card in the phone's wallet (cloud/wallet.ts) -----------------------------------------

  const wallet = new Wallet({
    db: store.db,
    config: options.wallet ?? {},
    // Its own key: a pass's authentication token shares nothing with cookies or codes.
    secret: await store.setting('walletSecret', () => bytesToHex(randomBytes(32))),
    shopNo: shop.no,
    shopName: async () => (await store.shop(shop.no))?.name ?? shop.name,
    publicUrl,
    member: (id) => store.member(id),
    balance: async (member) => {
      const full = await store.member(member.id);
      const view = full ? await store.memberView(full, now()) : undefined;
      return { points: view?.points ?? 0, stamps: view?.stamps ?? 0 };
    },
    now,
    log,
  });
  if (options.wallet?.apple) log(`wallet: Apple Wallet passes of type ${options.wallet.apple.passTypeId}`);
  if (options.wallet?.google)
    log(`wallet: Google Wallet objects of class ${options.wallet.google.classId}, balance updates to ${options.wallet.google.apiUrl ?? GOOGLE_WALLET_API}`);

  // ---- the database going away ---------------------------------------------------------------

  let databaseDownSince: number | null = null;
  let databaseWatch: NodeJS.Timeout | undefined;
  /** Logs the start of an outage once and watches for the database's return (the pool reconnects by itself). */
  function noteDatabaseDown(error: unknown): void {
    if (databaseDownSince !== null) return;
    databaseDownSince = nowMs();
    log(`hub database unavailable (${error instanceof Error ? error.message : String(error)}): refusing new work until it returns`);
    databaseWatch = setInterval(() => {
      void store.ping().then((up) => {
        if (!up || databaseDownSince === null) return;
        log(`hub database back after ${Math.round((nowMs() - databaseDownSince) / 1000)} s`);
        databaseDownSince = null;
        clearInterval(databaseWatch);
      });
    }, 1_000);
    databaseWatch.unref();
  }
  function logFlagged(kiosk: Kiosk): void {
    log(
      `kiosk ${kiosk.name} (${kiosk.no}) flagged: ${KIOSK_FLAG_RULE.refusals} or more refused facts within ${KIOSK_FLAG_RULE.windowMs / 3_600_000} h; ` +
        'its facts are still checked one by one; the owner sees it on /owner/kiosks',
    );
  }

  // ---- claims (shared by phone and staff) ----------------------------------------------------

  function refusal(reason: ClaimRefusalCode, locale: Locale): ClaimResult {
    return { ok: false, reason, message: formatMessage(claimMessages, locale, `refusal.${reason}`) };
  }

  /** Signature (by the kiosk the token names, unless revoked), shop and expiry; and a kiosk signs only for its own shop. */
  async function checkToken(token: string, shopNo: number): Promise<ReturnType<typeof verifyClaimToken>> {
    const peeked = peekClaimToken(token);
    const kiosk = peeked.ok ? await store.kioskByNo(peeked.data.kioskNo) : undefined;
    const secretFor = (kioskNo: number): Uint8Array | undefined =>
      kiosk && kiosk.no === kioskNo && kiosk.revokedAt === null ? hexToBytes(kiosk.secret) : undefined;
    const verified = verifyClaimToken(token, { secretFor, shopNo, now: now() });
    if (verified.ok && kiosk?.shopNo !== verified.data.shopNo) return { ok: false, reason: 'unknown-kiosk' };
    return verified;
  }

  /**
   * A kiosk signs its own tokens, so a token's points are the kiosk's word: they must not exceed what
   * the program versions that could have been in force for the sale give for its amount (a token
   * without an amount may carry nothing).
   */
  async function withinProgram(data: ClaimTokenData): Promise<boolean> {
    const versions = (await store.programVersions(shop.no)).filter((v) => new Date(v.effectiveFrom).getTime() <= data.expiresAt.getTime());
    const ceiling = data.total
      ? earnCeilingOf(
          versions.map((v) => v.document),
          data.total.amount,
          data.total.currency,
        )
      : { points: 0, stamps: 0 };
    return data.points <= ceiling.points && data.stamps <= ceiling.stamps;
  }

  /** `joined`: the member joined with this claim (their welcome bonus is held until their contact is proven: cloud/join-verification.ts). */
  async function claim(
    token: string,
    member: Member,
    via: 'phone' | 'staff',
    claimingKioskNo: number | null,
    locale: Locale,
    joined = false,
  ): Promise<ClaimResult> {
    const verified = await checkToken(token, member.shopNo);
    if (!verified.ok) return refusal(verified.reason, locale);
    const data = verified.data;
    if (!(await withinProgram(data))) {
      const reason = `claim token of kiosk ${data.kioskNo} sale ${data.saleNo} refused: ${data.points} points / ${data.stamps} stamps exceed what the program gives`;
      log(reason);
      // A kiosk signs its own tokens: one of its own that promises more than the program is its refused fact (a
      // token of another kiosk, scanned here, is not this kiosk's doing).
      if (via === 'staff' && claimingKioskNo === data.kioskNo) {
        const id = `claimSale:${claimSaleKey(data)}:${randomUUID()}`;
        if (await store.recordKioskRefusal(data.kioskNo, { id, type: 'claimSale', code: 'over-earn', reason }, now())) {
          const kiosk = await store.kioskByNo(data.kioskNo);
          if (kiosk) logFlagged(kiosk);
        }
      }
      return refusal('exceeds-program', locale);
    }
    let outcome: ClaimOutcome;
    try {
      // The hub derives the entries (member-aware, core/claims claimEarnEntries); the token's points are the kiosk's word.
      outcome = await store.claim({
        saleKey: claimSaleKey(data),
        kioskNo: data.kioskNo,
        saleNo: data.saleNo,
        member,
        via,
        points: data.points,
        stamps: data.stamps,
        total: data.total,
        deliverTo: data.kioskNo === claimingKioskNo ? null : data.kioskNo,
        now: now(),
      });
    } catch (error) {
      // A sale the program does not earn (another currency, over the ceiling): refused, nothing written.
      if (!(error instanceof LoyaltyError) && !(error instanceof MoneyError)) throw error;
      log(`claim token of kiosk ${data.kioskNo} sale ${data.saleNo} refused: ${error.message}`);
      return refusal('exceeds-program', locale);
    }
    if (!outcome.ok) return refusal(outcome.reason, locale);
    if (data.kioskNo !== claimingKioskNo) deliveriesPending(data.kioskNo);
    void noticeMemberChanges();
    // "Your reward is ready" — not for the claim a member joined with: the welcome and the card they are looking at say it.
    if (!joined) void rewardReadyAfter(member.id, outcome.accepted);
    log(`claim ${outcome.accepted.saleKey} by member ${member.no} via ${via}: +${outcome.accepted.points}`);
    return { ok: true, accepted: outcome.accepted };
  }

  /**
   * "Your reward is ready" after a claim that stands: online (phone, staff) or reported later by an
   * offline kiosk (saleClaimed). The same message id either way (`rewardReady:<memberId>:<saleKey>`),
   * so a batch synced twice, or by two nodes, is one message. The member by id or by a kiosk's alias.
   */
  async function rewardReadyAfter(
    memberId: string,
    claim: { saleKey: string; entries: readonly LedgerEntry[] },
    later: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    try {
      const member = await store.member(memberId);
      if (!member) return;
      const entries = (await store.entries(member.id)).filter((e) => !later.has(e.id));
      await messaging.afterClaim(member, claim, entries);
    } catch (error) {
      log(`messages: reward-ready check for member ${memberId} after ${claim.saleKey} failed: ${String(error)}`);
    }
  }

  /**
   * The offline claims of one synced batch, in the order the kiosk made them: each is judged against
   * the ledger without the batch's later claims, so the claim that filled the card is the one messaged
   * (judged against the whole ledger, every claim of the batch would look like the one that did).
   */
  async function rewardReadyAfterBatch(claimed: NonNullable<OutboxApplied['claimed']>): Promise<void> {
    for (const [i, c] of claimed.entries()) {
      await rewardReadyAfter(c.memberId, c, new Set(claimed.slice(i + 1).flatMap((l) => l.entries.map((e) => e.id))));
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  /**
   * The member of the phone's live session (a row on the hub; ended or unknown: nobody) and the session's ref; which member
   * that opens is sessionMember's decision (cloud/member-session.ts): id shape, merges, erasure.
   */
  async function cookieMember(req: IncomingMessage): Promise<(Member & { sessionRef: string }) | undefined> {
    const session = await sessions.memberSession(req);
    const member = session && (await sessionMember(store, session.memberId));
    return member ? { ...member, sessionRef: session.ref } : undefined;
  }

  const clientAddress = (req: IncomingMessage): string => addressOf(req, trustedProxies);
  /**
   * The session cookie, or a bearer credential in the Authorization header — the owner token or an API
   * key, never in the URL, where it would land in logs, history and Referer headers. Wrong bearer
   * credentials count as owner sign-in failures, per address and per owner account (a guess spread
   * over many addresses is still counted). Called once per request, by the owner hook.
   */
  async function ownerAuth(req: IncomingMessage): Promise<OwnerAuth | undefined> {
    const session = await sessions.ownerSession(req);
    if (session) return { via: 'cookie', ...session };
    const bearer = bearerOf(req);
    if (bearer === undefined) return undefined;
    const address = clientAddress(req);
    if (failures.slowedDown('owner', `ip:${address}`, OWNER_ACCOUNT_KEY)) return undefined;
    const principal: OwnerPrincipal | undefined = sessions.isOwnerToken(bearer)
      ? { via: 'token', role: 'owner', name: 'owner', accountId: null }
      : await accounts.resolveApiKey(bearer, now());
    if (principal) return { via: 'token', principal };
    failures.note('owner', `ip:${address}`, OWNER_ACCOUNT_KEY);
    log(`owner bearer credential refused from ${address}`);
    return undefined;
  }
  const ctx: HubHttpContext = {
    joins: new JoinVerifications(store.db),
    referrals: new Referrals(store.db),
    store,
    owner,
    messaging,
    wallet,
    shop,
    now,
    log,
    failures,
    sessions,
    clientAddress: (req) => addressOf(req, trustedProxies),
    cookieMember: (req) => cookieMember(req.raw),
    ownerAuth: (req) => ownerAuth(req.raw),
    publicUrl,
    parseContact,
    checkToken,
    claim,
    voucherSecretKey: voucherKeys.secretKey,
    hubPublicKey,
    pairAnswer: (kiosk) => ({ kioskId: kiosk.id, kioskNo: kiosk.no, shopId: shop.id, shopNo: kiosk.shopNo, secret: kiosk.secret, hubPublicKey }),
    connectedKiosks: () => io.engine.clientsCount,
    revokeKiosk: async (kioskId) => {
      const done = await store.revokeKiosk(kioskId, now());
      for (const socket of await io.fetchSockets()) if ((socket.data as { kiosk?: Kiosk }).kiosk?.id === kioskId) socket.disconnect(true);
      return done;
    },
    publishProgram: (program, effectiveFrom) => publishProgram(program, effectiveFrom),
    applyDueProgram: () => applyDueProgram(),
    versionRows: () => versionRows(),
    settings: settingsNow,
    saveSettings: (settings, actor, draft) => saveSettings(settings, actor, draft),
    programDraft: () => shopSettings.draft(shop.no),
    publishedVersions: () => shopSettings.published(shop.no),
    settingsChanged: () => settingsToKiosks(),
    noteDatabaseDown,
    chartJs: CHART_JS,
  };
  const app = buildHubApp(ctx);
  const http = app.server;

  // ---- Socket.IO -----------------------------------------------------------------------------

  const cluster = options.redisUrl
    ? await connectCluster({ redisUrl: options.redisUrl, log, ...(options.redisPrefix ? { prefix: options.redisPrefix } : {}) })
    : undefined;
  const io = new Server<KioskToHubEvents, HubToKioskEvents, HubPeerEvents, { kiosk: Kiosk }>(http, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    serveClient: false,
    cors: { origin: false },
    // Several nodes: WebSocket only, so a proxy needs no sticky sessions (HTTP long-polling would
    // need every request of one session to reach the same node). Kiosks use WebSocket anyway.
    ...(cluster ? { adapter: cluster.adapter, transports: ['websocket' as const] } : {}),
  });
  const inFlight = new Set<string>();
  const throttle = new KioskThrottle(options.kioskLimits);
  const throttleLogged = new Map<string, number>();

  /** 0 when the kiosk may send a command now; else how long it must wait (and it is told so). */
  function throttled(kiosk: Kiosk): number {
    const wait = throttle.take(kiosk.id, nowMs());
    if (wait > 0 && nowMs() - (throttleLogged.get(kiosk.id) ?? 0) > 60_000) {
      throttleLogged.set(kiosk.id, nowMs());
      log(`kiosk ${kiosk.name} (${kiosk.no}) over ${throttle.limits.perSecond} commands/s: refusing with "slow down"`);
    }
    return wait;
  }
  /** A client that sends this many commands while told to wait is not a kiosk waiting as told: cut it off. */
  const ignoredSlowDownLimit = Math.max(100, 5 * throttle.limits.burst);
  function slowDown(wait: number): string {
    return `slow down: more than ${throttle.limits.burst} commands at once or ${throttle.limits.perSecond}/s from this kiosk; retry in ${wait} ms`;
  }

  /** A claim queued a delivery for `kioskNo`: its node (this one or another) sends it from the store. */
  function deliveriesPending(kioskNo: number): void {
    void flushDeliveries(kioskNo);
    if (cluster) io.serverSideEmit('deliveriesPending', kioskNo);
  }
  io.on('deliveriesPending', (kioskNo) => {
    if (Number.isInteger(kioskNo)) void flushDeliveries(kioskNo);
  });
  const sweep = cluster
    ? setInterval(() => {
        for (const room of io.of('/').adapter.rooms.keys()) {
          const match = /^kiosk:(\d+)$/.exec(room);
          if (match) void flushDeliveries(Number(match[1]));
        }
      }, options.deliverySweepMs ?? 30_000)
    : undefined;
  sweep?.unref();

  io.use((socket, next) => {
    authenticate(socket).then(
      (refused) => next(refused),
      (error: unknown) => {
        if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
        else log(`kiosk handshake failed: ${String(error)}`);
        next(new Error(isDatabaseUnavailable(error) ? DATABASE_UNAVAILABLE : 'hub could not check this kiosk; it will retry'));
      },
    );
  });

  /** The kiosk's proof of its pairing: undefined when accepted (socket.data.kiosk is set), else the refusal. */
  async function authenticate(socket: KioskSocket): Promise<Error | undefined> {
    const parsed = kioskAuthSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      const auth = socket.handshake.auth as { proof?: unknown; nonce?: unknown } | undefined;
      // A kiosk of before handshake nonces sends a proof without one: it needs the kiosk update, not a new pairing.
      if (auth?.proof !== undefined && auth.nonce === undefined) return new Error('kiosk handshake without a nonce refused: update the kiosk software');
      return new Error('kiosk credentials missing: pair this kiosk first');
    }
    const kiosk = await store.kiosk(parsed.data.kioskId);
    if (!kiosk) return new Error('unknown kiosk: pair it again with a new pairing code');
    if (kiosk.revokedAt) return new Error('kiosk revoked by the owner');
    const skew = Math.abs(new Date(parsed.data.at).getTime() - now().getTime());
    const expected = Buffer.from(kioskAuthProof(kiosk.secret, kiosk.id, parsed.data.at, parsed.data.nonce));
    if (!(skew <= AUTH_WINDOW_MS) || !timingSafeEqual(expected, Buffer.from(parsed.data.proof))) {
      return new Error('kiosk proof refused: check the kiosk clock and its pairing');
    }
    // A proof is good for one handshake: a captured one replayed inside the time window finds its nonce used.
    if (!(await kioskNonces.use(kiosk.no, parsed.data.nonce, parsed.data.at, now()))) {
      log(`kiosk ${kiosk.name} (${kiosk.no}): handshake replayed (nonce used before), refused`);
      return new Error('kiosk proof refused: this handshake was used before');
    }
    socket.data.kiosk = kiosk;
    return undefined;
  }

  /** Sends the kiosk's queued claimAccepted events to it if it is connected; never throws. */
  async function flushDeliveries(kioskNo: number): Promise<void> {
    try {
      await sendDeliveries(kioskNo);
    } catch (error) {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      else log(`delivery to kiosk ${kioskNo} failed, kept queued: ${String(error)}`);
    }
  }

  /** This node's own socket of the kiosk (the kiosk's other node, if any, sends from there). */
  function localSocket(kioskNo: number): KioskSocket | undefined {
    const ids = io.of('/').adapter.rooms.get(`kiosk:${kioskNo}`);
    for (const id of ids ?? []) {
      const socket = io.of('/').sockets.get(id);
      if (socket?.connected) return socket;
    }
    return undefined;
  }

  async function sendDeliveries(kioskNo: number): Promise<void> {
    const target = localSocket(kioskNo);
    if (!target) return;
    for (const delivery of await store.pendingDeliveries(kioskNo)) {
      const deliveryId = delivery.payload.deliveryId;
      if (inFlight.has(deliveryId)) continue;
      inFlight.add(deliveryId);
      const answered = (error: Error | null, answer: unknown): void => {
        inFlight.delete(deliveryId);
        const ok = !error && typeof answer === 'object' && answer !== null && (answer as { ok?: unknown }).ok === true;
        const retry = (): void => {
          setTimeout(() => {
            void flushDeliveries(kioskNo);
          }, 5_000).unref();
        };
        // Not acknowledged in time (or the ack could not be stored): keep it queued and try again while the kiosk stays connected.
        if (ok)
          store.deliveryAcked(kioskNo, deliveryId).catch((error: unknown) => {
            log(`delivery ${deliveryId} acked by kiosk ${kioskNo} but not yet removed (${String(error)}); it will be sent again`);
            retry();
          });
        else retry();
      };
      if (delivery.event === 'claimAccepted') target.timeout(10_000).emit('claimAccepted', delivery.payload, answered);
      else if (delivery.event === 'claimRefused') target.timeout(10_000).emit('claimRefused', delivery.payload, answered);
      else target.timeout(10_000).emit('saleEntriesDerived', delivery.payload, answered);
    }
  }

  io.on('connection', (socket: KioskSocket) => {
    const kiosk = socket.data.kiosk;
    void socket.join(`kiosk:${kiosk.no}`);
    void socket.join(`shop:${kiosk.shopNo}`);
    // The token bucket first. A kiosk told "slow down, retry in N ms" sends nothing for N ms; a client
    // that sends anyway ignores it, and after ignoredSlowDownLimit such commands it is disconnected,
    // so that a flood costs the hub a bounded amount of work (if it reconnects its bucket is still empty).
    let waitUntil = 0;
    let ignored = 0;
    const gate = (): number => {
      const at = nowMs();
      if (at < waitUntil && ++ignored === ignoredSlowDownLimit) {
        log(`kiosk ${kiosk.name} (${kiosk.no}) sent ${ignoredSlowDownLimit} commands while told to wait: disconnected`);
        socket.disconnect(true);
      }
      const wait = throttled(kiosk);
      if (wait > 0) waitUntil = Math.max(waitUntil, at + wait);
      return wait;
    };
    log(`kiosk connected: ${kiosk.name}`);
    void sendProgramVersions(kiosk.no, kiosk.shopNo);
    void sendShopSettings(kiosk.no);

    socket.on('syncOutbox', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const wait = gate();
      if (wait > 0) return ack({ ok: false, error: slowDown(wait), retryAfterMs: wait });
      try {
        const parsed = syncOutboxSchema.safeParse(payload);
        if (!parsed.success) {
          const error = `outbox batch refused: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`;
          log(`kiosk ${kiosk.name} (${kiosk.no}): ${error}`);
          // A batch that fails the schema is this kiosk's refused fact as much as a refused message in it: it counts toward the flag.
          const refusal = { id: `syncOutbox:${randomUUID()}`, type: 'syncOutbox', code: 'malformed' as const, reason: error.slice(0, 500) };
          if (await store.recordKioskRefusal(kiosk.no, refusal, now())) logFlagged(kiosk);
          ack({ ok: false, error });
          return;
        }
        const applied = await store.applyOutbox(kiosk, parsed.data.messages, now());
        for (const r of applied.refused) log(`kiosk ${kiosk.name} (${kiosk.no}): outbox message ${r.id} refused: ${r.reason}`);
        if (applied.flagged) logFlagged(kiosk);
        ack({
          ok: true,
          acked: applied.acked,
          ...(applied.refused.length > 0 ? { refused: applied.refused } : {}),
          ...(applied.vouchers.length > 0 ? { vouchers: applied.vouchers } : {}),
        });
        void noticeMemberChanges();
        // An offline claim refused in this batch (claimRefused) and entries derived for its sales (saleEntriesDerived) wait in the kiosk's queue: send them now.
        void flushDeliveries(kiosk.no);
        void rewardReadyAfterBatch(applied.claimed ?? []);
      } catch (error) {
        // Not acked: the kiosk keeps the batch in its outbox and sends it again after a pause.
        if (isDatabaseUnavailable(error)) {
          noteDatabaseDown(error);
          ack({ ok: false, error: `${DATABASE_UNAVAILABLE}; the batch stays on the kiosk and will be retried` });
          return;
        }
        log(`syncOutbox from ${kiosk.name} failed: ${String(error)}`);
        ack({ ok: false, error: 'hub could not store the batch; it will be retried' });
      }
    });

    socket.on('claimSale', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const wait = gate();
      if (wait > 0) return ack({ ok: false, reason: 'too-many-attempts', message: slowDown(wait), retryAfterMs: wait });
      try {
        const parsed = claimSaleSchema.safeParse(payload);
        if (!parsed.success) return ack(refusal('invalid-request', 'en'));
        const member = await store.member(parsed.data.memberId);
        if (!member || member.shopNo !== kiosk.shopNo) return ack(refusal('unknown-member', 'en'));
        ack(await claim(parsed.data.token, member, 'staff', kiosk.no, 'en'));
      } catch (error) {
        // The hub cannot decide without its database: no answer, so the kiosk's ack timeout makes it
        // claim offline (main/kiosk/staff-claim.ts) and the hub settles that claim when it is back.
        if (isDatabaseUnavailable(error)) {
          noteDatabaseDown(error);
          return;
        }
        log(`claimSale from ${kiosk.name} failed: ${String(error)}`);
        ack(refusal('invalid-request', 'en'));
      }
    });

    socket.on('redeemVoucher', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const wait = gate();
      if (wait > 0) return ack({ ok: false, reason: 'too-many-attempts', message: slowDown(wait), retryAfterMs: wait });
      try {
        const parsed = redeemVoucherSchema.safeParse(payload);
        ack(
          parsed.success
            ? await redeemVoucherFor(kiosk, parsed.data.code, parsed.data.redemptionId)
            : voucherRefusal('invalid-request', 'not a redeemVoucher request'),
        );
      } catch (error) {
        // No answer without the database: the kiosk's ack timeout makes it redeem offline, and the hub settles it at sync.
        if (isDatabaseUnavailable(error)) {
          noteDatabaseDown(error);
          return;
        }
        log(`redeemVoucher from ${kiosk.name} failed: ${String(error)}`);
        ack(voucherRefusal('invalid-request', 'the hub could not check this voucher'));
      }
    });

    socket.on('memberChangesSince', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const wait = gate();
      if (wait > 0) return ack({ ok: false, error: slowDown(wait), retryAfterMs: wait });
      const parsed = memberChangesSinceSchema.safeParse(payload);
      if (!parsed.success) return ack({ ok: false, error: `memberChangesSince refused: ${parsed.error.issues[0]?.message ?? 'bad cursor'}` });
      try {
        // The shop's program gives the tier window of the earn state each member carries.
        const shop = await store.shop(kiosk.shopNo);
        const earn = shop ? { program: shop.program, now: now() } : undefined;
        ack({ ok: true, ...(await memberChangesSince(store.db, kiosk.shopNo, parsed.data.cursor, undefined, earn)) });
      } catch (error) {
        if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
        else log(`memberChangesSince from ${kiosk.name} failed: ${String(error)}`);
        ack({ ok: false, error: isDatabaseUnavailable(error) ? DATABASE_UNAVAILABLE : 'hub could not read the member directory; ask again' });
      }
    });

    void flushDeliveries(kiosk.no);
  });

  function voucherRefusal(reason: VoucherRefusalCode, message: string, redeemed?: VoucherRedemption): RedeemVoucherResult {
    return { ok: false, reason, message, ...(redeemed ? { redeemed } : {}) };
  }

  /** A kiosk redeems a voucher with the hub reachable: verified with the hub's key, then once in the whole shop. */
  async function redeemVoucherFor(kiosk: Kiosk, code: string, redemptionId: string): Promise<RedeemVoucherResult> {
    const verified = verifyVoucher(code, { hubPublicKey: voucherKeys.publicKey, shopNo: kiosk.shopNo, now: now() });
    if (!verified.ok) return voucherRefusal(verified.reason, REFUSAL_LOG[verified.reason]);
    const outcome = await store.redeemVoucherOnce({
      voucherId: verified.data.voucherId,
      redemptionId,
      kioskNo: kiosk.no,
      at: now().toISOString(),
      offline: false,
      now: now(),
    });
    if (outcome.status === 'unknown-voucher') return voucherRefusal('unknown-voucher', 'this hub has no record of issuing this voucher');
    if (outcome.status === 'already-redeemed') {
      const r = outcome.redemption;
      return voucherRefusal('already-redeemed', `already redeemed at ${r.kioskName} at ${r.at}`, r);
    }
    const member = await store.member(outcome.voucher.memberId);
    log(`voucher ${verified.data.voucherId} redeemed at ${kiosk.name}`);
    return {
      ok: true,
      redemption: outcome.redemption,
      member: { id: outcome.voucher.memberId, no: member?.no ?? verified.data.memberNo, name: member?.name ?? null },
      hold: outcome.hold,
    };
  }

  // ---- the member directory: every kiosk's replica --------------------------------------------

  /**
   * Tells this node's kiosks that the directory has changes past `cursor` (they pull them by cursor).
   * Every writer of members and balances (claims, outbox batches, the owner's pages, another hub
   * node) appends to member_changes, so watching its newest number catches them all; a write on
   * this node checks at once, the timer catches the rest.
   */
  let noticedChange = -1;
  let checkingChanges = false;
  async function noticeMemberChanges(): Promise<void> {
    if (checkingChanges) return;
    checkingChanges = true;
    try {
      const row = await store.db
        .selectFrom('member_changes')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst();
      const newest = Number(row?.seq ?? 0);
      if (newest > noticedChange) {
        noticedChange = newest;
        io.local.emit('membersChanged', { cursor: newest });
      }
      // Balances changed: the wallet passes of those members are marked updated and their devices told.
      void wallet.refreshChanged(newest).catch((error: unknown) => log(`wallet: could not update passes: ${String(error)}`));
    } catch (error) {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
    } finally {
      checkingChanges = false;
    }
  }
  const memberChangeWatch = setInterval(() => {
    void noticeMemberChanges();
  }, 250);
  memberChangeWatch.unref();

  // ---- program versions: the owner's editor, publication, sync to kiosks ----------------------

  /** Kiosk number → its name and the highest program version it confirmed (in memory: kiosks get all again on connect). */
  const programAcks = new Map<number, { name: string; version: number }>();

  /** Keeps the shop's own copy of the program (claims, member cards, dashboard) at the version in effect now. */
  async function applyDueProgram(): Promise<void> {
    const due = programInEffect(await store.programVersions(shop.no), now());
    const current = (await store.shop(shop.no))!.program;
    if (due && serializeProgram(due.document) !== serializeProgram(current)) {
      await store.setProgram(shop.no, due.document);
      log(`program version ${due.version} in effect: ${due.document.name}`);
    }
  }
  await applyDueProgram();
  const dueProgramTimer = setInterval(() => {
    applyDueProgram().catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      else log(`program: could not apply the version due: ${String(error)}`);
    });
  }, 30_000);
  dueProgramTimer.unref();
  // Vouchers that expired unredeemed give their points back (also checked when the member's card is shown).
  const voucherExpiryTimer = setInterval(() => {
    store.releaseExpiredVouchers(now()).then(
      (n) => {
        if (n > 0) log(`vouchers: ${n} expired unredeemed, their points given back`);
      },
      (error: unknown) => {
        if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
        else log(`vouchers: could not release expired vouchers: ${String(error)}`);
      },
    );
  }, 60_000);
  voucherExpiryTimer.unref();
  // Points past the program's expiry are written off once a day on the shop's clock, and at start
  // (cloud/member-expiry.ts). Every node may run it: each member's expiry is written once.
  let shopTimeZone = shop.program.timeZone;
  async function expirePoints(): Promise<ExpiryRun> {
    const current = (await store.shop(shop.no))!.program;
    shopTimeZone = current.timeZone;
    const run = await expireDuePoints(store, shop.no, current, now());
    if (run.members > 0) log(`expiry: ${run.points} points of ${run.members} members expired`);
    return run;
  }
  const dailyExpiry = dailyInShopTime(
    () => shopTimeZone,
    now,
    async () => void (await expirePoints()),
  );
  const runDailyExpiry = (): void => {
    dailyExpiry().catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      else log(`expiry: could not write off expired points: ${String(error)}`);
    });
  };
  // Birthday messages once a day on the shop's clock, and at start (cloud/messaging.ts planBirthdays):
  // each member's is one message id per year, so a second run or a second node queues nothing new.
  const dailyBirthdays = dailyInShopTime(
    () => shopTimeZone,
    now,
    async (at) => {
      const n = await messaging.planBirthdays(at);
      if (n > 0) log(`messages: ${n} birthday message${n === 1 ? '' : 's'} queued`);
    },
  );
  const runDailyBirthdays = (): void => {
    dailyBirthdays().catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      else log(`messages: could not plan the birthday messages (${String(error)}); again in 10 minutes`);
    });
  };
  // The overview's default period (the last 30 shop days and today) moves at each shop midnight; making
  // its member sums (a shift of yesterday's, or a build) is done here, off the request path, so the
  // owner's first page of the day finds it kept. At start, on the 10-minute tick once the shop's date
  // has changed, and after the settings are saved (a new time zone also rebuilds the roll-ups here).
  // Runs one at a time; a page that still finds no kept period builds it as before.
  let overviewPreparedFor: string | undefined;
  let overviewRun: Promise<void> = Promise.resolve();
  let closing = false;
  const overviewChunking: Chunking = { ...HUB_CHUNKING, stopped: () => closing };
  function prepareOverview(): Promise<void> {
    const run = overviewRun.then(async () => {
      const zone = (await settingsNow()).settings.timeZone;
      const at = now();
      const key = `${zone} ${localTime(at, zone).date}`;
      if (key === overviewPreparedFor) return;
      const started = performance.now();
      const prepared = await owner.prepareDefaultPeriod(shop.no, zone, at, overviewChunking);
      if (prepared.unfinished) return;
      overviewPreparedFor = key;
      if (prepared.made !== 'kept')
        log(
          `overview: the default period ${prepared.made} ahead in ${Math.round(performance.now() - started)} ms (${prepared.chunks} chunks, the longest ${Math.round(prepared.longestChunkMs)} ms)`,
        );
    });
    overviewRun = run.catch(() => {});
    return run;
  }
  const runPrepareOverview = (): void => {
    prepareOverview().catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      else log(`overview: could not prepare the default period (${String(error)}); again in 10 minutes`);
    });
  };
  runDailyExpiry();
  runDailyBirthdays();
  const pointsExpiryTimer = setInterval(() => {
    runDailyExpiry();
    runDailyBirthdays();
    runPrepareOverview();
  }, 10 * 60_000);
  pointsExpiryTimer.unref();

  /** Sends the versions a kiosk needs (in effect and scheduled); again every 5 s while it stays connected and has not acked. */
  async function sendProgramVersions(kioskNo: number, shopNo: number): Promise<void> {
    try {
      const target = (await io.in(`kiosk:${kioskNo}`).fetchSockets())[0];
      if (!target) return;
      const name = (target.data as { kiosk?: Kiosk }).kiosk?.name ?? `#${kioskNo}`;
      const versions = liveVersions(await store.programVersions(shopNo), now());
      if (versions.length === 0) return;
      const newest = Math.max(...versions.map((v) => v.version));
      const payload = {
        deliveryId: randomUUID(),
        versions: versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom, document: v.document })),
      };
      target.timeout(10_000).emit('programVersions', payload, (error: Error | null, answer: unknown) => {
        if (!error && (answer as { ok?: unknown } | undefined)?.ok === true) {
          programAcks.set(kioskNo, { name, version: Math.max(newest, programAcks.get(kioskNo)?.version ?? 0) });
          return;
        }
        setTimeout(() => {
          void sendProgramVersions(kioskNo, shopNo);
        }, 5_000).unref();
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      log(`program versions to kiosk ${kioskNo} not sent, sent again on its next connection: ${String(error)}`);
    }
  }

  /**
   * Publishes a checked program from `effectiveFrom` and tells every connected kiosk of the shop (on any
   * node). The shop's currency, languages and time zone have one home, its settings: a program that
   * counts in another currency, speaks a language the shop does not offer or keeps another time zone
   * is refused, whichever route sent it (checked and written in one transaction with the settings'
   * own saves, cloud/shop-settings.ts).
   */
  async function publishProgram(program: Program, effectiveFrom: string): Promise<ProgramPublication> {
    const result = await shopSettings.publishProgram(shop.no, program, effectiveFrom, now());
    if (!result.ok) {
      const { settings } = result;
      log(
        `program refused, nothing published: it has ${result.misfits.map((m) => `${m} ${program[m]}`).join(', ')}; ` +
          `the shop ${settings.currency}, ${settings.languages.join('/')}, ${settings.timeZone}`,
      );
      return { ok: false, misfits: result.misfits, settings, currencyLocked: result.currencyLocked };
    }
    await programPublished(result.published);
    return { ok: true, version: result.published.version, effectiveFrom: result.published.effectiveFrom };
  }

  /** A new version is stored: in effect now if due, and sent to every connected kiosk of the shop. */
  async function programPublished(published: StoredProgramVersion): Promise<void> {
    log(`program version ${published.version} published, in effect from ${published.effectiveFrom}: ${published.document.name}`);
    await applyDueProgram();
    for (const socket of await io.in(`shop:${shop.no}`).fetchSockets()) {
      const kiosk = (socket.data as { kiosk?: Kiosk }).kiosk;
      if (kiosk) void sendProgramVersions(kiosk.no, kiosk.shopNo);
    }
  }

  // ---- shop settings: saved on the owner's Settings page or the wizard, sent to every kiosk -----

  /**
   * Saves the shop's settings and sends them to the shop's kiosks. A new language or time zone goes
   * into the program too (a new version from now, when one was published), as kiosks and phones
   * format by the program; the currency cannot change under a published program (its amounts are
   * in it), so that is refused with the reason. Check and writes are one transaction (cloud/shop-settings.ts).
   */
  async function saveSettings(settings: ShopSettings, actor: string, draft?: Program): Promise<{ ok: true } | { ok: false; reason: 'currency-locked' }> {
    const saved = await shopSettings.save(shop.no, settings, now(), draft);
    if (!saved.ok) return saved;
    log(`shop settings saved by ${actor}: ${settings.name} (${settings.country}, ${settings.currency}, ${settings.locale}, ${settings.timeZone})`);
    if (saved.published) await programPublished(saved.published);
    await settingsToKiosks();
    runPrepareOverview();
    return { ok: true };
  }

  async function settingsToKiosks(): Promise<void> {
    for (const socket of await io.in(`shop:${shop.no}`).fetchSockets()) {
      const kiosk = (socket.data as { kiosk?: Kiosk }).kiosk;
      if (kiosk) void sendShopSettings(kiosk.no);
    }
  }

  /**
   * Sends the saved settings, with the name of the kiosk's location, to a connected kiosk; again
   * every 5 s until it acks. Nothing before the owner saved any: the kiosk keeps its own start-up
   * settings until then.
   */
  async function sendShopSettings(kioskNo: number): Promise<void> {
    try {
      const target = (await io.in(`kiosk:${kioskNo}`).fetchSockets())[0];
      if (!target) return;
      const current = await settingsNow();
      if (!current.configured) return;
      const location = (await owner.kioskLocations(shop.no)).find((k) => k.no === kioskNo)?.location ?? null;
      const payload = { deliveryId: randomUUID(), updatedAt: current.updatedAt!, settings: current.settings, location };
      target.timeout(10_000).emit('shopSettings', payload, (error: Error | null, answer: unknown) => {
        if (!error && (answer as { ok?: unknown } | undefined)?.ok === true) return;
        setTimeout(() => {
          void sendShopSettings(kioskNo);
        }, 5_000).unref();
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) noteDatabaseDown(error);
      log(`shop settings to kiosk ${kioskNo} not sent, sent again on its next connection: ${String(error)}`);
    }
  }

  async function versionRows(): Promise<VersionRow[]> {
    const versions = await store.programVersions(shop.no);
    const inEffect = programInEffect(versions, now());
    const live = new Set(liveVersions(versions, now()).map((v) => v.version));
    return versions.map((v) => ({
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      publishedAt: v.publishedAt,
      state: v.version === inEffect?.version ? 'inEffect' : live.has(v.version) ? 'scheduled' : 'superseded',
      kiosks: [...programAcks.values()].filter((k) => k.version >= v.version).map((k) => k.name),
    }));
  }

  await app.listen({ port: options.port ?? 7400, host: options.host ?? '127.0.0.1' });
  const address = http.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  listeningUrl = `http://${shownHost}:${address.port}`;
  messaging.start();
  runPrepareOverview();
  // Balance changes PATCHed to the members' Google Wallet objects, in the background (cloud/wallet.ts).
  wallet.start();
  // No owner account yet: a one-time set-up link (24 h). Printed at every start until the owner exists;
  // only the newest works (the store keeps hashes only, so an older one could not be shown again).
  const setupToken = await accounts.setupLinkIfNeeded(now());
  const setupLink = setupToken === undefined ? undefined : `${publicUrl()}/owner/setup/${setupToken}`;
  if (setupLink) log(`owner set-up link (valid 24 h, once): ${setupLink}`);

  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    store,
    owner,
    messaging,
    wallet,
    ownerToken,
    accounts,
    memberSessions,
    setupLink,
    hubPublicKey,
    io,
    newPairingCode: async () => (await store.createPairingCode(shop.no, now())).code,
    expirePoints,
    prepareOverview,
    connectedKiosks: () => io.engine.clientsCount,
    databaseUp: () => store.ping(),
    async close() {
      clearInterval(databaseWatch);
      clearInterval(dueProgramTimer);
      clearInterval(voucherExpiryTimer);
      clearInterval(pointsExpiryTimer);
      clearInterval(memberChangeWatch);
      if (sweep) clearInterval(sweep);
      // A preparation under way stops after its current chunk, before the store closes (its error, if
      // any, was logged); the period stays building and the next start or page read finishes it.
      closing = true;
      await overviewRun;
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      http.closeAllConnections();
      await app.close();
      // The message being sent is finished and marked; claimed ones not yet tried go back to the queue.
      await messaging.stop();
      await wallet.stop();
      mailer?.close();
      await cluster?.close();
      await store.close();
    },
  };
}

export type { ClaimAccepted };
