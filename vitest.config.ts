import { configDefaults, defineConfig } from 'vitest/config';

// `npx vitest run` (what `npm test` runs) runs two projects: every suite on the default engines, and
// the hub's suites again with the hub store on PostgreSQL (`hub-postgres`: throw-away databases through
// TEST_DATABASE_URL). `--project default` or `--project hub-postgres` runs one. The global set-up
// starts a throw-away PostgreSQL and Redis for the run (or uses TEST_DATABASE_URL / TEST_REDIS_URL when
// set) and says what is missing when it cannot; `npm run test:unit` (vitest.unit.config.ts) starts none.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-services.ts'],
    // Integration suites spawn socat, Chromium and child processes; two cores are all we have.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'], setupFiles: ['test/support/test-databases-setup.ts'] } },
      {
        extends: true,
        test: {
          name: 'hub-postgres',
          // journeys-today compares the kiosks' Today with the Overview the hub reads from its roll-ups: on each engine.
          // pages-six-languages reads every back-office and phone page, in six languages, from a hub on each engine.
          include: [
            'test/integration/hub-*.test.ts',
            'test/integration/owner-*.test.ts',
            'test/security/hub-*.test.ts',
            'test/integration/journeys-today.test.ts',
            'test/integration/pages-six-languages-browser.test.ts',
          ],
          // Suites about PostgreSQL itself (hub-pg-*) and the multi-node suites (hub-cluster, hub-failover) run their
          // hubs on PostgreSQL in the default project already.
          exclude: [
            ...configDefaults.exclude,
            'test/integration/hub-pg-*.test.ts',
            'test/integration/hub-cluster.test.ts',
            'test/integration/hub-failover.test.ts',
          ],
          env: { HUB_TEST_ENGINE: 'postgres' },
          setupFiles: ['test/support/postgres-setup.ts', 'test/support/test-databases-setup.ts'],
        },
      },
    ],
  },
});
