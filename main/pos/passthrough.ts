import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { formatMessage } from '../../core/i18n/catalog';
import type { Locale } from '../../core/i18n/locales';
import { posMessages } from '../../core/i18n/pos';
import { formatMoney, type CurrencyCode, type Money } from '../../core/money';
import { EscPosCutScanner } from '../../core/pos/escpos-boundaries';
import { afterBlock, EscPosStateTracker, restoreTillState, withoutInitialize } from '../../core/pos/escpos-state';
import { passthroughConfigSchema, type PassthroughConfig, type TillSide } from '../../core/pos/passthrough-config';
import { classifyReceipt, documentRules, type DocumentKind, type DocumentRule } from '../../core/pos/receipt-kind';
import { findReceiptTotal, type TotalPattern } from '../../core/pos/receipt-total';
import { EscPosDecoder } from '../../hardware/printer/decode';
import type { ReceiptPrinter, TillJob } from '../../hardware/printer/printer';
import { CODE_PAGE_NUMBERS, type CodePage } from '../../hardware/printer/profiles';

/**
 * Print-stream passthrough: the kiosk sits between the till and its receipt printer. Every byte the
 * till sends is forwarded at once and unchanged; only a cut command is held back. At a cut the
 * receipt's text since the previous cut is decoded, the total read, and `onReceiptTotal` asked
 * for the loyalty block, which is written just before the cut, followed by a feed past the cutter
 * and the till's own printer settings put back (never `ESC @`). Whatever goes wrong (no total, the
 * sale refused or too slow, the till gone mid-receipt) the till's bytes still reach the printer as
 * they were and staff get a notice in words. Printer answers (DLE EOT status) go back to the till.
 *
 * The printer is the kiosk's one ReceiptPrinter: each till receipt is one job in its queue, shared
 * with the kiosk's own slips, so it survives the printer being off or dropping the connection.
 */

/** The printer side: the kiosk's ReceiptPrinter (hardware/printer/printer.ts). */
export type PrinterSide = Pick<ReceiptPrinter, 'address' | 'status' | 'tillQueueFull' | 'openTillJob' | 'on' | 'off'>;

/** What the passthrough read off a receipt, handed to the sale service. */
export interface ReceiptTotalRead {
  amount: number;
  currency: Money['currency'];
  /** Name of the pattern that matched, e.g. 'pl-suma'. */
  pattern: string;
  /** The receipt line the total was read from. */
  line: string;
  /** The receipt's whole text, lines joined with "\n". */
  text: string;
  /**
   * SHA-256 (hex) of this passthrough run, the receipt's number in it and its text: one key per
   * receipt the till completed (delimited by its cut), so two identical sales one after the other
   * are two keys, and asking again for the same receipt gives the same key. Use it as the sale's
   * idempotency key (the till API's tillSaleId).
   */
  idempotencyKey: string;
  /** Aborted when the deadline passed and the receipt was cut without the block. */
  signal: AbortSignal;
  /**
   * The code page the till's text is in at the cut. The passthrough puts the till's page (and its
   * other settings) back after the block by itself.
   */
  tillCodePage: CodePage;
}

export type StaffNoticeReason = 'noTotal' | 'notRecorded' | 'tooSlow' | 'truncated' | 'printerDown';

export interface StaffNotice {
  reason: StaffNoticeReason;
  /** In the configured staff language. */
  message: string;
  /** In English, for the log. */
  logMessage: string;
  total?: Money;
  idempotencyKey?: string;
}

export type ReceiptOutcome = 'loyaltyBlock' | 'noTotal' | 'refused' | 'failed' | 'tooSlow' | 'empty' | 'notSale';

/** One receipt passed through (emitted at each cut, after the cut was handed to the printer). */
export interface ReceiptPassed {
  outcome: ReceiptOutcome;
  /** Bytes of the till's receipt (since the previous cut, without the cut). */
  bytes: number;
  lines: string[];
  total?: Money;
  idempotencyKey?: string;
  /** Bytes of the loyalty block inserted before the cut (0 when none). */
  blockBytes: number;
  /** For `notSale`: what the printout is, the rule that said so and the line it matched. */
  document?: { kind: DocumentKind; rule: string; line: string };
  /** Every byte inserted before the cut: the block, the feed past the cutter, the till's settings put back. */
  inserted?: Uint8Array;
}

