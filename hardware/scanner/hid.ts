import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NodeHid from 'node-hid';
import type { Device } from 'node-hid';
import type { ScanLogger, ScanStream } from './stream';

/**
 * USB HID Point of Sale scanners (HID usage page 0x8C, "Bar Code Scanner", usage 0x02 "Bar Code
 * Scanner"). They send the scanned data as input reports instead of keystrokes, so no keyboard
 * layout is involved and nothing can land in a focused field.
 *
 * The Scanned Data Report of the HID POS usage tables carries the AIM symbology identifier
 * (usages 0xFB–0xFD), the decoded data (0xFE) and a "decode data continued" bit (0xFF) for codes
 * longer than one report. Scanners in HID POS mode (Honeywell, Zebra, Datalogic) lay it out in a
 * 64-byte report like this, which is the default here:
 *
 *   byte 0      report id (0x02)
 *   byte 1      number of data bytes in this report (0..56)
 *   bytes 2..4  AIM symbology identifier, e.g. "]Q1" (QR), "]E0" (EAN-13), "]C0" (Code 128)
 *   bytes 5..60 decoded data (56 bytes, zero padded)
 *   byte 61..62 vendor symbology id, reserved
 *   byte 63     bit 0: decode data continued (more reports follow for this scan)
 *
 * A scanner with a different report descriptor is configured with its own `HidPosLayout`.
 */
export type HidPosLayout = {
  /** First byte of every scanned-data report; null when the device uses unnumbered reports. */
  reportId: number | null;
  lengthOffset: number;
  aimOffset: number;
  dataOffset: number;
  dataCapacity: number;
  continuedOffset: number;
  continuedMask: number;
};

export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_USAGE_SCANNER = 0x02;

export const DEFAULT_HID_POS_LAYOUT: HidPosLayout = {
  reportId: 0x02,
  lengthOffset: 1,
  aimOffset: 2,
  dataOffset: 5,
  dataCapacity: 56,
  continuedOffset: 63,
  continuedMask: 0x01,
};

export type HidPosReport = { aim: string; data: Uint8Array; continued: boolean };
export type HidPosReportError = 'otherReport' | 'short' | 'badLength';

/** Reads one input report; `otherReport` for reports of another id (status, attributes) to ignore. */
export function parseHidPosReport(report: Uint8Array, layout: HidPosLayout = DEFAULT_HID_POS_LAYOUT): HidPosReport | HidPosReportError {
  if (layout.reportId !== null && report[0] !== layout.reportId) return 'otherReport';
  const end = Math.max(layout.continuedOffset, layout.dataOffset + layout.dataCapacity - 1, layout.aimOffset + 2, layout.lengthOffset);
  if (report.length <= end) return 'short';
  const length = report[layout.lengthOffset]!;
  if (length > layout.dataCapacity) return 'badLength';
  const aim = String.fromCharCode(...report.subarray(layout.aimOffset, layout.aimOffset + 3).filter((b) => b !== 0));
  return {
    aim,
    data: report.slice(layout.dataOffset, layout.dataOffset + length),
    continued: (report[layout.continuedOffset]! & layout.continuedMask) !== 0,
  };
}

/** Symbology names for the AIM identifiers (ISO/IEC 15424) a shop meets. */
const AIM_SYMBOLOGIES: Record<string, string> = {
  ']Q': 'qr',
  ']d': 'datamatrix',
  ']z': 'aztec',
  ']L': 'pdf417',
  ']C': 'code128',
  ']A': 'code39',
  ']G': 'code93',
  ']I': 'itf',
  ']F': 'codabar',
  ']e': 'gs1-databar',
  ']X': 'other',
};

export function symbologyOfAim(aim: string): string | undefined {
  if (aim === ']E0') return 'ean13';
  if (aim === ']E4') return 'ean8';
  if (aim.startsWith(']E')) return 'ean-upc';
  if (aim === ']C1') return 'gs1-128';
  return AIM_SYMBOLOGIES[aim.slice(0, 2)] ?? (aim.length === 3 && aim[0] === ']' ? aim : undefined);
}

