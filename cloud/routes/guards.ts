import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseSessionCookie } from '../../core/accounts';
import { deviceKey } from '../join-verification';
import type { MemberSession, MemberSessions } from '../member-sessions';
import { OWNER_SESSION_MS, type OwnerAccounts, type OwnerPrincipal, type OwnerRole } from '../owner-accounts';

/**
 * The hub's HTTP guards, in one place: who is asking (the phone's address, through configured
 * proxies only), failure counters per purpose and per thing, and the member and owner session
 * cookies with their CSRF tokens. Route modules get one instance of each through the
 * context (cloud/routes/context.ts); nothing here re-derives them per route.
 */

/** What the guards read of a request: a Fastify request and a node IncomingMessage both fit. */
export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined };
}

export const LOOPBACK_PROXIES = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/**
 * The phone's address. Behind nginx every phone would be 127.0.0.1 and share one failure counter, so
 * the proxy's `X-Real-IP` (else the nearest address of `X-Forwarded-For`) names it, but only when the
 * peer is a configured proxy (HUB_TRUSTED_PROXIES): from anyone else the header is the sender's say-so.
 */
export function clientAddress(req: RequestLike, trustedProxies: ReadonlySet<string>): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustedProxies.has(peer)) return peer;
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real.length > 0 && real.length <= 64) return real.trim();
  const forwarded = req.headers['x-forwarded-for'];
  const nearest = (typeof forwarded === 'string' ? forwarded : '').split(',').at(-1)?.trim() ?? '';
  return nearest.length > 0 && nearest.length <= 64 ? nearest : peer;
}

/**
 * What a failure is counted against: claims, joins, pairing, owner sign-in and one-time codes each
 * have their own counters, so bad claims from one phone never lock the owner out.
 */
export type FailurePurpose = 'claim' | 'join' | 'pair' | 'owner' | 'code';

/**
 * Failed attempts per minute, per purpose and per key. The keys name the thing attacked (a claim QR
 * `qr:<token>`, a contact `contact:<e-mail or phone>`, a bearer attempt `owner:bearer`) and, as the
 * last line, the address `ip:<address>`: a request is slowed down when any of its keys is over the
 * limit, and a failure counts against all of them. Time comes from the hub's clock.
 */
export class FailureCounters {
  private readonly entries = new Map<string, { count: number; since: number }>();
  constructor(
    private readonly maxPerMinute: number,
    private readonly nowMs: () => number,
  ) {}

  slowedDown(purpose: FailurePurpose, ...keys: string[]): boolean {
    const at = this.nowMs();
    return keys.some((key) => {
      const entry = this.entries.get(`${purpose}|${key}`);
      return entry !== undefined && at - entry.since <= 60_000 && entry.count >= this.maxPerMinute;
    });
  }

  note(purpose: FailurePurpose, ...keys: string[]): void {
    const at = this.nowMs();
    if (this.entries.size > 10_000) {
      for (const [key, value] of this.entries) if (at - value.since > 60_000) this.entries.delete(key);
    }
    for (const key of keys) {
      const entry = this.entries.get(`${purpose}|${key}`);
      if (!entry || at - entry.since > 60_000) this.entries.set(`${purpose}|${key}`, { count: 1, since: at });
      else entry.count++;
    }
  }
}

export const MEMBER_COOKIE = 'lk_member';
/** Not `lk_owner`: owner sessions of the old format (signed with the member key) are simply not read any more. */
export const OWNER_COOKIE = 'lk_owner_session';
/** The phone's device id (16 random bytes), set by the claim page; counts new cards per phone. */
export const DEVICE_COOKIE = 'lk_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;
const MEMBER_COOKIE_MAX_AGE_S = 400 * 24 * 3600; // the longest browsers keep a cookie
/** The shapes of member ids the hub and kiosks mint (opaque, or `<kioskId>:<opaque>`). */
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,64})?$/;

/**
 * How the owner's side is signed in on this request (worked out once, by the owner hook): a browser
 * session (with its CSRF token), or a bearer credential (the owner token or an API key: a script,
 * which needs no CSRF token). `principal` says who, with which role.
 */
export type OwnerAuth = ({ via: 'cookie'; csrf: string } | { via: 'token' }) & { principal: OwnerPrincipal };

export function cookieValue(req: RequestLike, name: string): string | undefined {
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
}

/**
 * The hub's session cookies, in one place. Members: `lk_member` = `s1.<id>`, a row of MemberSessions
 * (cloud/member-sessions.ts) under the member key. The owner's side: `lk_owner_session` = `o2.<id>`,
 * a row of OwnerAccounts (cloud/owner-accounts.ts) under the owner's own key. The rows keep only an
 * HMAC of the id; members and the owner never share a key. The CSRF tokens of both are HMACs of the
 * session under its own key, so they change with every sign-in.
 */
export class HubSessions {
  /** `; Secure` when phones and the owner reach the hub over HTTPS (HUB_PUBLIC_URL). */
  private readonly secure: string;

  constructor(
    private readonly keys: { member: string; owner: string; ownerToken: string },
    readonly members: MemberSessions,
    readonly accounts: OwnerAccounts,
    private readonly now: () => Date,
    https: boolean,
  ) {
    this.secure = https ? '; Secure' : '';
  }

  // ---- members -----------------------------------------------------------------------------------

  private memberCookie(value: string, maxAgeS: number): string {
    return `${MEMBER_COOKIE}=${encodeURIComponent(value)}; Max-Age=${maxAgeS}; Path=/; HttpOnly; SameSite=Lax${this.secure}`;
  }

  get memberCookieCleared(): string {
    return this.memberCookie('', 0);
  }

  /** The phone's live member session (ended, unknown or malformed: none). */
  memberSession(req: RequestLike): Promise<MemberSession | undefined> {
    return this.members.resolve(cookieValue(req, MEMBER_COOKIE), this.now());
  }

