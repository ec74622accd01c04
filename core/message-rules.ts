import { addDays, addMonths, localTime, zonedInstant } from './program/clock';
import type { ProgressBalance } from './program/progress';
import type { Program, Reward } from './program/schema';
import { pointsDueToExpire, uniqueEntries } from './ledger/projections';
import type { LedgerEntry } from './ledger/entry';
import { birthdayIn } from './earn';

/**
 * The rules that decide when a member's message may go, pure: the owner's quiet hours and weekly
 * cap for marketing, which reward a claim made ready, and which points are about to expire.
 * Time is always an argument.
 */

export interface MessageRules {
  /** No marketing between `from` and `to` (HH:MM on the shop's wall clock; to < from runs over midnight); null: none. */
  quiet: { from: string; to: string } | null;
  /** Marketing messages per member per 7 days; beyond it a message is suppressed. */
  weeklyCap: number;
}

export const DEFAULT_MESSAGE_RULES: MessageRules = { quiet: { from: '21:00', to: '08:00' }, weeklyCap: 2 };
export const CAP_WINDOW_MS = 7 * 86_400_000;
/** Points that expire within this many days get one reminder. */
export const EXPIRY_NOTICE_DAYS = 14;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The rules from the owner's form (quietFrom, quietTo, weeklyCap); empty quiet fields: no quiet hours. */
export function messageRulesFromForm(get: (name: string) => string | null): { ok: true; rules: MessageRules } | { ok: false; error: string } {
  const from = (get('quietFrom') ?? '').trim();
  const to = (get('quietTo') ?? '').trim();
  const capText = (get('weeklyCap') ?? '').trim();
  const cap = Number(capText);
  if (!/^\d{1,3}$/.test(capText) || cap > 100) return { ok: false, error: 'weeklyCap' };
  if (from === '' && to === '') return { ok: true, rules: { quiet: null, weeklyCap: cap } };
  if (!HHMM.test(from) || !HHMM.test(to) || from === to) return { ok: false, error: 'quiet' };
  return { ok: true, rules: { quiet: { from, to }, weeklyCap: cap } };
}

/** Rules stored as JSON; anything unreadable gives the defaults. */
export function parseMessageRules(json: string | undefined): MessageRules {
  if (!json) return DEFAULT_MESSAGE_RULES;
  try {
    const v = JSON.parse(json) as { quiet?: { from?: unknown; to?: unknown } | null; weeklyCap?: unknown };
    const quiet =
      v.quiet && typeof v.quiet.from === 'string' && typeof v.quiet.to === 'string' && HHMM.test(v.quiet.from) && HHMM.test(v.quiet.to)
        ? { from: v.quiet.from, to: v.quiet.to }
        : null;
    const weeklyCap = Number.isInteger(v.weeklyCap) && (v.weeklyCap as number) >= 0 ? (v.weeklyCap as number) : DEFAULT_MESSAGE_RULES.weeklyCap;
    return { quiet, weeklyCap };
  } catch {
    return DEFAULT_MESSAGE_RULES;
  }
}

/**
 * When a marketing message asked for at `at` may go: null when at once, else the instant the quiet
 * window ends on the shop's wall clock (the same evening's window ends the next morning).
 */
export function quietUntil(at: Date, timeZone: string, quiet: MessageRules['quiet']): Date | null {
  if (!quiet) return null;
  const local = localTime(at, timeZone);
  const overnight = quiet.to < quiet.from;
  const inside = overnight ? local.time >= quiet.from || local.time < quiet.to : local.time >= quiet.from && local.time < quiet.to;
  if (!inside) return null;
  // Overnight and already past `from`: the window ends tomorrow; otherwise later today.
  const endDate = overnight && local.time >= quiet.from ? addDays(local.date, 1) : local.date;
  return zonedInstant(endDate, quiet.to, timeZone);
}

/** The rewards a claim made ready: ready with `after`, not with `before`, in the program's order. */
export function rewardsNewlyReady(program: Pick<Program, 'rewards'>, before: ProgressBalance, after: ProgressBalance): Reward[] {
  const have = (reward: Reward, b: ProgressBalance): boolean =>
    'card' in reward.cost ? (b.stampsByCard[reward.cost.card] ?? 0) >= reward.cost.stamps : b.points >= reward.cost.points;
  return program.rewards.filter((r) => have(r, after) && !have(r, before));
}

/**
 * Points of a member that expire after `at` and within the next `days` days, with the shop's local
 * date of the first day some of them go (the reminder's key: one per member per expiry date).
 * Null when none do (or the program lets no points expire).
 */
export function pointsExpiringSoon(
  program: Program,
  memberId: string,
  entries: readonly LedgerEntry[],
  at: Date,
  days = EXPIRY_NOTICE_DAYS,
): { points: number; date: string } | null {
  if (!program.expiry) return null;
  const own = uniqueEntries(entries).filter((e) => e.memberId === memberId);
  const dueNow = pointsDueToExpire(program, own, at);
  const dueThen = pointsDueToExpire(program, own, new Date(at.getTime() + days * 86_400_000));
  if (dueThen <= dueNow) return null;
  // The first instant some go: a lot expires `months` after it was earned (core/ledger/projections).
  const end = at.getTime() + days * 86_400_000;
  const instants = own
    .filter((e) => e.points > 0)
    .map((e) => addMonths(new Date(e.at), program.expiry!.months).getTime())
    .filter((t) => t > at.getTime() && t <= end)
    .sort((a, b) => a - b);
  for (const t of instants) {
    if (pointsDueToExpire(program, own, new Date(t)) > dueNow) return { points: dueThen - dueNow, date: localTime(new Date(t), program.timeZone).date };
  }
  return null;
}

/**
 * The birthdays (MM-DD) celebrated on the shop's local date `date` (YYYY-MM-DD): that day's, and
 * 29 February on 28 February of a year without it (as the earn's birthday rule counts it).
 */
export function birthdaysOn(date: string): string[] {
  const year = Number(date.slice(0, 4));
  const monthDay = date.slice(5);
  return birthdayIn('02-29', year) === monthDay && monthDay !== '02-29' ? [monthDay, '02-29'] : [monthDay];
}

/** What the birthday message promises: the program's birthday bonus and its window, or `none` when the program has none. */
export function birthdayOffer(program: Pick<Program, 'rules'>): { window: 'day' | 'week' | 'month' | 'none'; points: number } {
  const rule = program.rules.find((r) => r.type === 'birthday');
  return rule && rule.type === 'birthday' ? { window: rule.window, points: rule.points } : { window: 'none', points: 0 };
}
