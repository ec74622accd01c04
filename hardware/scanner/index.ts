import { z } from 'zod';
import { hidDiscovery, HidPosScanner, type HidApi } from './hid';
import { SerialScanner, type SerialScannerOptions } from './serial';
import type { ScanStream } from './stream';
import { VirtualScanner } from './virtual';

export { ScanStream, consoleLogger, type ScanEvent, type ScannerStatusEvent, type ScanLogger, type ScanSource } from './stream';
export { WedgeDecoder, WedgeScanner, DEFAULT_WEDGE_OPTIONS, wedgeEventFromElectron, type WedgeKeyEvent, type WedgeOptions, type WedgeResult } from './wedge';
export {
  HidPosScanner,
  HidPosAssembler,
  parseHidPosReport,
  findHidPosScanners,
  hidDiscovery,
  hidListFailureInWords,
  DEFAULT_HID_POS_LAYOUT,
  type HidPosLayout,
} from './hid';
export { SerialScanner, LineSplitter, listSerialPorts, type SerialScannerOptions, type SerialTerminator } from './serial';
export { VirtualScanner } from './virtual';

const terminatorSchema = z.union([z.enum(['auto', 'CR', 'LF', 'CRLF']), z.object({ bytes: z.array(z.number().int().min(0).max(255)).min(1).max(8) }).strict()]);

/** The scanners a kiosk has, as stored in its settings. */
export const scannerConfigSchema = z
  .object({
    wedge: z
      .object({
        enabled: z.boolean().default(true),
        maxGapMs: z.number().int().min(5).max(200).default(35),
        minLength: z.number().int().min(1).max(64).default(6),
        terminators: z
          .array(z.enum(['Enter', 'Tab']))
          .min(1)
          .default(['Enter', 'Tab']),
        decodeFrom: z.enum(['code', 'key']).default('code'),
      })
      .strict()
      .default({ enabled: true, maxGapMs: 35, minLength: 6, terminators: ['Enter', 'Tab'], decodeFrom: 'code' }),
    serial: z
      .array(
        z
          .object({
            path: z.string().min(1, { error: 'a serial scanner needs the path of its port, e.g. /dev/ttyACM0 or COM3' }),
            baudRate: z.number().int().positive().default(9600),
            terminator: terminatorSchema.default('auto'),
            aimPrefix: z.boolean().default(false),
            deviceId: z.string().min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    /** 'auto' opens every HID POS scanner found (usage page 0x8C); or the listed device paths; or 'off'. */
    hid: z.union([z.enum(['auto', 'off']), z.array(z.string().min(1))]).default('auto'),
    /** A virtual scanner for `npm start` and the tests. */
    virtual: z.boolean().default(false),
  })
  .strict();

export type ScannerConfig = z.output<typeof scannerConfigSchema>;

export type RunningScanners = {
  serial: SerialScanner[];
  hid: HidPosScanner[];
  virtual: VirtualScanner | undefined;
  stop(): Promise<void>;
};

/**
 * Starts the serial, HID POS and virtual scanners of `config` on `stream`. Never throws for a
 * device: a missing or failing one is a status event and is retried. (The wedge scanner needs the
 * window's key events and a way to re-inject keys, so main creates it: `new WedgeScanner(...)`.)
 */
export async function startScanners(config: ScannerConfig, stream: ScanStream, deps: { hidApi?: HidApi; hidRescanMs?: number } = {}): Promise<RunningScanners> {
  const serial = config.serial.map((entry) => {
    const options: SerialScannerOptions = { path: entry.path, baudRate: entry.baudRate, terminator: entry.terminator, aimPrefix: entry.aimPrefix };
    if (entry.deviceId !== undefined) options.deviceId = entry.deviceId;
    return new SerialScanner(stream, options);
  });
  const newHid = (path: string) => new HidPosScanner(stream, deps.hidApi ? { path, api: deps.hidApi } : { path });
  const listHid = hidDiscovery(stream.logger, deps.hidApi);
  const discover = () => listHid().flatMap((d) => (d.path ? [d.path] : []));
  const hid = (config.hid === 'off' ? [] : config.hid === 'auto' ? discover() : config.hid).map(newHid);
  const virtual = config.virtual ? new VirtualScanner(stream) : undefined;
  await Promise.all([...serial.map((s) => s.start()), ...hid.map((h) => h.start())]);

  // Hot-plug for 'auto': look for HID POS scanners every few seconds; a new one is opened, one
  // that is gone and disconnected is let go (a replugged scanner may come back under a new path).
  let rescan: ReturnType<typeof setInterval> | undefined;
  if (config.hid === 'auto') {
    rescan = setInterval(() => {
      const present = new Set(discover());
      for (const scanner of [...hid]) {
        if (!present.has(scanner.path) && !scanner.connected) {
          hid.splice(hid.indexOf(scanner), 1);
          void scanner.stop();
        }
      }
      for (const path of present) {
        if (hid.some((h) => h.path === path)) continue;
        const scanner = newHid(path);
        hid.push(scanner);
        void scanner.start();
      }
    }, deps.hidRescanMs ?? 2000);
  }
  return {
    serial,
    hid,
    virtual,
    async stop() {
      if (rescan) clearInterval(rescan);
      await Promise.all([...serial.map((s) => s.stop()), ...hid.map((h) => h.stop())]);
    },
  };
}
