/**
 * Per-kiosk token buckets for the hub's Socket.IO commands (syncOutbox, claimSale). A kiosk may send
 * `burst` commands at once and `perSecond` on average; past that it is told to slow down with the
 * time after which its next command would be accepted. Pure: the time is an argument.
 *
 * The buckets live in the node that holds the kiosk's connection (a kiosk has one connection at a
 * time), so no shared state is needed between hub nodes.
 */

export interface ThrottleLimits {
  /** Commands a kiosk may send back to back. */
  burst: number;
  /** Commands per second refilled. */
  perSecond: number;
}

/** Generous for a till (a drain sends one batch of up to 500 messages and waits for its ack). */
export const DEFAULT_KIOSK_LIMITS: ThrottleLimits = { burst: 40, perSecond: 20 };

interface Bucket {
  tokens: number;
  at: number;
}

export class KioskThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private pruneAbove = 1024;

  constructor(readonly limits: ThrottleLimits = DEFAULT_KIOSK_LIMITS) {
    if (!(limits.burst >= 1) || !(limits.perSecond > 0)) throw new Error('throttle: burst must be ≥ 1 and perSecond > 0');
  }

  /** Takes one token for `key` at `nowMs`: 0 when allowed, else the milliseconds until one is available. */
  take(key: string, nowMs: number): number {
    const { burst, perSecond } = this.limits;
    if (this.buckets.size > this.pruneAbove) this.prune(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, nowMs - bucket.at) * perSecond) / 1000);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / perSecond);
  }

  /**
   * Drops buckets that have refilled completely (they equal a fresh one). Buckets are kept across
   * reconnects, so reconnecting gives a flooder no fresh burst.
   */
  prune(nowMs: number): void {
    const fullAfterMs = (this.limits.burst * 1000) / this.limits.perSecond;
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.at >= fullAfterMs) this.buckets.delete(key);
    this.pruneAbove = Math.max(1024, this.buckets.size * 2);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The most commands `take` can allow over `elapsedMs`: the bound a test checks a flooder against. */
  allowance(elapsedMs: number): number {
    return Math.floor(this.limits.burst + (elapsedMs * this.limits.perSecond) / 1000);
  }
}
