import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { claimMessages } from '../../../core/i18n/claim';
import { formatInstant } from '../../../core/i18n/dates';
import type { Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import type { RewardFigures } from '../../../core/metrics';
import type { Program, Reward } from '../../../core/program/schema';
import { entryLabelIn, rewardName, rewardOfEntry } from '../../../core/program/texts';
import { memberLabel, num, page } from '../../owner-pages';
import type { OpenVoucher } from '../../store';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';

/**
 * The owner's Rewards section: the program's rewards by name in the owner's language with their cost
 * and how often each was redeemed in the period, then the vouchers issued and still open (reward,
 * member by name and contact, expiry on the shop's clock). Pure: data in, HTML out.
 */

export interface RewardsModel {
  locale: Locale;
  /** The shop's time zone (its settings): expiries are shown on the shop's clock. */
  timeZone: string;
  frame: OwnerFrame;
  program: Pick<Program, 'locale' | 'rules' | 'rewards' | 'tiers'>;
  /** The Overview's reward popularity over the period (core/metrics `figures`), by the id and label the entries carry. */
  redeemed: readonly RewardFigures[];
  /** The open vouchers that expire first (at most the store's page of them)… */
  open: readonly OpenVoucher[];
  /** …and how many are open in all: the page says when it lists fewer. */
  openTotal: number;
}

/** A row of the rewards table: a reward of the program, or redemptions of one no longer in it (its stored name). */
interface RewardRow {
  name: string;
  cost: string;
  redemptions: number;
}

/** Each program reward with its redemptions, then what was redeemed of rewards the program no longer has. */
export function rewardRows(m: Pick<RewardsModel, 'locale' | 'program' | 'redeemed'>): RewardRow[] {
  const { locale, program } = m;
  const t = (key: keyof typeof ownerMessages.en, values?: Record<string, string | number>): string => formatMessage(ownerMessages, locale, key, values);
  const counts = new Map<Reward, number>();
  const gone: RewardRow[] = [];
  for (const r of m.redeemed) {
    const reason = { code: 'redeem', label: r.label, ruleId: r.rewardId };
    const reward = rewardOfEntry(program, reason);
    if (reward) counts.set(reward, (counts.get(reward) ?? 0) + r.redemptions);
    else gone.push({ name: t('rewardsPage.removed', { reward: entryLabelIn(program, reason, locale) ?? r.label }), cost: '—', redemptions: r.redemptions });
  }
  const cost = (reward: Reward): string =>
    'points' in reward.cost
      ? formatMessage(claimMessages, locale, 'costPoints', { n: reward.cost.points })
      : formatMessage(claimMessages, locale, 'costStamps', { n: reward.cost.stamps });
  return [...program.rewards.map((reward) => ({ name: rewardName(reward, locale), cost: cost(reward), redemptions: counts.get(reward) ?? 0 })), ...gone];
}

export function RewardsBody(m: RewardsModel): ReactNode {
  const { locale } = m;
  const t = (key: keyof typeof ownerMessages.en, values?: Record<string, number>): string => formatMessage(ownerMessages, locale, key, values);
  const rows = rewardRows(m);
  const rewardOf = (v: OpenVoucher): string => {
    const reward = m.program.rewards.find((r) => r.id === v.rewardId);
    return reward ? rewardName(reward, locale) : '—';
  };
  return (
    <>
      <h2>{t('rewardsPage.catalog')}</h2>
      <DataTable
        id="reward-catalog"
        empty={{ id: 'no-rewards', text: t('rewardsPage.noRewards') }}
        columns={[
          { label: t('reward'), cell: (r) => r.name },
          { label: t('rewardsPage.cost'), nowrap: true, cell: (r) => r.cost },
          { label: t('rewardsPage.redeemed'), figure: true, cell: (r) => num(locale, r.redemptions) },
        ]}
        rows={rows}
      />
      <p>
        <a href="/owner/program/edit#rewards-section">{t('rewardsPage.edit')}</a>
      </p>
      <h2>{t('rewardsPage.open')}</h2>
      {m.open.length < m.openTotal ? <p id="open-vouchers-cut">{t('rewardsPage.openCut', { shown: m.open.length, total: m.openTotal })}</p> : null}
      <DataTable
        id="open-vouchers"
        empty={{ id: 'no-open-vouchers', text: t('rewardsPage.noOpen') }}
        columns={[
          { label: t('reward'), cell: rewardOf },
          { label: t('member'), cell: (v) => memberLabel(locale, v.member) },
          { label: t('rewardsPage.contact'), cell: (v) => (v.member.erasedAt === null ? [v.member.phone, v.member.email].filter(Boolean).join(' · ') : '') },
          { label: t('rewardsPage.expires'), cell: (v) => formatInstant(v.expiresAt, locale, m.timeZone) },
        ]}
        rows={m.open}
      />
    </>
  );
}

/** The Rewards page in the back office's frame. */
export function rewardsPage(m: RewardsModel): string {
  return page(m.locale, formatMessage(ownerMessages, m.locale, 'nav.rewards'), <RewardsBody {...m} />, m.frame);
}
