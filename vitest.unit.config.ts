import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the fast loop — the pure suites in test/unit/ (core rules, encoders, parsers,
// i18n catalogs, the hub's pure helpers), no PostgreSQL or Redis started (no global set-up), no
// browser, no child processes. `npm test` runs these again with everything else.
export default defineConfig({
  test: {
    name: 'unit',
    include: ['test/unit/**/*.test.ts'],
    // layering.test.ts runs ESLint over fixture files (seconds); `npm run lint` and `npm test` cover it.
    exclude: ['test/unit/layering.test.ts'],
    maxWorkers: 2,
    // Property tests take a few seconds on a busy 2-core machine; the limit is for hangs, not speed.
    testTimeout: 30_000,
    // These suites share no state through globals, so one module graph per worker instead of one per
    // file: importing the same modules thirty times was most of the time.
    isolate: false,
    pool: 'threads',
  },
});
