import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The hub's HTTP guards, in one place: who is asking (the phone's address, through configured
 * proxies only), failure counters per purpose and per thing, and the signed member and owner
 * sessions with the owner's CSRF token. Route modules get one instance of each through the
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
export const OWNER_COOKIE_MAX_AGE_S = 12 * 3600;
const MEMBER_COOKIE_MAX_AGE_S = 400 * 24 * 3600; // the longest browsers keep a cookie

/** How the owner is signed in: a browser session (with its CSRF token) or the bearer token (a script). */
export type OwnerAuth = { via: 'cookie'; csrf: string } | { via: 'token' };

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
 * Member and owner sessions. A value is signed as `<purpose>.<value>.<mac>` with the MAC over
 * "<purpose>|<value>" under the purpose's own key: a value signed for one purpose is never valid for
 * another, and members and the owner never share a key.
 */
export class HubSessions {
  constructor(
    private readonly keys: { member: string; owner: string; ownerToken: string },
    private readonly now: () => Date,
  ) {}

  private sign(purpose: 'm1' | 'o1', value: string): string {
    const key = purpose === 'o1' ? this.keys.owner : this.keys.member;
    return `${purpose}.${value}.${createHmac('sha256', key).update(`${purpose}|${value}`).digest('hex')}`;
  }

  private unsign(purpose: 'm1' | 'o1', signed: string | undefined): string | undefined {
    if (!signed?.startsWith(`${purpose}.`)) return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= purpose.length + 1) return undefined;
    return sameText(this.sign(purpose, signed.slice(purpose.length + 1, dot)), signed) ? signed.slice(purpose.length + 1, dot) : undefined;
  }

  /** Member cookies from before purpose prefixes (`<id>.<mac of id>`, member key), still read so phones stay signed in. */
  private unsignLegacyMember(signed: string): string | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot < 1) return undefined;
    const value = signed.slice(0, dot);
    return sameText(`${value}.${createHmac('sha256', this.keys.member).update(value).digest('hex')}`, signed) ? value : undefined;
  }

  /**
   * The member id the phone's cookie names, when it is signed by this hub. Which member (if any) that
   * opens is sessionMember's decision (cloud/member-session.ts): id shape, merges, erasure.
   */
  memberId(req: RequestLike): string | undefined {
    const signed = cookieValue(req, MEMBER_COOKIE);
    return signed === undefined ? undefined : (this.unsign('m1', signed) ?? this.unsignLegacyMember(signed));
  }

  memberCookie(memberId: string): string {
    return `${MEMBER_COOKIE}=${encodeURIComponent(this.sign('m1', memberId))}; Max-Age=${MEMBER_COOKIE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax`;
  }

  isOwnerToken(given: string): boolean {
    return sameText(given, this.keys.ownerToken);
  }

  /** A new owner session cookie, valid OWNER_COOKIE_MAX_AGE_S. */
  ownerCookie(): string {
    const value = this.sign('o1', String(this.now().getTime() + OWNER_COOKIE_MAX_AGE_S * 1000));
    return `${OWNER_COOKIE}=${encodeURIComponent(value)}; Max-Age=${OWNER_COOKIE_MAX_AGE_S}; Path=/owner; HttpOnly; SameSite=Strict`;
  }

  static readonly ownerCookieCleared = `${OWNER_COOKIE}=; Max-Age=0; Path=/owner; HttpOnly; SameSite=Strict`;

  /** The owner's session cookie ("o1.<expiry ms>.<mac>" under the owner's own key) while it is valid. */
  ownerSession(req: RequestLike): string | undefined {
    const signed = cookieValue(req, OWNER_COOKIE);
    const value = signed === undefined ? undefined : this.unsign('o1', signed);
    const expires = value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    return Number.isFinite(expires) && expires > this.now().getTime() ? signed : undefined;
  }

  /** The CSRF token of an owner session: an HMAC of the session, so it changes at every sign-in. */
  ownerCsrf(session: string): string {
    return createHmac('sha256', this.keys.owner).update(`csrf|${session}`).digest('hex');
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
