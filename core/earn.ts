import { z } from 'zod';
import { checkSaleAmount, moneySchema, type Money } from './money';
import { formatMessage, type MessageValues } from './i18n/catalog';
import { loyaltyMessages } from './i18n/loyalty';
import type { LedgerEntry, Reason } from './ledger/entry';
import { LoyaltyError } from './ledger/errors';
import { calendarDaysBetween, daysBetween, localTime, matchesWhen, type LocalTime } from './program/clock';
import type { Program, RuleOf, TierLevel } from './program/schema';

/**
 * Earning for one sale: a pure function of (program, member state, sale, instant, id source).
 *
 * Order of evaluation (also in docs/loyalty-rules.md):
 *  1. base points: the points rule's bands over the sale amount (marginal bands), summed, then rounded
 *     ONCE per sale with the rule's rounding ('floor' or 'halfUp'); a sale under minSale earns 0.
 *  2. the member's tier multiplier (the tier held before this sale), on the base;
 *  3. the campaign multiplier: of the multiplier campaigns active at this local time, only the highest
 *     applies (campaigns do not stack with each other); it multiplies base × tier.
 *     Points after 2 and 3 = floor(base × tier × campaign), computed in integer hundredths;
 *     the tier and campaign entries carry the extra points each step added.
 *  4. flat bonuses, never multiplied, in the program's rule order: spend threshold bonus, welcome
 *     (first purchase), birthday (once a year), win-back, visit milestone, referral (both sides, on the first purchase once referred).
 *  5. stamps, one entry per card (reason.ruleId = the stamps rule's id).
 * A tier reached through this sale applies from the next sale.
 */

/** What the rules need to know about a member before this sale (see memberStateFromEntries). */
export type MemberState = {
  id: string;
  /** ISO instant the member joined. */
  joinedAt: string;
  /** MM-DD, if the member gave it. */
  birthday?: string;
  /** Sales (visits) before this one that were not fully refunded. */
  visits: number;
  /** ISO instant of the last visit before this sale. */
  lastVisitAt?: string;
  /** Tier level id held before this sale (projectTier). */
  tierId?: string;
  /** Spend (minor units) and visits within the tier window, for display; the tier is tierId. */
  windowSpend?: number;
  windowVisits?: number;
  /** Whether any earlier sale of this member exists (welcome and referral are paid on the first). */
  firstPurchaseDone: boolean;
  /**
   * The welcome is not due from this sale although it is the first: the hub holds it until the
   * member's contact is proven by a code and pays it then (cloud/join-verification.ts, welcomeBonus).
   */
  welcomeHeld?: boolean;
  /** Member id of the member who referred this one (on the hub: set once the member's contact is proven, core/referral.ts). */
  referredBy?: string;
  /** The referral was paid already (a `referred` bonus is in the member's ledger, reversed or not): it pays once. */
  referralPaid?: boolean;
  /** The year of the birthday last rewarded (birthdayYearOf: a bonus paid on 2 January for 30 December counts for the year before). */
  lastBirthdayRewardYear?: number;
};

/** A line of a sale as the till may send it; stamps per item count `quantity` of a `category`. */
export const saleLineSchema = z
  .object({
    category: z.string().min(1).max(64).optional(),
    product: z.string().min(1).max(128).optional(),
    quantity: z.number().int('quantity must be a whole number').min(1, 'quantity must be at least 1').max(10_000, 'quantity is at most 10,000'),
  })
  .strict();
export type SaleLine = z.infer<typeof saleLineSchema>;

/** Shape check for a sale handed to earnForSale (amount rules are checked by earnForSale itself). */
export const saleInputSchema = z
  .object({
    /** The kiosk's sale id; every entry of this sale carries it. */
    id: z.string().min(1).max(100),
    total: moneySchema,
    lines: z.array(saleLineSchema).max(500, 'at most 500 lines').optional(),
  })
  .strict();
export type SaleInput = { id: string; total: Money; lines?: readonly SaleLine[] };

export type AppliedRule = { code: string; ruleId: string; label: string; points: number; stamps: number };

