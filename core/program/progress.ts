import { z } from 'zod';
import type { Locale } from '../i18n/locales';
import type { Program, Reward } from './schema';
import { rewardName } from './texts';

/**
 * Progress to the next reward: the ONE definition used by the counter screen's thank-you, the
 * receipt, the phone card, the staff screen and the hub's claimAccepted. "2 more stamps to Free
 * coffee", "43 more points to 10% off", or "Free coffee is ready".
 */
export const rewardProgressSchema = z
  .object({
    rewardId: z.string().min(1).max(64),
    rewardName: z.string().min(1).max(120),
    unit: z.enum(['points', 'stamps']),
    /** What the reward costs, in `unit`. */
    cost: z.number().int().positive(),
    /** Still missing, in `unit`; 0 when the reward is ready. */
    remaining: z.number().int().nonnegative(),
    /** The member can take the reward now. */
    ready: z.boolean(),
  })
  .strict();
export type RewardProgress = z.infer<typeof rewardProgressSchema>;

/** A member's balance as every projection has it: points, and stamps per card (rule id). */
export interface ProgressBalance {
  points: number;
  stampsByCard: Readonly<Record<string, number>>;
}

function progressOf(reward: Reward, balance: ProgressBalance, locale: Locale | undefined): RewardProgress {
  const stamps = 'card' in reward.cost;
  const cost = 'card' in reward.cost ? reward.cost.stamps : reward.cost.points;
  const have = 'card' in reward.cost ? (balance.stampsByCard[reward.cost.card] ?? 0) : balance.points;
  const remaining = Math.max(0, cost - have);
  return { rewardId: reward.id, rewardName: rewardName(reward, locale), unit: stamps ? 'stamps' : 'points', cost, remaining, ready: remaining === 0 };
}

/**
 * The reward to show a member: the first ready one in the program's order; else the one with the
 * smallest share of its cost still missing (2 of 9 stamps beats 43 of 100 points: counting stamps
 * against points directly would always favour the stamp card), the program's order breaking ties.
 * Null when the program has no rewards. Tiers change no reward's cost, so they play no part. The
 * reward's name is in `locale` (core/program/texts.ts), else the program's own language.
 */
export function progressToReward(program: Pick<Program, 'rewards'>, balance: ProgressBalance, locale?: Locale): RewardProgress | null {
  let best: RewardProgress | null = null;
  for (const reward of program.rewards) {
    const candidate = progressOf(reward, balance, locale);
    if (candidate.ready) return candidate;
    // remaining/cost < best.remaining/best.cost, in integers (costs are at least 1).
    if (best === null || candidate.remaining * best.cost < best.remaining * candidate.cost) best = candidate;
  }
  return best;
}
