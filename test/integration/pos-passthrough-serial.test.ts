import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { PrintPassthrough, type ReceiptPassed, type ReceiptTotalRead, type StaffNotice } from '../../main/pos/passthrough';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { german, hungarian, loyaltyBlock, polishWin1250, writeSlowly } from '../fixtures/till-sim';
import { startSocat, stopSocat, waitFor } from './printer-helpers';

/**
 * Till → socat pty pair → passthrough → socat pty pair → printer end, all real serial I/O. The
 * printer end records what it receives and answers DLE EOT with a status byte, like a printer.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 38400, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  return port;
}

async function serialChain(onReceiptTotal: (read: ReceiptTotalRead) => Promise<Uint8Array | undefined>) {
  const dir = mkdtempSync(join(tmpdir(), 'pos-serial-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const tillSocat = await startSocat(join(dir, 'till-sim'), join(dir, 'till-kiosk'));
  cleanups.push(() => stopSocat(tillSocat));
  const printerSocat = await startSocat(join(dir, 'printer-kiosk'), join(dir, 'printer-dev'));
  cleanups.push(() => stopSocat(printerSocat));

  const printerEnd = await openPort(join(dir, 'printer-dev'));
  const received: Buffer[] = [];
  printerEnd.on('data', (chunk: Buffer) => {
    received.push(chunk);
    const all = Buffer.concat(received);
    const asked = countStatusRequests(all) - answered;
    for (let k = 0; k < asked; k++) printerEnd.write(Buffer.from([0x12]));
    answered += asked;
  });
  let answered = 0;
  // The kiosk's printer, opened once: the passthrough prints through its queue.
  const kioskPrinter = new ReceiptPrinter(
    { model: 'epson-tm-t20', connection: { kind: 'serial', path: join(dir, 'printer-kiosk'), baudRate: 38400 }, overrides: { realtimeStatus: false } },
    { log: () => undefined },
  ).start();
  cleanups.push(() => kioskPrinter.stop());
  await waitFor(() => kioskPrinter.status.canPrint, 5000, 'printer open');

  const calls: ReceiptTotalRead[] = [];
  const passthrough = new PrintPassthrough({
    till: { kind: 'serial', path: join(dir, 'till-kiosk'), baudRate: 38400 },
    printer: kioskPrinter,
    locale: 'de',
    onReceiptTotal: (read) => {
      calls.push(read);
      return onReceiptTotal(read);
    },
  });
  await passthrough.start();
  cleanups.push(() => passthrough.stop());
  const notices: StaffNotice[] = [];
  passthrough.on('staffNotice', (n) => notices.push(n));
  const tillEnd = await openPort(join(dir, 'till-sim'));
  const back: Buffer[] = [];
  tillEnd.on('data', (chunk: Buffer) => back.push(chunk));
  const receipts: ReceiptPassed[] = [];
  passthrough.on('receipt', (r) => receipts.push(r));
  return { passthrough, tillEnd, tillSocat, calls, notices, receipts, printed: () => Buffer.concat(received), back: () => Buffer.concat(back) };
}

function countStatusRequests(bytes: Buffer): number {
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x10 && bytes[i + 1] === 0x04) n++;
  return n;
}

describe('print-stream passthrough over serial (socat)', () => {
  it('forwards PL (Windows-1250), HU and DE receipts byte for byte with the block before each cut; status answers go back', async () => {
    const blocks: Uint8Array[] = [];
    const c = await serialChain(async (read) => {
      const block = loyaltyBlock(Math.floor(read.amount / 100), 99, `HTTPS://HUB.EXAMPLE/C/${read.idempotencyKey.slice(0, 12).toUpperCase()}`);
      blocks.push(block);
      return block;
    });
    const receipts = [polishWin1250(1), hungarian(2), german(3)];
    await writeSlowly((chunk) => c.tillEnd.write(chunk), Buffer.concat(receipts.flatMap((r) => [r.body, r.cut])));
    await waitFor(() => blocks.length === 3, 10000, 'three sales');
    await waitFor(() => c.receipts.length === 3, 10000, 'three receipts');
    const expected = Buffer.concat(receipts.flatMap((r, i) => [r.body, Buffer.from(c.receipts[i]!.inserted!), r.cut]));
    c.receipts.forEach((r, i) => expect(Buffer.from(r.inserted!.subarray(0, blocks[i]!.length)).equals(Buffer.from(blocks[i]!))).toBe(true));
    await waitFor(() => c.printed().length >= expected.length, 10000, 'printed bytes');
    await waitFor(() => c.back().length >= 3, 5000, 'status answers at the till');
    expect(c.printed().equals(expected)).toBe(true);
    expect(c.calls.map((r) => [r.amount, r.currency])).toEqual([
      [2250, 'PLN'],
      [125000, 'HUF'],
      [790, 'EUR'],
    ]);
    expect(c.calls[0]!.text).toContain('Kawiarnia Żółta');
    expect(c.calls.map((r) => r.tillCodePage)).toEqual(['windows1250', 'cp852', 'cp858']);
    expect([...c.back()]).toEqual([0x12, 0x12, 0x12]);
    expect(c.notices).toEqual([]);
  });

  it('a till that goes away in the middle of a receipt: what arrived is printed as is, nothing recorded, staff told', async () => {
    const c = await serialChain(async () => Uint8Array.from([0x41]));
    const r = german(4);
    const partial = Buffer.concat([r.body.subarray(0, r.body.length - 5)]);
    await writeSlowly((chunk) => c.tillEnd.write(chunk), partial);
    await waitFor(() => c.printed().length >= partial.length, 10000, 'partial receipt printed');
    await stopSocat(c.tillSocat); // the till's cable is pulled
    await waitFor(() => c.notices.length > 0, 10000, 'staff notice');
    await c.passthrough.idle();
    expect(c.printed().equals(partial)).toBe(true);
    expect(c.calls).toEqual([]);
    expect(c.notices.map((n) => n.reason)).toEqual(['truncated']);
    expect(c.notices[0]!.message).toMatch(/^Die Kasse hat mitten im Bon aufgehört/);
  });
});
