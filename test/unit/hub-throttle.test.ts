import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KioskThrottle } from '../../cloud/throttle';

describe('per-kiosk token bucket', () => {
  it('allows the burst, then one command per 1/perSecond, and says how long to wait', () => {
    const t = new KioskThrottle({ burst: 3, perSecond: 2 });
    expect([t.take('k', 0), t.take('k', 0), t.take('k', 0)]).toEqual([0, 0, 0]);
    expect(t.take('k', 0)).toBe(500);
    expect(t.take('k', 250)).toBe(250);
    expect(t.take('k', 500)).toBe(0);
    expect(t.take('k', 500)).toBe(500);
  });

  it('keeps kiosks apart: one kiosk over its limit does not use another one’s tokens', () => {
    const t = new KioskThrottle({ burst: 2, perSecond: 1 });
    for (let i = 0; i < 50; i++) t.take('flooder', 0);
    expect(t.take('flooder', 0)).toBeGreaterThan(0);
    expect([t.take('till', 0), t.take('till', 0)]).toEqual([0, 0]);
  });

  it('never allows more than burst + perSecond × elapsed, whatever the pattern of calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 400 }),
        (burst, perSecond, gaps) => {
          const t = new KioskThrottle({ burst, perSecond });
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (t.take('k', now) === 0) allowed++;
          }
          return allowed <= t.allowance(now);
        },
      ),
    );
  });

  it('a refused caller that waits the time it was told is allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.5, max: 500, noNaN: true }), (burst, perSecond) => {
        const t = new KioskThrottle({ burst, perSecond });
        let wait = 0;
        for (let i = 0; i <= burst; i++) wait = t.take('k', 1000);
        return wait > 0 && t.take('k', 1000 + wait) === 0;
      }),
    );
  });

  it('prunes refilled buckets but keeps a flooder’s empty one (reconnecting gives no fresh burst)', () => {
    const t = new KioskThrottle({ burst: 2, perSecond: 1 });
    t.take('idle', 0);
    for (let i = 0; i < 5; i++) t.take('flooder', 10_000);
    t.prune(10_000);
    expect(t.size).toBe(1);
    expect(t.take('flooder', 10_000)).toBeGreaterThan(0);
  });

  it('refuses nonsense limits', () => {
    expect(() => new KioskThrottle({ burst: 0, perSecond: 1 })).toThrow(/burst/);
    expect(() => new KioskThrottle({ burst: 1, perSecond: 0 })).toThrow(/perSecond/);
  });
});
