// What cannot be printed waits, also across a restart of the kiosk: with the printer off, a kiosk
// slip and a till receipt are kept in the kiosk's store (print_jobs, migration 6); the kiosk stops,
// starts again on the same store, and once the printer is switched on both print, in order, once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { openStore, type KioskStore } from '../../main/store';
import { systemClock } from '../../core/clock';
import { FlakyTcpPrinter, freePort, sampleInput, waitFor } from './printer-helpers';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function kiosk(dir: string, port: number): { store: KioskStore; printer: ReceiptPrinter } {
  const store = openStore({ dir, now: systemClock });
  const printer = new ReceiptPrinter(
    { model: 'epson-tm-t20', connection: { kind: 'tcp', host: '127.0.0.1', port }, reconnectIntervalMs: 50, statusTimeoutMs: 300, staffLocale: 'pl' },
    { log: () => undefined, journal: store.printJournal() },
  ).start();
  return { store, printer };
}

describe('print journal in the kiosk store', () => {
  it('a kiosk restart with the printer off loses neither the till receipt nor the slip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'printer-journal-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();

    // First run: the printer is off.
    const first = kiosk(dir, port);
    const till = first.printer.openTillJob('till receipt 1');
    till.append(iconv.encode('PARAGON FISKALNY nr 1\nSUMA PLN 18,40\n', 'cp852'));
    till.append(Uint8Array.of(0x1d, 0x56, 0x01));
    till.end();
    first.printer.print(buildReceiptDocument({ ...sampleInput, saleId: 'S-journal-1' }));
    await waitFor(() => first.printer.status.state === 'disconnected', 10_000, 'the printer reported off');
    expect(first.printer.queued).toBe(2);
    await first.printer.stop();
    first.store.close();

    // Second run on the same store: both wait, and say so.
    const second = kiosk(dir, port);
    cleanups.push(async () => {
      await second.printer.stop();
      second.store.close();
    });
    expect(second.printer.queued).toBe(2);
    expect(
      second.store
        .printJournal()
        .load()
        .map((j) => j.source),
    ).toEqual(['till', 'kiosk']);

    const device = new FlakyTcpPrinter();
    await device.on(port);
    cleanups.push(() => device.off());
    await waitFor(() => device.receipts.length >= 2 && second.printer.queued === 0, 20_000, 'both documents printed');
    expect(device.receipts[0]!.lines.join('\n')).toContain('PARAGON FISKALNY nr 1');
    expect(device.receipts[1]!.lines.join('\n')).toContain('S-journal-1');
    expect(device.receipts).toHaveLength(2);
    expect(second.store.printJournal().load()).toEqual([]);
  });
});
