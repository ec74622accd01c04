import fc from 'fast-check';
import iconv from 'iconv-lite';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { PrintPassthrough, type PassthroughOptions, type ReceiptPassed, type ReceiptTotalRead, type StaffNotice } from '../../main/pos/passthrough';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { encodeReceipt } from '../../hardware/printer/escpos';
import { buildReceiptDocument } from '../../core/receipt/document';
import { goldenReceipts } from '../fixtures/golden/receipts';
import { CapturePrinter, german, hungarian, loyaltyBlock, polishCp852, unreadable, writeSlowly, type TillReceipt } from '../fixtures/till-sim';
import { waitFor } from './printer-helpers';

/** The till → passthrough (TCP) → printer (TCP capture server) chain, with what each side saw. */
interface Chain {
  passthrough: PrintPassthrough;
  printer: CapturePrinter;
  /** The kiosk's printer (its queue), which the passthrough prints through. */
  kioskPrinter: ReceiptPrinter;
  port: number;
  calls: ReceiptTotalRead[];
  notices: StaffNotice[];
  receipts: ReceiptPassed[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function chain(onReceiptTotal: PassthroughOptions['onReceiptTotal'], extra: Partial<PassthroughOptions> = {}, model = 'epson-tm-t20'): Promise<Chain> {
  const printer = new CapturePrinter();
  await printer.start();
  cleanups.push(() => printer.stop());
  const kioskPrinter = await kioskPrinterAt(printer.port, true, model);
  const calls: ReceiptTotalRead[] = [];
  const passthrough = new PrintPassthrough({
    till: { kind: 'tcp', port: 0 },
    printer: kioskPrinter,
    locale: 'pl',
    ...extra,
    onReceiptTotal: (read) => {
      calls.push(read);
      return onReceiptTotal(read);
    },
  });
  const { port } = await passthrough.start();
  cleanups.push(() => passthrough.stop());
  const notices: StaffNotice[] = [];
  const receipts: ReceiptPassed[] = [];
  passthrough.on('staffNotice', (n) => notices.push(n));
  passthrough.on('receipt', (r) => receipts.push(r));
  return { passthrough, printer, kioskPrinter, port: port!, calls, notices, receipts };
}

/** The kiosk's printer on the capture printer; no status polls of its own, so the bytes there are the till's and the blocks only. */
async function kioskPrinterAt(port: number, wait = true, model = 'epson-tm-t20'): Promise<ReceiptPrinter> {
  const kioskPrinter = new ReceiptPrinter(
    { model, connection: { kind: 'tcp', host: '127.0.0.1', port }, overrides: { realtimeStatus: false }, reconnectIntervalMs: 50 },
    { log: () => undefined },
  ).start();
  cleanups.push(() => kioskPrinter.stop());
  if (wait) await waitFor(() => kioskPrinter.status.canPrint, 5000, 'printer connected');
  return kioskPrinter;
}

/** A till connection: writes `bytes` in uneven chunks, collects what comes back, then closes. */
async function till(port: number, bytes: Buffer, options: { keepOpenMs?: number; seed?: number; expectBack?: number } = {}): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const back: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => back.push(chunk));
  await writeSlowly((chunk) => socket.write(chunk), bytes, options.seed);
  if (options.keepOpenMs) await new Promise((resolve) => setTimeout(resolve, options.keepOpenMs));
  if (options.expectBack) await waitFor(() => back.reduce((n, b) => n + b.length, 0) >= options.expectBack!, 5000, 'status answers');
  socket.end();
  await once(socket, 'close');
  return Buffer.concat(back);
}

/** Waits until the printer has at least as many bytes as expected (from `from` on), then compares. */
async function printed(c: Chain, expected: Buffer, from = 0): Promise<boolean> {
  await c.passthrough.idle();
  await waitFor(() => c.printer.bytes().length - from >= expected.length, 5000, 'bytes at the printer');
  return c.printer.bytes().subarray(from).equals(expected);
}

