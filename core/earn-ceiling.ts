import { basePoints } from './earn';
import type { Program, RuleOf } from './program/schema';

/**
 * The most a sale of `amount` (minor units, the program's currency) can earn under `program`, for
 * any member at any moment: what the hub checks a kiosk's figures against (a kiosk reports facts;
 * the hub refuses points no rule could have given). Built from the same rules as earnForSale:
 *  - points: base × the highest tier multiplier × the highest campaign multiplier (floor), plus every
 *    flat bonus that could apply to one sale (spend threshold met, welcome, birthday, win-back, the
 *    largest milestone, the referred side of a referral);
 *  - stamps: one per card counted per sale; for a card counted per item, at most one stamp per
 *    minor unit of the amount (the hub is not told the lines, so this is a loose bound).
 * A sale under a rule's minSale earns nothing from that rule; a sale in another currency earns 0.
 */
export interface EarnCeiling {
  points: number;
  stamps: number;
}

export function earnCeiling(program: Program, amount: number, currency: string): EarnCeiling {
  if (currency !== program.currency || !Number.isInteger(amount) || amount <= 0) return { points: 0, stamps: 0 };
  const pointsRule = program.rules.find((r): r is RuleOf<'points'> => r.type === 'points');
  const base = pointsRule ? basePoints(pointsRule, amount) : 0;
  const hundredths = (m: number | undefined): number => Math.round((m ?? 1) * 100);
  const tier = Math.max(100, ...(program.tiers?.levels ?? []).map((level) => hundredths(level.multiplier)));
  const campaign = Math.max(100, ...program.rules.map((r) => (r.type === 'multiplier' ? hundredths(r.multiplier) : 100)));
  let points = Number((BigInt(base) * BigInt(tier) * BigInt(campaign)) / 10_000n);
  let milestone = 0;
  let stamps = 0;
  for (const rule of program.rules) {
    switch (rule.type) {
      case 'spendBonus':
        if (amount >= rule.threshold) points += rule.points;
        break;
      case 'welcome':
      case 'birthday':
      case 'winBack':
        points += rule.points;
        break;
      case 'milestone':
        milestone = Math.max(milestone, rule.points);
        break;
      case 'referral':
        points += rule.referredPoints;
        break;
      case 'stamps':
        if (rule.minSale === undefined || amount >= rule.minSale) stamps += rule.per === 'sale' ? 1 : amount;
        break;
      // Counted above: the base points and the largest campaign multiplier.
      case 'points':
      case 'multiplier':
        break;
    }
  }
  return { points: points + milestone, stamps };
}

/** The ceiling over several program versions (the largest of each figure): a kiosk may still run an older one. */
export function earnCeilingOf(programs: readonly Program[], amount: number, currency: string): EarnCeiling {
  let points = 0;
  let stamps = 0;
  for (const program of programs) {
    const c = earnCeiling(program, amount, currency);
    points = Math.max(points, c.points);
    stamps = Math.max(stamps, c.stamps);
  }
  return { points, stamps };
}

/** The largest points and stamps cost of one reward in these programs: no single redemption debits more. */
export function largestRewardCost(programs: readonly Program[]): EarnCeiling {
  let points = 0;
  let stamps = 0;
  for (const program of programs) {
    for (const reward of program.rewards) {
      if ('points' in reward.cost) points = Math.max(points, reward.cost.points);
      if ('stamps' in reward.cost) stamps = Math.max(stamps, reward.cost.stamps);
    }
  }
  return { points, stamps };
}

/** Reward ids and stamp-card ids of these programs: what a redemption's reason may name. */
export function redeemableIds(programs: readonly Program[]): Set<string> {
  const ids = new Set<string>();
  for (const program of programs) {
    for (const reward of program.rewards) ids.add(reward.id);
    for (const rule of program.rules) if (rule.type === 'stamps') ids.add(rule.id);
  }
  return ids;
}
