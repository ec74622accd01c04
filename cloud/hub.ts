import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import QRCode from 'qrcode';
import { Server, type Socket } from 'socket.io';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import { pickLocale, type Locale } from '../core/i18n/locales';
import { parseProgram, serializeProgram, type Program, type ProgramIssue } from '../core/program/schema';
import { localTime, zonedInstant } from '../core/program/clock';
import { defaultSampleFields, programFromForm, samplesFromForm } from '../core/program/form';
import { programMessages } from '../core/i18n/program';
import { ownerDataMessages } from '../core/i18n/owner-data';
import { previewSales } from '../core/program/preview';
import { liveVersions, programInEffect, publicationStart } from '../core/program/versions';
import { programEditorPage, type VersionRow } from './program-pages';
import {
  AUTH_WINDOW_MS,
  MAX_PACKET_BYTES,
  bytesToHex,
  claimSaleSchema,
  hexToBytes,
  kioskAuthProof,
  kioskAuthSchema,
  memberChangesSinceSchema,
  pairRequestSchema,
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
  type PairResponse,
} from '../core/sync-protocol';
import {
  REFUSAL_LOG,
  claimSaleKey,
  createVoucher,
  peekClaimToken,
  verifyClaimToken,
  verifyVoucher,
  voucherKeyPair,
  voucherValidity,
  type ClaimTokenData,
} from '../core/tokens';
import { contactOrUndefined, regionForLocale } from '../core/contact';
import { earnCeilingOf } from '../core/earn-ceiling';
import { csv, membersPage } from './owner-pages';
import { ownerDataRoutes } from './owner-routes';
import { OwnerStore, type OwnerTables } from './owner-store';
import { cardPage, claimPage, messagePage, pagePolicy, voucherPage } from './pages';
import { memberChangesSince } from './member-changes';
import { HubStore, isDatabaseUnavailable, type Kiosk, type Member } from './store';
import { connectCluster, type HubPeerEvents } from './cluster';
import { KioskThrottle, type ThrottleLimits } from './throttle';
import type { Clock } from '../core/clock';
import { defaultFrom, smtpMailer } from './mailer';
import { MessageStore, type MessageTables } from './message-store';
import { messageRoutes } from './message-routes';
import { Messaging, type WorkerOptions } from './messaging';
import { smsapiSender } from './sms';
import { MemberSessions } from './member-sessions';
import { OwnerAccounts, type OwnerPrincipal } from './owner-accounts';
import { KioskNonces } from './kiosk-handshake';
import { accountRoutes, type OwnerAuth } from './account-routes';
import { sessionText, sessionsCard } from './account-pages';

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
  /** The message outbox worker's timing (cloud/messaging.ts DEFAULT_WORKER). */
  messageWorker?: Partial<WorkerOptions>;
}

export interface Hub {
  url: string;
  port: number;
  store: HubStore;
  /** The owner's side of the store: dashboard sums, locations, win-back, adjustments, export and erasure. */
  owner: OwnerStore;
  /** Messages to members: the outbox and its worker, one-time codes, unsubscribe. */
  messaging: Messaging;
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
  /** true while the database answers (GET /health says the same). */
  databaseUp(): Promise<boolean>;
  connectedKiosks(): number;
  close(): Promise<void>;
}

const COOKIE = 'lk_member';
/** Not `lk_owner`: owner sessions of the old format (signed with the member key) are simply not read any more. */
const OWNER_COOKIE = 'lk_owner_session';
const LOOPBACK_PROXIES = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
const COOKIE_MAX_AGE_S = 400 * 24 * 3600; // the longest browsers keep a cookie
const MAX_FORM_BYTES = 8 * 1024;
const MAX_PROGRAM_BYTES = 256 * 1024;

/**
 * Headers of every hub answer: nothing cached, no sniffing, and no Referer: claim URLs carry their token
 * (a link or an image on a page must not hand it to another site). The CSP (pagePolicy) goes with pages.
 */
const SAFE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

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

/** The date part of the editor's "publish from" (YYYY-MM-DD), the preview's first day; undefined when empty or unreadable. */
function publishDate(fields: readonly (readonly [string, string])[]): string | undefined {
  const value = fields.find(([name]) => name === 'publish.from')?.[1] ?? '';
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? value.slice(0, 10) : undefined;
}

/** Chart.js's UMD build, served to the owner's dashboard from this hub (no CDN). */
const CHART_JS = readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');

type KioskSocket = Socket<KioskToHubEvents, HubToKioskEvents, HubPeerEvents, { kiosk: Kiosk }>;