type Events = {
  staffNotice: [StaffNotice];
  receipt: [ReceiptPassed];
  tillConnected: [{ address: string }];
  tillDisconnected: [{ address: string; midReceipt: boolean }];
  /** The till side could not be opened or failed (a fault, never a crash). */
  tillSideError: [{ message: string }];
};

export interface PassthroughOptions extends PassthroughConfig {
  printer: PrinterSide;
  /**
   * Creates the sale and returns the encoded loyalty block, or undefined to print without one. The
   * block sets what it needs itself (`encodeReceipt(doc, profile, { start: 'explicit' })`); an
   * `ESC @` in it is taken out.
   */
  onReceiptTotal: (receipt: ReceiptTotalRead) => Promise<Uint8Array | undefined>;
  /** The staff notices' language when it follows the kiosk's settings (read at each notice); else `locale`. */
  staffLocale?: () => Locale;
  /** A "receipt" longer than this is forwarded but not read (a till that never cuts). */
  maxReceiptBytes?: number;
  /** The shop's currency, for a total line that prints none (the live program's). */
  shopCurrency?: () => CurrencyCode | undefined;
  /**
   * The printer takes Star raster images only (`profile.rasterOnly`, e.g. Star TSP100): the till
   * already speaks Star mode to it, so its bytes go out exactly as they came (no ESC/POS state put
   * back before them) and the block, a Star raster image of its own, is written as it is, with no
   * ESC/POS feed or settings after it.
   */
  printerRasterOnly?: boolean;
  log?: (line: string) => void;
}

type Item = { kind: 'data'; chunk: Buffer } | { kind: 'end'; address: string };

const TIMED_OUT = Symbol('timedOut');

export class PrintPassthrough extends EventEmitter<Events> {
  private readonly till: TillSide;
  private readonly patterns: readonly TotalPattern[];
  private readonly builtInTotals: boolean;
  private readonly documentRules: readonly DocumentRule[];
  private readonly shopCurrency: () => CurrencyCode | undefined;
  /** Names this run, so receipt keys from an earlier run of the kiosk never collide with today's. */
  private readonly runId = randomUUID();
  /** Receipts completed (cut) in this run. */
  private receiptNumber = 0;
  private readonly deadlineMs: number;
  private readonly locale: () => Locale;
  private readonly printer: PrinterSide;
  private readonly onReceiptTotal: PassthroughOptions['onReceiptTotal'];
  private readonly maxReceiptBytes: number;
  private readonly log: (line: string) => void;
  private readonly rasterOnly: boolean;

  // The till stream being processed.
  private readonly scanner = new EscPosCutScanner();
  /** The printer settings the till's bytes leave behind (put back after the block). */
  private readonly tracker = new EscPosStateTracker();
  /** The till receipt being forwarded: one job in the printer's queue, from its first byte to its cut. */
  private job: TillJob | undefined;
  private receiptCount = 0;
  private carry: Buffer = Buffer.alloc(0);
  private receipt: Buffer[] = [];
  private receiptBytes = 0;
  /** Code page in force at the start of the current receipt (a till may select it once per session). */
  private page: CodePage = 'cp437';
  private readonly queue: Item[] = [];
  private pumping = false;
  private idleWaiters: Array<() => void> = [];

  // Printer side.
  private printerDownNoticed = false;
  private tillPaused = false;
  private readonly onPrinterData = (chunk: Buffer) => this.toTill(chunk);
  private readonly onJobPrinted = (job: { source: 'kiosk' | 'till' }) => {
    if (job.source !== 'till') return;
    this.printerDownNoticed = false;
    if (this.tillPaused && !this.printer.tillQueueFull) this.resumeTill();
  };

  // Till side.
  private server: net.Server | undefined;
  private activeSocket: net.Socket | undefined;
  private readonly waitingSockets: net.Socket[] = [];
  private readonly sockets = new Set<net.Socket>();
  private serial: SerialPort | undefined;
  private stopped = false;

