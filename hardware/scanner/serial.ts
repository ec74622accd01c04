import { existsSync, realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { discoverSerialPorts, firstTimeFailing, type PortLister } from '../serial-ports';
import type { ScanLogger, ScanStream } from './stream';

/**
 * Serial scanners (RS-232, or USB in CDC/virtual-COM mode) send each code followed by a
 * terminator: CR, LF or CR LF by default, or whatever the scanner was programmed with.
 */
export type SerialTerminator = 'auto' | 'CR' | 'LF' | 'CRLF' | { bytes: readonly number[] };

export type SerialScannerOptions = {
  path: string;
  /** Baud rate the scanner was programmed with; 9600 is the factory setting of most. */
  baudRate?: number;
  /** 'auto' (default) ends a code at CR, at LF or at CR LF. */
  terminator?: SerialTerminator;
  deviceId?: string;
  /** Longest line kept; a longer one is dropped whole as garbage. */
  maxLineBytes?: number;
  /** How often to look for the device again after it went away (ms); it is back within this. */
  pollMs?: number;
  /** Scanner sends an AIM symbology identifier (`]Q1`) before each code: strip it into `symbology`. */
  aimPrefix?: boolean;
};

export type LinePiece = { line: Uint8Array } | { garbage: string };

const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits a byte stream into lines at the terminator, holding at most `maxLineBytes`. A line that
 * grows past that is thrown away up to its terminator and reported once as garbage; so is a line over
 * the limit that arrives whole in one read (found by test/security/kiosk-scan-fuzz.test.ts).
 */
export class LineSplitter {
  private buffer = new Uint8Array(0);
  private skipping = false;
  private readonly sequence: Uint8Array | undefined;

  constructor(
    private readonly terminator: SerialTerminator = 'auto',
    private readonly maxLineBytes = 4096,
  ) {
    this.sequence =
      terminator === 'auto'
        ? undefined
        : terminator === 'CR'
          ? Uint8Array.of(CR)
          : terminator === 'LF'
            ? Uint8Array.of(LF)
            : terminator === 'CRLF'
              ? Uint8Array.of(CR, LF)
              : Uint8Array.from(terminator.bytes);
    if (this.sequence?.length === 0) throw new RangeError('a serial terminator needs at least one byte');
  }

  push(chunk: Uint8Array): LinePiece[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const pieces: LinePiece[] = [];
    let start = 0;
    for (;;) {
      const [at, length] = this.findTerminator(joined, start);
      if (at < 0) break;
      if (this.skipping) this.skipping = false;
      // A whole line over the limit that came in one read (or the end of one held back) is garbage too, as one that grows past it.
      else if (at - start > this.maxLineBytes) pieces.push({ garbage: `tooLong (a line of ${at - start} bytes, over ${this.maxLineBytes})` });
      else if (at > start) pieces.push({ line: joined.slice(start, at) });
      start = at + length;
    }
    let rest = joined.subarray(start);
    if (rest.length > this.maxLineBytes) {
      if (!this.skipping) pieces.push({ garbage: `tooLong (over ${this.maxLineBytes} bytes without a terminator)` });
      this.skipping = true;
      // Keep only what could be the start of a terminator split across reads.
      rest = rest.subarray(rest.length - ((this.sequence?.length ?? 1) - 1));
    }
    this.buffer = rest.slice();
    return pieces;
  }

  private findTerminator(bytes: Uint8Array, from: number): [number, number] {
    if (!this.sequence) {
      for (let i = from; i < bytes.length; i++) {
        if (bytes[i] === CR || bytes[i] === LF) return [i, 1]; // CR LF leaves an empty line, skipped
      }
      return [-1, 0];
    }
    const seq = this.sequence;
    outer: for (let i = from; i + seq.length <= bytes.length; i++) {
      for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
      return [i, seq.length];
    }
    return [-1, 0];
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A configured serial scanner on the scan stream. It never throws: trouble is a status event. */
export class SerialScanner {
  readonly deviceId: string;
  private port: SerialPort | undefined;
  private splitter: LineSplitter;
  private poll: ReturnType<typeof setInterval> | undefined;
  /** The device file the path pointed at when opened (a symlink may be re-pointed on replug). */
  private openedTarget: string | undefined;
  private opening = false;
  private stopped = true;

  constructor(
    private readonly stream: ScanStream,
    private readonly options: SerialScannerOptions,
  ) {
    this.deviceId = options.deviceId ?? `serial:${options.path}`;
    this.splitter = this.newSplitter();
  }

  get connected(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** Opens the port, or reports why not and keeps looking for it. Resolves once the first attempt is over. */
  async start(): Promise<boolean> {
    this.stopped = false;
    const ok = await this.open();
    this.startPolling();
    return ok;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopPolling();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
  }

  private newSplitter(): LineSplitter {
    return new LineSplitter(this.options.terminator ?? 'auto', this.options.maxLineBytes ?? 4096);
  }

  private open(): Promise<boolean> {
    const { path } = this.options;
    if (this.opening || this.stopped) return Promise.resolve(false);
    if (!existsSync(path)) {
      this.stream.status(this.deviceId, 'serial', 'disconnected', 'scannerDisconnected', { name: this.deviceId });
      return Promise.resolve(false);
    }
    let port: SerialPort;
    try {
      port = new SerialPort({ path, baudRate: this.options.baudRate ?? 9600, autoOpen: false });
    } catch (error) {
      // Bad settings (e.g. a baud rate the driver refuses) are reported, not thrown.
      this.stream.status(this.deviceId, 'serial', 'failed', 'scannerOpenFailed', { name: this.deviceId, detail: openFailureInWords(error as Error) });
      return Promise.resolve(false);
    }
    this.opening = true;
    return new Promise((resolve) => {
      port.open((error) => {
        this.opening = false;
        if (error || this.stopped) {
          if (error) this.stream.status(this.deviceId, 'serial', 'failed', 'scannerOpenFailed', { name: this.deviceId, detail: openFailureInWords(error) });
          if (port.isOpen) port.close();
          resolve(false);
          return;
        }
        this.port = port;
        this.openedTarget = targetOf(path);
        this.splitter = this.newSplitter();
        port.on('data', (chunk: Buffer) => this.onData(chunk));
        port.on('close', () => this.onLost(port));
        port.on('error', (err: Error) => {
          this.stream.logger.warn(`serial scanner ${this.deviceId}: ${err.message}`);
          if (!port.isOpen) this.onLost(port);
        });
        this.stream.status(this.deviceId, 'serial', 'connected', 'scannerConnected', { name: this.deviceId });
        resolve(true);
      });
    });
  }

  private onData(chunk: Uint8Array): void {
    for (const piece of this.splitter.push(chunk)) {
      if ('garbage' in piece) {
        this.stream.dropGarbage('serial', this.deviceId, piece.garbage);
        continue;
      }
      let text: string;
      try {
        text = utf8.decode(piece.line);
      } catch {
        this.stream.dropGarbage('serial', this.deviceId, 'invalidUtf8', { bytes: piece.line.length });
        continue;
      }
      let symbology: string | undefined;
      if (this.options.aimPrefix && /^\][A-Za-z][0-9A-Za-z]/.test(text)) {
        symbology = text.slice(0, 3);
        text = text.slice(3);
      }
      this.stream.emitScan({ code: text, symbology, source: 'serial', deviceId: this.deviceId });
    }
  }

  private onLost(port: SerialPort): void {
    if (this.port !== port) return;
    this.port = undefined;
    port.removeAllListeners();
    port.on('error', () => {});
    if (port.isOpen) port.close();
    if (this.stopped) return;
    this.stream.status(this.deviceId, 'serial', 'disconnected', 'scannerDisconnected', { name: this.deviceId });
  }

  /**
   * One timer while started: when connected, it checks the device file is still there and still
   * the same one (a read error is not always raised when a device vanishes right after opening);
   * when not, it tries to open it again.
   */
  private startPolling(): void {
    if (this.poll || this.stopped) return;
    this.poll = setInterval(() => {
      const port = this.port;
      if (!port) {
        void this.open();
        return;
      }
      const target = targetOf(this.options.path);
      if (target === undefined || target !== this.openedTarget) this.onLost(port);
    }, this.options.pollMs ?? 250);
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }
}

function targetOf(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function openFailureInWords(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (/EACCES|Permission denied/i.test(error.message) || code === 'EACCES') return 'no permission — add the kiosk user to the dialout group';
  if (/EBUSY|Resource busy|Cannot lock/i.test(error.message)) return 'another program is using it';
  if (/ENOENT|No such file/i.test(error.message)) return 'it is not plugged in';
  if (/ENOTTY|Inappropriate ioctl/i.test(error.message)) return 'this path is not a serial port — check the configured path';
  return error.message;
}

/**
 * Serial ports to offer or open: what the OS lists, plus the configured paths. On machines without
 * udev, `SerialPort.list()` rejects (`spawn udevadm ENOENT`); then the configured paths are used
 * and staff get a warning, once per process, instead of an empty list or a crash. `list` is
 * `SerialPort.list` or a stand-in, for tests.
 */
export async function listSerialPorts(
  configuredPaths: readonly string[],
  stream: Pick<ScanStream, 'status'> & { logger: ScanLogger },
  list?: PortLister,
): Promise<{ paths: string[]; listed: boolean }> {
  const result = await discoverSerialPorts(configuredPaths, list);
  if (!result.listed && firstTimeFailing(result.reason)) {
    stream.logger.warn(`cannot list the serial ports: ${result.reason}; using the configured scanner paths`, { error: result.error });
    stream.status('serial-ports', 'serial', 'warning', 'scannerListFailed', { paths: configuredPaths.join(', ') || '—' });
  }
  return { paths: result.paths, listed: result.listed };
}
