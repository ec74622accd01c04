// The fiscal tap between a till and a Posnet fiscal printer: a session built from the published
// Posnet frames (test/fixtures/fiscal/posnet-session.ts, sources quoted there) replayed through the
// tap over TCP and over socat serial pairs arrives byte-identical at the printer, each piece as it
// comes (a half frame is at the printer before the rest is sent), the printer's answers go back
// unchanged, and the totals of `trend` are read. In the kiosk each total is a sale whose claim QR the
// counter screen shows, with a slip on the kiosk printer only where the shop asks for one.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { FiscalTap, type FiscalTotalRead } from '../../main/pos/fiscal-tap';
import type { KioskEvent } from '../../core/contract/commands';
import { encodePosnetFrame } from '../../core/pos/posnet';
import { POSNET_ERROR_ANSWER, POSNET_RECEIPT, posnetSession } from '../fixtures/fiscal/posnet-session';
import { fiscalPrinter, serialTap, tcpTill as till } from '../support/fiscal-tap';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fiscal tap (Posnet) over TCP', () => {
  it('forwards every piece at once and unchanged, answers back unchanged, and reads each transaction total', async () => {
    const printer = await fiscalPrinter();
    cleanups.push(() => printer.close());
    const totals: FiscalTotalRead[] = [];
    const tap = new FiscalTap({
      protocol: 'posnet',
      till: { kind: 'tcp', port: 0 },
      printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
      onTotal: async (read) => {
        totals.push(read);
      },
    });
    const { address } = await tap.start();
    cleanups.push(() => tap.stop());
    const t = await till(address);
    cleanups.push(() => void t.socket.destroy());

    const session = posnetSession();
    // Half of the clock frame first: it must be at the printer before the till sends the rest.
    const half = 9;
    t.socket.write(session.subarray(0, half));
    await until(() => printer.received().length === half, 'the half frame at the printer');
    expect(totals).toEqual([]);
    // The rest in odd-sized pieces, as a serial line or a busy network would deliver it.
    for (let at = half; at < session.length; at += 7) t.socket.write(session.subarray(at, Math.min(at + 7, session.length)));
    await until(() => printer.received().length === session.length, 'the whole session at the printer');
    expect(printer.received().equals(session)).toBe(true);

    await until(() => totals.length === 2, 'both totals read');
    expect(totals.map((r) => r.total)).toEqual([
      { amount: 9999999, currency: 'PLN' },
      { amount: 9999999, currency: 'PLN' },
    ]);
    expect(totals[0]!.idempotencyKey).not.toBe(totals[1]!.idempotencyKey);

    const answer = Buffer.from(POSNET_ERROR_ANSWER, 'latin1');
    printer.answer(answer);
    await until(() => t.received().length === answer.length, "the printer's answer at the till");
    expect(t.received().equals(answer)).toBe(true);
  });

  it('a sale service that fails never holds the fiscal bytes back', async () => {
    const printer = await fiscalPrinter();
    cleanups.push(() => printer.close());
    const failures: string[] = [];
    const tap = new FiscalTap({
      protocol: 'posnet',
      till: { kind: 'tcp', port: 0 },
      printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
      onTotal: () => new Promise((_, reject) => setTimeout(() => reject(new Error('store is busy')), 50)),
    });
    tap.on('notRead', ({ message }) => failures.push(message));
    const { address } = await tap.start();
    cleanups.push(() => tap.stop());
    const t = await till(address);
    cleanups.push(() => void t.socket.destroy());
    const receipt = Buffer.from(POSNET_RECEIPT.join(''), 'latin1');
    t.socket.write(receipt);
    await until(() => printer.received().length === receipt.length, 'the receipt at the printer');
    expect(printer.received().equals(receipt)).toBe(true);
    await until(() => failures.length === 1, 'the failure reported');
    expect(failures[0]).toContain('was not recorded: store is busy');
  });
});

