// `npm run bench`: runs every test/bench/*.bench.ts in name order. Each exports `run()` and prints
// its own figures; where a baseline exists it prints it from the same run with the ratio. The benches
// on PostgreSQL and Redis (cluster always; hub and owner with HUB_TEST_ENGINE=postgres) get the same
// throw-away servers as the tests (test/support/services.ts), or TEST_DATABASE_URL / TEST_REDIS_URL when set.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestServices, type TestServices } from '../support/services';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const onPostgres = process.env.HUB_TEST_ENGINE === 'postgres';
const needsServices = files.some((f) => f === 'cluster.bench.ts' || (onPostgres && (f === 'hub.bench.ts' || f === 'owner.bench.ts')));

console.log(`loyalty-kiosk bench — node ${process.version}, ${new Date().toISOString()}`);
// Started before any bench module is imported, and stopped however the run ends.
let services: TestServices | undefined;
try {
  if (needsServices) {
    services = await startTestServices();
    console.log(`PostgreSQL ${services.databaseUrl.replace(/:[^:@/]*@/, ':***@')}, Redis ${services.redisUrl}`);
  }
  for (const file of files) {
    console.log(`\n== ${file.replace('.bench.ts', '')} ==`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
    await mod.run();
  }
} finally {
  await services?.stop();
}
