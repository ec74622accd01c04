/**
 * Entry for the Electron smoke test only: the real shell (main/electron.ts) with the test double.
 * It prints "SMOKE <getStatus reply>" once the window has loaded, then quits.
 */
import { app } from 'electron';
import { runElectronShell } from '../../main/electron';
import { FakeKioskServices } from './fake-services';

const [rendererDir, preloadPath] = [process.env.KIOSK_SMOKE_RENDERER ?? '', process.env.KIOSK_SMOKE_PRELOAD ?? ''];
const win = await runElectronShell({ services: new FakeKioskServices(), rendererDir, preloadPath, kiosk: false });
if (win) {
  const reply: unknown = await win.webContents.executeJavaScript("window.kiosk.invoke('getStatus', {})");
  const shown: unknown = await win.webContents.executeJavaScript(
    "new Promise((r) => setTimeout(() => r(document.querySelector('[data-screen]')?.getAttribute('data-screen')), 500))",
  );
  console.log(`SMOKE ${JSON.stringify({ reply, shown, node: await win.webContents.executeJavaScript('typeof require') })}`);
  app.quit();
}