  /** Sign-in on this phone: a new session, the one the phone presented (if any) ended (rotation). The Set-Cookie value. */
  async openMemberSession(req: RequestLike, memberId: string): Promise<string> {
    const value = await this.members.open(memberId, req.headers['user-agent'], this.now(), cookieValue(req, MEMBER_COOKIE));
    return this.memberCookie(value, MEMBER_COOKIE_MAX_AGE_S);
  }

  /** The CSRF token of the card's session forms. */
  memberCsrf(req: RequestLike): string {
    const id = parseSessionCookie('s1', cookieValue(req, MEMBER_COOKIE)) ?? '';
    return createHmac('sha256', this.keys.member).update(`member-csrf|${id}`).digest('base64url');
  }

  memberCsrfOk(req: RequestLike, given: string): boolean {
    return parseSessionCookie('s1', cookieValue(req, MEMBER_COOKIE)) !== undefined && sameText(given, this.memberCsrf(req));
  }

  /**
   * A stateless member cookie of before 0010 (`m1.<id>.<mac>`, or `<id>.<mac>` from before purpose
   * prefixes; member key): undefined when the phone sent none (or a session cookie); else the cookie
   * and the member id it names when its signature and shape check.
   */
  legacyMemberCookie(req: RequestLike): { value: string; memberId: string | undefined } | undefined {
    const value = cookieValue(req, MEMBER_COOKIE);
    if (value === undefined || value === '' || value.startsWith('s1.')) return undefined;
    const id = this.unsignLegacy(value);
    return { value, memberId: id !== undefined && MEMBER_ID.test(id) ? id : undefined };
  }

  /** Turns a checked stateless cookie into a session once: the Set-Cookie of the new session, or of the cleared cookie when refused. */
  async convertLegacyMember(req: RequestLike, memberId: string, legacy: string): Promise<{ converted: boolean; setCookie: string }> {
    const value = await this.members.convertLegacy(memberId, legacy, req.headers['user-agent'], this.now());
    return value
      ? { converted: true, setCookie: this.memberCookie(value, MEMBER_COOKIE_MAX_AGE_S) }
      : { converted: false, setCookie: this.memberCookieCleared };
  }

  private unsignLegacy(signed: string): string | undefined {
    const mac = (text: string): string => createHmac('sha256', this.keys.member).update(text).digest('hex');
    const dot = signed.lastIndexOf('.');
    if (dot < 1) return undefined;
    if (signed.startsWith('m1.') && dot > 3) {
      const value = signed.slice(3, dot);
      if (sameText(`m1.${value}.${mac(`m1|${value}`)}`, signed)) return value;
    }
    const value = signed.slice(0, dot);
    return sameText(`${value}.${mac(value)}`, signed) ? value : undefined;
  }

  // ---- the phone's device id ---------------------------------------------------------------------

  /**
   * The `lk_device` cookie's key (cloud/join-verification.ts deviceKey), or null for a phone that sent
   * none or a malformed one. Not a credential: it only counts new cards per phone; a phone that drops
   * it is counted per address instead.
   */
  deviceOf(req: RequestLike): string | null {
    const value = cookieValue(req, DEVICE_COOKIE);
    return value !== undefined && DEVICE_ID.test(value) ? deviceKey(value) : null;
  }

  /** A Set-Cookie with a new device id when the phone has none (400 days, like the member cookie), else undefined. */
  newDeviceCookie(req: RequestLike): string | undefined {
    if (this.deviceOf(req) !== null) return undefined;
    return `${DEVICE_COOKIE}=${randomBytes(16).toString('base64url')}; Max-Age=${MEMBER_COOKIE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax${this.secure}`;
  }

  // ---- the owner's side --------------------------------------------------------------------------

  isOwnerToken(given: string): boolean {
    return sameText(given, this.keys.ownerToken);
  }

  private ownerCookie(value: string, maxAgeS: number): string {
    return `${OWNER_COOKIE}=${encodeURIComponent(value)}; Max-Age=${maxAgeS}; Path=/owner; HttpOnly; SameSite=Strict${this.secure}`;
  }

  get ownerCookieCleared(): string {
    return this.ownerCookie('', 0);
  }

  /** The browser's owner session with its CSRF token, while it is live; undefined otherwise. */
  async ownerSession(req: RequestLike): Promise<{ principal: OwnerPrincipal; csrf: string } | undefined> {
    const cookie = cookieValue(req, OWNER_COOKIE);
    const principal = cookie === undefined ? undefined : await this.accounts.resolveSession(cookie, this.now());
    return principal && cookie !== undefined ? { principal, csrf: this.ownerCsrf(cookie) } : undefined;
  }

  /** Sign-in: the session this browser had (if any) ends and a new one opens (rotation). The Set-Cookie value. */
  async openOwnerSession(req: RequestLike, who: { accountId: string | null; name: string; role: OwnerRole }): Promise<string> {
    await this.endOwnerSession(req);
    return this.ownerCookie(await this.accounts.openSession(who, this.now()), OWNER_SESSION_MS / 1000);
  }

  /** Sign-out: the session ends on the hub (a copy of the cookie opens nothing afterwards). */
  async endOwnerSession(req: RequestLike): Promise<void> {
    await this.accounts.endSession(cookieValue(req, OWNER_COOKIE), this.now());
  }

  private ownerCsrf(cookie: string): string {
    return createHmac('sha256', this.keys.owner).update(`csrf|${cookie}`).digest('hex');
  }
}

/** Constant-time comparison of two strings (false when their lengths differ). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The bearer token of an Authorization header (never a query parameter: URLs land in logs and Referer headers). */
export function bearerOf(req: RequestLike): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
}
