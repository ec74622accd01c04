import type { Program, Reward } from '../program/schema';
import { negate, type LedgerEntry } from './entry';
import { LoyaltyError } from './errors';
import { expiryEntry } from './expiry';
import { balanceOf, stampsByCard, uniqueEntries } from './projections';

export type RedeemInput = {
  program: Program;
  memberId: string;
  /** Every ledger entry of the member. */
  memberEntries: readonly LedgerEntry[];
  rewardId: string;
  /** The sale the reward is used on, if any. */
  saleId?: string | null;
  at: Date;
  ids: () => string;
};

export type RedeemResult = {
  /** Write these together in one transaction: an expiry entry if points were due to expire, then the debit. */
  entries: LedgerEntry[];
  debit: LedgerEntry;
  reward: Reward;
  /** Points and the card's stamps left after the redemption. */
  balance: number;
  stamps: Record<string, number>;
};

/**
 * A redemption: one debit entry for the reward's cost in points or in stamps of its card. Points due to
 * expire are expired first. An unknown reward or a cost above what the member holds is refused with a
 * LoyaltyError and computes nothing.
 */
export function redeemReward(input: RedeemInput): RedeemResult {
  const { program, memberId, rewardId, at, ids } = input;
  const reward = program.rewards.find((r) => r.id === rewardId);
  if (!reward) throw new LoyaltyError('unknown_reward', `no reward ${JSON.stringify(rewardId)} in this shop's catalogue`);
  const own = uniqueEntries(input.memberEntries).filter((e) => e.memberId === memberId);
  const pointsCost = 'points' in reward.cost ? reward.cost.points : 0;
  const stampsCost = 'stamps' in reward.cost ? reward.cost.stamps : 0;
  const card = 'card' in reward.cost ? reward.cost.card : undefined;

  const expiry = expiryEntry(program, memberId, own, at, () => '(pending)');
  const balance = balanceOf(own) + (expiry?.points ?? 0);
  const cards = stampsByCard(own);
  if (balance < pointsCost) {
    throw new LoyaltyError('insufficient_points', `not enough points for "${reward.name}": it costs ${pointsCost}, the member has ${balance}`);
  }
  const held = card === undefined ? 0 : (cards[card] ?? 0);
  if (held < stampsCost) {
    throw new LoyaltyError('insufficient_stamps', `not enough stamps for "${reward.name}": it costs ${stampsCost}, the card has ${held}`);
  }

  const entries: LedgerEntry[] = [];
  if (expiry) entries.push({ ...expiry, id: ids() });
  const debit: LedgerEntry = {
    id: ids(),
    memberId,
    kind: 'redeem',
    points: negate(pointsCost),
    stamps: negate(stampsCost),
    saleId: input.saleId ?? null,
    reverses: null,
    reason: card === undefined ? { code: 'redeem', ruleId: reward.id, label: reward.name } : { code: 'redeem', ruleId: card, label: reward.name },
    at: at.toISOString(),
  };
  entries.push(debit);
  if (card !== undefined) cards[card] = held - stampsCost;
  return { entries, debit, reward, balance: balance - pointsCost, stamps: cards };
}
