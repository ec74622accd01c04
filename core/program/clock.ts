import type { When } from './schema';

/** A moment as the shop's wall clock shows it. */
export type LocalTime = {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
  /** ISO weekday: 1 Monday … 7 Sunday */
  weekday: number;
  year: number;
  /** MM-DD, for birthdays */
  monthDay: string;
};

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Reads `at` on the wall clock of `timeZone` through Intl (daylight saving included); reads no clock. */
export function localTime(at: Date, timeZone: string): LocalTime {
  if (Number.isNaN(at.getTime())) throw new Error('time is not a valid date');
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  const monthDay = `${parts.month}-${parts.day}`;
  return {
    date: `${parts.year}-${monthDay}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
    year: Number(parts.year),
    monthDay,
  };
}

/** Whether every condition of `when` holds at this local time. A window with to < from runs over midnight. */
export function matchesWhen(when: When, local: LocalTime): boolean {
  if (when.weekdays && !when.weekdays.includes(local.weekday)) return false;
  if (when.startDate && local.date < when.startDate) return false;
  if (when.endDate && local.date > when.endDate) return false;
  if (when.from !== undefined && when.to !== undefined) {
    const inside = when.from < when.to ? local.time >= when.from && local.time < when.to : local.time >= when.from || local.time < when.to;
    if (!inside) return false;
  }
  return true;
}

const DAY_MS = 86_400_000;

/** Whole days from `earlier` to `later` (elapsed time, not calendar days). */
export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / DAY_MS);
}

/** Days from calendar date a to calendar date b (YYYY-MM-DD), counted in UTC so DST does not matter. */
export function calendarDaysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The same instant `months` calendar months later (UTC calendar; the 31st clamps to the month's last day). */
export function addMonths(at: Date, months: number): Date {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(at.getTime());
  result.setUTCFullYear(year, month, Math.min(at.getUTCDate(), lastDay));
  return result;
}

/**
 * The instant a wall clock in `timeZone` shows `date` (YYYY-MM-DD) at `time` (HH:MM). In the hour
 * skipped in spring the clock is read forward (02:30 → 03:30); in the hour repeated in autumn the
 * second of the two is taken.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(wall)) throw new Error(`not a local date and time: ${date} ${time}`);
  const offsetAt = (t: number): number => {
    const local = localTime(new Date(t), timeZone);
    const [hour, minute] = local.time.split(':').map(Number) as [number, number];
    return Date.parse(`${local.date}T00:00:00Z`) + (hour * 60 + minute) * 60_000 - Math.floor(t / 60_000) * 60_000;
  };
  const first = wall - offsetAt(wall - offsetAt(wall));
  return new Date(first);
}

/** The ISO weekday (1 Monday … 7 Sunday) of a calendar date YYYY-MM-DD. */
export function weekdayOf(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The calendar date `days` after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
