import iconv from 'iconv-lite';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { decodeEscPos } from '../../hardware/printer/decode';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { PrintPassthrough, type ReceiptPassed } from '../../main/pos/passthrough';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { systemClock } from '../../core/clock';
import { tempDir } from '../support/hub-harness';
import { loyaltyBlock } from '../fixtures/till-sim';
import { FlakyTcpPrinter, freePort, sampleInput, waitFor } from './printer-helpers';

/**
 * One owner per printer: the till's receipts (passthrough) and the kiosk's slips share one queue and
 * one connection to a network printer that drops idle connections, refuses a second client and is
 * switched off and on; and the loyalty block leaves the printer as the till left it.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ESC = 0x1b,
  GS = 0x1d;

/** A till receipt numbered `n` in CP852, with no reset and no code page of its own (set once at start-up). */
function tillReceipt(n: number): { body: Buffer; cut: Buffer } {
  const text = [`PARAGON FISKALNY nr ${n}`, 'Żurek zółty   1 x 9,00', `SUMA PLN   ${(9 + (n % 50)).toFixed(2).replace('.', ',')}`, ''].join('\n');
  return { body: Buffer.concat([iconv.encode(text, 'cp852'), Buffer.from([ESC, 0x64, 0x04])]), cut: Buffer.from([GS, 0x56, 0x01]) };
}

async function tillConnection(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.resume();
  cleanups.push(async () => {
    socket.destroy();
  });
  return socket;
}

async function setUp(options: { idleMs?: number; single?: boolean; model?: string; block?: boolean }) {
  const device = new FlakyTcpPrinter({ idleMs: options.idleMs, single: options.single });
  const port = await device.on();
  cleanups.push(() => device.off());
  const printer = new ReceiptPrinter(
    {
      model: options.model ?? 'epson-tm-t20',
      connection: { kind: 'tcp', host: '127.0.0.1', port },
      reconnectIntervalMs: 50,
      statusIntervalMs: 5000,
      statusTimeoutMs: 300,
      staffLocale: 'pl',
    },
    { log: () => undefined },
  ).start();
  cleanups.push(() => printer.stop());
  const passed: ReceiptPassed[] = [];
  const passthrough = new PrintPassthrough({
    till: { kind: 'tcp', port: 0 },
    printer,
    onReceiptTotal: async (read) =>
      options.block === false
        ? undefined
        : loyaltyBlock(Math.floor(read.amount / 100), 140, `HTTPS://HUB.EXAMPLE/C/${read.idempotencyKey.slice(0, 16).toUpperCase()}`),
  });
  passthrough.on('receipt', (r) => passed.push(r));
  const { port: tillPort } = await passthrough.start();
  cleanups.push(() => passthrough.stop());
  return { device, printer, passthrough, passed, tillPort: tillPort! };
}