export type EarnSummary = {
  /** Points this sale gives the buying member (referrer's points not included). */
  points: number;
  /** Stamps per card (stamps rule id). */
  stamps: Record<string, number>;
  /** Everything beyond the base that applied, in order. */
  applied: AppliedRule[];
  /** The tier used, with its discount for staff to key into the till. */
  tier?: { id: string; name: string; discountPercent?: number };
  /** One line for the receipt and the counter screen: "+36 (x2 Tuesday)". */
  headline: string;
};

export type EarnResult = { entries: LedgerEntry[]; summary: EarnSummary };

/** Points from the bands before any multiplier, rounded once per sale. */
export function basePoints(rule: RuleOf<'points'>, amount: number): number {
  if (rule.minSale !== undefined && amount < rule.minSale) return 0;
  let scaled = 0;
  let lower = 0;
  for (const band of rule.bands) {
    const upper = band.upTo ?? Number.POSITIVE_INFINITY;
    scaled += Math.max(0, Math.min(amount, upper) - lower) * band.points;
    if (amount <= upper) break;
    lower = upper;
  }
  return rule.rounding === 'floor' ? Math.floor(scaled / rule.unit) : Math.floor((2 * scaled + rule.unit) / (2 * rule.unit));
}

function hundredths(multiplier: number | undefined): number {
  return Math.round((multiplier ?? 1) * 100);
}

/** floor(base × Π multipliers) with multipliers in hundredths, exact in BigInt. */
function multiplied(base: number, ...factors: number[]): number {
  let product = BigInt(base);
  let divisor = 1n;
  for (const f of factors) {
    product *= BigInt(f);
    divisor *= 100n;
  }
  return Number(product / divisor);
}

function multiplierText(h: number): string {
  return h % 100 === 0 ? String(h / 100) : (h / 100).toFixed(2).replace(/0$/, '');
}

export function defaultLabel(program: Program, key: keyof typeof loyaltyMessages.en, values: MessageValues = {}): string {
  return formatMessage(loyaltyMessages, program.locale, key, values);
}

/** What the program's welcome rule pays (on a member's first purchase), with its label; undefined when it pays nothing. */
export function welcomeBonus(program: Program): { ruleId: string; label: string; points: number } | undefined {
  const rule = program.rules.find((r): r is RuleOf<'welcome'> => r.type === 'welcome');
  if (!rule || rule.points <= 0) return undefined;
  return { ruleId: rule.id, label: rule.label ?? defaultLabel(program, 'welcome'), points: rule.points };
}

function reason(code: string, ruleId: string | undefined, label: string | undefined): Reason {
  const r: Reason = { code };
  if (label !== undefined) r.label = label;
  if (ruleId !== undefined) r.ruleId = ruleId;
  return r;
}

function birthdayDue(rule: RuleOf<'birthday'>, member: MemberState, local: LocalTime): boolean {
  if (!member.birthday) return false;
  const [month] = member.birthday.split('-');
  if (rule.window === 'month') return local.monthDay.startsWith(`${month}-`) && member.lastBirthdayRewardYear !== local.year;
  // The birthday of this year, or of last year for a week that runs into January; once per birthday.
  for (const year of [local.year, local.year - 1]) {
    const daysSince = calendarDaysBetween(`${year}-${birthdayIn(member.birthday, year)}`, local.date);
    if (rule.window === 'day' ? daysSince === 0 : daysSince >= 0 && daysSince < 7) return member.lastBirthdayRewardYear !== year;
  }
  return false;
}

/** MM-DD of a birthday in `year`: 29 February counts on 28 February in other years. */
export function birthdayIn(birthday: string, year: number): string {
  return birthday === '02-29' && !isLeapYear(year) ? '02-28' : birthday;
}

/**
 * The year of the birthday a birthday bonus paid on local date `date` (YYYY-MM-DD) was for: the
 * year before for a bonus paid in early January for a late-December birthday.
 */