describe('fiscal tap (Posnet) over socat serial pairs', () => {
  it('replays the session byte-identical from the till port to the printer port and reads the totals', async () => {
    const { tillPort, printerPort, atPrinter, atTill, totals } = await serialTap('posnet', cleanups);

    const session = posnetSession();
    tillPort.write(session);
    await until(() => atPrinter().length >= session.length, 'the session at the printer port');
    expect(atPrinter().equals(session)).toBe(true);
    await until(() => totals.length === 2, 'both totals read');
    expect(totals.map((r) => r.total.amount)).toEqual([9999999, 9999999]);

    const answer = Buffer.from(POSNET_ERROR_ANSWER, 'latin1');
    printerPort.write(answer);
    await until(() => atTill().length >= answer.length, "the printer's answer at the till port");
    expect(atTill().equals(answer)).toBe(true);
  });
});

describe('kiosk with the fiscal tap', () => {
  const temp = tempDir('kiosk-fiscal');
  let app: KioskApp | undefined;
  let printer: Awaited<ReturnType<typeof fiscalPrinter>>;
  const log: string[] = [];
  beforeAll(async () => {
    printer = await fiscalPrinter();
    app = await startKioskApp(
      {
        dataDir: temp.dir,
        apiHost: '127.0.0.1',
        apiPort: 0,
        apiToken: 'fiscal-tap-test-token-0123',
        apiTokenGenerated: false,
        hubUrl: undefined,
        hubPort: 0,
        headless: true,
        printer: undefined,
        scanners: undefined,
        passthrough: undefined,
        fiscalTap: { protocol: 'posnet', till: { kind: 'tcp', port: 0 }, printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port }, slip: true },
      },
      systemClock,
      (line) => log.push(line),
    );
  });
  afterAll(async () => {
    await app?.stop();
    await printer?.close();
    temp.remove();
  });

  it('each fiscal total is a sale whose claim QR the counter screen shows, and a slip prints when the shop asks', async () => {
    if (!app) throw new Error('the kiosk did not start');
    expect(log.some((l) => l.includes('fiscal tap'))).toBe(false);
    const events: KioskEvent[] = [];
    app.ui.subscribe((e) => events.push(e));
    const slips = app.virtualPrinter!.receipts;
    const slipsBefore = slips.length;

    const t = await till(app.fiscalTapAddress!);
    cleanups.push(() => void t.socket.destroy());
    // The published sample totals 99 999,99 zł, over the shop's earn ceiling: a café's 18,40 zł
    // receipt, framed like it (encodePosnetFrame reproduces the published frames' CRCs in the unit test).
    const receipt = Buffer.concat([
      encodePosnetFrame('trinit'),
      encodePosnetFrame('trline', [
        { name: 'na', value: 'Kawa' },
        { name: 'vt', value: '0' },
        { name: 'pr', value: '1840' },
      ]),
      encodePosnetFrame('trend', [{ name: 'to', value: '1840' }]),
    ]);
    t.socket.write(receipt);
    await until(() => printer.received().length === receipt.length, 'the fiscal receipt at the fiscal printer');
    expect(printer.received().equals(receipt)).toBe(true);

    await until(() => events.some((e) => e.name === 'saleCreated'), `the sale on the counter screen (log: ${log.join(' | ')})`);
    const shown = events.find((e) => e.name === 'saleCreated')!;
    expect(shown.payload).toMatchObject({ total: { amount: 1840, currency: 'PLN' } });
    expect((shown.payload as { claimUrl: string }).claimUrl).toMatch(/\/c\//i);
    const sale = app.store.getSaleByTillId((shown.payload as { tillSaleId: string }).tillSaleId, 'fiscalTap');
    expect(sale?.source).toBe('fiscalTap');

    await until(() => slips.length > slipsBefore, 'the loyalty slip on the kiosk printer');
    expect(slips.at(-1)!.elements.some((e) => e.kind === 'qr')).toBe(true);
  });
});