export type AssembledScan = { text: string; aim: string; symbology?: string };
export type AssemblerResult = { scan: AssembledScan } | { garbage: string } | undefined;

/**
 * Joins the reports of one scan ("decode data continued") and decodes the bytes as UTF-8. A scan
 * longer than `maxBytes`, a report that breaks the layout or bytes that are not UTF-8 are garbage.
 */
export class HidPosAssembler {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;
  private aim = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly layout: HidPosLayout = DEFAULT_HID_POS_LAYOUT,
    private readonly maxBytes = 4096,
  ) {}

  push(report: Uint8Array): AssemblerResult {
    const parsed = parseHidPosReport(report, this.layout);
    if (parsed === 'otherReport') return undefined;
    if (typeof parsed === 'string') {
      this.reset();
      return { garbage: `report ${parsed}` };
    }
    if (this.chunks.length === 0 && !this.overflow) this.aim = parsed.aim;
    this.size += parsed.data.length;
    if (this.size > this.maxBytes) this.overflow = true;
    else this.chunks.push(parsed.data);
    if (parsed.continued) return undefined;

    const { chunks, overflow, aim, size } = this;
    this.reset();
    if (overflow) return { garbage: `tooLong (${size} bytes)` };
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return { garbage: 'invalidUtf8' };
    }
    const symbology = symbologyOfAim(aim);
    return { scan: symbology === undefined ? { text, aim } : { text, aim, symbology } };
  }

  private reset(): void {
    this.chunks = [];
    this.size = 0;
    this.overflow = false;
    this.aim = '';
  }
}

/** The part of node-hid we use; tests give a fake one (no HID POS device exists on CI machines). */
export type HidApi = {
  devices(): Device[];
  open(path: string): Promise<HidDeviceHandle>;
};
export type HidDeviceHandle = EventEmitter & { close(): Promise<void> | void };

let nodeHid: HidApi | undefined;
/** node-hid loaded lazily, so a machine whose native module fails to load still starts. */
export function defaultHidApi(): HidApi {
  if (!nodeHid) {
    const hid = createRequire(import.meta.url)('node-hid') as typeof NodeHid;
    nodeHid = { devices: () => hid.devices(), open: (path) => hid.HIDAsync.open(path) };
  }
  return nodeHid;
}

/**
 * Why HID devices cannot be listed, in words someone setting up the kiosk can act on. The usual
 * cause is node-hid's native module failing to load because a shared library is missing.
 */
export function hidListFailureInWords(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/libusb/i.test(text))
    return `the USB library libusb-1.0 could not be loaded (${text}) — install it (Debian: apt-get install libusb-1.0-0), or set "hid": "off" in KIOSK_SCANNERS`;
  if (/libudev/i.test(text))
    return `the udev library could not be loaded (${text}) — install it (Debian: apt-get install libudev1), or set "hid": "off" in KIOSK_SCANNERS`;
  if (/shared object|bindings|\.node\b|cannot find module/i.test(text))
    return `the HID module node-hid could not be loaded (${text}) — run npm ci again, or set "hid": "off" in KIOSK_SCANNERS`;
  return text;
}

/** HID POS scanners present now, or why they cannot be listed (in words). */
export function listHidPosScanners(api?: HidApi): { ok: true; devices: Device[] } | { ok: false; reason: string } {
  try {
    const devices = (api ?? defaultHidApi()).devices();
    return {
      ok: true,
      devices: devices.filter((d) => d.usagePage === HID_POS_USAGE_PAGE && (d.usage === undefined || d.usage === HID_POS_USAGE_SCANNER) && d.path),
    };
  } catch (error) {
    return { ok: false, reason: hidListFailureInWords(error) };
  }
}

/** HID POS scanners present now. A failing enumeration (no hidraw, no libusb) is a warning and []. */
export function findHidPosScanners(logger: ScanLogger, api?: HidApi): Device[] {
  const result = listHidPosScanners(api);
  if (result.ok) return result.devices;
  logger.warn(`cannot list HID devices, so HID POS scanners are not available: ${result.reason}`);
  return [];
}

