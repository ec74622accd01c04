import { startBridge, type Bridge } from '../bridge/server';
import { createDispatcher, type Dispatcher, type RefusalLogEntry } from '../ipc/dispatcher';
import { devPanelRoutes } from './dev-panel';
import type { KioskApp } from './kiosk-app';

export interface BrowserShell {
  bridge: Bridge;
  dispatcher: Dispatcher;
  /** The kiosk page, with the bridge's launch secret in its fragment. */
  url: string;
  /** The kiosk page with a query, e.g. `pageUrl('?thanksMs=5000')`. */
  pageUrl(pathAndQuery?: string): string;
  /** The developer panel, when it is on. */
  devUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * The browser shell of `npm start`: the built renderer (`staticDir`) served over the
 * local bridge, with the kiosk's real services behind the same dispatcher Electron uses. `dev` adds
 * the developer panel at /dev; production builds never pass it.
 */
export async function startBrowserShell(
  app: KioskApp,
  staticDir: string,
  options: {
    port?: number;
    dev?: boolean;
    staffIdleMs?: number;
    log?: (line: string) => void;
    onRefusal?: (entry: RefusalLogEntry) => void;
  } = {},
): Promise<BrowserShell> {
  const dispatcher = createDispatcher({
    services: app.ui,
    pinLockout: app.pinLockout,
    // The lock-out is kept in the store across restarts, so it runs on the wall clock, not performance.now().
    now: () => app.now().getTime(),
    ...(options.onRefusal ? { log: options.onRefusal } : {}),
    ...(options.staffIdleMs ? { staffIdleMs: options.staffIdleMs } : {}),
  });
  let bridge: Bridge;
  try {
    bridge = await startBridge({
      dispatcher,
      staticDir,
      port: options.port ?? 0,
      ...(options.log ? { log: options.log } : {}),
      ...(options.dev ? { extraRoutes: devPanelRoutes(app) } : {}),
    });
  } catch (error) {
    dispatcher.close();
    throw error;
  }
  return {
    bridge,
    dispatcher,
    url: bridge.pageUrl(),
    pageUrl: bridge.pageUrl,
    devUrl: options.dev ? `${bridge.url}dev` : undefined,
    async close() {
      await bridge.close();
      dispatcher.close();
    },
  };
}
