import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { decodeEscPos } from '../../hardware/printer/decode';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { recordStatus, sampleInput, waitFor } from './printer-helpers';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'printer-file-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('USB printer device file', () => {
  it('writes the receipt into a FIFO standing in for /dev/usb/lp0', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'lp0');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (c) => chunks.push(c as Buffer));
    cleanup.push(() => {
      reader.destroy();
    });
    const printer = new ReceiptPrinter({ model: 'epson-tm-t88', paper: 80, connection: { kind: 'usb-file', path: fifo } }, { log: () => undefined });
    const printed: string[] = [];
    printer.on('jobPrinted', (j) => printed.push(j.saleId));
    printer.start();
    cleanup.push(() => printer.stop());
    printer.print(buildReceiptDocument({ ...sampleInput, locale: 'hu', shop: { name: 'Cukrászda Győr' } }));
    await waitFor(() => printed.length === 1, 5000, 'job printed');
    await waitFor(() => decodeEscPos(Buffer.concat(chunks)).commands.includes('cut'), 5000, 'bytes through the FIFO');
    const decoded = decodeEscPos(Buffer.concat(chunks));
    expect(decoded.commands).toContain('page:windows1250');
    expect(decoded.lines[0]).toBe('Cukrászda Győr');
    expect(printer.status.state).toBe('ready');
  });

  it('appends to an existing regular file and never creates a missing device', async () => {
    const dir = tempDir();
    const file = join(dir, 'receipts.bin');
    writeFileSync(file, '');
    const printer = new ReceiptPrinter({ model: 'clone-80', connection: { kind: 'usb-file', path: file } }, { log: () => undefined });
    let printed = 0;
    printer.on('jobPrinted', () => printed++);
    printer.start();
    cleanup.push(() => printer.stop());
    printer.print(buildReceiptDocument(sampleInput));
    printer.print(buildReceiptDocument({ ...sampleInput, saleId: 'T-2' }));
    await waitFor(() => printed === 2, 5000, 'two jobs');
    expect(decodeEscPos(readFileSync(file)).commands.filter((c) => c === 'cut')).toHaveLength(2);

    const missing = join(dir, 'usb', 'lp7');
    const absent = new ReceiptPrinter({ model: 'clone-80', connection: { kind: 'usb-file', path: missing } }, { log: () => undefined });
    const events = recordStatus(absent);
    absent.start();
    cleanup.push(() => absent.stop());
    absent.print(buildReceiptDocument(sampleInput));
    await waitFor(() => events.length > 0, 2000, 'an event');
    expect(events[0]?.state).toBe('notFound');
    expect(events[0]?.message).toContain(missing);
    expect(absent.queued).toBe(1);
  });

  it('a device that is not ready (FIFO with no reader) is reported, then printed to once it is', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'lp1');
    execFileSync('mkfifo', [fifo]);
    const printer = new ReceiptPrinter({ model: 'clone-80', connection: { kind: 'usb-file', path: fifo }, reconnectIntervalMs: 100 }, { log: () => undefined });
    const events = recordStatus(printer);
    printer.start();
    cleanup.push(() => printer.stop());
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => events.length > 0, 3000, 'an event');
    expect(events[0]).toMatchObject({ state: 'disconnected', canPrint: false });
    expect(printer.queued).toBe(1);
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (c) => chunks.push(c as Buffer));
    cleanup.push(() => {
      reader.destroy();
    });
    await waitFor(() => decodeEscPos(Buffer.concat(chunks)).commands.includes('cut'), 5000, 'receipt after the reader came');
    expect(decodeEscPos(Buffer.concat(chunks)).lines[0]).toBe('Piekarnia Łąka');
  });
});