describe('one owner per printer', () => {
  it('1,000 till receipts and kiosk slips through idle drops and a printer restart: each printed once, whole, in order', async () => {
    // A real printer drops a link idle for minutes; 1 s here keeps the status answer that confirms a receipt well inside the
    // idle time even on a loaded machine (a drop between a receipt and its confirmation reprints it: docs/hardware.md).
    const s = await setUp({ idleMs: 1000, single: true, block: false });
    await waitFor(() => s.printer.status.canPrint, 5000, 'printer ready');
    const socket = await tillConnection(s.tillPort);
    socket.write(Buffer.from([ESC, 0x74, 18]));
    const TOTAL = 1000;
    let slips = 0;
    for (let n = 1; n <= TOTAL; n++) {
      const r = tillReceipt(n);
      socket.write(Buffer.concat([r.body, r.cut]));
      if (n === 600) {
        await waitFor(() => s.passed.length === 600, 10000, 'receipts read while the printer is off');
        expect(s.printer.tillQueued).toBeGreaterThan(50);
        await s.device.on();
      }
      if (n % 100 === 0) {
        s.printer.print(buildReceiptDocument({ ...sampleInput, saleId: `SLIP-${++slips}` }));
        // Idle long enough for the printer to drop the connection.
        await waitFor(() => s.printer.queued === 0, 20000, 'queue printed');
        await new Promise((resolve) => setTimeout(resolve, 1300));
      }
      if (n === 500) {
        // Switched off between two receipts while the till goes on printing; on again later on the same port.
        // (Off in the instant between taking a receipt and confirming it, a printer gets that receipt again: docs/hardware.md.)
        await waitFor(() => s.printer.queued === 0, 20000, 'queue printed');
        await s.device.off();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => s.passed.length === TOTAL, 30000, 'every receipt passed');
    await waitFor(() => s.printer.queued === 0, 30000, 'queue printed');
    const tillNumbers = s.device.receipts
      .map((r) => r.lines.find((l) => l.startsWith('PARAGON FISKALNY nr ')))
      .filter((l): l is string => l !== undefined)
      .map((l) => Number(l.slice('PARAGON FISKALNY nr '.length)));
    // None lost, none doubled, in order; decoded in the till's code page.
    expect(tillNumbers).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(s.device.receipts.filter((r) => r.lines.includes('Żurek zółty   1 x 9,00'))).toHaveLength(TOTAL);
    // Every kiosk slip printed once, each whole on its own (never inside a till receipt).
    const slipReceipts = s.device.receipts.filter((r) => r.lines.some((l) => l.includes('SLIP-')));
    expect(slipReceipts).toHaveLength(slips);
    expect(slipReceipts.every((r) => !r.lines.some((l) => l.startsWith('PARAGON')))).toBe(true);
    // The link did drop, a second client was never needed, and the restart was lived through.
    expect(s.device.drops).toBeGreaterThan(0);
    expect(s.device.refused).toBe(0);
  }, 90_000);

  it('a till that sets code page 18 once prints its next receipt, right after our block, in that code page; no ESC @ goes out', async () => {
    // The kiosk's printer prints its block in Windows-1250 (ESC t 45): the till's CP852 must come back after it.
    const s = await setUp({ model: 'epson-tm-t88' });
    await waitFor(() => s.printer.status.canPrint, 5000, 'printer ready');
    const socket = await tillConnection(s.tillPort);
    const first = tillReceipt(1);
    const second = tillReceipt(2);
    // Start-up: the till selects CP852, bold and centred headings off, once; then two receipts with no reset.
    socket.write(Buffer.concat([Buffer.from([ESC, 0x74, 18, ESC, 0x61, 0x01]), first.body, first.cut, second.body, second.cut]));
    await waitFor(() => s.device.receipts.length === 2, 10000, 'two receipts');
    const [a, b] = s.device.receipts;
    expect(a!.lines).toContain('PARAGON FISKALNY nr 1');
    expect(a!.lines.some((l) => l.startsWith('[QR HTTPS://HUB.EXAMPLE/C/'))).toBe(true);
    // The second receipt decodes in CP852, as the till meant it, and is centred as the till left it.
    expect(b!.lines.slice(0, 2)).toEqual(['PARAGON FISKALNY nr 2', 'Żurek zółty   1 x 9,00']);
    const firstLine = b!.elements.find((e) => e.kind === 'text' && e.text.startsWith('PARAGON'));
    expect(firstLine).toMatchObject({ align: 'center', bold: false, double: false });
    // The block's last line is fed past the cutter before the cut (the till's cut does not feed).
    const afterQr = a!.elements.slice(a!.elements.findIndex((e) => e.kind === 'qr'));
    expect(afterQr.some((e) => e.kind === 'feed' && e.lines >= 4)).toBe(true);
    // Nothing the kiosk sent reset the printer.
    expect(decodeEscPos(s.device.all()).commands).not.toContain('init');
    expect(s.passed.map((r) => r.outcome)).toEqual(['loyaltyBlock', 'loyaltyBlock']);
  });

  it('the kiosk starts with the printer off, says so in words, and prints the waiting till receipt once it is on', async () => {
    const temp = tempDir('kiosk-printer-off');
    cleanups.push(async () => temp.remove());
    const port = await freePort();
    const lines: string[] = [];
    const app: KioskApp = await startKioskApp(
      {
        dataDir: temp.dir,
        apiHost: '127.0.0.1',
        apiPort: 0,
        apiToken: 'printer-off-test-token-0123',
        apiTokenGenerated: false,
        hubUrl: undefined,
        hubPort: 0,
        headless: true,
        printer: { model: 'epson-tm-t20', staffLocale: 'pl', reconnectIntervalMs: 50, connection: { kind: 'tcp', host: '127.0.0.1', port } },
        scanners: undefined,
        passthrough: { till: { kind: 'tcp', port: 0 }, locale: 'pl' },
      },
      systemClock,
      (line) => lines.push(line),
    );
    cleanups.push(() => app.stop());
    await waitFor(() => !app.printer.status.canPrint && app.printer.status.state === 'disconnected', 5000, 'printer off');
    expect(app.printer.status.message).toMatch(/^Drukarka: odłączona/);
    expect(lines.some((l) => l.startsWith('printer: Drukarka: odłączona'))).toBe(true);
    const [host, tillPort] = app.passthroughAddress!.split(':');
    const socket = net.connect(Number(tillPort), host);
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    socket.resume();
    cleanups.push(async () => {
      socket.destroy();
    });
    const r = tillReceipt(7);
    socket.write(Buffer.concat([Buffer.from([ESC, 0x74, 18]), r.body, r.cut]));
    await waitFor(() => app.printer.tillQueued === 1, 5000, 'receipt waiting');
    const device = new FlakyTcpPrinter();
    await device.on(port);
    cleanups.push(() => device.off());
    await waitFor(() => device.receipts.length === 1, 10000, 'printed once the printer is on');
    expect(device.receipts[0]!.lines).toContain('PARAGON FISKALNY nr 7');
    expect(device.receipts[0]!.lines.some((l) => l.startsWith('[QR '))).toBe(true);
    await waitFor(() => app.printer.status.state === 'ready', 5000, 'ready');
    // A kiosk started on a loaded 2-core machine takes seconds; the waits inside bound each step.
  }, 90_000);
});
