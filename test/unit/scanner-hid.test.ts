import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { memberCodeFor } from '../../core/codes';
import {
  DEFAULT_HID_POS_LAYOUT,
  findHidPosScanners,
  hidDiscovery,
  HidPosAssembler,
  HidPosScanner,
  parseHidPosReport,
  type HidApi,
  type HidDeviceHandle,
} from '../../hardware/scanner/hid';
import { ScanStream, type ScanEvent, type ScanLogger, type ScannerStatusEvent } from '../../hardware/scanner/stream';

/**
 * Builds the 64-byte HID POS scanned-data input reports a scanner sends for `data`: report id 0x02,
 * length, 3 AIM bytes, up to 56 data bytes, vendor id, reserved, and bit 0 of byte 63 set on every
 * report but the last ("decode data continued").
 */
function reportsFor(data: Uint8Array | string, aim = ']Q1'): Uint8Array[] {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const reports: Uint8Array[] = [];
  for (let at = 0; at < bytes.length || reports.length === 0; at += 56) {
    const chunk = bytes.subarray(at, at + 56);
    const report = new Uint8Array(64);
    report[0] = 0x02;
    report[1] = chunk.length;
    report.set(
      [...aim].map((c) => c.charCodeAt(0)),
      2,
    );
    report.set(chunk, 5);
    report[61] = 0x73; // vendor's own symbology id (Honeywell: 's' = QR)
    report[63] = at + 56 < bytes.length ? 0x01 : 0x00;
    reports.push(report);
  }
  return reports;
}

function hex(report: Uint8Array): string {
  return Buffer.from(report).toString('hex');
}

describe('HID POS report parser', () => {
  it('reads a report laid out per the HID POS scanned-data report', () => {
    // 02 | 0c | "]Q1" | "MABCDEFGHJKL" | zero padding | 73 00 00
    const report = Uint8Array.from(Buffer.from('020c5d51314d4142434445464748' + '4a4b4c' + '00'.repeat(44) + '73' + '00' + '00', 'hex'));
    expect(report).toHaveLength(64);
    const parsed = parseHidPosReport(report);
    expect(parsed).toEqual({ aim: ']Q1', data: new TextEncoder().encode('MABCDEFGHJKL'), continued: false });
    expect(hex(reportsFor('MABCDEFGHJKL')[0]!)).toBe(hex(report));
  });

  it('joins a scan spread over several reports (decode data continued)', () => {
    const url = 'HTTP://192.168.178.20:7400/C/' + 'ABCDEFGHJKLMNPQR'.repeat(8);
    const reports = reportsFor(url);
    expect(reports).toHaveLength(3);
    const assembler = new HidPosAssembler();
    expect(assembler.push(reports[0]!)).toBeUndefined();
    expect(assembler.push(reports[1]!)).toBeUndefined();
    expect(assembler.push(reports[2]!)).toEqual({ scan: { text: url, aim: ']Q1', symbology: 'qr' } });
  });

  it('decodes UTF-8 split across two reports', () => {
    const text = 'x'.repeat(55) + 'Zażółć gęślą jaźń';
    const assembler = new HidPosAssembler();
    const results = reportsFor(text).map((r) => assembler.push(r));
    expect(results.at(-1)).toEqual({ scan: { text, aim: ']Q1', symbology: 'qr' } });
  });

  it('ignores reports of another id between the parts of a scan', () => {
    const assembler = new HidPosAssembler();
    const [first, second] = reportsFor('A'.repeat(80), ']C0');
    const status = new Uint8Array(64);
    status[0] = 0x04;
    expect(assembler.push(first!)).toBeUndefined();
    expect(assembler.push(status)).toBeUndefined();
    expect(assembler.push(second!)).toEqual({ scan: { text: 'A'.repeat(80), aim: ']C0', symbology: 'code128' } });
  });

  it.each([
    [
      'a length byte larger than the report',
      () => {
        const r = reportsFor('ABC')[0]!;
        r[1] = 200;
        return [r];
      },
      'report badLength',
    ],
    ['a truncated report', () => [reportsFor('ABC')[0]!.slice(0, 20)], 'report short'],
    ['bytes that are not UTF-8', () => reportsFor(Uint8Array.of(0x41, 0xc3, 0x28, 0xff)), 'invalidUtf8'],
    ['a 10 KB scan', () => reportsFor('Q'.repeat(10 * 1024)), 'tooLong (10240 bytes)'],
  ])('%s is garbage, and the next scan still reads', (_what, make, garbage) => {
    const assembler = new HidPosAssembler();
    const results = make().map((r) => assembler.push(r));
    expect(results.at(-1)).toEqual({ garbage });
    expect(assembler.push(reportsFor('MABC', ']E0')[0]!)).toEqual({ scan: { text: 'MABC', aim: ']E0', symbology: 'ean13' } });
  });

  it('a layout without report ids is configurable', () => {
    const layout = { ...DEFAULT_HID_POS_LAYOUT, reportId: null, lengthOffset: 0, aimOffset: 1, dataOffset: 4, continuedOffset: 62 };
    const report = reportsFor('HELLO')[0]!.slice(1);
    expect(parseHidPosReport(report, layout)).toMatchObject({ aim: ']Q1', continued: false });
  });
});

