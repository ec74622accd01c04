import type { Progress } from '../core/sync-protocol';

/**
 * The little of a shop's loyalty program the hub's phone pages need: the stamp card, the rewards
 * catalogue and the tiers. Pure. The lead swaps this for core/program when that lands.
 */
export interface HubReward { name: string; costPoints: number; costStamps: number }
export interface HubProgram {
  stampGoal: number | null;
  stampRewardName: string | null;
  rewards: HubReward[];
  /** Ascending by minEarned: lifetime points earned that qualify for the tier. */
  tiers: { name: string; minEarned: number }[];
  /** Days a voucher stays valid. */
  voucherDays: number;
}

export const DEFAULT_PROGRAM: HubProgram = {
  stampGoal: 8,
  stampRewardName: 'free coffee',
  rewards: [
    { name: 'Free coffee', costPoints: 0, costStamps: 8 },
    { name: 'Cake of the day', costPoints: 150, costStamps: 0 },
    { name: '10% off', costPoints: 300, costStamps: 0 },
  ],
  tiers: [{ name: 'Bronze', minEarned: 0 }, { name: 'Silver', minEarned: 500 }, { name: 'Gold', minEarned: 2000 }],
  voucherDays: 30,
};

export interface BalanceView { points: number; stamps: number; earned: number }

export function tierFor(program: HubProgram, earned: number): string | null {
  let tier: string | null = null;
  for (const t of program.tiers) if (earned >= t.minEarned) tier = t.name;
  return tier;
}

export function progressFor(program: HubProgram, balance: BalanceView): Progress {
  return {
    stampsToReward: program.stampGoal === null ? null : Math.max(0, program.stampGoal - balance.stamps),
    rewardName: program.stampRewardName,
    tier: tierFor(program, balance.earned),
  };
}

export function affordable(program: HubProgram, balance: BalanceView): { reward: HubReward; rewardNo: number }[] {
  return program.rewards
    .map((reward, rewardNo) => ({ reward, rewardNo }))
    .filter(({ reward }) => balance.points >= reward.costPoints && balance.stamps >= reward.costStamps);
}
