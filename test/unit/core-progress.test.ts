import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { progressToReward } from '../../core/program/progress';
import { demoProgram } from '../../core/program/demo';
import type { Reward } from '../../core/program/schema';
import { programArbitrary } from './core-arbitraries';

// The demo program: 'free-coffee' 9 stamps on 'coffee-card', 'ten-off' 100 points, 'five-zl' 60 points.
const program = demoProgram();

describe('progressToReward (the one progress to the next reward)', () => {
  it('names a ready reward before any that is closer in units', () => {
    expect(progressToReward(program, { points: 70, stampsByCard: { 'coffee-card': 8 } })).toEqual({
      rewardId: 'five-zl',
      rewardName: '5 zł off',
      unit: 'points',
      cost: 60,
      remaining: 0,
      ready: true,
    });
  });

  it('takes the first ready reward in the program order when several are ready', () => {
    expect(progressToReward(program, { points: 500, stampsByCard: { 'coffee-card': 9 } })).toMatchObject({ rewardId: 'free-coffee', ready: true });
  });

  it('compares the share of the cost still missing, not stamps against points', () => {
    // 10 of 60 points missing (17%) is nearer than 2 of 9 stamps (22%), though 2 < 10.
    expect(progressToReward(program, { points: 50, stampsByCard: { 'coffee-card': 7 } })).toEqual({
      rewardId: 'five-zl',
      rewardName: '5 zł off',
      unit: 'points',
      cost: 60,
      remaining: 10,
      ready: false,
    });
    // 1 of 9 stamps missing (11%) beats 10 of 60 points (17%).
    expect(progressToReward(program, { points: 50, stampsByCard: { 'coffee-card': 8 } })).toEqual({
      rewardId: 'free-coffee',
      rewardName: 'Free coffee',
      unit: 'stamps',
      cost: 9,
      remaining: 1,
      ready: false,
    });
  });

  it("counts only the stamps of the reward's own card, and a negative balance as further away", () => {
    expect(progressToReward(program, { points: -20, stampsByCard: { 'other-card': 9 } })).toMatchObject({
      rewardId: 'free-coffee',
      remaining: 9,
      ready: false,
    });
  });

  it('breaks ties by the program order and says nothing when there is no reward', () => {
    expect(progressToReward(program, { points: 0, stampsByCard: {} })).toMatchObject({ rewardId: 'free-coffee', remaining: 9 });
    expect(progressToReward({ rewards: [] }, { points: 1000, stampsByCard: {} })).toBeNull();
  });

  const balance = fc.record({
    points: fc.integer({ min: -500, max: 5000 }),
    stampsByCard: fc.dictionary(fc.constantFrom('coffee-card', 'card-a', 'card-b', 'x'), fc.integer({ min: -5, max: 60 })),
  });
  const have = (reward: Reward, b: { points: number; stampsByCard: Record<string, number> }): number =>
    'card' in reward.cost ? (b.stampsByCard[reward.cost.card] ?? 0) : b.points;
  const cost = (reward: Reward): number => ('card' in reward.cost ? reward.cost.stamps : reward.cost.points);

  it("property: the answer is one of the program's rewards, its figures agree with the balance, and ready iff nothing is missing", () => {
    fc.assert(
      fc.property(programArbitrary, balance, (p, b) => {
        const progress = progressToReward(p, b);
        if (p.rewards.length === 0) return progress === null;
        const reward = p.rewards.find((r) => r.id === progress?.rewardId);
        expect(reward).toBeDefined();
        expect(progress!.cost).toBe(cost(reward!));
        expect(progress!.remaining).toBe(Math.max(0, cost(reward!) - have(reward!, b)));
        expect(progress!.ready).toBe(progress!.remaining === 0);
        expect(progress!.unit).toBe('card' in reward!.cost ? 'stamps' : 'points');
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('property: a ready reward is shown whenever one exists; else no reward has a smaller share missing', () => {
    fc.assert(
      fc.property(programArbitrary, balance, (p, b) => {
        const progress = progressToReward(p, b);
        if (progress === null) return p.rewards.length === 0;
        const anyReady = p.rewards.some((r) => have(r, b) >= cost(r));
        expect(progress.ready).toBe(anyReady);
        if (!anyReady) {
          for (const r of p.rewards) expect((cost(r) - have(r, b)) * progress.cost).toBeGreaterThanOrEqual(progress.remaining * cost(r));
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('property: more points or stamps never move the shown reward further away', () => {
    fc.assert(
      fc.property(programArbitrary, balance, fc.nat(200), (p, b, extra) => {
        const before = progressToReward(p, b);
        const after = progressToReward(p, {
          points: b.points + extra,
          stampsByCard: Object.fromEntries(Object.entries(b.stampsByCard).map(([k, v]) => [k, v + extra])),
        });
        if (before === null) return after === null;
        // Compare shares missing: after ≤ before.
        return after!.remaining * before.cost <= before.remaining * after!.cost;
      }),
      { numRuns: 300 },
    );
  });
});
