import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { ReceiptPrinter, type PrinterConfig } from '../../hardware/printer/printer';
import { VirtualPrinter } from '../../hardware/printer/virtual-printer';
import { recordStatus, sampleInput, waitFor } from './printer-helpers';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(extra: Partial<PrinterConfig> = {}, virtualOptions: ConstructorParameters<typeof VirtualPrinter>[0] = {}) {
  const virtual = new VirtualPrinter(virtualOptions);
  const port = await virtual.listen(0);
  cleanup.push(() => virtual.close());
  const logs: string[] = [];
  const printer = new ReceiptPrinter(
    {
      model: 'epson-tm-t20',
      paper: 80,
      connection: { kind: 'tcp', host: '127.0.0.1', port },
      statusIntervalMs: 150,
      statusTimeoutMs: 300,
      reconnectIntervalMs: 200,
      ...extra,
    },
    { log: (l) => logs.push(l) },
  );
  const events = recordStatus(printer);
  printer.start();
  cleanup.push(() => printer.stop());
  return { virtual, port, printer, events, logs };
}

describe('TCP 9100 printer with the virtual printer', () => {
  it('prints a receipt the virtual printer decodes and draws, QR included', async () => {
    const { virtual, printer } = await setup();
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => virtual.receipts.length === 1, 5000, 'receipt');
    const receipt = virtual.receipts[0]!;
    expect(receipt.lines[0]).toBe('Piekarnia Łąka');
    expect(receipt.lines.join('\n')).toMatch(/Suma +18,40 zł/);
    expect(receipt.elements).toContainEqual(expect.objectContaining({ kind: 'qr', payload: sampleInput.claim!.payload }));
    const svg = virtual.svg()!;
    expect(svg).toContain('<svg');
    expect(svg).toContain('Piekarnia\u00a0Łąka');
    expect(svg).toMatch(/<path d="M[^"]{200,}"/);
    await waitFor(() => printer.queued === 0, 2000, 'queue empty');
  });

  it('paper out: staff told in their language, receipt kept, printed by itself when paper is back', async () => {
    const { virtual, printer, events } = await setup({ staffLocale: 'pl' });
    await waitFor(() => printer.status.state === 'ready', 3000, 'ready');
    virtual.state.paperOut = true;
    await waitFor(() => printer.status.state === 'paperOut', 3000, 'paper out');
    expect(events.at(-1)?.message).toBe('Drukarka: brak papieru — włóż nową rolkę; czekający paragon wydrukuje się sam');
    expect(printer.print(buildReceiptDocument(sampleInput))).toMatch(/^job-/); // returns at once, no promise
    expect(printer.queued).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(virtual.receipts).toHaveLength(0);
    virtual.state.paperOut = false;
    await waitFor(() => virtual.receipts.length === 1, 3000, 'reprint after paper');
    await waitFor(() => printer.queued === 0, 2000, 'queue empty');
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['ready', 'paperOut']));
    expect(events.at(-1)?.state).toBe('ready');
  });

  it('paper running out in the middle of a receipt: the cut-off receipt is printed again whole', async () => {
    const { virtual, printer } = await setup();
    await waitFor(() => printer.status.state === 'ready', 3000, 'ready');
    const lost: number[] = [];
    // The roll ends while the receipt's bytes arrive (status requests are 3 bytes, the receipt is more).
    virtual.on('data', (n) => {
      if (n > 3 && lost.length === 0) virtual.state.paperOut = true;
    });
    virtual.on('lost', (l) => lost.push(l.bytes));
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => printer.status.state === 'paperOut', 3000, 'paper out after the job');
    expect(printer.queued).toBe(1);
    expect(lost).toHaveLength(1);
    expect(virtual.receipts).toHaveLength(0);
    virtual.removeAllListeners('data');
    virtual.state.paperOut = false;
    await waitFor(() => virtual.receipts.length === 1, 3000, 'reprinted receipt');
    expect(virtual.receipts[0]!.lines[0]).toBe('Piekarnia Łąka');
  });

  it('cover open and paper low are told apart, in German', async () => {
    const { virtual, printer, events } = await setup({ staffLocale: 'de' });
    await waitFor(() => printer.status.state === 'ready', 3000, 'ready');
    virtual.state.coverOpen = true;
    await waitFor(() => printer.status.state === 'coverOpen', 3000, 'cover open');
    expect(events.at(-1)?.message).toBe('Drucker: Deckel offen — bitte schließen');
    virtual.state.coverOpen = false;
    virtual.state.paperLow = true;
    await waitFor(() => printer.status.state === 'paperLow', 3000, 'paper low');
    expect(printer.status.canPrint).toBe(true);
  });

  it('reprintLast prints the last receipt again marked as a copy', async () => {
    const { virtual, printer } = await setup();
    expect(printer.reprintLast()).toBeUndefined();
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => virtual.receipts.length === 1, 5000, 'first');
    printer.reprintLast();
    await waitFor(() => virtual.receipts.length === 2, 5000, 'copy');
    expect(virtual.receipts[1]!.lines[0]).toBe('*** KOPIA ***');
    expect(virtual.receipts[1]!.lines[1]).toBe('Piekarnia Łąka');
  });

  it('a printer that goes away is reported, the receipt waits, and it reconnects within 2 s of coming back', async () => {
    const { virtual, port, printer, events } = await setup();
    await waitFor(() => printer.status.state === 'ready', 3000, 'ready');
    await virtual.close();
    await waitFor(() => printer.status.state === 'disconnected', 3000, 'disconnected');
    expect(events.at(-1)?.message).toBe('Printer: disconnected — check power and cable; it reconnects by itself');
    printer.print(buildReceiptDocument(sampleInput));
    expect(printer.queued).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    const back = new VirtualPrinter();
    await back.listen(port);
    cleanup.push(() => back.close());
    await waitFor(() => back.receipts.length === 1, 2000, 'reconnect and print within 2 s');
    await waitFor(() => printer.status.state === 'ready' && printer.queued === 0, 2000, 'ready, queue empty');
  });

  it('a printer that accepts and never reads: "not answering", and print() still returns at once', async () => {
    const { virtual, printer, events } = await setup({ staffLocale: 'hu' });
    await waitFor(() => printer.status.state === 'ready', 3000, 'ready');
    virtual.stopReading();
    await waitFor(() => printer.status.state === 'notAnswering', 3000, 'not answering');
    expect(events.at(-1)?.message).toMatch(/^Nyomtató: nem válaszol/);
    for (let i = 0; i < 3; i++) printer.print(buildReceiptDocument({ ...sampleInput, saleId: `T-${i}` }));
    expect(printer.queued).toBe(3);
  });

  it('nonsense status answers are reported, and receipts still print', async () => {
    const { virtual, printer, events } = await setup({}, { nonsenseStatus: true });
    await waitFor(() => printer.status.state === 'nonsense', 3000, 'nonsense');
    expect(events.at(-1)?.message).toBe('Printer: gives an unexpected status answer — check the printer model in the settings');
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => virtual.receipts.length === 1, 3000, 'printed anyway');
  });

  it('nothing listening at all: reported, no crash, receipts wait', async () => {
    const virtual = new VirtualPrinter();
    const port = await virtual.listen(0);
    await virtual.close();
    const printer = new ReceiptPrinter(
      { model: 'clone-80', connection: { kind: 'tcp', host: '127.0.0.1', port }, reconnectIntervalMs: 100 },
      { log: () => undefined },
    );
    const events = recordStatus(printer);
    printer.start();
    cleanup.push(() => printer.stop());
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => events.length > 0, 2000, 'an event');
    expect(events[0]?.state).toBe('disconnected');
    expect(printer.queued).toBe(1);
  });

  it('a status listener that throws does not stop the printer', async () => {
    const { virtual, printer, logs } = await setup();
    printer.on('printerStatusChanged', () => {
      throw new Error('UI bug');
    });
    virtual.state.coverOpen = true;
    await waitFor(() => printer.status.state === 'coverOpen', 3000, 'cover open');
    virtual.state.coverOpen = false;
    printer.print(buildReceiptDocument(sampleInput));
    await waitFor(() => virtual.receipts.length === 1, 3000, 'printed after the throwing listener');
    expect(logs.some((l) => l.includes('listener threw: UI bug'))).toBe(true);
  });

  it('a bad config is refused naming the field', () => {
    expect(() => new ReceiptPrinter({ model: 'clone-80', connection: { kind: 'tcp', host: '', port: 9100 } })).toThrow(/connection\.host/);
    expect(() => new ReceiptPrinter({ model: 'nope', connection: { kind: 'tcp', host: 'x' } })).toThrow(/unknown printer model "nope"/);
  });
});
