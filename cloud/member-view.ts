import type { LedgerEntry } from '../core/ledger/entry';
import { memberSummary, nextExpiry, type MemberSummary } from '../core/ledger/projections';
import type { Locale } from '../core/i18n/locales';
import { progressToReward } from '../core/program/progress';
import { tierName } from '../core/program/texts';
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

/** `locale`: the viewer's language for the program's texts (reward and tier names, core/program/texts.ts); else the program's own. */
export function memberView(program: Program, memberId: string, entries: Iterable<LedgerEntry>, at: Date, locale?: Locale): MemberView {
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
      next: progressToReward(program, { points: summary.balance, stampsByCard: summary.stamps }, locale),
      tier: summary.tier ? tierName(program.tiers?.levels.find((level) => level.id === summary.tier!.id) ?? summary.tier, locale) : null,
    },
    rewards,
    expiring: nextExpiry(program, own, at),
    timeZone: program.timeZone,
  };
}
