import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { memberCodeFor } from '../../core/codes';
import { classifyScan } from '../../core/scan';
import { scannerConfigSchema, ScanStream, startScanners, WedgeScanner, type HidPosScanner, type ScanEvent, type WedgeKeyEvent } from '../../hardware/scanner';
import type { HidApi, HidDeviceHandle } from '../../hardware/scanner/hid';
import { SocatPair, until } from './scanner-socat';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class FakeHidDevice extends EventEmitter implements HidDeviceHandle {
  close(): void {}
}

/** One 64-byte HID POS scanned-data report (report id 2, length, AIM, data, continued = 0). */
function hidReport(text: string, aim = ']Q1'): Buffer {
  const report = Buffer.alloc(64);
  report[0] = 0x02;
  report[1] = text.length;
  report.write(aim, 2, 'latin1');
  report.write(text, 5, 'latin1');
  return report;
}

describe('every kind of scanner feeds one stream', () => {
  it('wedge, HID POS, serial and virtual scans arrive with the same shape, and mean the same', async () => {
    const pair = await new SocatPair().up();
    cleanups.push(() => pair.dispose());
    const stream = new ScanStream({ now: Date.now, logger: { info: () => {}, warn: () => {} } });
    const scans: ScanEvent[] = [];
    stream.on('scan', (e) => scans.push(e));

    const hidDevice = new FakeHidDevice();
    const hidApi: HidApi = {
      devices: () => [{ vendorId: 0x05e0, productId: 0x1200, path: '/dev/hidraw7', release: 1, interface: 0, usagePage: 0x8c, usage: 2 }],
      open: async () => hidDevice,
    };
    const config = scannerConfigSchema.parse({ serial: [{ path: pair.b, deviceId: 'counter-serial', terminator: 'CR' }], virtual: true });
    const running = await startScanners(config, stream, { hidApi });
    cleanups.push(() => running.stop());
    const wedge = new WedgeScanner(stream, () => {}, 'counter-wedge', config.wedge);
    cleanups.push(async () => wedge.dispose());

    const codes = [1, 2, 3, 4].map((n) => memberCodeFor(n));
    const t = Date.now();
    const keys: WedgeKeyEvent[] = [...codes[0]!].map((ch, i) => ({ key: ch, code: `Key${ch}`, shift: true, at: t + i * 2 }));
    keys.forEach((k) => wedge.feed(k));
    wedge.feed({ key: 'Enter', code: 'Enter', at: t + 30 });
    hidDevice.emit('data', hidReport(codes[1]!));
    pair.send(`${codes[2]}\r`);
    running.virtual!.scan(codes[3]!);
    await until(() => scans.length === 4);

    const bySource = Object.fromEntries(scans.map((s) => [s.source, s]));
    expect(bySource.wedge).toMatchObject({ code: codes[0], deviceId: 'counter-wedge' });
    expect(bySource.hid).toMatchObject({ code: codes[1], deviceId: 'hid:/dev/hidraw7', symbology: 'qr' });
    expect(bySource.serial).toMatchObject({ code: codes[2], deviceId: 'counter-serial' });
    expect(bySource.virtual).toMatchObject({ code: codes[3], deviceId: 'virtual' });
    for (const scan of scans) {
      expect(Object.keys(scan).sort()).toEqual(expect.arrayContaining(['at', 'code', 'deviceId', 'source']));
      expect(typeof scan.at).toBe('number');
      expect(classifyScan(scan.code, { saleOpen: true }).action).toBe('attachMemberToSale');
    }
    expect(running.hid.map((h: HidPosScanner) => h.deviceId)).toEqual(['hid:/dev/hidraw7']);
  });

  it('HID POS scanners plugged in later are found; one unplugged is let go', async () => {
    const stream = new ScanStream({ now: Date.now, logger: { info: () => {}, warn: () => {} } });
    const scans: ScanEvent[] = [];
    stream.on('scan', (e) => scans.push(e));
    const present = new Map<string, FakeHidDevice>();
    const hidApi: HidApi = {
      devices: () => [...present.keys()].map((path) => ({ vendorId: 1, productId: 2, path, release: 1, interface: 0, usagePage: 0x8c, usage: 2 })),
      open: async (path) => {
        const device = present.get(path);
        if (!device) throw new Error(`cannot open device with path ${path}`);
        return device;
      },
    };
    const running = await startScanners(scannerConfigSchema.parse({}), stream, { hidApi, hidRescanMs: 20 });
    cleanups.push(() => running.stop());
    expect(running.hid).toEqual([]);

    const first = new FakeHidDevice();
    present.set('usb-3', first);
    await until(() => running.hid.length === 1 && running.hid[0]!.connected);
    first.emit('data', hidReport(memberCodeFor(9)));
    expect(scans.map((s) => s.code)).toEqual([memberCodeFor(9)]);

    present.delete('usb-3');
    first.emit('error', new Error('could not read from HID device'));
    const second = new FakeHidDevice();
    present.set('usb-4', second);
    await until(() => running.hid.length === 1 && running.hid[0]!.path === 'usb-4' && running.hid[0]!.connected);
    second.emit('data', hidReport(memberCodeFor(10)));
    expect(scans.map((s) => s.deviceId)).toEqual(['hid:usb-3', 'hid:usb-4']);
  });

  it('HID devices that cannot be listed (no libusb) are said once, not on every rescan', async () => {
    const warnings: string[] = [];
    const stream = new ScanStream({ now: Date.now, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    let listings = 0;
    const hidApi: HidApi = {
      devices: () => {
        listings += 1;
        throw new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory');
      },
      open: () => Promise.reject(new Error('unused')),
    };
    const running = await startScanners(scannerConfigSchema.parse({}), stream, { hidApi, hidRescanMs: 20 });
    cleanups.push(() => running.stop());
    await until(() => listings >= 6);
    expect(listings).toBeGreaterThanOrEqual(6);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^cannot list HID devices, so HID POS scanners are not available: the USB library libusb-1\.0 could not be loaded .*apt-get install libusb-1\.0-0/,
    );
  });

  it('the settings schema fills defaults and refuses bad settings with a clear message', () => {
    const config = scannerConfigSchema.parse({});
    expect(config).toEqual({
      wedge: { enabled: true, maxGapMs: 35, minLength: 6, terminators: ['Enter', 'Tab'], decodeFrom: 'code' },
      serial: [],
      hid: 'auto',
      virtual: false,
    });
    const bad = scannerConfigSchema.safeParse({ serial: [{ path: '' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('a serial scanner needs the path of its port, e.g. /dev/ttyACM0 or COM3');
    expect(scannerConfigSchema.safeParse({ serial: [{ path: '/dev/ttyS0', terminator: { bytes: [300] } }] }).success).toBe(false);
    expect(scannerConfigSchema.safeParse({ hid: 'sometimes' }).success).toBe(false);
  });
});
