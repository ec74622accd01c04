// Dates for tests, stated relative to a clock, never as fixed calendar days: a test that needs "a
// Wednesday morning in Warsaw" gets the next one after the clock it is given, so the suite passes on
// any day and with the system clock moved (`faketime '+90 days' npm test`).
import { addDays, localTime, zonedInstant } from '../../core/program/clock';

const WARSAW = 'Europe/Warsaw';

/**
 * The first day strictly after `from` (at least one whole day ahead) that falls on ISO `weekday`
 * (1 Monday … 7 Sunday), at `time` on Warsaw's wall clock (daylight saving included), as an ISO string.
 */
export function nextWarsawWeekday(weekday: number, time: string, from: Date): string {
  let date = addDays(localTime(from, WARSAW).date, 1);
  while (localTime(zonedInstant(date, '12:00', WARSAW), WARSAW).weekday !== weekday) date = addDays(date, 1);
  return zonedInstant(date, time, WARSAW).toISOString();
}

/** A Wednesday 10:00 in Warsaw after `from`: no "x2 Tuesday" in the demo program. */
export const nextWednesdayMorning = (from: Date): string => nextWarsawWeekday(3, '10:00', from);

/** A clock that reads `start` now and runs on at the real pace (timeouts and throttles still see time pass). */
export function clockStartingAt(start: string | Date): () => Date {
  const startMs = new Date(start).getTime();
  const origin = performance.now();
  return () => new Date(startMs + (performance.now() - origin));
}
