/**
 * `npm run ui:demo`: the renderer in your browser against the TEST DOUBLE services (not the real
 * store or hardware), to look at the screens. Staff PIN 1234. Ctrl+C stops it.
 */
import { startBridge } from '../../main/bridge/server';
import { createDispatcher } from '../../main/ipc/dispatcher';
import { FakeKioskServices } from './fake-services';
import { ensureRendererBuilt } from './renderer-build';

const fake = new FakeKioskServices();
const bridge = await startBridge({
  dispatcher: createDispatcher({ services: fake }),
  staticDir: await ensureRendererBuilt(),
  port: Number(process.env.KIOSK_UI_PORT ?? 0),
});
console.log(`kiosk UI (test double services): ${bridge.pageUrl()}`);
process.on('SIGINT', () => {
  void bridge.close().then(() => process.exit(0));
});
