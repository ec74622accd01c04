// The fiscal tap between a till and a Novitus (XML protocol) or Elzab fiscal printer: a session
// built from what the public drivers send (test/fixtures/fiscal/{novitus-xml,elzab}-session.ts,
// sources quoted there) replayed through the tap over socat serial pairs arrives byte-identical at
// the printer port, the printer's answers go back unchanged, and the receipts' totals are read.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FiscalTap, type FiscalTotalRead } from '../../main/pos/fiscal-tap';
import { ELZAB_ACK, elzabSession } from '../fixtures/fiscal/elzab-session';
import { NOVITUS_DLE_ANSWER, NOVITUS_RECEIPT, novitusSession } from '../fixtures/fiscal/novitus-xml-session';
import { fiscalPrinter, serialTap, tcpTill } from '../support/fiscal-tap';
import { until } from '../support/until';

const cleanups: Array<() => Promise<void> | void> = [];

/** The line settings of a serial device as the kernel holds them (`stty -a`'s flags, e.g. `parenb`, `-crtscts`). */
function lineFlags(path: string): string[] {
  return execFileSync('stty', ['-F', path, '-a'], { encoding: 'utf8' }).split(/[\s;]+/);
}
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fiscal tap over socat serial pairs', () => {
  it('Novitus XML: the session reaches the printer port byte for byte, its answer the till, and the three totals are read', async () => {
    const { tap, tillPort, printerPort, tapPaths, atPrinter, atTill, totals, notRead } = await serialTap('novitus-xml', cleanups);
    // 8N1, no flow control, on both of the tap's ports.
    expect(tap.serialLines().till).toEqual({ baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false });
    for (const path of [tapPaths.till, tapPaths.printer]) expect(lineFlags(path)).toEqual(expect.arrayContaining(['cs8', '-cstopb', '-parenb', '-crtscts']));
    const session = novitusSession();
    // In odd-sized pieces, so packets arrive split as a serial line delivers them.
    for (let at = 0; at < session.length; at += 13) tillPort.write(session.subarray(at, Math.min(at + 13, session.length)));
    await until(() => atPrinter().length >= session.length, 'the session at the printer port');
    expect(atPrinter().equals(session)).toBe(true);
    await until(() => totals.length === 3, 'three totals read');
    expect(totals.map((r) => r.total)).toEqual([
      { amount: 1600, currency: 'PLN' },
      { amount: 10000, currency: 'PLN' },
      { amount: 1216, currency: 'PLN' },
    ]);
    expect(new Set(totals.map((r) => r.idempotencyKey)).size).toBe(3);
    expect(notRead).toEqual([]);

    printerPort.write(NOVITUS_DLE_ANSWER);
    await until(() => atTill().length >= NOVITUS_DLE_ANSWER.length, "the printer's answer at the till port");
    expect(atTill().equals(NOVITUS_DLE_ANSWER)).toBe(true);
  });

  it('Elzab: the session reaches the printer port byte for byte, each ACK the till, and ESC 24h inside a total is no close', async () => {
    const { tap, tillPort, printerPort, tapPaths, atPrinter, atTill, totals, notRead } = await serialTap('elzab', cleanups);
    // Elzab's line (8 data bits, even parity, 1 stop bit, RTS/CTS) on both of the tap's ports: as the tap set
    // them, and as the kernel holds them. A pseudo-terminal forces 8 bits without parity whatever it is
    // asked (Linux pty_set_termios clears PARENB), so parity is read from the port's settings only.
    expect(tap.serialLines()).toEqual({
      till: { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'even', rtscts: true },
      printer: { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'even', rtscts: true },
    });
    for (const path of [tapPaths.till, tapPaths.printer]) expect(lineFlags(path)).toEqual(expect.arrayContaining(['cs8', '-cstopb', 'crtscts']));
    const session = elzabSession();
    tillPort.write(session);
    await until(() => atPrinter().length >= session.length, 'the session at the printer port');
    expect(atPrinter().equals(session)).toBe(true);
    await until(() => totals.length === 3, 'three totals read');
    expect(totals.map((r) => r.total.amount)).toEqual([1, 9243, 1800]);
    expect(notRead).toEqual([]);

    printerPort.write(Buffer.concat([ELZAB_ACK, ELZAB_ACK]));
    await until(() => atTill().length >= 2, 'the ACKs at the till port');
    expect(atTill().equals(Buffer.from([0x06, 0x06]))).toBe(true);
  });
});

describe('fiscal tap (Novitus XML) over TCP', () => {
  it('half a packet is at the printer before the till sends the rest; a close resent on a new connection counts once', async () => {
    const printer = await fiscalPrinter();
    cleanups.push(() => printer.close());
    const totals: FiscalTotalRead[] = [];
    const tap = new FiscalTap({
      protocol: 'novitus-xml',
      till: { kind: 'tcp', port: 0 },
      printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
      onTotal: async (read) => {
        totals.push(read);
      },
    });
    const { address } = await tap.start();
    cleanups.push(() => tap.stop());
    const till = await tcpTill(address);
    const receipt = Buffer.concat(NOVITUS_RECEIPT);
    const half = receipt.length - 20; // the close packet cut short
    till.socket.write(receipt.subarray(0, half));
    await until(() => printer.received().length === half, 'the half packet at the printer');
    expect(totals).toEqual([]);
    till.socket.write(receipt.subarray(half));
    await until(() => totals.length === 1, 'the total read');
    expect(printer.received().equals(receipt)).toBe(true);

    // The till lost the answer, reconnects and sends the close again: the same transaction, the same key.
    till.socket.destroy();
    const again = await tcpTill(address);
    cleanups.push(() => void again.socket.destroy());
    again.socket.write(NOVITUS_RECEIPT[3]!);
    await until(() => totals.length === 2, 'the resent close read');
    expect(totals[1]!.idempotencyKey).toBe(totals[0]!.idempotencyKey);
    expect(totals[1]!.total).toEqual({ amount: 1600, currency: 'PLN' });
  });
});
