import { EventEmitter } from 'node:events';
import { formatMessage } from '../../core/i18n/catalog';
import { scanMessages, type ScanMessage, type ScanMessageKey } from '../../core/i18n/scan';
import { scanGarbage } from '../../core/scan';

export type ScanSource = 'wedge' | 'hid' | 'serial' | 'virtual';

/** One scan from any kind of scanner. `at` is the time the scan was complete (ms since epoch). */
export type ScanEvent = { code: string; symbology?: string; source: ScanSource; deviceId: string; at: number };

export type ScannerState = 'connected' | 'disconnected' | 'failed' | 'warning';

/** A scanner came, went, failed or has something to say; `message` is for staff, `text` for the log. */
export type ScannerStatusEvent = {
  deviceId: string;
  source: ScanSource;
  state: ScannerState;
  message: ScanMessage;
  /** The message in English, for the log. */
  text: string;
  at: number;
};

/** Where dropped garbage and device trouble are written (English); inject one in tests. */
export type ScanLogger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
};

export const consoleLogger: ScanLogger = {
  info: (message, fields) => console.info(`[scanner] ${message}`, fields ?? ''),
  warn: (message, fields) => console.warn(`[scanner] ${message}`, fields ?? ''),
};

type StreamEvents = {
  scan: [ScanEvent];
  scannerStatusChanged: [ScannerStatusEvent];
};

/**
 * The single stream every scanner feeds: `stream.on('scan', e => classifyScan(e.code, ...))`.
 * Text that is not a scan (control bytes, too long, broken UTF-8) never reaches listeners: it is
 * dropped here, with a log line, whichever scanner sent it.
 */
export class ScanStream extends EventEmitter<StreamEvents> {
  readonly logger: ScanLogger;
  readonly now: () => number;
  private readonly lastStatus = new Map<string, ScannerState>();

  /** `now`: epoch milliseconds for the events' `at`, from the kiosk's clock (core/clock.ts). */
  constructor(options: { logger?: ScanLogger; now: () => number }) {
    super();
    this.logger = options.logger ?? consoleLogger;
    this.now = options.now;
  }

  /** Emits a scan if it is text; returns the event, or undefined when it was dropped as garbage. */
  emitScan(scan: { code: string; symbology?: string | undefined; source: ScanSource; deviceId: string; at?: number }): ScanEvent | undefined {
    const garbage = scanGarbage(scan.code);
    if (garbage) {
      this.dropGarbage(scan.source, scan.deviceId, garbage, { length: scan.code.length, sample: visible(scan.code) });
      return undefined;
    }
    const event: ScanEvent = { code: scan.code, source: scan.source, deviceId: scan.deviceId, at: scan.at ?? this.now() };
    if (scan.symbology !== undefined) event.symbology = scan.symbology;
    this.emit('scan', event);
    return event;
  }

  /** Logs input thrown away before it became a scan (used by the scanners for byte-level garbage too). */
  dropGarbage(source: ScanSource, deviceId: string, reason: string, fields: Record<string, unknown> = {}): void {
    this.logger.warn(`dropped scanner garbage (${reason}) from ${source} ${deviceId}`, { reason, source, deviceId, ...fields });
  }

  /** Reports a scanner's state to staff; a repeat of the same state for the same device is not re-sent. */
  status(deviceId: string, source: ScanSource, state: ScannerState, key: ScanMessageKey, values: ScanMessage['values'] = {}): void {
    if (state !== 'warning' && this.lastStatus.get(deviceId) === state) return;
    if (state !== 'warning') this.lastStatus.set(deviceId, state);
    const text = formatMessage(scanMessages, 'en', key, values);
    (state === 'connected' ? this.logger.info : this.logger.warn).call(this.logger, text, { deviceId, source, state });
    this.emit('scannerStatusChanged', { deviceId, source, state, message: { key, values }, text, at: this.now() });
  }
}

/** A short, printable sample of rejected input for the log. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.slice(0, 40).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
