// `npm start`: the kiosk with simulated hardware and a local hub, its screen in Electron where the
// Electron binary is present, else served to a browser over the local bridge (URL printed), with
// the developer panel. `npm start -- --headless`: the main-process services only (no window, no
// browser page), one line per service with its address when ready.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { systemClock } from '../core/clock';
import { loadKioskConfig } from './app/config';
import { buildElectronBundles, electronBinary, ensureRendererBuilt } from './app/dev-build';
import { startKioskApp, type KioskApp } from './app/kiosk-app';
import { startBrowserShell, type BrowserShell } from './app/ui-shell';

const headless = process.argv.includes('--headless');
const electronPath = headless ? undefined : electronBinary();

if (electronPath) {
  // Electron runs the kiosk app itself (one process owns the store); this process only builds and waits.
  await ensureRendererBuilt();
  await buildElectronBundles();
  const child = spawn(electronPath, [resolve('dist/main/electron-app.cjs')], {
    stdio: 'inherit',
    env: { ...process.env, KIOSK_DEV: '1', KIOSK_APP_ROOT: process.cwd() },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  let config;
  try {
    config = loadKioskConfig();
  } catch (error) {
    console.error(`kiosk: ${(error as Error).message}`);
    process.exit(2);
  }

  let app: KioskApp;
  let shell: BrowserShell | undefined;
  try {
    // The kiosk process's one clock, passed down to everything that reads the time.
    app = await startKioskApp(config, systemClock);
  } catch (error) {
    console.error(`kiosk: could not start — ${(error as Error).message}`);
    process.exit(1);
  }
  if (!headless) {
    try {
      shell = await startBrowserShell(app, await ensureRendererBuilt(), { port: Number(process.env.KIOSK_UI_PORT ?? 7412), dev: true });
    } catch (error) {
      console.error(`kiosk: could not serve the kiosk screen — ${(error as Error).message}`);
      await app.stop();
      process.exit(1);
    }
  }

  for (const line of app.describe()) console.log(line);
  if (shell) {
    console.log(`kiosk UI: ${shell.url}`);
    console.log(`developer panel: ${shell.devUrl}`);
    console.log(`staff PIN: ${app.staffPin.isDefault ? '1234 (the default — set KIOSK_STAFF_PIN)' : 'from KIOSK_STAFF_PIN / the kiosk settings'}`);
  }
  console.log('kiosk ready');

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        await shell?.close();
        await app.stop();
        process.exit(0);
      })();
    });
  }
}
