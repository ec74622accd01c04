// The set-up the fiscal tap's integration suites share: a fiscal printer stand-in on loopback, a
// till on TCP, and the tap between a till and a printer on two socat serial pairs.
import net from 'node:net';
import { SerialPort } from 'serialport';
import { FISCAL_SERIAL_LINES, type FiscalProtocolName, type FiscalSerialLine } from '../../core/pos/fiscal-protocol';
import { FiscalTap, type FiscalTotalRead } from '../../main/pos/fiscal-tap';
import { SocatPair } from '../integration/scanner-socat';

/** A fiscal printer stand-in on loopback: keeps what it receives, answers with what the test says. */
export async function fiscalPrinter(): Promise<{ port: number; received: () => Buffer; answer: (bytes: Buffer) => void; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  let client: net.Socket | undefined;
  const server = net.createServer((socket) => {
    client = socket;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    answer: (bytes) => client!.write(bytes),
    close: () =>
      new Promise((resolve) => {
        client?.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A till connected to the tap's TCP side, keeping what comes back. */
export function tcpTill(address: string): Promise<{ socket: net.Socket; received: () => Buffer }> {
  const [host, port] = address.split(':');
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: host!, port: Number(port) }, () => resolve({ socket, received: () => Buffer.concat(chunks) }));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
  });
}

/** Opens a serial port (an end of a socat pair) as a till or a printer on a cable would, at 9600 baud (8N1 unless `line` says otherwise). */
export function openSerial(path: string, line?: FiscalSerialLine): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 9600, ...line }, (error) => (error ? reject(error) : resolve(port)));
  });
}

/**
 * The tap on serial: it holds one end of a till pair and one end of a printer pair; the test plays
 * the till and the printer on the other ends. Everything it starts goes into `cleanups`.
 */
export async function serialTap(
  protocol: FiscalProtocolName,
  cleanups: Array<() => Promise<void> | void>,
): Promise<{
  tap: FiscalTap;
  tillPort: SerialPort;
  printerPort: SerialPort;
  /** The ends the tap holds (till side, printer side), to read their line settings back. */
  tapPaths: { till: string; printer: string };
  atPrinter: () => Buffer;
  atTill: () => Buffer;
  totals: FiscalTotalRead[];
  notRead: string[];
}> {
  const tillPair = await new SocatPair().up();
  const printerPair = await new SocatPair().up();
  cleanups.push(
    () => tillPair.down(),
    () => printerPair.down(),
  );
  const totals: FiscalTotalRead[] = [];
  const notRead: string[] = [];
  const tap = new FiscalTap({
    protocol,
    till: { kind: 'serial', path: tillPair.a, baudRate: 9600 },
    printer: { kind: 'serial', path: printerPair.a, baudRate: 9600 },
    onTotal: async (read) => {
      totals.push(read);
    },
  });
  tap.on('notRead', ({ message }) => notRead.push(message));
  await tap.start();
  cleanups.push(() => tap.stop());
  // The till and the printer run the protocol's line too, as a cable between them would.
  const tillPort = await openSerial(tillPair.b, FISCAL_SERIAL_LINES[protocol]);
  const printerPort = await openSerial(printerPair.b, FISCAL_SERIAL_LINES[protocol]);
  cleanups.push(
    () => new Promise<void>((resolve) => tillPort.close(() => resolve())),
    () => new Promise<void>((resolve) => printerPort.close(() => resolve())),
  );
  const atPrinter: Buffer[] = [];
  printerPort.on('data', (c: Buffer) => atPrinter.push(c));
  const atTill: Buffer[] = [];
  tillPort.on('data', (c: Buffer) => atTill.push(c));
  return {
    tap,
    tillPort,
    printerPort,
    tapPaths: { till: tillPair.a, printer: printerPair.a },
    atPrinter: () => Buffer.concat(atPrinter),
    atTill: () => Buffer.concat(atTill),
    totals,
    notRead,
  };
}