  constructor(options: PassthroughOptions) {
    super();
    const { printer, onReceiptTotal, staffLocale, maxReceiptBytes, log, shopCurrency, printerRasterOnly, ...config } = options;
    const parsed = passthroughConfigSchema.parse(config);
    this.till = parsed.till;
    this.patterns = parsed.patterns ?? [];
    this.builtInTotals = parsed.builtInTotals;
    if (!this.builtInTotals && this.patterns.length === 0) throw new Error('passthrough: builtInTotals is false, so give at least one of your own "patterns"');
    this.documentRules = parsed.documentsFile === undefined ? documentRules() : loadDocumentsFile(parsed.documentsFile);
    this.shopCurrency = shopCurrency ?? (() => undefined);
    this.deadlineMs = parsed.deadlineMs;
    this.locale = staffLocale ?? (() => parsed.locale);
    this.printer = printer;
    this.onReceiptTotal = onReceiptTotal;
    this.maxReceiptBytes = maxReceiptBytes ?? 1 << 20;
    this.log = log ?? (() => undefined);
    this.rasterOnly = printerRasterOnly ?? false;
  }

  /** Opens the till side; resolves with its address (for TCP the bound port, useful with port 0). */
  async start(): Promise<{ address: string; port?: number }> {
    this.printer.on('data', this.onPrinterData);
    this.printer.on('jobPrinted', this.onJobPrinted);
    const till = this.till;
    if (till.kind === 'tcp') {
      const server = net.createServer((socket) => this.acceptSocket(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`till listener ${till.host}:${till.port}: ${error.message} — is another program using the port?`)));
        server.listen(till.port, till.host, () => resolve());
      });
      server.removeAllListeners('error');
      server.on('error', (error) => this.emit('tillSideError', { message: `till listener: ${error.message}` }));
      const port = (server.address() as net.AddressInfo).port;
      return { address: `${till.host}:${port}`, port };
    }
    const { path, baudRate } = till;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new Error(`till serial port ${path}: ${error.message} — check the cable and the configured port`)) : resolve())),
    );
    this.serial = port;
    port.on('data', (chunk: Buffer) => this.enqueue({ kind: 'data', chunk }));
    port.on('error', (error: Error) => this.emit('tillSideError', { message: `till serial port ${path}: ${error.message}` }));
    port.on('close', () => {
      if (!this.stopped) this.enqueue({ kind: 'end', address: path });
    });
    this.emit('tillConnected', { address: path });
    return { address: path };
  }

  /** Closes the till side, forwards whatever is left, and waits until the printer took it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.printer.off('data', this.onPrinterData);
    this.printer.off('jobPrinted', this.onJobPrinted);
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    const serial = this.serial;
    this.serial = undefined;
    if (serial?.isOpen) await new Promise<void>((resolve) => serial.close(() => resolve()));
    this.enqueue({ kind: 'end', address: 'stop' });
    await this.idle();
  }

  /** Resolves when every byte received so far was handed to the printer's queue. */
  idle(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.pumping || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- till side (TCP: one till connection at a time, like a printer's port 9100) ----

  private acceptSocket(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('error', () => {
      /* a close follows */
    });
    if (this.activeSocket) {
      socket.pause();
      this.waitingSockets.push(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        const at = this.waitingSockets.indexOf(socket);
        if (at >= 0) this.waitingSockets.splice(at, 1);
      });
      return;
    }
    this.activate(socket);
  }

  private activate(socket: net.Socket): void {
    this.activeSocket = socket;
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.emit('tillConnected', { address });
    socket.removeAllListeners('close');
    socket.on('data', (chunk: Buffer) => this.enqueue({ kind: 'data', chunk }));
    if (this.tillPaused) socket.pause();
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.activeSocket !== socket) return;
      this.activeSocket = undefined;
      this.enqueue({ kind: 'end', address });
      const next = this.waitingSockets.shift();
      if (next && !this.stopped) {
        this.activate(next);
        if (!this.tillPaused) next.resume();
      }
    });
    if (!this.tillPaused) socket.resume();
  }

  private toTill(chunk: Buffer): void {
    if (this.activeSocket && !this.activeSocket.destroyed) this.activeSocket.write(chunk);
    else if (this.serial?.isOpen) this.serial.write(chunk);
  }

  /**
   * The printer's queue holds as many till receipts as it may: stop reading from the till, which then
   * sees a printer that does not take data (as at a printer with a full buffer) and keeps its receipt.
   */
  private pauseTill(): void {
    this.tillPaused = true;
    this.activeSocket?.pause();
    this.serial?.pause();
    this.log(`passthrough: ${this.printer.status.queued} receipts wait for the printer; not reading from the till until one printed`);
  }

  private resumeTill(): void {
    this.tillPaused = false;
    this.activeSocket?.resume();
    this.serial?.resume();
  }

  // ---- the stream ----

  private enqueue(item: Item): void {
    this.queue.push(item);
    if (!this.pumping) void this.pump();
  }

  /** Processes items in order; runs synchronously until a cut needs the sale service. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (item.kind === 'end') {
          this.endOfStream(item.address);
          continue;
        }
        const waiting = this.handleData(item.chunk);
        if (waiting) await waiting;
      }
    } catch (error) {
      this.log(`passthrough: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      this.pumping = false;
      this.checkIdle();
    }
  }

  /** Forwards a chunk; returns a promise only when a cut is waiting for the sale service. */
  private handleData(chunk: Buffer, scanFrom = 0): Promise<void> | undefined {
    const buffer = this.carry.length > 0 && scanFrom === 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    let from = scanFrom;
    for (;;) {
      const step = this.scanner.scan(buffer, from);
      if (step.kind === 'more') {
        this.pass(buffer.subarray(from, step.safeEnd));
        this.carry = Buffer.from(buffer.subarray(step.safeEnd));
        return undefined;
      }
      this.pass(buffer.subarray(from, step.start));
      const cut = buffer.subarray(step.start, step.end);
      const rest = step.end;
      const atCut = this.atCut(cut);
      if (atCut) return atCut.then(() => this.handleData(buffer, rest));
      from = rest;
    }
  }

  /** Till bytes that are not a cut: straight to the printer, and kept for reading the receipt. */
  private pass(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const { statusRequests, content } = this.tracker.feed(bytes);
    const job = this.openJob();
    job.append(bytes, statusRequests);
    // Status requests before a receipt starts go out on their own: a till that only polls must not
    // hold the kiosk's slips back behind a receipt that has not begun.
    if (!content && this.receiptBytes === 0) this.endJob();
    else {
      if (this.receiptBytes <= this.maxReceiptBytes) this.receipt.push(bytes);
      this.receiptBytes += bytes.length;
    }
  }

  private openJob(): TillJob {
    // The preamble puts the till's ESC/POS state back after a kiosk slip; a raster-only printer has none.
    this.job ??= this.rasterOnly
      ? this.printer.openTillJob(`till receipt ${++this.receiptCount}`)
      : this.printer.openTillJob(`till receipt ${++this.receiptCount}`, Uint8Array.from(restoreTillState(this.tracker.state)));
    return this.job;
  }

  private endJob(): void {
    const job = this.job;
    this.job = undefined;
    job?.end();
    if (job && this.printer.tillQueueFull && !this.tillPaused) this.pauseTill();
  }

  private takeReceipt(): { bytes: number; lines: string[] } {
    const bytes = this.receiptBytes;
    const tooLong = bytes > this.maxReceiptBytes;
    const data = tooLong ? Buffer.alloc(0) : Buffer.concat([Buffer.from(selectPage(this.page)), ...this.receipt]);
    this.receipt = [];
    this.receiptBytes = 0;
    const decoder = new EscPosDecoder();
    decoder.feed(data);
    const result = decoder.finish();
    for (let i = result.commands.length - 1; i >= 0; i--) {
      const command = result.commands[i]!;
      if (command === 'init') {
        this.page = 'cp437';
        break;
      }
      if (command.startsWith('page:') && !command.startsWith('page:unknown')) {
        this.page = command.slice(5) as CodePage;
        break;
      }
    }
    return { bytes, lines: tooLong ? [] : result.lines };
  }

  /** At a cut: read the total, ask for the loyalty block, write it, then the cut. */
  private atCut(cut: Buffer): Promise<void> | undefined {
    const { bytes, lines } = this.takeReceipt();
    const text = lines.join('\n');
    const passed = (outcome: ReceiptOutcome, extra: Partial<ReceiptPassed> = {}) => {
      this.tracker.cut();
      this.endJob();
      if (!this.printer.status.canPrint && !this.printerDownNoticed) {
        this.printerDownNoticed = true;
        this.notice('printerDown', {});
      }
      this.emit('receipt', { outcome, bytes, lines, blockBytes: 0, ...extra });
    };
    if (lines.every((line) => line.trim() === '')) {
      this.write(cut);
      passed('empty');
      return undefined;
    }
    const kind = classifyReceipt(lines, this.documentRules);
    if (kind.kind !== 'sale') {
      this.write(cut);
      this.log(`passthrough: not a sale (${kind.kind}, rule ${kind.rule}: "${kind.line}"), no points`);
      passed('notSale', { document: kind });
      return undefined;
    }
    const currency = this.shopCurrency();
    const found = findReceiptTotal(lines, { patterns: this.patterns, builtIns: this.builtInTotals, ...(currency ? { currency } : {}) });
    if (!found) {
      this.write(cut);
      this.notice('noTotal', {});
      passed('noTotal');
      return undefined;
    }
    const total: Money = { amount: found.amount, currency: found.currency };
    this.receiptNumber += 1;
    const idempotencyKey = createHash('sha256').update(`${this.runId}\n${this.receiptNumber}\n${text}`, 'utf8').digest('hex');
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.deadlineMs);
    });
    const asking = Promise.resolve()
      .then(() => this.onReceiptTotal({ ...found, text, idempotencyKey, signal: controller.signal, tillCodePage: this.page }))
      .then(
        (block) => ({ block }),
        (error: unknown) => ({ error }),
      );
    return Promise.race([asking, deadline]).then((answer) => {
      clearTimeout(timer);
      if (answer === TIMED_OUT) {
        controller.abort();
        this.write(cut);
        this.notice('tooSlow', { total, idempotencyKey });
        passed('tooSlow', { total, idempotencyKey });
        return;
      }
      if ('error' in answer || !answer.block || answer.block.length === 0) {
        if ('error' in answer)
          this.log(`passthrough: recording the sale failed: ${answer.error instanceof Error ? answer.error.message : String(answer.error)}`);
        this.write(cut);
        this.notice('notRecorded', { total, idempotencyKey });
        passed('error' in answer ? 'failed' : 'refused', { total, idempotencyKey });
        return;
      }
      // A Star raster block is a whole image of its own: ESC/POS parsing (ESC @ removal) or
      // ESC/POS settings after it would only spoil it.
      const block = this.rasterOnly ? answer.block : withoutInitialize(answer.block);
      const inserted = this.rasterOnly ? Buffer.from(block) : Buffer.concat([block, Buffer.from(afterBlock(this.tracker, cut))]);
      this.write(inserted);
      this.write(cut);
      passed('loyaltyBlock', { total, idempotencyKey, blockBytes: block.length, inserted });
    });
  }

  private endOfStream(address: string): void {
    const carry = this.carry;
    this.carry = Buffer.alloc(0);
    this.pass(carry);
    const { lines } = this.takeReceipt();
    const midReceipt = lines.some((line) => line.trim() !== '');
    // What the till sent before it went is a document of its own, printed as it came.
    this.endJob();
    this.scanner.reset();
    this.tracker.resetStream();
    this.page = 'cp437';
    if (midReceipt) this.notice('truncated', {});
    if (address !== 'stop') this.emit('tillDisconnected', { address, midReceipt });
  }

  private notice(reason: StaffNoticeReason, extra: { total?: Money; idempotencyKey?: string }): void {
    const words = (locale: Locale) =>
      formatMessage(posMessages, locale, reason, {
        total: extra.total ? formatMoney(extra.total, locale) : '',
        address: this.printer.address,
      });
    const notice: StaffNotice = { reason, message: words(this.locale()), logMessage: words('en'), ...extra };
    this.log(`passthrough: ${notice.logMessage}`);
    this.emit('staffNotice', notice);
  }

  // ---- printer side ----

  /** Bytes of the current till receipt (the till's, or the block and the cut) into its print job. */
  private write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.openJob().append(bytes);
  }
}

/** Reads and checks an owner's file of printouts that are not sales; any fault stops the start with its reason. */
export function loadDocumentsFile(path: string): DocumentRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`passthrough documentsFile ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}) — check the path`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`passthrough documentsFile ${path}: not JSON (${(error as Error).message})`);
  }
  return documentRules(json, `passthrough documentsFile ${path}`);
}

function selectPage(page: CodePage): number[] {
  return [0x1b, 0x74, CODE_PAGE_NUMBERS.epson[page] ?? 0];
}

/** Builds and starts a passthrough. */
export async function startPassthrough(options: PassthroughOptions): Promise<{ passthrough: PrintPassthrough; address: string; port?: number }> {
  const passthrough = new PrintPassthrough(options);
  const where = await passthrough.start();
  return { passthrough, ...where };
}
