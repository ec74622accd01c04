import { expiryEntry } from '../core/ledger/expiry';
import { addMonths, localTime } from '../core/program/clock';
import type { Program } from '../core/program/schema';
import type { HubStore } from './store';

/**
 * The daily expiry job: writes off points past the program's expiry (core/ledger/expiry, oldest
 * first, never below zero) for every member who has some, on the shop's clock (`now` is an argument).
 * Entries go through the hub store's one ledger writer and reach every kiosk's replica as a balance
 * change in `member_changes`. Running it twice, or on two hub nodes at once, writes each expiry once:
 * each member's entry is derived from the ledger read under that member's lock.
 */

/** Points earned this long before `now` minus the expiry months may be due: a day of slack for month ends. */
const SLACK_MS = 24 * 3600_000;

/**
 * The latest instant points may have been earned and be due to expire at `at` (a day of slack for
 * month ends; core decides exactly): the cut-off of `expiryCandidates` for the daily write-off and for
 * the reminder of points expiring soon. Null when the program keeps points for ever.
 */
export function earnedBeforeExpiryAt(program: Program, at: Date): Date | null {
  return program.expiry ? new Date(addMonths(at, -program.expiry.months).getTime() + SLACK_MS) : null;
}

/** The expiry entry's id: one per member and instant (a rerun at the same instant is a duplicate, not a second debit). */
export const expiryEntryId = (memberId: string, at: Date): string => `expiry:${memberId}:${at.toISOString()}`;

export interface ExpiryRun {
  members: number;
  points: number;
}

export async function expireDuePoints(store: HubStore, shopNo: number, program: Program, now: Date): Promise<ExpiryRun> {
  const run: ExpiryRun = { members: 0, points: 0 };
  const earnedBefore = earnedBeforeExpiryAt(program, now);
  if (earnedBefore === null) return run;
  for (const memberId of await store.expiryCandidates(shopNo, earnedBefore)) {
    const written = await store.writeExpiry(memberId, (entries) => expiryEntry(program, memberId, entries, now, () => expiryEntryId(memberId, now)));
    if (written) {
      run.members++;
      run.points -= written.points;
    }
  }
  return run;
}

/**
 * Runs `job` when the shop's local day (in `timeZone`) has changed since its last run on this node,
 * so "daily" follows the shop's midnight, not the server's. The first call always runs (start-up).
 */
export function dailyInShopTime(timeZone: () => string, now: () => Date, job: (at: Date) => Promise<void>): () => Promise<void> {
  let lastDay: string | undefined;
  let running = false;
  return async () => {
    if (running) return;
    const at = now();
    const day = localTime(at, timeZone()).date;
    if (day === lastDay) return;
    running = true;
    try {
      await job(at);
      lastDay = day;
    } finally {
      running = false;
    }
  };
}
