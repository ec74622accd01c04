import net from 'node:net';
import { once } from 'node:events';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { buildReceiptDocument } from '../../core/receipt/document';
import { PrintPassthrough } from '../../main/pos/passthrough';
import { german, hungarian, loyaltyBlock, polishCp852, type TillReceipt } from '../fixtures/till-sim';
import { createHash } from 'node:crypto';
import { decodeEscPos } from '../../hardware/printer/decode';
import { findReceiptTotal } from '../../core/pos/receipt-total';
import { findCuts } from '../../core/pos/escpos-boundaries';
import { fmt, opsPerSecond, summarize } from './stats';

/**
 * The delay the print-stream passthrough adds per receipt: from the till writing a receipt's last
 * byte (its cut) to the printer receiving the cut, over TCP loopback. The passthrough reads the
 * total and encodes a loyalty block (text + native QR) for every receipt. Baseline in the same run:
 * a plain TCP forward (socket.pipe, no reading) between the same till and printer.
 */
const RECEIPTS = 300;
const BUDGET_MS = 50;
/** What a queue busy with the kiosk's own slips may add to a till receipt (p95). */
const BUSY_GOAL_MS = 5;
const CUT = Buffer.from([0x1d, 0x56]);

/** A printer that timestamps each cut it receives. */
async function capturePrinter(): Promise<{ port: number; cutTimes: number[]; close: () => Promise<void> }> {
  const cutTimes: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let tail = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const seen = Buffer.concat([tail, chunk]);
      for (let at = seen.indexOf(CUT); at >= 0; at = seen.indexOf(CUT, at + 1)) cutTimes.push(now);
      tail = seen.subarray(seen.length - 1);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    cutTimes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The baseline: a forward that does nothing but pipe bytes both ways. */
async function plainForward(printerPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((till) => {
    const printer = net.connect(printerPort, '127.0.0.1');
    till.setNoDelay(true);
    printer.setNoDelay(true);
    sockets.add(till).add(printer);
    till.pipe(printer);
    printer.pipe(till);
    till.on('error', () => undefined);
    printer.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Till side: one connection, receipts one after another; delay = cut received − last byte written. */
async function measure(port: number, cutTimes: number[], receipts: readonly TillReceipt[]): Promise<number[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const delays: number[] = [];
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i]!;
    socket.write(r.body);
    await new Promise((resolve) => setImmediate(resolve));
    const before = cutTimes.length;
    const sent = performance.now();
    socket.write(r.cut);
    while (cutTimes.length === before) await new Promise((resolve) => setImmediate(resolve));
    delays.push(cutTimes[before]! - sent);
  }
  socket.destroy();
  return delays;
}

export async function run(): Promise<void> {
  const makers = [polishCp852, hungarian, german];
  const receipts = Array.from({ length: RECEIPTS }, (_, i) => makers[i % 3]!(1000 + i));

  const printer = await capturePrinter();
  try {
    // Baseline: plain TCP forward.
    const plain = await plainForward(printer.port);
    await measure(plain.port, printer.cutTimes, receipts.slice(0, 30)); // warm-up
    const baseline = summarize(await measure(plain.port, printer.cutTimes, receipts));
    await plain.close();

    // The passthrough, reading every total and inserting a block with a QR, through the kiosk's printer queue.
    const kioskPrinter = new ReceiptPrinter(
      { model: 'epson-tm-t20', connection: { kind: 'tcp', host: '127.0.0.1', port: printer.port }, overrides: { realtimeStatus: false } },
      { log: () => undefined },
    ).start();
    while (!kioskPrinter.status.canPrint) await new Promise((resolve) => setTimeout(resolve, 10));
    let sales = 0;
    const passthrough = new PrintPassthrough({
      till: { kind: 'tcp', port: 0 },
      printer: kioskPrinter,
      onReceiptTotal: async (read) => {
        sales++;
        return loyaltyBlock(Math.floor(read.amount / 100), 140 + sales, `HTTPS://HUB.EXAMPLE/C/${read.idempotencyKey.slice(0, 16).toUpperCase()}`);
      },
    });
    const { port } = await passthrough.start();
    await measure(port!, printer.cutTimes, receipts.slice(0, 30));
    sales = 0;
    const through = summarize(await measure(port!, printer.cutTimes, receipts));
    // The same, with the shared queue busy: a kiosk slip (text + QR) queued every 2 ms meanwhile.
    const slip = buildReceiptDocument({
      locale: 'pl',
      shop: { name: 'Piekarnia Łąka' },
      saleId: 'K-1',
      at: new Date(0).toISOString(),
      total: { amount: 1840, currency: 'PLN' },
      earned: [{ points: 18 }],
      claim: { payload: 'HTTPS://HUB.EXAMPLE.PL/C/ABCDEFGHJKLMNPQR', validUntil: new Date(7 * 86_400_000).toISOString() },
    });
    let slips = 0;
    const busy = setInterval(() => {
      kioskPrinter.print(slip);
      slips++;
    }, 2);
    sales = 0;
    const busyQueue = summarize(await measure(port!, printer.cutTimes, receipts));
    clearInterval(busy);
    await passthrough.stop();
    await kioskPrinter.stop();

    const bytes = receipts.reduce((n, r) => n + r.body.length + r.cut.length, 0) / receipts.length;
    console.log(`${RECEIPTS} receipts (PL/HU/DE, ~${Math.round(bytes)} bytes each) over TCP loopback; delay = till's cut written → printer has the cut`);
    console.log(`  plain TCP forward (baseline):      p50 ${fmt(baseline.p50)} ms   p95 ${fmt(baseline.p95)} ms`);
    console.log(
      `  passthrough (read total + block):  p50 ${fmt(through.p50)} ms   p95 ${fmt(through.p95)} ms   (${sales} sales, ${sales === RECEIPTS ? 'every total read' : 'SOME TOTALS MISSED'})`,
    );
    console.log(
      `  added by the passthrough:          p50 ${fmt(through.p50 - baseline.p50)} ms   p95 ${fmt(through.p95 - baseline.p95)} ms   ratio p95 ${fmt(through.p95 / baseline.p95, 1)}×`,
    );
    console.log(
      `  passthrough, queue busy with ${slips} kiosk slips: p50 ${fmt(busyQueue.p50)} ms   p95 ${fmt(busyQueue.p95)} ms   vs idle queue: ratio p95 ${fmt(busyQueue.p95 / through.p95, 1)}×, added p95 ${fmt(busyQueue.p95 - through.p95)} ms (goal ≤ ${BUSY_GOAL_MS} ms: ${busyQueue.p95 - through.p95 <= BUSY_GOAL_MS ? 'met' : 'NOT MET'})`,
    );
    // CPU work per receipt in-process, without sockets: scan for the cut, decode, read the total, hash.
    let k = 0;
    const perSecond = opsPerSecond(() => {
      const r = receipts[k++ % receipts.length]!;
      findCuts(r.body);
      const lines = decodeEscPos(r.body).lines;
      findReceiptTotal(lines);
      createHash('sha256').update(lines.join('\n')).digest('hex');
    }, 500);
    console.log(`  reading one receipt in-process (scan + decode + total + hash): ${fmt(1000 / perSecond, 3)} ms`);
    console.log(`  budget ${BUDGET_MS} ms (what a person notices): p95 ${through.p95 < BUDGET_MS ? 'within' : 'OVER'} budget`);
  } finally {
    await printer.close();
  }
}
