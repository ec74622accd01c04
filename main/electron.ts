import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { BrowserWindow, app, ipcMain, protocol, screen, session, type Display, type WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type KioskServices } from '../core/contract';
import { createDispatcher, type Dispatcher, type DispatcherSession, type PinLockoutStore, type RefusalLogEntry } from './ipc/dispatcher';
import { CONTENT_TYPES, KIOSK_CSP } from './bridge/csp';

/**
 * The Electron shell: one kiosk window, fullscreen on the chosen display, loading the built
 * renderer from the app:// protocol (never the network), talking to main only through the preload
 * and the same dispatcher the browser bridge uses.
 */
export interface ElectronShellOptions {
  services: KioskServices;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The bundled preload (dist/preload/index.cjs). */
  preloadPath: string;
  /** Which screen the customer display goes on: 'primary', 'secondary' (falls back to primary), or a display index. */
  display?: 'primary' | 'secondary' | number;
  /** Fullscreen kiosk mode (default true); false gives a normal window for development. */
  kiosk?: boolean;
  log?: (line: string) => void;
  onRefusal?: (entry: RefusalLogEntry) => void;
  staffIdleMs?: number;
  /** Where the PIN pad's lock-out is kept (the kiosk's store). */
  pinLockout?: PinLockoutStore;
  /** The dispatcher's clock in ms; the kiosk's wall clock when the lock-out is kept in the store. */
  now?: () => number;
}

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://kiosk`;

/** Must run before app 'ready': app:// behaves like https for the page (standard, secure). */
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

export function chooseDisplay(displays: readonly Display[], primary: Display, wanted: ElectronShellOptions['display']): Display {
  if (typeof wanted === 'number') return displays[wanted] ?? primary;
  if (wanted === 'secondary') return displays.find((d) => d.id !== primary.id) ?? primary;
  return primary;
}

async function serveRenderer(rendererDir: string, request: Request): Promise<Response> {
  const root = resolve(rendererDir);
  const url = new URL(request.url);
  const file = normalize(join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
  if (url.host !== 'kiosk' || (file !== root && !file.startsWith(root + sep))) return new Response('forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': KIOSK_CSP },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

/** Starts the shell; resolves with the window, or null when another instance already runs. */
export async function runElectronShell(options: ElectronShellOptions): Promise<BrowserWindow | null> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!app.requestSingleInstanceLock()) {
    log('[electron] another kiosk instance is running; quitting');
    app.quit();
    return null;
  }
  // Hardware and network faults are events; nothing thrown late takes main down.
  process.on('uncaughtException', (error) => log(`[electron] uncaught: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (reason) => log(`[electron] unhandled rejection: ${String(reason)}`));

  await app.whenReady();
  protocol.handle(SCHEME, (request) => serveRenderer(options.rendererDir, request));
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  // No remote content: only app:// (and devtools in development) may load in the kiosk window.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith(`${ORIGIN}/`) || details.url.startsWith('devtools://');
    if (!allowed) log(`[electron] blocked a request to ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });

  const dispatcher: Dispatcher = createDispatcher({
    services: options.services,
    ...(options.pinLockout ? { pinLockout: options.pinLockout } : {}),
    ...(options.now ? { now: options.now } : {}),
    log: options.onRefusal ?? ((e) => log(`[ipc] refused ${e.command} from ${e.session}: ${e.code} — ${e.reason}`)),
    ...(options.staffIdleMs !== undefined ? { staffIdleMs: options.staffIdleMs } : {}),
  });

  const target = chooseDisplay(screen.getAllDisplays(), screen.getPrimaryDisplay(), options.display ?? 'primary');
  const kiosk = options.kiosk ?? true;
  const win = new BrowserWindow({
    ...target.bounds,
    kiosk,
    fullscreen: kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#000000',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());

  let ipcSession: DispatcherSession = dispatcher.openSession('electron');
  let stopEvents = ipcSession.onEvent((event) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  const renewSession = () => {
    // A reloaded page starts locked: the staff session does not survive a renderer crash.
    stopEvents();
    ipcSession.close();
    ipcSession = dispatcher.openSession('electron');
    stopEvents = ipcSession.onEvent((event) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
    });
  };

  const fromKioskPage = (sender: WebContents, frameUrl: string | undefined) => sender === win.webContents && (frameUrl ?? '').startsWith(`${ORIGIN}/`);
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, name: unknown, args: unknown) => {
    if (!fromKioskPage(event.sender, event.senderFrame?.url)) {
      log(`[ipc] refused ${String(name).slice(0, 60)}: sender is not the kiosk page`);
      return { ok: false, error: { code: 'badArgs', message: 'sender is not the kiosk page' } };
    }
    return ipcSession.call(name, args);
  });

  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    log(`[electron] renderer gone (${details.reason}); reloading`);
    renewSession();
    setTimeout(() => {
      if (!win.isDestroyed()) win.webContents.reload();
    }, 500);
  });
  win.on('unresponsive', () => {
    log('[electron] renderer unresponsive; reloading');
    win.webContents.forcefullyCrashRenderer();
  });

  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    dispatcher.close();
    app.quit();
  });

  await win.loadURL(`${ORIGIN}/index.html`);
  return win;
}
