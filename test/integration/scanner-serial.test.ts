import { afterEach, describe, expect, it } from 'vitest';
import { memberCodeFor, encodeSafeCode } from '../../core/codes';
import { classifyScan } from '../../core/scan';
import { listSerialPorts, SerialScanner, type SerialScannerOptions } from '../../hardware/scanner/serial';
import { ScanStream, type ScanEvent, type ScannerStatusEvent } from '../../hardware/scanner/stream';
import { SocatPair, until } from './scanner-socat';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig(options: Partial<SerialScannerOptions> = {}) {
  const pair = await new SocatPair().up();
  cleanups.push(() => pair.dispose());
  const logs: string[] = [];
  const stream = new ScanStream({ now: Date.now, logger: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) } });
  const scans: ScanEvent[] = [];
  const statuses: ScannerStatusEvent[] = [];
  stream.on('scan', (e) => scans.push(e));
  stream.on('scannerStatusChanged', (e) => statuses.push(e));
  const scanner = new SerialScanner(stream, { path: pair.b, deviceId: 'counter', ...options });
  cleanups.push(() => scanner.stop());
  expect(await scanner.start()).toBe(true);
  return { pair, stream, scanner, scans, statuses, logs };
}

const member = memberCodeFor(4242);

describe('serial scanner over a socat pty pair', () => {
  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ] as const)('reads codes ended by %s at the configured baud rate', async (terminator, ending) => {
    const { pair, scans, statuses } = await rig({ terminator, baudRate: 38400 });
    expect(statuses).toMatchObject([{ state: 'connected', text: 'Scanner counter is ready.' }]);
    const voucher = encodeSafeCode(
      'voucher',
      Uint8Array.from({ length: 20 }, (_, i) => i * 13),
    );
    pair.send(member + ending + voucher.slice(0, 10));
    pair.send(voucher.slice(10) + ending);
    await until(() => scans.length === 2);
    expect(scans.map((s) => [s.code, s.source, s.deviceId])).toEqual([
      [member, 'serial', 'counter'],
      [voucher, 'serial', 'counter'],
    ]);
    expect(classifyScan(scans[0]!.code, { saleOpen: true })).toMatchObject({ action: 'attachMemberToSale', memberNumber: 4242 });
    expect(classifyScan(scans[1]!.code, { saleOpen: true })).toMatchObject({ action: 'redeemVoucher' });
  });

  it('auto mode takes CR, LF and CR LF alike; a configured terminator byte (ETX) works too', async () => {
    const auto = await rig();
    auto.pair.send('AAAAAAAA\rBBBBBBBB\nCCCCCCCC\r\nDDDDDDDD\r');
    await until(() => auto.scans.length === 4);
    expect(auto.scans.map((s) => s.code)).toEqual(['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC', 'DDDDDDDD']);

    const etx = await rig({ terminator: { bytes: [0x03] }, deviceId: 'etx' });
    etx.pair.send(`${member}\x03HTTP://HUB:7400/C/ABCDEFGHJKLM\x03`);
    await until(() => etx.scans.length === 2);
    expect(etx.scans.map((s) => s.code)).toEqual([member, 'HTTP://HUB:7400/C/ABCDEFGHJKLM']);
  });

  it('strips an AIM symbology prefix when configured', async () => {
    const { pair, scans } = await rig({ aimPrefix: true });
    pair.send(`]Q1${member}\r`);
    await until(() => scans.length === 1);
    expect(scans[0]).toMatchObject({ code: member, symbology: ']Q1' });
  });

  it('drops control bytes, a 10 KB line and invalid UTF-8 with a log line each, then reads the next scan', async () => {
    const { pair, scans, logs, scanner } = await rig({ terminator: 'CR' });
    pair.send('AB\x00\x07\x1bCD\r');
    pair.send('Z'.repeat(10 * 1024) + '\r');
    pair.send(Buffer.concat([Buffer.from('MAB'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('\r')]));
    pair.send(member + '\r');
    await until(() => scans.length === 1);
    expect(scans.map((s) => s.code)).toEqual([member]);
    const dropped = logs.filter((l) => l.startsWith('warn dropped scanner garbage'));
    expect(dropped).toEqual([
      'warn dropped scanner garbage (controlCharacters) from serial counter',
      'warn dropped scanner garbage (tooLong (over 4096 bytes without a terminator)) from serial counter',
      'warn dropped scanner garbage (invalidUtf8) from serial counter',
    ]);
    expect(scanner.connected).toBe(true);
  });

  it('a scanner that disappears is reported in words and reconnects by itself when it comes back', async () => {
    const { pair, scans, statuses, scanner } = await rig({ pollMs: 100 });
    pair.send(`${member}\r`);
    await until(() => scans.length === 1);

    await pair.down();
    await until(() => statuses.length === 2);
    expect(statuses[1]).toMatchObject({
      state: 'disconnected',
      source: 'serial',
      deviceId: 'counter',
      message: { key: 'scannerDisconnected', values: { name: 'counter' } },
      text: 'Scanner counter was disconnected — check the cable; it reconnects by itself.',
    });
    expect(scanner.connected).toBe(false);

    await pair.up();
    await until(() => statuses.length === 3);
    expect(statuses[2]).toMatchObject({ state: 'connected', message: { key: 'scannerConnected' } });
    const again = memberCodeFor(7);
    pair.send(`${again}\r`);
    await until(() => scans.length === 2);
    expect(scans[1]!.code).toBe(again);
  });

  it('a device that vanishes right after it was opened is still noticed and picked up again', async () => {
    const { pair, statuses, scans } = await rig({ pollMs: 100 });
    await pair.down();
    await until(() => statuses.length === 2);
    expect(statuses[1]).toMatchObject({ state: 'disconnected' });
    await pair.up();
    await until(() => statuses.length === 3);
    pair.send(`${member}\r`);
    await until(() => scans.length === 1);
    expect(statuses.map((s) => s.state)).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('a scanner that is not there at start is reported and picked up once it appears', async () => {
    const pair = new SocatPair();
    cleanups.push(() => pair.dispose());
    const stream = new ScanStream({ now: Date.now, logger: { info: () => {}, warn: () => {} } });
    const statuses: ScannerStatusEvent[] = [];
    const scans: ScanEvent[] = [];
    stream.on('scannerStatusChanged', (e) => statuses.push(e));
    stream.on('scan', (e) => scans.push(e));
    const scanner = new SerialScanner(stream, { path: pair.b, pollMs: 100 });
    cleanups.push(() => scanner.stop());
    expect(await scanner.start()).toBe(false);
    expect(statuses).toMatchObject([{ state: 'disconnected', message: { key: 'scannerDisconnected' } }]);
    await pair.up();
    await until(() => statuses.length === 2);
    expect(statuses[1]).toMatchObject({ state: 'connected' });
    pair.send(`${member}\n`);
    await until(() => scans.length === 1);
  });

  it('a path that is not a serial port is a status event in words, not a crash', async () => {
    const stream = new ScanStream({ now: Date.now, logger: { info: () => {}, warn: () => {} } });
    const statuses: ScannerStatusEvent[] = [];
    stream.on('scannerStatusChanged', (e) => statuses.push(e));
    const notTty = new SerialScanner(stream, { path: '/dev/null', deviceId: 'not-a-port', pollMs: 50 });
    cleanups.push(() => notTty.stop());
    expect(await notTty.start()).toBe(false);
    await new Promise((r) => setTimeout(r, 200)); // retried a few times meanwhile: still one event
    expect(statuses).toMatchObject([
      {
        deviceId: 'not-a-port',
        state: 'failed',
        message: { key: 'scannerOpenFailed' },
        text: 'Scanner not-a-port could not be opened (this path is not a serial port — check the configured path) — check the cable and the settings.',
      },
    ]);
  });

  it('SerialPort.list() failing with "spawn udevadm ENOENT" falls back to the configured paths with a warning', async () => {
    const warnings: string[] = [];
    const errors: string[] = [];
    const stream = new ScanStream({
      now: Date.now,
      logger: {
        info: () => {},
        warn: (m, f) => {
          warnings.push(m);
          errors.push(String(f?.error));
        },
      },
    });
    const statuses: ScannerStatusEvent[] = [];
    stream.on('scannerStatusChanged', (e) => statuses.push(e));
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent-dir-without-udevadm';
    let result;
    let again;
    try {
      result = await listSerialPorts(['/dev/ttyACM0', '/dev/ttyUSB1'], stream);
      again = await listSerialPorts(['/dev/ttyACM0', '/dev/ttyUSB1'], stream);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(result).toEqual({ paths: ['/dev/ttyACM0', '/dev/ttyUSB1'], listed: false });
    expect(again).toEqual(result);
    // Said once, in words, however often the ports are looked at: udev stays missing until installed.
    expect(warnings.filter((w) => w.startsWith('cannot list the serial ports'))).toEqual([
      'cannot list the serial ports: udev is not installed on this machine (spawn udevadm ENOENT), so serial ports cannot be listed' +
        ' — install it (Debian: apt-get install udev), or configure the port paths; using the configured scanner paths',
    ]);
    expect(errors[0]).toContain('spawn udevadm ENOENT');
    expect(statuses).toMatchObject([
      {
        state: 'warning',
        message: { key: 'scannerListFailed' },
        text: 'Cannot list the serial ports on this machine — using the configured scanner ports: /dev/ttyACM0, /dev/ttyUSB1.',
      },
    ]);
    // With a lister that works, configured paths come first, then what the OS found, without repeats.
    expect(await listSerialPorts(['/dev/ttyACM0'], stream, async () => [{ path: '/dev/ttyS0' }, { path: '/dev/ttyACM0' }])).toEqual({
      paths: ['/dev/ttyACM0', '/dev/ttyS0'],
      listed: true,
    });
  });
});