export async function startHub(options: HubOptions): Promise<Hub> {
  const now = options.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const store = await HubStore.open({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, log });
  try {
    return await serve(store, options, now, log);
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** What a person reads while the database is away (503, and the kiosk's failed ack). */
export const DATABASE_UNAVAILABLE = 'hub database unavailable, try again shortly';

async function serve(store: HubStore, options: HubOptions, now: Clock, log: (line: string) => void): Promise<Hub> {
  // Throttles, failure windows and outage timing read the hub's clock too, so a test can move it.
  const nowMs = (): number => now().getTime();
  const shop = await store.ensureShop(
    options.shopName ?? 'My shop',
    options.privacyText ?? 'We use your contact only for this loyalty programme; ask staff to delete it at any time.',
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
  const failures = new Map<string, { count: number; since: number }>();
  const owner = new OwnerStore(store.db as unknown as Kysely<OwnerTables>, store.engine);
  // Sessions on the server (migration 0010): members' under the member key, owners' under the owner key.
  const memberSessions = new MemberSessions(store.db, cookieSecret);
  const accounts = new OwnerAccounts(store.db, ownerCookieSecret);
  const kioskNonces = new KioskNonces(store.db);
  /** Cookies get `Secure` when phones and the owner reach the hub over HTTPS (HUB_PUBLIC_URL). */
  const secureCookie = (options.publicUrl ?? '').startsWith('https://') ? '; Secure' : '';

  // ---- messages: outbox, e-mail, one-time codes ------------------------------------------------

  let listeningUrl = '';
  const publicUrl = (): string => (options.publicUrl ?? listeningUrl).replace(/\/+$/, '');
  const mailer = options.smtpUrl ? smtpMailer(options.smtpUrl, options.smtpFrom || defaultFrom(options.publicUrl ?? 'http://localhost')) : undefined;
  const sms = options.smsapiToken
    ? smsapiSender({ token: options.smsapiToken, from: options.smsapiFrom, ...(options.smsapiUrl ? { url: options.smsapiUrl } : {}) })
    : undefined;
  /** A typed phone number or e-mail read the way the shop's country writes them; undefined when it is neither. */
  const parseContact = (text: string) => contactOrUndefined(text, regionForLocale(shop.program.locale));
  const messaging = new Messaging({
    store: new MessageStore(store.db as unknown as Kysely<MessageTables>, store.engine),
    shop: { no: shop.no, name: shop.name },
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
  });
  log(
    mailer
      ? `messages: e-mail over SMTP to ${mailer.where}, from ${mailer.from}`
      : 'messages: SMTP_URL not set: no e-mail is sent; e-mail messages are kept as "suppressed: no e-mail configured"',
  );
  log(
    sms ? `messages: text messages through ${sms.where}` : 'messages: SMSAPI_TOKEN not set: no text messages; they are kept as "suppressed: no SMS configured"',
  );

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
  function wantsJson(req: IncomingMessage): boolean {
    const url = req.url ?? '';
    return (
      url.startsWith('/v1/') ||
      url.startsWith('/owner/program') ||
      url.startsWith('/owner/pairing-code') ||
      (req.headers.accept ?? '').includes('application/json')
    );
  }

  const maxFailures = options.maxFailuresPerMinute ?? 10;

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

  /** `welcome`: the member joined with this claim, so the program's welcome bonus is paid with it. */
  async function claim(
    token: string,
    member: Member,
    via: 'phone' | 'staff',
    claimingKioskNo: number | null,
    locale: Locale,
    welcome = false,
  ): Promise<ClaimResult> {
    const verified = await checkToken(token, member.shopNo);
    if (!verified.ok) return refusal(verified.reason, locale);
    const data = verified.data;
    if (!(await withinProgram(data))) {
      log(`claim token of kiosk ${data.kioskNo} sale ${data.saleNo} refused: ${data.points} points / ${data.stamps} stamps exceed what the program gives`);
      return refusal('exceeds-program', locale);
    }
    const outcome = await store.claim({
      saleKey: claimSaleKey(data),
      kioskNo: data.kioskNo,
      saleNo: data.saleNo,
      member,
      via,
      points: data.points,
      stamps: data.stamps,
      spend: data.total?.amount ?? null,
      welcome,
      deliverTo: data.kioskNo === claimingKioskNo ? null : data.kioskNo,
      now: now(),
    });
    if (!outcome.ok) return refusal(outcome.reason, locale);
    if (data.kioskNo !== claimingKioskNo) deliveriesPending(data.kioskNo);
    void noticeMemberChanges();
    log(`claim ${outcome.accepted.saleKey} by member ${member.no} via ${via}: +${data.points}`);
    return { ok: true, accepted: outcome.accepted };
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  /**
   * `<purpose>.<value>.<mac>` with the MAC over "<purpose>|<value>" under the purpose's own key: a value
   * signed for one purpose is never valid for another, and members and the owner never share a key.
   */
  function sign(purpose: 'm1', value: string): string {
    return `${purpose}.${value}.${createHmac('sha256', cookieSecret).update(`${purpose}|${value}`).digest('hex')}`;
  }
  /** A stateless member cookie of before 0010 (`m1.<id>.<mac>`): read only to convert it once into a session. */
  function unsign(purpose: 'm1', signed: string | undefined): string | undefined {
    if (!signed?.startsWith(`${purpose}.`)) return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= purpose.length + 1) return undefined;
    const expected = Buffer.from(sign(purpose, signed.slice(purpose.length + 1, dot)));
    const given = Buffer.from(signed);
    return expected.length === given.length && timingSafeEqual(expected, given) ? signed.slice(purpose.length + 1, dot) : undefined;
  }
  /** Member cookies from before purpose prefixes (`<id>.<mac of id>`, member key), still read so phones stay signed in. */
  function unsignLegacyMember(signed: string): string | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot < 1) return undefined;
    const value = signed.slice(0, dot);
    const expected = Buffer.from(`${value}.${createHmac('sha256', cookieSecret).update(value).digest('hex')}`);
    const given = Buffer.from(signed);
    return expected.length === given.length && timingSafeEqual(expected, given) ? value : undefined;
  }
  const cookieValue = (req: IncomingMessage, name: string): string | undefined => {
    const raw = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${name}=`));
    if (!raw) return undefined;
    try {
      return decodeURIComponent(raw.slice(name.length + 1));
    } catch {
      return undefined;
    }
  };
  /** The member of the phone's live session (a row on the hub; ended, erased or unknown: nobody) and the session's ref. */
  async function cookieMember(req: IncomingMessage): Promise<(Member & { sessionRef: string }) | undefined> {
    const session = await memberSessions.resolve(cookieValue(req, COOKIE), now());
    const member = session && (await store.member(session.memberId));
    return member ? { ...member, sessionRef: session.ref } : undefined;
  }
  const memberCookie = (value: string, maxAgeS: number): string =>
    `${COOKIE}=${encodeURIComponent(value)}; Max-Age=${maxAgeS}; Path=/; HttpOnly; SameSite=Lax${secureCookie}`;
  /** Sign-in on this phone: a new session row, the one the phone presented (if any) ended (rotation). */
  async function rememberCookie(req: IncomingMessage, member: Member): Promise<string> {
    const value = await memberSessions.open(member.id, req.headers['user-agent'], now(), cookieValue(req, COOKIE));
    return memberCookie(value, COOKIE_MAX_AGE_S);
  }
  /**
   * A stateless cookie of before 0010 (`m1.<id>.<mac>` or `<id>.<mac>`) is accepted once: it becomes a
   * session and the phone is sent back to the same page with the new cookie (refused: the cookie is
   * cleared). Answers and returns true when the request carried one.
   */
  async function convertLegacyCookie(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const value = cookieValue(req, COOKIE);
    if (value === undefined || value.startsWith('s1.')) return false;
    const id = unsign('m1', value) ?? unsignLegacyMember(value);
    // Only ids of the shapes the hub and kiosks mint (opaque, or `<kioskId>:<opaque>`) name a member.
    const member = id !== undefined && /^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,64})?$/.test(id) ? await store.member(id) : undefined;
    const converted = member && (await memberSessions.convertLegacy(member.id, value, req.headers['user-agent'], now()));
    if (member)
      log(`member ${member.no}: stateless cookie ${converted ? 'converted into a session' : 'refused (converted before, signed out everywhere or erased)'}`);
    res.writeHead(303, {
      location: url.pathname + url.search,
      ...SAFE_HEADERS,
      'set-cookie': converted ? memberCookie(converted, COOKIE_MAX_AGE_S) : memberCookie('', 0),
    });
    res.end();
    return true;
  }

  function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8', headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, ...SAFE_HEADERS, 'content-security-policy': pagePolicy(), ...headers });
    res.end(body);
  }
  const json = (res: ServerResponse, status: number, body: unknown): void => send(res, status, JSON.stringify(body), 'application/json');

  async function readBody(req: IncomingMessage, limit = MAX_FORM_BYTES): Promise<string | undefined> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return undefined;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function clientAddress(req: IncomingMessage): string {
    // Behind nginx every phone would be 127.0.0.1 and share one failure counter; the proxy sets X-Real-IP.
    // Only a configured proxy is believed: from anyone else the header is the sender's own say-so.
    const peer = req.socket.remoteAddress ?? 'unknown';
    const forwarded = trustedProxies.has(peer) ? req.headers['x-real-ip'] : undefined;
    if (typeof forwarded === 'string' && forwarded.length > 0 && forwarded.length <= 64) return forwarded;
    return peer;
  }
  /**
   * Failed attempts per minute, counted per purpose (claims, joins, pairing, owner sign-in) and per key
   * (an address, a claim QR): bad claims from one phone never lock the owner out, nor one QR another.
   */
  type FailurePurpose = 'claim' | 'join' | 'pair' | 'owner' | 'code';
  function slowedDown(purpose: FailurePurpose, ...keys: string[]): boolean {
    return keys.some((key) => {
      const entry = failures.get(`${purpose}|${key}`);
      return entry !== undefined && nowMs() - entry.since <= 60_000 && entry.count >= maxFailures;
    });
  }
  function noteFailure(purpose: FailurePurpose, ...keys: string[]): void {
    if (failures.size > 10_000) {
      for (const [key, value] of failures) if (nowMs() - value.since > 60_000) failures.delete(key);
    }
    for (const key of keys) {
      const entry = failures.get(`${purpose}|${key}`);
      if (!entry || nowMs() - entry.since > 60_000) failures.set(`${purpose}|${key}`, { count: 1, since: nowMs() });
      else entry.count++;
    }
  }

  async function handleClaim(req: IncomingMessage, res: ServerResponse, token: string, url: URL, locale: Locale): Promise<void> {
    const action = `/C/${token}`;
    const address = clientAddress(req);
    const member = await cookieMember(req);
    const memberOfShop = member && member.shopNo === shop.no ? member : undefined;
    const tokenInfo = await checkToken(token, shop.no);
    const due = tokenInfo.ok ? await store.claimable(claimSaleKey(tokenInfo.data), tokenInfo.data.points, tokenInfo.data.stamps) : undefined;
    const base = {
      locale,
      shopName: shop.name,
      privacyText: shop.privacyText,
      action,
      points: due?.points ?? 0,
      member: memberOfShop ? { name: memberOfShop.name } : null,
    };
    if (slowedDown('claim', address) || (req.method === 'POST' && slowedDown('join', address, `qr:${token}`))) {
      send(res, 429, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.too-many-attempts')), undefined, { 'retry-after': '60' });
      return;
    }
    if (!tokenInfo.ok) {
      noteFailure('claim', address);
      send(res, tokenInfo.reason === 'expired' ? 410 : 400, messagePage(locale, formatMessage(claimMessages, locale, `refusal.${tokenInfo.reason}`)));
      return;
    }
    if (!due) {
      send(res, 410, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.sale-refunded')));
      return;
    }
    if (req.method === 'GET') {
      send(res, 200, claimPage({ ...base, forceJoin: url.searchParams.has('join') }));
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request')));
      return;
    }
    const form = new URLSearchParams(body);
    let claimant: Member | undefined;
    let joined = false;
    if (form.get('mode') === 'member') {
      claimant = memberOfShop;
      if (!claimant) {
        send(res, 400, claimPage({ ...base, member: null, errors: { form: formatMessage(claimMessages, locale, 'refusal.unknown-member') } }));
        return;
      }
    } else {
      const name = (form.get('name') ?? '').trim().slice(0, 80);
      const contactText = (form.get('contact') ?? '').trim();
      const consent = form.get('consent') === 'yes';
      const contact = contactOrUndefined(contactText, regionForLocale(shop.program.locale));
      if (!contact || !consent) {
        noteFailure('join', address, `qr:${token}`);
        send(
          res,
          400,
          claimPage({
            ...base,
            forceJoin: true,
            values: { name, contact: contactText, consent },
            errors: { ...(contact ? {} : { contact: 'contactInvalid' as const }), ...(consent ? {} : { consent: 'consentRequired' as const }) },
          }),
        );
        return;
      }
      const member = await store.joinMember(
        shop.no,
        {
          name: name || null,
          phone: contact.phone,
          email: contact.email,
          consentAt: now().toISOString(),
          consentText: `${formatMessage(claimMessages, locale, 'consent', { shop: shop.name })} ${shop.privacyText}`,
        },
        now(),
        { fillName: false },
      );
      if (!member.created) {
        // The contact is someone's already. Typing it proves nothing, so this phone gets no session (no
        // cookie) and the card is left as it was; the purchase is still theirs: it is credited to that
        // card, without a welcome bonus. The page says how to open the card on this phone.
        const result = await claim(token, member, 'phone', null, locale, false);
        if (!result.ok) {
          noteFailure('claim', address);
          send(res, 409, messagePage(locale, result.message));
          return;
        }
        log(`join with the contact of member ${member.no}: sale credited to that card, no session opened on this phone`);
        send(
          res,
          200,
          messagePage(
            locale,
            `${formatMessage(claimMessages, locale, 'existingContact', { shop: shop.name })} ` + formatMessage(claimMessages, locale, 'existingContactHow'),
          ),
        );
        return;
      }
      claimant = member;
      joined = member.created;
      if (joined) await messaging.queueWelcome(member, locale);
    }
    const result = await claim(token, claimant, 'phone', null, locale, joined);
    // A new member signs in on this phone; a member claiming with their session keeps it.
    const cookie: Record<string, string> = joined ? { 'set-cookie': await rememberCookie(req, claimant) } : {};
    if (!result.ok) {
      noteFailure('claim', address);
      send(res, 409, messagePage(locale, result.message, { href: '/m', text: formatMessage(claimMessages, locale, 'back') }), undefined, cookie);
      return;
    }
    // The card reads the claim back from the store by its sale key: nothing shown comes from the URL.
    res.writeHead(303, { location: `/m?claimed=${encodeURIComponent(result.accepted.saleKey)}`, ...SAFE_HEADERS, ...cookie });
    res.end();
  }

  async function handleCard(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<void> {
    const member = await cookieMember(req);
    const memberShop = member && (await store.shop(member.shopNo));
    if (!member || !memberShop) {
      send(res, 401, messagePage(locale, formatMessage(claimMessages, locale, 'notMember')));
      return;
    }
    if (url.pathname.startsWith('/m/sessions/')) return handleMemberSessions(req, res, url, locale, member);
    // Vouchers of this member that expired unredeemed give their points back before the card is shown.
    await store.releaseExpiredVouchers(now(), member.id);
    const view = await store.memberView(member, now());
    if (url.pathname === '/m/redeem' && req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)) ?? '');
      const rewardKey = Number(form.get('reward'));
      const reward = view.rewards.find((r) => r.rewardKey === rewardKey);
      if (!reward?.affordable) {
        send(
          res,
          400,
          messagePage(locale, formatMessage(claimMessages, locale, 'noRewards'), { href: '/m', text: formatMessage(claimMessages, locale, 'back') }),
        );
        return;
      }
      const voucherId = randomBytes(8).toString('hex');
      const { expiresAt } = voucherValidity(now());
      // The points are held at once, with the voucher row, or nothing is issued (another voucher took them a moment ago).
      const issued = await store.issueVoucher({
        voucherId,
        member,
        rewardKey,
        costPoints: reward.costPoints,
        costStamps: reward.costStamps,
        expiresAt,
        now: now(),
      });
      if (!issued.ok) {
        send(
          res,
          409,
          messagePage(locale, formatMessage(claimMessages, locale, 'noRewards'), { href: '/m', text: formatMessage(claimMessages, locale, 'back') }),
        );
        return;
      }
      const code = createVoucher(
        { shopNo: memberShop.no, voucherId, memberNo: member.no, rewardKey, costPoints: reward.costPoints, costStamps: reward.costStamps, expiresAt },
        voucherKeys.secretKey,
      );
      log(`voucher ${voucherId} issued to member ${member.no}: ${reward.reward.name}, ${reward.costPoints} points / ${reward.costStamps} stamps held`);
      const svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      send(res, 200, voucherPage(locale, reward.reward.name, code, svg, expiresAt));
      return;
    }
    // `claimed` is only a sale key to look up: the flash shows this member's own claim of it, or nothing.
    const claimedKey = (url.searchParams.get('claimed') ?? '').slice(0, 100);
    const claimed = claimedKey === '' ? undefined : await store.claimOf(claimedKey);
    const welcome =
      claimed?.memberId === member.id
        ? ((await store.saleEntries(claimedKey)).find((e) => e.memberId === member.id && e.reason.code === 'welcome')?.points ?? 0)
        : 0;
    send(
      res,
      200,
      cardPage({
        locale,
        shopName: memberShop.name,
        memberName: member.name,
        view,
        history: await store.history(member.id),
        flash: claimed?.memberId === member.id ? { name: member.name ?? '', points: claimed.points, welcome } : null,
        sessions: sessionsCard(locale, await memberSessions.list(member.id), member.sessionRef, memberSessions.csrf(cookieValue(req, COOKIE))),
      }),
    );
  }

  /** The card's "sign out" (one of the member's devices) and "sign out everywhere" forms, CSRF-checked. */
  async function handleMemberSessions(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    locale: Locale,
    member: Member & { sessionRef: string },
  ): Promise<void> {
    const form = new URLSearchParams((await readBody(req)) ?? '');
    const back = { href: '/m', text: formatMessage(claimMessages, locale, 'back') };
    if (req.method !== 'POST' || !memberSessions.csrfOk(cookieValue(req, COOKIE), form.get('csrf'))) {
      send(res, 403, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request'), back));
      return;
    }
    if (url.pathname === '/m/sessions/end-all') {
      const ended = await memberSessions.endAll(member.id, now());
      log(`member ${member.no} signed out everywhere (${ended} sessions)`);
      send(res, 200, messagePage(locale, sessionText(locale, 'signedOutEverywhere')), undefined, { 'set-cookie': memberCookie('', 0) });
      return;
    }
    const ref = form.get('ref') ?? '';
    const ended = url.pathname === '/m/sessions/end' && (await memberSessions.end(member.id, ref, now()));
    if (!ended) {
      send(res, 404, messagePage(locale, formatMessage(claimMessages, locale, 'refusal.invalid-request'), back));
      return;
    }
    // This phone's own session: its cookie goes too.
    const headers: Record<string, string> = ref === member.sessionRef ? { 'set-cookie': memberCookie('', 0) } : {};
    send(res, 200, messagePage(locale, sessionText(locale, 'ended'), ref === member.sessionRef ? undefined : back), undefined, headers);
  }

  function isOwnerToken(given: string): boolean {
    return given.length === ownerToken.length && timingSafeEqual(Buffer.from(given), Buffer.from(ownerToken));
  }
  /**
   * The auth hook of the owner's routes: who is asking is worked out once per request, before any
   * route runs (a session cookie, the owner token or an API key as a bearer — never in the URL, where it
   * would land in logs, history and Referer headers), and the routes read it synchronously. Wrong bearer
   * credentials count as owner sign-in failures.
   */
  const ownerAuths = new WeakMap<IncomingMessage, OwnerAuth | null>();
  async function resolveOwnerAuth(req: IncomingMessage): Promise<OwnerAuth | undefined> {
    const known = ownerAuths.get(req);
    if (known !== undefined) return known ?? undefined;
    let auth: OwnerAuth | undefined;
    const cookie = cookieValue(req, OWNER_COOKIE);
    const session = await accounts.resolveSession(cookie, now());
    if (session && cookie) auth = { principal: session, csrf: accounts.csrf(cookie) };
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!auth && bearer !== undefined) {
      const address = clientAddress(req);
      if (!slowedDown('owner', address)) {
        const principal: OwnerPrincipal | undefined = isOwnerToken(bearer)
          ? { via: 'token', role: 'owner', name: 'owner', accountId: null }
          : await accounts.resolveApiKey(bearer, now());
        if (principal) auth = { principal };
        else {
          noteFailure('owner', address);
          log(`owner bearer credential refused from ${address}`);
        }
      }
    }
    ownerAuths.set(req, auth ?? null);
    return auth;
  }
  /** The resolved owner auth in the shape the owner routes take: 'cookie' with its CSRF token, 'token' for a bearer (token or API key). */
  function ownerAuth(req: IncomingMessage, _url?: URL): (({ via: 'cookie'; csrf: string } | { via: 'token' }) & { principal: OwnerPrincipal }) | undefined {
    const auth = ownerAuths.get(req) ?? undefined;
    if (!auth) return undefined;
    return auth.csrf !== undefined ? { via: 'cookie', csrf: auth.csrf, principal: auth.principal } : { via: 'token', principal: auth.principal };
  }
  const ownerAllowed = (req: IncomingMessage, _url?: URL): boolean => ownerAuth(req) !== undefined;
  /**
   * A state-changing owner request is allowed with a bearer credential (a browser never sends it by itself)
   * or with a cookie session and its CSRF token (form field `csrf` or header `x-csrf-token`).
   */
  function ownerCsrfOk(req: IncomingMessage, url: URL, formCsrf: string | null): boolean {
    const auth = ownerAuth(req, url);
    if (auth?.via === 'token') return true;
    const given = formCsrf ?? (typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : '');
    return auth?.via === 'cookie' && given.length === auth.csrf.length && timingSafeEqual(Buffer.from(given), Buffer.from(auth.csrf));
  }
  /** The CSRF token of a cookie session ('' with a bearer credential): the pages' "Log out" form carries it. */
  const ownerCsrf = (req: IncomingMessage, url: URL): string => {
    const auth = ownerAuth(req, url);
    return auth?.via === 'cookie' ? auth.csrf : '';
  };
  const accountRoute = accountRoutes({
    accounts,
    now,
    log,
    send,
    readBody: (req) => readBody(req),
    auth: (req) => ownerAuths.get(req) ?? undefined,
    sessionCookie: (req) => cookieValue(req, OWNER_COOKIE),
    ownerCookie: (value, maxAgeS) => `${OWNER_COOKIE}=${encodeURIComponent(value)}; Max-Age=${maxAgeS}; Path=/owner; HttpOnly; SameSite=Strict${secureCookie}`,
    isOwnerToken,
    clientAddress,
    slowedDown: (...keys) => slowedDown('owner', ...keys),
    noteFailure: (...keys) => noteFailure('owner', ...keys),
    publicUrl,
  });
  const messageRoute = messageRoutes({
    messaging,
    shop: { no: shop.no, name: shop.name },
    send,
    readBody: (req) => readBody(req),
    clientAddress,
    // Codes get their own failure counter: bad codes never lock out claims or the owner.
    slowedDown: (address) => slowedDown('code', address),
    noteFailure: (address) => noteFailure('code', address),
    parseContact,
    memberByContact: (contact) => store.memberByContact(shop.no, contact),
    rememberCookie,
    ownerAllowed,
    ownerCsrf,
    log,
  });
  const ownerRoutes = ownerDataRoutes({
    owner,
    now,
    log,
    send,
    readBody: (req) => readBody(req),
    ownerAuth,
    chartJs: CHART_JS,
    shop: async () => (await store.shop(shop.no))!,
    member: async (id) => store.member(id),
    entries: async (id) => store.entries(id),
    actor: (req) => `${ownerAuth(req)?.principal.name ?? 'owner'}@${clientAddress(req)}`,
  });

  /** The owner's HTML pages and CSV exports (cookie session or bearer token); false when the path is not one of them. */
  async function handleOwnerPage(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<boolean> {
    const path = url.pathname;
    const isPage = path === '/owner' || path === '/owner/members' || path.startsWith('/owner/members/') || path.startsWith('/owner/export/');
    if (!isPage || req.method !== 'GET') return false;
    if (!ownerAllowed(req, url)) {
      res.writeHead(303, { location: '/owner/login', ...SAFE_HEADERS });
      res.end();
      return true;
    }
    if (path === '/owner/members') {
      const query = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
      send(res, 200, membersPage(locale, query, await store.searchMembers(shop.no, query), ownerCsrf(req, url)));
      return true;
    }
    if (path === '/owner/export/members.csv') {
      const rows = await store.searchMembers(shop.no, '', Number.MAX_SAFE_INTEGER);
      send(
        res,
        200,
        csv(
          ['no', 'id', 'name', 'phone', 'email', 'joined_at', 'points'],
          rows.map((m) => [m.no, m.id, m.name, m.phone, m.email, m.joinedAt, m.points]),
        ),
        'text/csv; charset=utf-8',
        { 'content-disposition': 'attachment; filename="members.csv"' },
      );
      return true;
    }
    if (path === '/owner/export/ledger.csv') {
      const { entries } = await store.ownerFacts(shop.no);
      send(
        res,
        200,
        csv(
          ['id', 'member_id', 'kind', 'points', 'stamps', 'sale_id', 'reverses', 'reason', 'label', 'spend', 'at'],
          entries.map((e) => [
            e.id,
            e.memberId,
            e.kind,
            e.points,
            e.stamps,
            e.saleId,
            e.reverses,
            e.reason.code,
            e.reason.label ?? null,
            e.spend ?? null,
            e.at,
          ]),
        ),
        'text/csv; charset=utf-8',
        { 'content-disposition': 'attachment; filename="ledger.csv"' },
      );
      return true;
    }
    return false;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const locale = pickLocale(req.headers['accept-language']);
    const path = url.pathname;
    // The owner's auth hook: resolved once, before any owner route.
    if (path === '/owner' || path.startsWith('/owner/')) await resolveOwnerAuth(req);
    const claimMatch = /^\/c\/([A-Za-z2-7]{1,120})$/i.exec(path);
    const phonePage = claimMatch !== null || path === '/m' || path.startsWith('/m/');
    if (phonePage && (await convertLegacyCookie(req, res, url))) return;
    if (claimMatch && (req.method === 'GET' || req.method === 'POST')) return handleClaim(req, res, claimMatch[1]!.toUpperCase(), url, locale);
    if (path === '/m' || path === '/m/redeem' || path === '/m/sessions/end' || path === '/m/sessions/end-all') return handleCard(req, res, url, locale);
    if ((path.startsWith('/m/open') || path.startsWith('/u/') || path === '/owner/messages') && (await messageRoute(req, res, url, locale))) return;
    if (path === '/v1/health') return json(res, 200, { ok: true, kiosksConnected: io.engine.clientsCount });
    if (path === '/health') {
      const up = await store.ping();
      if (!up) noteDatabaseDown(new Error('health check: no answer'));
      return json(res, up ? 200 : 503, { ok: up, database: up ? 'up' : 'down', engine: store.engine });
    }
    if (path === '/v1/pair' && req.method === 'POST') {
      if (slowedDown('pair', clientAddress(req))) return json(res, 429, { error: 'too many failed pairing attempts: wait a minute' });
      const body = await readBody(req);
      let parsed;
      try {
        parsed = pairRequestSchema.safeParse(JSON.parse(body ?? ''));
      } catch {
        return json(res, 400, { error: 'body must be JSON {"code": "...", "name": "..."}' });
      }
      if (!parsed.success) return json(res, 400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
      const kiosk = await store.pairKiosk(parsed.data.code, parsed.data.name, now());
      if (!kiosk) {
        noteFailure('pair', clientAddress(req));
        return json(res, 403, { error: 'pairing code unknown, used or expired: ask the hub owner for a new one' });
      }
      log(`kiosk paired: ${kiosk.name} (${kiosk.id})`);
      const answer: PairResponse = { kioskId: kiosk.id, kioskNo: kiosk.no, shopId: shop.id, shopNo: kiosk.shopNo, secret: kiosk.secret, hubPublicKey };
      return json(res, 200, answer);
    }
    if (path.startsWith('/owner/') && (await accountRoute(req, res, url, locale))) return;
    if (path.startsWith('/owner/program/') && (await handleProgramEditor(req, res, url, locale))) return;
    if ((path === '/owner' || path.startsWith('/owner/')) && ((await ownerRoutes(req, res, url, locale)) || (await handleOwnerPage(req, res, url, locale))))
      return;
    if (path.startsWith('/owner/')) {
      const auth = ownerAuth(req, url);
      if (!auth) return json(res, 401, { error: 'owner sign-in, owner token or API key required' });
      // Pairing and revoking kiosks decide which machines may write to the shop: the owner only, not a manager.
      const ownerOnly = path === '/owner/pairing-code' || /^\/owner\/kiosks\/[\w-]+\/revoke$/.test(path);
      if (ownerOnly && auth.principal.role !== 'owner') return json(res, 403, { error: 'only the owner pairs and revokes kiosks' });
      if (path === '/owner/pairing-code' && (req.method === 'POST' || req.method === 'GET')) {
        return json(res, 200, await store.createPairingCode(shop.no, now()));
      }
      if (path === '/owner/program' && req.method === 'GET') return json(res, 200, (await store.shop(shop.no))!.program);
      if (req.method !== 'GET' && !ownerCsrfOk(req, url, null)) {
        return json(res, 403, { error: "CSRF token missing or wrong: send the page's token as the x-csrf-token header, or use the bearer token" });
      }
      if (path === '/owner/program' && req.method === 'PUT') {
        const body = await readBody(req, MAX_PROGRAM_BYTES);
        if (body === undefined) return json(res, 413, { error: `program document over ${MAX_PROGRAM_BYTES} bytes` });
        let document: unknown;
        try {
          document = JSON.parse(body);
        } catch {
          return json(res, 400, { error: 'body must be a JSON program document' });
        }
        const parsed = parseProgram(document);
        if (!parsed.ok) return json(res, 400, { error: 'program refused, nothing changed', issues: parsed.errors });
        const published = await publishProgram(parsed.program, now().toISOString());
        return json(res, 200, { ok: true, name: parsed.program.name, version: published.version });
      }
      const revoke = /^\/owner\/kiosks\/([\w-]+)\/revoke$/.exec(path);
      if (revoke && req.method === 'POST') {
        const done = await store.revokeKiosk(revoke[1]!, now());
        for (const socket of await io.fetchSockets()) if ((socket.data as { kiosk?: Kiosk }).kiosk?.id === revoke[1]) socket.disconnect(true);
        return json(res, done ? 200 : 404, { revoked: done });
      }
    }
    send(res, 404, 'not found', 'text/plain');
  }

  const http: HttpServer = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) {
        noteDatabaseDown(error);
        if (res.headersSent) res.end();
        else if (wantsJson(req)) json(res, 503, { ok: false, error: DATABASE_UNAVAILABLE });
        else send(res, 503, messagePage(pickLocale(req.headers['accept-language']), DATABASE_UNAVAILABLE), undefined, { 'retry-after': '5' });
        return;
      }
      log(`http error on ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) send(res, 500, 'internal error', 'text/plain');
      else res.end();
    });
  });

  // A phone on a bad line must not hold a connection forever.
  http.requestTimeout = 15_000;
  http.headersTimeout = 10_000;

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
      else target.timeout(10_000).emit('claimRefused', delivery.payload, answered);
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

    socket.on('syncOutbox', async (payload, ack) => {
      if (typeof ack !== 'function') return;
      const wait = gate();
      if (wait > 0) return ack({ ok: false, error: slowDown(wait), retryAfterMs: wait });
      try {
        const parsed = syncOutboxSchema.safeParse(payload);
        if (!parsed.success) {
          ack({
            ok: false,
            error: `outbox batch refused: ${parsed.error.issues
              .slice(0, 3)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')}`,
          });
          return;
        }
        const applied = await store.applyOutbox(kiosk, parsed.data.messages, now());
        for (const r of applied.refused) log(`kiosk ${kiosk.name} (${kiosk.no}): outbox message ${r.id} refused: ${r.reason}`);
        ack({ ok: true, acked: applied.acked, ...(applied.refused.length > 0 ? { refused: applied.refused } : {}) });
        void noticeMemberChanges();
        // An offline claim refused in this batch (claimRefused) waits in the kiosk's queue: send it now.
        void flushDeliveries(kiosk.no);
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
        ack({ ok: true, ...(await memberChangesSince(store.db, kiosk.shopNo, parsed.data.cursor)) });
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

  /** Publishes a checked program from `effectiveFrom` and tells every connected kiosk of the shop (on any node). */
  async function publishProgram(program: Program, effectiveFrom: string): Promise<{ version: number; effectiveFrom: string }> {
    const published = await store.publishProgram(shop.no, program, effectiveFrom, now());
    log(`program version ${published.version} published, in effect from ${published.effectiveFrom}: ${program.name}`);
    await applyDueProgram();
    for (const socket of await io.in(`shop:${shop.no}`).fetchSockets()) {
      const kiosk = (socket.data as { kiosk?: Kiosk }).kiosk;
      if (kiosk) void sendProgramVersions(kiosk.no, kiosk.shopNo);
    }
    return published;
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

  /** The program page's script fetches its preview: the CSP allows that one connection to this origin. */
  const EDITOR_CSP = pagePolicy({ fetchFromHub: true });

  /** GET /owner/program/edit, POST /owner/program/preview (JSON), POST /owner/program/publish, GET /owner/program/versions; false when not one of them. */
  async function handleProgramEditor(req: IncomingMessage, res: ServerResponse, url: URL, locale: Locale): Promise<boolean> {
    const path = url.pathname;
    const routes = ['/owner/program/edit', '/owner/program/preview', '/owner/program/publish', '/owner/program/versions'];
    if (!routes.includes(path)) return false;
    if (!ownerAllowed(req, url)) {
      if (path === '/owner/program/edit') {
        res.writeHead(303, { location: '/owner/login', ...SAFE_HEADERS });
        res.end();
      } else {
        json(res, 401, { error: 'owner login required' });
      }
      return true;
    }
    await applyDueProgram();
    // The editor starts from the newest version (a scheduled one included), so edits build on it.
    const versions = await store.programVersions(shop.no);
    const latest = versions.at(-1)?.document ?? (await store.shop(shop.no))!.program;
    const zone = latest.timeZone;
    const today = localTime(now(), zone).date;
    const render = async (
      status: number,
      extra: {
        values?: Map<string, string[]>;
        errors?: ProgramIssue[];
        fields?: [string, string][];
        published?: { version: number; from: string };
        publishFrom?: string;
      },
    ): Promise<void> => {
      const samples = samplesFromForm(latest, extra.fields ?? defaultSampleFields(latest));
      const preview = previewSales(latest, samples, { locale, fromDate: today }).map((line, i) => ({ ...line, row: samples[i]!.row }));
      send(
        res,
        status,
        programEditorPage({
          locale,
          program: latest,
          preview,
          versions: await versionRows(),
          ...(extra.values ? { values: extra.values } : {}),
          ...(extra.errors ? { errors: extra.errors } : {}),
          ...(extra.published ? { published: extra.published } : {}),
          ...(extra.publishFrom ? { publishFrom: extra.publishFrom } : {}),
          csrf: ownerCsrf(req, url),
        }),
        undefined,
        { 'content-security-policy': EDITOR_CSP },
      );
    };

    if (path === '/owner/program/versions' && req.method === 'GET') {
      json(res, 200, await versionRows());
      return true;
    }
    if (path === '/owner/program/edit' && req.method === 'GET') {
      const published = Number(url.searchParams.get('published'));
      const version = versions.find((v) => v.version === published);
      const from = version
        ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(version.effectiveFrom))
        : '';
      await render(200, version ? { published: { version: version.version, from } } : {});
      return true;
    }
    if (path === '/owner/program/preview' && req.method === 'POST') {
      const body = await readBody(req, MAX_PROGRAM_BYTES);
      let fields: [string, string][];
      try {
        const parsed = JSON.parse(body ?? '') as { fields?: unknown };
        if (!Array.isArray(parsed.fields)) throw new Error('fields');
        fields = parsed.fields.filter((f): f is [string, string] => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string');
      } catch {
        json(res, 400, { error: 'body must be JSON {"fields": [["name", "value"], ...]}' });
        return true;
      }
      const edit = programFromForm(latest, fields, locale);
      const samples = edit.ok ? samplesFromForm(edit.program, fields) : [];
      const lines = edit.ok
        ? previewSales(edit.program, samples, { locale, fromDate: publishDate(fields) ?? today }).map((line, i) => ({ ...line, row: samples[i]!.row }))
        : [];
      json(res, 200, { ok: edit.ok, lines, errors: edit.ok ? [] : edit.errors });
      return true;
    }
    if (path === '/owner/program/publish' && req.method === 'POST') {
      const body = await readBody(req, MAX_PROGRAM_BYTES);
      if (body === undefined) {
        json(res, 413, { error: `form over ${MAX_PROGRAM_BYTES} bytes` });
        return true;
      }
      const form = new URLSearchParams(body);
      if (!ownerCsrfOk(req, url, form.get('csrf'))) {
        send(res, 403, messagePage(locale, formatMessage(ownerDataMessages, locale, 'error.csrf')));
        return true;
      }
      const fields = [...form].filter(([name]) => name !== 'csrf');
      const values = new Map<string, string[]>();
      for (const [name, value] of fields) values.set(name, [...(values.get(name) ?? []), value]);
      const fromText = values.get('publish.from')?.[0] ?? '';
      const errors: ProgramIssue[] = [];
      let effectiveFrom: string | undefined;
      const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(fromText);
      const start = publicationStart(fromText === '' ? undefined : match ? zonedInstant(match[1]!, match[2]!, zone).toISOString() : 'invalid', now());
      if (start.ok) effectiveFrom = start.effectiveFrom;
      else
        errors.push({
          path: 'publish.from',
          message: formatMessage(programMessages, locale, start.reason === 'past' ? 'form.publishPast' : 'form.publishInvalid'),
        });
      const edit = programFromForm(latest, fields, locale);
      if (!edit.ok) errors.push(...edit.errors);
      if (!edit.ok || effectiveFrom === undefined) {
        await render(400, {
          values,
          errors,
          fields: fields.some(([name]) => name.startsWith('sample.')) ? fields : defaultSampleFields(latest),
          publishFrom: fromText,
        });
        return true;
      }
      const published = await publishProgram(edit.program, effectiveFrom);
      res.writeHead(303, { location: `/owner/program/edit?published=${published.version}`, ...SAFE_HEADERS });
      res.end();
      return true;
    }
    send(res, 405, 'method not allowed', 'text/plain');
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 7400, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = http.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  listeningUrl = `http://${shownHost}:${address.port}`;
  messaging.start();
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
    ownerToken,
    accounts,
    memberSessions,
    setupLink,
    hubPublicKey,
    io,
    newPairingCode: async () => (await store.createPairingCode(shop.no, now())).code,
    connectedKiosks: () => io.engine.clientsCount,
    databaseUp: () => store.ping(),
    async close() {
      clearInterval(databaseWatch);
      clearInterval(dueProgramTimer);
      clearInterval(voucherExpiryTimer);
      clearInterval(memberChangeWatch);
      if (sweep) clearInterval(sweep);
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      http.closeAllConnections();
      // The message being sent is finished and marked; claimed ones not yet tried go back to the queue.
      await messaging.stop();
      mailer?.close();
      await cluster?.close();
      await store.close();
    },
  };
}

export type { ClaimAccepted };
