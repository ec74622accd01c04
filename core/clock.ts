/**
 * The clock a process reads "now" from. Time is an argument (ARCHITECTURE.md, "Invariants"): each
 * composition root (`main/start.ts`, `main/electron-app.ts`, `cloud/start.ts`) takes `systemClock`
 * once and passes it down; tests pass their own (`test/support/dates.ts`), so a test never depends
 * on the day it runs. A Clock is a plain function so it fits every `now` option as it was.
 */
export type Clock = () => Date;

/**
 * The real time: the one place in core/, main/, hardware/ and cloud/ that may read it (the lint
 * refuses `Date.now()` and `new Date()` everywhere else). core/ code never calls it; it is here only
 * because main/ and cloud/ may share nothing but core/.
 */
export const systemClock: Clock = () => new Date();