export function birthdayYearOf(birthday: string, date: string): number {
  const year = Number(date.slice(0, 4));
  return date.slice(5) < birthdayIn(birthday, year) ? year - 1 : year;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function stampCount(rule: RuleOf<'stamps'>, sale: SaleInput): number {
  if (rule.minSale !== undefined && sale.total.amount < rule.minSale) return 0;
  const lines = sale.lines ?? [];
  const matching = rule.category === undefined ? lines : lines.filter((line) => line.category === rule.category);
  if (rule.per === 'sale') return rule.category === undefined || matching.length > 0 ? 1 : 0;
  if (lines.length === 0) return rule.category === undefined ? 1 : 0;
  return matching.reduce((sum, line) => sum + Math.max(0, Math.trunc(line.quantity)), 0);
}

function tierLevel(program: Program, tierId: string | undefined): TierLevel | undefined {
  return tierId === undefined ? undefined : program.tiers?.levels.find((level) => level.id === tierId);
}

/** Receipt line for one entry: "+18", "+18 (x2 Tuesday)", "-120 (Free coffee)". */
export function formatEntryLine(entry: Pick<LedgerEntry, 'points' | 'stamps' | 'reason'>): string {
  const amount = entry.points !== 0 || entry.stamps === 0 ? entry.points : entry.stamps;
  const text = amount > 0 ? `+${amount}` : String(amount);
  return entry.reason.label ? `${text} (${entry.reason.label})` : text;
}

/** One side of a referral a purchase pays: the friend (`referred`) or the referrer (`referrer`). */
type ReferralPayment = { memberId: string; code: 'referred' | 'referrer'; label: string; points: number };

/**
 * What the program's referral `rule` pays for a purchase by `member`, in entry order: the first
 * purchase once referred (the hub records a referral when the friend's contact is proven, which may
 * come after a purchase) pays both sides, once in the member's life. A rule that pays only the
 * referrer still gives the friend a zero `referred` entry, which marks the referral as paid
 * (MemberState.referralPaid).
 */
function referralPayments(program: Program, rule: RuleOf<'referral'>, member: MemberState): ReferralPayment[] {
  if (member.referredBy === undefined || member.referredBy === member.id || member.referralPaid) return [];
  const payments: ReferralPayment[] = [];
  if (rule.referredPoints > 0 || rule.referrerPoints > 0) {
    payments.push({ memberId: member.id, code: 'referred', label: rule.label ?? defaultLabel(program, 'referred'), points: Math.max(0, rule.referredPoints) });
  }
  if (rule.referrerPoints > 0) {
    payments.push({ memberId: member.referredBy, code: 'referrer', label: rule.label ?? defaultLabel(program, 'referrer'), points: rule.referrerPoints });
  }
  return payments;
}

/**
 * The referral entries of a purchase whose earn ran where the referral was not known (a kiosk's
 * till sale or offline claim: the member directory does not carry who referred whom): what step 4 of
 * earnForSale pays by the program's `referral` rules for this member, and nothing else. The hub
 * derives them when the sale reaches it (cloud/member-earn.ts), under the same referralPaid rule.
 */
export function referralEntries(program: Program, member: MemberState, saleId: string, at: Date, ids: () => string): LedgerEntry[] {
  const when = at.toISOString();
  return program.rules.flatMap((rule) =>
    rule.type !== 'referral'
      ? []
      : referralPayments(program, rule, member).map((pay): LedgerEntry => ({
          id: ids(),
          memberId: pay.memberId,
          kind: 'bonus',
          points: pay.points,
          stamps: 0,
          saleId,
          reverses: null,
          reason: reason(pay.code, rule.id, pay.label),
          at: when,
        })),
  );
}

/**
 * Computes the ledger entries a sale earns. Refuses a sale in another currency than the program's,
 * a zero or negative amount, or one over the ceiling (MoneyError / LoyaltyError); computes nothing then.
 */
export function earnForSale(program: Program, member: MemberState, sale: SaleInput, at: Date, ids: () => string): EarnResult {
  const total = checkSaleAmount(sale.total, program.maxSale === undefined ? {} : { [program.currency]: program.maxSale });
  if (total.currency !== program.currency) {
    throw new LoyaltyError('currency_mismatch', `sale is in ${total.currency} but this shop's program counts in ${program.currency}`);
  }
  const local = localTime(at, program.timeZone);
  const when = at.toISOString();
  const entries: LedgerEntry[] = [];
  const applied: AppliedRule[] = [];

  const entry = (memberId: string, kind: LedgerEntry['kind'], points: number, stamps: number, why: Reason, spend?: number): LedgerEntry => {
    const e: LedgerEntry = { id: ids(), memberId, kind, points, stamps, saleId: sale.id, reverses: null, reason: why, at: when };
    if (spend !== undefined) e.spend = spend;
    entries.push(e);
    return e;
  };
  const bonus = (code: string, ruleId: string, label: string, points: number, memberId = member.id): void => {
    if (points <= 0) return;
    entry(memberId, 'bonus', points, 0, reason(code, ruleId, label));
    if (memberId === member.id) applied.push({ code, ruleId, label, points, stamps: 0 });
  };

  // 1. base
  const pointsRule = program.rules.find((r): r is RuleOf<'points'> => r.type === 'points');
  const base = pointsRule ? basePoints(pointsRule, total.amount) : 0;
  entry(member.id, 'earn', base, 0, reason('base', pointsRule?.id, pointsRule?.label), total.amount);

  // 2. tier multiplier
  const level = tierLevel(program, member.tierId);
  const tierH = hundredths(level?.multiplier);
  const afterTier = multiplied(base, tierH);
  if (level) bonus('tier', level.id, defaultLabel(program, 'tier', { tier: level.name, multiplier: multiplierText(tierH) }), afterTier - base);

  // 3. the highest active campaign multiplier
  let campaign: RuleOf<'multiplier'> | undefined;
  for (const rule of program.rules) {
    if (rule.type === 'multiplier' && matchesWhen(rule.when, local) && (!campaign || hundredths(rule.multiplier) > hundredths(campaign.multiplier)))
      campaign = rule;
  }
  if (campaign) bonus('campaign', campaign.id, campaign.label, multiplied(base, tierH, hundredths(campaign.multiplier)) - afterTier);

  // 4. flat bonuses, in rule order
  const visitNumber = member.visits + 1;
  for (const rule of program.rules) {
    switch (rule.type) {
      case 'spendBonus':
        if (total.amount >= rule.threshold && (!rule.when || matchesWhen(rule.when, local))) bonus('spendBonus', rule.id, rule.label, rule.points);
        break;
      case 'welcome':
        if (!member.firstPurchaseDone && !member.welcomeHeld) bonus('welcome', rule.id, rule.label ?? defaultLabel(program, 'welcome'), rule.points);
        break;
      case 'birthday':
        if (birthdayDue(rule, member, local)) bonus('birthday', rule.id, rule.label ?? defaultLabel(program, 'birthday'), rule.points);
        break;
      case 'winBack':
        if (member.lastVisitAt && daysBetween(new Date(member.lastVisitAt), at) >= rule.afterDays) {
          bonus('winBack', rule.id, rule.label ?? defaultLabel(program, 'winBack'), rule.points);
        }
        break;
      case 'milestone':
        if (visitNumber === rule.visit) bonus('milestone', rule.id, rule.label ?? defaultLabel(program, 'milestone', { visit: rule.visit }), rule.points);
        break;
      case 'referral':
        for (const pay of referralPayments(program, rule, member)) {
          if (pay.points > 0) bonus(pay.code, rule.id, pay.label, pay.points, pay.memberId);
          else entry(pay.memberId, 'bonus', 0, 0, reason(pay.code, rule.id, pay.label));
        }
        break;
      // Base points, the tier and campaign multipliers and the stamp cards have their own steps.
      case 'points':
      case 'multiplier':
      case 'stamps':
        break;
    }
  }

  // 5. stamps, one entry per card
  const stamps: Record<string, number> = {};
  for (const rule of program.rules) {
    if (rule.type !== 'stamps') continue;
    const n = stampCount(rule, sale);
    if (n <= 0) continue;
    const label = rule.label ?? rule.id;
    entry(member.id, 'earn', 0, n, reason('stamps', rule.id, label));
    stamps[rule.id] = n;
    applied.push({ code: 'stamps', ruleId: rule.id, label, points: 0, stamps: n });
  }

  const points = entries.filter((e) => e.memberId === member.id).reduce((sum, e) => sum + e.points, 0);
  const labels = applied.filter((a) => a.points > 0).map((a) => a.label);
  const summary: EarnSummary = {
    points,
    stamps,
    applied,
    headline: labels.length > 0 ? `+${points} (${labels.join(', ')})` : `+${points}`,
  };
  if (level) {
    summary.tier = { id: level.id, name: level.name };
    if (level.discountPercent !== undefined) summary.tier.discountPercent = level.discountPercent;
  }
  return { entries, summary };
}
