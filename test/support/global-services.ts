// vitest's global set-up (vitest.config.ts): before any test worker starts, a throw-away PostgreSQL
// and Redis (test/support/services.ts) for the hub's PostgreSQL and multi-node suites; their URLs go
// into TEST_DATABASE_URL and TEST_REDIS_URL, which every worker of both projects, and every process a
// test spawns, inherits. When both are already set, nothing is started. Stopped after the last test.
// It also builds the renderer when dist/renderer is missing or stale, once, before the workers start.
import { ensureRendererBuilt } from './renderer-build';
import { startTestServices } from './services';

export default async function setup(): Promise<() => Promise<void>> {
  // With projects that extend the root config this runs once per project in the same process: the
  // first call sets the variables, so the later ones find them and start nothing.
  const services = await startTestServices();
  // Else the first suite that serves the kiosk screen builds it inside its beforeAll: on a fresh clone of
  // a loaded machine the vite build outlasts the 60 s hook bound (kiosk-bridge-fuzz timed out so at load
  // 26), and two workers could build into the same dist/renderer at once.
  await ensureRendererBuilt();
  return services.stop;
}
