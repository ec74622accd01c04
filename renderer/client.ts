import { io } from 'socket.io-client';
import { BRIDGE_SOCKET_PATH } from '../core/contract/names';
import type { CommandArgs, CommandName, KioskApi, KioskEvent, Reply } from '../core/contract';

const SECRET_KEY = 'kiosk.bridgeSecret';

/**
 * The bridge's per-launch secret, given in the launch URL's fragment (never sent in a request): kept
 * for this tab so a reload still connects, and taken out of the address bar.
 */
function launchSecret(): string {
  const fromUrl = /(?:^#|&)bridge=([A-Za-z0-9_-]+)/.exec(window.location.hash)?.[1];
  if (fromUrl) {
    sessionStorage.setItem(SECRET_KEY, fromUrl);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromUrl;
  }
  return sessionStorage.getItem(SECRET_KEY) ?? '';
}

/** The browser bridge: the same contract over Socket.IO to the page's own origin. */
function bridgeApi(onConnection: (up: boolean) => void): KioskApi {
  const socket = io({ path: BRIDGE_SOCKET_PATH, transports: ['websocket'], auth: { secret: launchSecret() } });
  const listeners = new Set<(event: KioskEvent) => void>();
  socket.on('kiosk-event', (event: KioskEvent) => {
    for (const l of listeners) l(event);
  });
  socket.on('connect', () => onConnection(true));
  socket.on('disconnect', () => onConnection(false));
  return {
    async invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Reply<N>> {
      try {
        return (await socket.timeout(15_000).emitWithAck('invoke', name, args)) as Reply<N>;
      } catch {
        return { ok: false, error: { code: 'failed', message: 'no answer from the kiosk service' } };
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** window.kiosk from the Electron preload if present, else the browser bridge. */
export function connectKiosk(onConnection: (up: boolean) => void = () => {}): KioskApi {
  if (window.kiosk) {
    onConnection(true);
    return window.kiosk;
  }
  return bridgeApi(onConnection);
}
