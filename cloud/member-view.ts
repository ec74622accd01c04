import type { LedgerEntry } from '../core/ledger/entry';
import { memberSummary, nextExpiry, type MemberSummary } from '../core/ledger/projections';
import { progressToReward } from '../core/program/progress';
import type { Program, Reward } from '../core/program/schema';
import type { Progress } from '../core/sync-protocol';
import { rewardKeyOf } from '../core/tokens';

/**
 * What the phone pages and the thank-you show of a member, composed from the core projections
 * (memberSummary: balance, stamps per card, tier) and the program's rewards. No rules of its own.
 */

export interface RewardView {
  reward: Reward;
  /** The reward's key (core/tokens rewardKeyOf): what the redeem form posts and the voucher carries. */
  rewardKey: number;
  costPoints: number;
  costStamps: number;
  affordable: boolean;
}

export interface MemberView {
  summary: MemberSummary;
  points: number;
  /** Stamps over all cards. */
  stamps: number;
  progress: Progress;
  rewards: RewardView[];
  /** The next points to expire ("N points expire on D"), or null. */
  expiring: { points: number; at: string } | null;
  /** The shop's time zone: dates on the card are the shop's days. */
  timeZone: string;
}

export function memberView(program: Program, memberId: string, entries: Iterable<LedgerEntry>, at: Date): MemberView {
  const own = [...entries].filter((e) => e.memberId === memberId);
  const summary = memberSummary(program, memberId, own, at);
  const onCard = (card: string): number => summary.stamps[card] ?? 0;
  const rewards = program.rewards.map((reward): RewardView => {
    const cost = reward.cost;
    const rewardKey = rewardKeyOf(reward.id);
    return 'points' in cost
      ? { reward, rewardKey, costPoints: cost.points, costStamps: 0, affordable: summary.balance >= cost.points }
      : { reward, rewardKey, costPoints: 0, costStamps: cost.stamps, affordable: onCard(cost.card) >= cost.stamps };
  });
  return {
    summary,
    points: summary.balance,
    stamps: Object.values(summary.stamps).reduce((sum, n) => sum + n, 0),
    progress: {
      next: progressToReward(program, { points: summary.balance, stampsByCard: summary.stamps }),
      tier: summary.tier?.name ?? null,
    },
    rewards,
    expiring: nextExpiry(program, own, at),
    timeZone: program.timeZone,
  };
}