/**
 * The hot-plug rescan's listing: a failure is said once, not on every rescan (a missing libusb
 * stays missing until someone installs it), and that it works again is said once too.
 */
export function hidDiscovery(logger: ScanLogger, api?: HidApi): () => Device[] {
  let failing: string | undefined;
  return () => {
    const result = listHidPosScanners(api);
    if (result.ok) {
      if (failing !== undefined) logger.info('HID devices can be listed again; looking for HID POS scanners');
      failing = undefined;
      return result.devices;
    }
    if (failing !== result.reason) {
      logger.warn(`cannot list HID devices, so HID POS scanners are not available: ${result.reason} (the kiosk keeps looking and says so when it works)`);
    }
    failing = result.reason;
    return [];
  };
}

function openFailureInWords(error: unknown, path: string): string {
  const text = error instanceof Error ? error.message : String(error);
  // hidapi says "cannot open device" for every cause; a device file that is not there is an unplug.
  if (path.startsWith('/dev/') && !existsSync(path)) return 'it is not plugged in';
  if (/cannot open|permission|access/i.test(text)) return 'it is in use by another program or the kiosk has no permission to it';
  if (/not found|no such|could not find/i.test(text)) return 'it is not plugged in';
  return text;
}

export type HidPosScannerOptions = {
  path: string;
  deviceId?: string;
  layout?: HidPosLayout;
  api?: HidApi;
  /** How often to try again after a failure or an unplug (ms). */
  retryMs?: number;
};

/** One HID POS scanner on the scan stream; reopens by itself after an unplug or a failed open. */
export class HidPosScanner {
  readonly deviceId: string;
  private device: HidDeviceHandle | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private assembler: HidPosAssembler;

  constructor(
    private readonly stream: ScanStream,
    private readonly options: HidPosScannerOptions,
  ) {
    this.deviceId = options.deviceId ?? `hid:${options.path}`;
    this.assembler = new HidPosAssembler(options.layout);
  }

  get connected(): boolean {
    return this.device !== undefined;
  }

  get path(): string {
    return this.options.path;
  }

  async start(): Promise<boolean> {
    this.stopped = false;
    const api = this.options.api ?? defaultHidApi();
    try {
      const device = await api.open(this.options.path);
      this.device = device;
      this.assembler = new HidPosAssembler(this.options.layout);
      device.on('data', (data: Buffer) => this.onReport(data));
      device.on('error', (error: unknown) => this.onLost(error));
      this.stream.status(this.deviceId, 'hid', 'connected', 'scannerConnected', { name: this.deviceId });
      return true;
    } catch (error) {
      this.stream.status(this.deviceId, 'hid', 'failed', 'scannerOpenFailed', { name: this.deviceId, detail: openFailureInWords(error, this.options.path) });
      this.scheduleRetry();
      return false;
    }
  }

  private onReport(data: Uint8Array): void {
    const result = this.assembler.push(data);
    if (!result) return;
    if ('garbage' in result) {
      this.stream.dropGarbage('hid', this.deviceId, result.garbage, { bytes: data.length });
      return;
    }
    this.stream.emitScan({ code: result.scan.text, symbology: result.scan.symbology ?? result.scan.aim, source: 'hid', deviceId: this.deviceId });
  }

  private onLost(error: unknown): void {
    const device = this.device;
    this.device = undefined;
    device?.removeAllListeners();
    void Promise.resolve(device?.close()).catch(() => {});
    this.stream.logger.warn(`HID scanner ${this.deviceId} lost`, { error: String(error) });
    this.stream.status(this.deviceId, 'hid', 'disconnected', 'scannerDisconnected', { name: this.deviceId });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) void this.start();
    }, this.options.retryMs ?? 500);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const device = this.device;
    this.device = undefined;
    device?.removeAllListeners();
    await Promise.resolve(device?.close()).catch(() => {});
  }
}
