// The Electron entry (`npm run build:electron` bundles it to dist/main/electron-app.cjs; `npm start`
// launches it where the Electron binary exists): the same kiosk app and real services as the
// browser shell, in Electron's main process, behind runElectronShell's window and preload.
import { join } from 'node:path';
import { app as electron } from 'electron';
import { systemClock } from '../core/clock';
import { loadKioskConfig } from './app/config';
import { startKioskApp } from './app/kiosk-app';
import { startBrowserShell } from './app/ui-shell';
import { runElectronShell } from './electron';

async function main(): Promise<void> {
  const config = loadKioskConfig();
  // The kiosk process's one clock, passed down to everything that reads the time.
  const kiosk = await startKioskApp(config, systemClock);
  for (const line of kiosk.describe()) console.log(line);
  if (kiosk.staffPin.isDefault) console.log('staff PIN: 1234 (the default — set KIOSK_STAFF_PIN)');
  const root = process.env.KIOSK_APP_ROOT ?? join(__dirname, '..', '..');
  // The developer panel only when `npm start` asks for it (KIOSK_DEV=1), never in a packaged app.
  const dev = process.env.KIOSK_DEV === '1' && !electron.isPackaged;
  const rendererDir = join(root, 'dist', 'renderer');
  const shell = dev ? await startBrowserShell(kiosk, rendererDir, { dev: true }) : undefined;
  if (shell) console.log(`developer panel: ${shell.devUrl}`);
  const win = await runElectronShell({
    services: kiosk.ui,
    pinLockout: kiosk.pinLockout,
    now: () => kiosk.now().getTime(),
    rendererDir,
    preloadPath: join(root, 'dist', 'preload', 'index.cjs'),
    kiosk: !dev,
    ...(process.env.KIOSK_DISPLAY ? { display: process.env.KIOSK_DISPLAY === 'secondary' ? ('secondary' as const) : ('primary' as const) } : {}),
  });
  if (!win) {
    await shell?.close();
    await kiosk.stop();
    return;
  }
  electron.on('will-quit', (event) => {
    event.preventDefault();
    void (async () => {
      await shell?.close();
      await kiosk.stop();
      electron.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  console.error(`kiosk: could not start — ${error instanceof Error ? error.message : String(error)}`);
  electron.exit(1);
});
