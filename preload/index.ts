import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isCommandName } from '../core/contract/names';
import type { CommandArgs, CommandName, KioskApi, KioskEvent, Reply } from '../core/contract';

/**
 * The one API the sandboxed renderer gets: window.kiosk, typed from the contract. It forwards
 * to main over a single channel; main validates every message (the renderer is not trusted).
 * Bundled on its own (sandboxed preloads cannot require project files), so it imports only names.
 */
function invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Reply<N>> {
  if (!isCommandName(name)) {
    return Promise.resolve({ ok: false, error: { code: 'unknownCommand', message: `no command ${String(name)} in the contract` } });
  }
  return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, args) as Promise<Reply<N>>;
}

const api: KioskApi & { commands: readonly CommandName[] } = {
  invoke,
  onEvent(listener) {
    const handler = (_event: IpcRendererEvent, event: KioskEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
  commands: COMMAND_NAMES,
};

contextBridge.exposeInMainWorld('kiosk', api);