const blockFor = (read: ReceiptTotalRead) =>
  loyaltyBlock(Math.floor(read.amount / 100), 140, `HTTPS://HUB.EXAMPLE/C/${read.idempotencyKey.slice(0, 16).toUpperCase()}`);
/** The till's receipts with what the passthrough inserted before each cut (the block, a feed, the till's settings put back). */
const expectedWithBlocks = (receipts: TillReceipt[], passed: ReceiptPassed[]) =>
  Buffer.concat(receipts.flatMap((r, i) => [r.body, Buffer.from(passed[i]!.inserted ?? []), r.cut]));

describe('print-stream passthrough over TCP', () => {
  it("on a raster-only Star TSP100 the till's bytes pass untouched and only the block, a Star raster image, is added", async () => {
    let block: Uint8Array | undefined;
    const c = await chain(
      async (read) => {
        const doc = buildReceiptDocument({ ...goldenReceipts.pl.input, total: { amount: read.amount, currency: read.currency } }, { loyaltyBlockOnly: true });
        block = encodeReceipt(doc, c.kioskPrinter.profile, { start: 'explicit' });
        return block;
      },
      { printerRasterOnly: true },
      'star-tsp100',
    );
    const receipt = polishCp852(1);
    await till(c.port, Buffer.concat([receipt.body, receipt.cut]));
    await waitFor(() => block !== undefined, 5000, 'the sale');
    // Enter raster mode ... quit raster mode: the block as encoded, with no ESC/POS feed or settings after it.
    expect([...block!.subarray(0, 4)]).toEqual([0x1b, 0x2a, 0x72, 0x41]);
    expect([...block!.subarray(-4)]).toEqual([0x1b, 0x2a, 0x72, 0x42]);
    expect(await printed(c, Buffer.concat([receipt.body, Buffer.from(block!), receipt.cut]))).toBe(true);
    expect(c.receipts[0]!.inserted).toEqual(Buffer.from(block!));
  });

  it('forwards PL (CP852), HU and DE receipts byte for byte with the loyalty block just before each cut', async () => {
    const blocks: Uint8Array[] = [];
    const c = await chain(async (read) => {
      const block = blockFor(read);
      blocks.push(block);
      return block;
    });
    const receipts = [polishCp852(1), hungarian(2), german(3)];
    const input = Buffer.concat(receipts.flatMap((r) => [r.body, r.cut]));
    const back = await till(c.port, input, { expectBack: 3 });
    await waitFor(() => blocks.length === 3, 5000, 'three sales');
    const expected = expectedWithBlocks(receipts, c.receipts);
    // What is inserted is the block as the sale service gave it, then the feed and the till's state: never a reset.
    c.receipts.forEach((r, i) => expect(Buffer.from(r.inserted!.subarray(0, blocks[i]!.length)).equals(Buffer.from(blocks[i]!))).toBe(true));
    await waitFor(() => c.printer.bytes().length >= expected.length, 5000, 'printer bytes');
    await c.passthrough.idle();
    expect(await printed(c, expected)).toBe(true);
    expect(c.calls.map((r) => ({ amount: r.amount, currency: r.currency, pattern: r.pattern }))).toEqual([
      { amount: 1840, currency: 'PLN', pattern: 'pl:suma' },
      { amount: 125000, currency: 'HUF', pattern: 'hu:összesen' },
      { amount: 790, currency: 'EUR', pattern: 'de:summe' },
    ]);
    expect(c.calls[0]!.text).toContain('PIEKARNIA ŁĄKA');
    expect(c.calls[0]!.line).toBe('SUMA PLN                     18,40');
    expect(c.calls[2]!.text).toContain('Käsekuchen');
    expect(c.receipts.map((r) => r.outcome)).toEqual(['loyaltyBlock', 'loyaltyBlock', 'loyaltyBlock']);
    expect(c.notices).toEqual([]);
    // Each receipt asked the printer for its status once (DLE EOT 1); each answer reached the till unchanged.
    expect([...back]).toEqual([0x12, 0x12, 0x12]);
  });

  it('reads a receipt in the code page the till selected in an earlier receipt of the session', async () => {
    const c = await chain(async () => undefined);
    const first = polishCp852(1);
    // The second receipt selects no page: the printer (and the passthrough) stay in CP852.
    const second = Buffer.concat([iconv.encode('Żurek  1 x 9,00   9,00 A\nSUMA PLN   9,00\n', 'cp852'), Buffer.from([0x1d, 0x56, 0x01])]);
    await till(c.port, Buffer.concat([first.body, first.cut, second]));
    await waitFor(() => c.calls.length === 2, 5000, 'two receipts');
    expect(c.calls[1]!.text).toContain('Żurek');
    expect([c.calls[1]!.amount, c.calls[1]!.tillCodePage]).toEqual([900, 'cp852']);
  });

  it('forwards a receipt whose total cannot be read unchanged and tells staff in words', async () => {
    const c = await chain(async (read) => blockFor(read));
    const r = unreadable();
    await till(c.port, Buffer.concat([r.body, r.cut]));
    await waitFor(() => c.notices.length > 0, 5000, 'notice');
    await c.passthrough.idle();
    expect(await printed(c, Buffer.concat([r.body, r.cut]))).toBe(true);
    expect(c.calls).toEqual([]);
    expect(c.notices[0]).toMatchObject({ reason: 'noTotal' });
    expect(c.notices[0]!.message).toMatch(/^Nie odczytano sumy paragonu/);
    expect(c.notices[0]!.logMessage).toMatch(/^Receipt total not read — the sale was not recorded for points/);
  });

  it('cuts without the block once the deadline passes, aborts the request and tells staff', async () => {
    const c = await chain(
      (read) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve(blockFor(read)), 2000);
          read.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(blockFor(read));
          });
        }),
      { deadlineMs: 100 },
    );
    const first = polishCp852(7);
    const second = german(8);
    await till(c.port, Buffer.concat([first.body, first.cut, second.body, second.cut]), { keepOpenMs: 50 });
    await waitFor(() => c.receipts.length === 2, 5000, 'both receipts');
    await c.passthrough.idle();
    // The late block is thrown away: the till's bytes arrive exactly as sent, the second receipt after the first cut.
    expect(await printed(c, Buffer.concat([first.body, first.cut, second.body, second.cut]))).toBe(true);
    expect(c.calls.map((r) => r.signal.aborted)).toEqual([true, true]);
    expect(c.notices.map((n) => n.reason)).toEqual(['tooSlow', 'tooSlow']);
    expect(c.notices[0]!.total).toEqual({ amount: 1840, currency: 'PLN' });
    expect(c.notices[0]!.message).toContain('za długo');
  });

  it('forwards unchanged when the sale service fails or refuses', async () => {
    let n = 0;
    const c = await chain(async () => {
      n++;
      if (n === 1) throw new Error('store is locked');
      return undefined;
    });
    const receipts = [polishCp852(1), hungarian(2)];
    const input = Buffer.concat(receipts.flatMap((r) => [r.body, r.cut]));
    await till(c.port, input);
    await waitFor(() => c.receipts.length === 2, 5000, 'both receipts');
    await c.passthrough.idle();
    expect(await printed(c, input)).toBe(true);
    expect(c.receipts.map((r) => r.outcome)).toEqual(['failed', 'refused']);
    expect(c.notices.map((x) => x.reason)).toEqual(['notRecorded', 'notRecorded']);
    expect(c.notices[1]!.logMessage).toMatch(/HUF\s1,250 read/u);
    expect(c.notices[1]!.total).toEqual({ amount: 125000, currency: 'HUF' });
  });

  it('forwards a receipt cut off mid-command as is, records nothing, and records the resent receipt once', async () => {
    const c = await chain(async (read) => blockFor(read));
    const full = polishCp852(9);
    // The till dies after the total line and in the middle of a cut command (GS V without m).
    const truncated = Buffer.concat([full.body, Buffer.from([0x1d, 0x56])]);
    await till(c.port, truncated);
    await waitFor(() => c.notices.length === 1, 5000, 'truncated notice');
    await c.passthrough.idle();
    expect(await printed(c, truncated)).toBe(true);
    expect(c.calls).toEqual([]);
    expect(c.notices[0]!.reason).toBe('truncated');
    // It comes back and sends the whole receipt again: recorded once, with its block.
    const before = c.printer.bytes().length;
    await till(c.port, Buffer.concat([full.body, full.cut]));
    await waitFor(() => c.receipts.length === 1, 5000, 'resent receipt');
    await c.passthrough.idle();
    expect(c.calls).toHaveLength(1);
    expect(await printed(c, Buffer.concat([full.body, Buffer.from(c.receipts[0]!.inserted!), full.cut]), before)).toBe(true);
  });

  it('two identical receipts one after the other are two receipts with two keys (delimited by the cut, not by the text)', async () => {
    const c = await chain(async (read) => blockFor(read));
    const coffee = polishCp852(5);
    const other = polishCp852(6);
    await till(c.port, Buffer.concat([coffee.body, coffee.cut, coffee.body, coffee.cut]), { seed: 1 });
    await till(c.port, Buffer.concat([coffee.body, coffee.cut]), { seed: 2 });
    await till(c.port, Buffer.concat([other.body, other.cut]), { seed: 3 });
    await waitFor(() => c.calls.length === 4, 5000, 'four calls');
    const keys = c.calls.map((r) => r.idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(4);
    expect(c.calls.map((r) => r.text)).toEqual([c.calls[0]!.text, c.calls[0]!.text, c.calls[0]!.text, c.calls[3]!.text]);
    expect(c.receipts.map((r) => r.outcome)).toEqual(['loyaltyBlock', 'loyaltyBlock', 'loyaltyBlock', 'loyaltyBlock']);
  });

  it('a copy, a Z report and a cash-in earn nothing: forwarded unchanged, no sale asked for, no notice', async () => {
    const c = await chain(async (read) => blockFor(read));
    const sale = polishCp852(1);
    const printout = (lines: string[]) =>
      Buffer.concat([
        Buffer.from([0x1b, 0x40, 0x1b, 0x74, 18]),
        iconv.encode(lines.join('\n') + '\n', 'cp852'),
        Buffer.from([0x1b, 0x64, 0x04, 0x1d, 0x56, 0x42, 0x00]),
      ]);
    const copy = Buffer.concat([sale.body.subarray(0, 8), iconv.encode('*** KOPIA ***\n', 'cp852'), sale.body.subarray(8), sale.cut]);
    const zReport = printout(['RAPORT DOBOWY nr 0042', 'Sprzedaż brutto     1 234,50', 'SUMA PLN            1 234,50']);
    const cashIn = printout(['WPŁATA DO KASY', 'Kwota 200,00', 'RAZEM 200,00']);
    const input = Buffer.concat([copy, zReport, cashIn, sale.body, sale.cut]);
    await till(c.port, input);
    await waitFor(() => c.receipts.length === 4, 5000, 'four printouts');
    await c.passthrough.idle();
    expect(c.receipts.map((r) => [r.outcome, r.document?.kind])).toEqual([
      ['notSale', 'copy'],
      ['notSale', 'report'],
      ['notSale', 'cashMovement'],
      ['loyaltyBlock', undefined],
    ]);
    expect(c.calls).toHaveLength(1);
    expect(c.notices).toEqual([]);
    const expected = Buffer.concat([copy, zReport, cashIn, sale.body, Buffer.from(c.receipts[3]!.inserted!), sale.cut]);
    expect(await printed(c, expected)).toBe(true);
  });

  it('a second till connection waits until the first is done (like a printer port)', async () => {
    const c = await chain(async (read) => blockFor(read));
    const a = polishCp852(1),
      b = german(2);
    await Promise.all([till(c.port, Buffer.concat([a.body, a.cut]), { keepOpenMs: 50, seed: 4 }), till(c.port, Buffer.concat([b.body, b.cut]), { seed: 5 })]);
    await waitFor(() => c.receipts.length === 2, 5000, 'both');
    await c.passthrough.idle();
    const ab = expectedWithBlocks([a, b], c.receipts);
    expect(await printed(c, ab)).toBe(true);
  });

  it('whatever bytes a till sends, the printer gets them all, in order, plus only the blocks (property)', async () => {
    const marker = Uint8Array.from([0x0a, 0x2a, 0x42, 0x4c, 0x4f, 0x43, 0x4b, 0x0a]); // "\n*BLOCK\n"
    const c = await chain(async () => marker);
    const valid = polishCp852(3);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (garbage, withReceipt) => {
        const before = c.printer.bytes().length;
        const seen = c.receipts.length;
        const input = withReceipt ? Buffer.concat([Buffer.from(garbage), valid.body, valid.cut]) : Buffer.from(garbage);
        await till(c.port, input);
        await waitFor(() => c.printer.bytes().length - before >= input.length, 5000, 'forwarded bytes');
        await c.passthrough.idle();
        const inserted = c.receipts
          .slice(seen)
          .filter((r) => r.outcome === 'loyaltyBlock')
          .map((r) => Buffer.from(r.inserted!));
        const insertedBytes = inserted.reduce((n, b) => n + b.length, 0);
        await waitFor(() => c.printer.bytes().length - before >= input.length + insertedBytes, 5000, 'blocks');
        const out = c.printer.bytes().subarray(before);
        // Taking the inserted bytes (each the block, a feed and the till's settings) out gives back exactly the input.
        let stripped = out;
        for (const bytes of inserted) {
          expect(bytes.subarray(0, marker.length).equals(Buffer.from(marker))).toBe(true);
          const at = stripped.indexOf(bytes);
          expect(at).toBeGreaterThanOrEqual(0);
          stripped = Buffer.concat([stripped.subarray(0, at), stripped.subarray(at + bytes.length)]);
        }
        expect(stripped.equals(input)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('a printer that is off: staff are told once, the receipt waits and prints whole when the printer is on', async () => {
    const printer = new CapturePrinter();
    const port = await printer.start();
    await printer.stop(); // switched off; the port is free again
    const kioskPrinter = await kioskPrinterAt(port, false);
    const passthrough = new PrintPassthrough({ till: { kind: 'tcp', port: 0 }, printer: kioskPrinter, onReceiptTotal: async () => undefined });
    const started = await passthrough.start();
    cleanups.push(() => passthrough.stop());
    const notices: StaffNotice[] = [];
    passthrough.on('staffNotice', (n) => notices.push(n));
    const r = german(1);
    const s2 = german(2);
    await till(started.port!, Buffer.concat([r.body, r.cut, s2.body, s2.cut]));
    await waitFor(() => notices.some((n) => n.reason === 'printerDown'), 5000, 'printerDown');
    expect(notices.filter((n) => n.reason === 'printerDown')).toHaveLength(1);
    expect(notices.find((n) => n.reason === 'printerDown')!.message).toContain(`127.0.0.1:${port}`);
    expect(kioskPrinter.tillQueued).toBe(2);
    await printer.start(port);
    cleanups.push(() => printer.stop());
    const expected = Buffer.concat([r.body, r.cut, s2.body, s2.cut]);
    await waitFor(() => printer.bytes().length >= expected.length, 10000, 'the waiting receipts');
    expect(printer.bytes().equals(expected)).toBe(true);
    await waitFor(() => kioskPrinter.tillQueued === 0, 5000, 'queue empty');
  });
});
