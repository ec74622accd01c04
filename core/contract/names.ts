/**
 * The names of the kiosk's IPC commands and events, with no schemas attached, so the preload (which
 * must stay tiny and is bundled on its own) can generate its API from them. `commands.ts` is checked
 * at compile time to declare a schema for exactly these names.
 */
export const COMMAND_NAMES = [
  'getStatus',
  'getTodayFigures',
  'createSale',
  'attachMember',
  'searchMembers',
  'enrollMember',
  'listRewards',
  'redeemReward',
  'listRecentSales',
  'refundSale',
  'voidSale',
  'previewReversal',
  'undoReversal',
  'reprintLastReceipt',
  'unlockStaff',
  'lockStaff',
  'setLocale',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const EVENT_NAMES = [
  'saleCreated',
  'saleClosed',
  'claimAccepted',
  'memberScanned',
  'scanNotice',
  'printerStatusChanged',
  'scannerStatusChanged',
  'hubStatusChanged',
  'localeChanged',
  'shopChanged',
  'programChanged',
  'staffLocked',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The one Electron IPC channel for commands and the one for events. */
export const IPC_INVOKE_CHANNEL = 'kiosk:invoke';
export const IPC_EVENT_CHANNEL = 'kiosk:event';

/** Where the browser bridge serves Socket.IO (main/bridge and renderer/client agree on it). */
export const BRIDGE_SOCKET_PATH = '/bridge/socket.io';

/** Largest message (JSON bytes) main accepts from a renderer; anything bigger is refused unread. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && (COMMAND_NAMES as readonly string[]).includes(value);
}