class FakeDevice extends EventEmitter implements HidDeviceHandle {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

function harness() {
  const warnings: string[] = [];
  const logger: ScanLogger = { info: () => {}, warn: (m) => warnings.push(m) };
  const stream = new ScanStream({ now: Date.now, logger });
  const scans: ScanEvent[] = [];
  const statuses: ScannerStatusEvent[] = [];
  stream.on('scan', (e) => scans.push(e));
  stream.on('scannerStatusChanged', (e) => statuses.push(e));
  return { logger, warnings, stream, scans, statuses };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('HID POS scanner on the stream', () => {
  it('discovers devices by usage page 0x8C; a failing enumeration is a warning, not a crash', () => {
    const { logger, warnings } = harness();
    const api: HidApi = {
      devices: () => [
        { vendorId: 0x046d, productId: 1, path: '/dev/hidraw0', release: 1, interface: 0, usagePage: 0x01, usage: 6 },
        { vendorId: 0x0c2e, productId: 0x0b8f, path: '/dev/hidraw3', release: 1, interface: 1, usagePage: 0x8c, usage: 2 },
      ],
      open: () => Promise.reject(new Error('unused')),
    };
    expect(findHidPosScanners(logger, api).map((d) => d.path)).toEqual(['/dev/hidraw3']);
    expect(
      findHidPosScanners(logger, {
        ...api,
        devices: () => {
          throw new Error('hid_init failed');
        },
      }),
    ).toEqual([]);
    expect(warnings).toEqual(['cannot list HID devices, so HID POS scanners are not available: hid_init failed']);
    // The real node-hid on this machine: whatever it finds, it answers with a list.
    expect(Array.isArray(findHidPosScanners(logger))).toBe(true);
  });

  it('the hot-plug rescan says a missing libusb once, in words, and once more when listing works again', () => {
    const warnings: string[] = [];
    const infos: string[] = [];
    const logger: ScanLogger = { info: (m) => infos.push(m), warn: (m) => warnings.push(m) };
    // What node-hid's loader throws where libusb-1.0 is not installed.
    let failure: Error | undefined = new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory');
    const api: HidApi = {
      devices: () => {
        if (failure) throw failure;
        return [{ vendorId: 0x0c2e, productId: 0x0b8f, path: '/dev/hidraw3', release: 1, interface: 1, usagePage: 0x8c, usage: 2 }];
      },
      open: () => Promise.reject(new Error('unused')),
    };
    const discover = hidDiscovery(logger, api);
    for (let i = 0; i < 5; i++) expect(discover()).toEqual([]);
    expect(warnings).toEqual([
      'cannot list HID devices, so HID POS scanners are not available: the USB library libusb-1.0 could not be loaded ' +
        '(libusb-1.0.so.0: cannot open shared object file: No such file or directory) — install it (Debian: apt-get install libusb-1.0-0), ' +
        'or set "hid": "off" in KIOSK_SCANNERS (the kiosk keeps looking and says so when it works)',
    ]);
    failure = undefined;
    expect(discover().map((d) => d.path)).toEqual(['/dev/hidraw3']);
    expect(discover().map((d) => d.path)).toEqual(['/dev/hidraw3']);
    expect(infos).toEqual(['HID devices can be listed again; looking for HID POS scanners']);
    // A new failure after a recovery is news again.
    failure = new Error('hid_init failed');
    discover();
    discover();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('not available: hid_init failed');
  });

  it('an open failure is an event in words, and it opens by itself once possible', async () => {
    const { stream, scans, statuses } = harness();
    let attempts = 0;
    const device = new FakeDevice();
    const api: HidApi = {
      devices: () => [],
      open: async () => {
        attempts++;
        if (attempts === 1) throw new Error('cannot open device with path /dev/hidraw3');
        return device;
      },
    };
    const scanner = new HidPosScanner(stream, { path: 'DevSrvsID:4294971231', api, retryMs: 20 });
    expect(await scanner.start()).toBe(false);
    expect(statuses[0]).toMatchObject({
      state: 'failed',
      source: 'hid',
      message: { key: 'scannerOpenFailed' },
      text: 'Scanner hid:DevSrvsID:4294971231 could not be opened (it is in use by another program or the kiosk has no permission to it) — check the cable and the settings.',
    });
    await until(() => statuses.length === 2);
    expect(statuses[1]).toMatchObject({ state: 'connected' });
    const code = memberCodeFor(31337);
    for (const r of reportsFor(code)) device.emit('data', Buffer.from(r));
    expect(scans).toEqual([expect.objectContaining({ code, symbology: 'qr', source: 'hid', deviceId: 'hid:DevSrvsID:4294971231' })]);

    device.emit('error', new Error('could not read from HID device'));
    expect(statuses[2]).toMatchObject({ state: 'disconnected', message: { key: 'scannerDisconnected' } });
    expect(device.closed).toBe(true);
    await until(() => statuses.length === 4);
    expect(statuses[3]).toMatchObject({ state: 'connected' });
    await scanner.stop();
  });

  it('the real node-hid refusing a path that does not exist is reported, not thrown', async () => {
    const { stream, statuses } = harness();
    const scanner = new HidPosScanner(stream, { path: '/dev/hidraw-does-not-exist', retryMs: 10_000 });
    expect(await scanner.start()).toBe(false);
    expect(statuses[0]).toMatchObject({ state: 'failed', message: { key: 'scannerOpenFailed' } });
    expect(statuses[0]!.text).toBe('Scanner hid:/dev/hidraw-does-not-exist could not be opened (it is not plugged in) — check the cable and the settings.');
    await scanner.stop();
  });

  it('garbage reports are dropped with a log line', () => {
    const { stream, scans, warnings } = harness();
    const device = new FakeDevice();
    const scanner = new HidPosScanner(stream, { path: 'p', api: { devices: () => [], open: async () => device } });
    return scanner.start().then(async () => {
      for (const r of reportsFor(Uint8Array.of(0xff, 0xfe, 0x41))) device.emit('data', Buffer.from(r));
      for (const r of reportsFor('AB\u0001CD')) device.emit('data', Buffer.from(r));
      expect(scans).toEqual([]);
      expect(warnings).toEqual(['dropped scanner garbage (invalidUtf8) from hid hid:p', 'dropped scanner garbage (controlCharacters) from hid hid:p']);
      await scanner.stop();
    });
  });
});
