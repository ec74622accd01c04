import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { localeSchema, type Locale } from '../../core/i18n/locales';
import { printerMessages } from '../../core/i18n/receipt';
import { asReprint, type ReceiptDocument } from '../../core/receipt/document';
import { loadRasterFonts } from './bitmap';
import { encodeReceipt, transmitMs } from './escpos';
import { paperSchema, profileOverridesSchema, resolveProfile, type ResolvedProfile } from './profiles';
import { parseStatus, STATUS_REQUESTS, type StatusFlags } from './status';
import { DeviceFileTransport, SerialTransport, TcpTransport, TransportError, type PrinterTransport } from './transport';

export const printerConfigSchema = z
  .object({
    /** A key of PRINTER_PROFILES: 'epson-tm-t20', 'epson-tm-t88', 'star-tsp100', 'clone-58', 'clone-80'. */
    model: z.string().min(1),
    paper: paperSchema.default(80),
    overrides: profileOverridesSchema.default({}),
    connection: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('serial'), path: z.string().min(1), baudRate: z.number().int().positive().optional() }).strict(),
      z.object({ kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).default(9100) }).strict(),
      z.object({ kind: z.literal('usb-file'), path: z.string().min(1) }).strict(),
    ]),
    /** Language of the messages for staff. */
    staffLocale: localeSchema.default('en'),
    statusIntervalMs: z.number().int().min(100).default(1000),
    statusTimeoutMs: z.number().int().min(50).default(500),
    reconnectIntervalMs: z.number().int().min(50).default(400),
    writeTimeoutMs: z.number().int().min(100).default(5000),
    /** Kiosk slips kept while the printer is away (the oldest is dropped, and logged, past this). */
    maxQueued: z.number().int().min(1).default(50),
    /**
     * Till receipts (passthrough) kept while the printer is away. They are never dropped: past this
     * the passthrough stops reading from the till, which then sees a busy printer, as it would at a
     * printer whose buffer is full.
     */
    maxTillQueued: z.number().int().min(1).default(200),
  })
  .strict();
export type PrinterConfig = z.input<typeof printerConfigSchema>;

export type PrinterState =
  'connecting' | 'ready' | 'paperLow' | 'paperOut' | 'coverOpen' | 'offline' | 'notAnswering' | 'disconnected' | 'notFound' | 'nonsense';

export interface PrinterStatusEvent {
  state: PrinterState;
  /** For staff, in the configured language: "Printer: paper out — …". */
  message: string;
  /** For the log, in English, with the technical cause. */
  detail: string;
  /** Receipts waiting to be printed. */
  queued: number;
  /** Receipts in the queue can print in this state. */
  canPrint: boolean;
}

/**
 * One whole document: a kiosk slip, or a till receipt forwarded by the passthrough whose bytes may
 * still be arriving. A job is written whole on one connection; a job that was not confirmed is
 * written again, from its start, on the next connection.
 */
interface PrintJob {
  id: string;
  saleId: string;
  source: 'kiosk' | 'till';
  /** The bytes, with the number of status requests (`DLE EOT`) each chunk holds for the till. */
  chunks: Array<{ bytes: Uint8Array; statusRequests: number }>;
  /** No more bytes will be appended. */
  complete: boolean;
  /** Chunks written on the current connection (0 again after the connection is lost). */
  written: number;
  /** A till job's settings as the till believes the printer has them, sent first on a new connection. */
  preamble?: Uint8Array;
}

/** A whole document as it waits in the printer's journal (kept across a restart of the kiosk). */
export interface JournalledPrintJob {
  id: string;
  saleId: string;
  source: 'kiosk' | 'till';
  bytes: Uint8Array;
  /** Real-time status requests (`DLE EOT`) inside `bytes`: the printer answers each, so the worker must expect them. */
  statusRequests: number;
  preamble?: Uint8Array;
}

/**
 * Where waiting documents are kept so a kiosk restart with the printer off loses none (the kiosk's
 * store, main/store). A document is added once whole (a kiosk slip when queued, a till receipt at
 * its end) and removed once printed and confirmed, or dropped.
 */
export interface PrintJournal {
  /** Waiting documents in the order they were added. */
  load(): JournalledPrintJob[];
  add(job: JournalledPrintJob): void;
  remove(id: string): void;
}

/** A till receipt being forwarded: its bytes print in order as they are appended. */
export interface TillJob {
  readonly id: string;
  /** Appends bytes; `statusRequests` says how many real-time status requests they hold (answers go to the till). */
  append(bytes: Uint8Array, statusRequests?: number): void;
  /** The document is whole: after it, the next job may print. */
  end(): void;
}

type Events = {
  printerStatusChanged: [PrinterStatusEvent];
  jobPrinted: [{ jobId: string; saleId: string; bytes: number; source: 'kiosk' | 'till' }];
  jobQueued: [{ jobId: string; saleId: string; queued: number }];
  /** Bytes the printer sent that answer the till's requests (the passthrough sends them on to the till). */
  data: [Buffer];
};

const BLOCKING: ReadonlySet<PrinterState> = new Set(['paperOut', 'coverOpen', 'offline', 'notAnswering', 'disconnected', 'notFound', 'connecting']);

/**
 * One receipt printer, and the only owner of its connection: the kiosk's own slips (`print()`) and
 * the till's receipts forwarded by the passthrough (`openTillJob()`) share one queue of whole
 * documents, never interleaved. `print()` queues and returns at once (a sale never waits on paper);
 * a worker connects (again and again, with back-off, while the printer is off or drops the link),
 * polls status, writes, and keeps a receipt until the printer confirmed it. Every fault becomes a
 * `printerStatusChanged` event with words for staff; nothing throws at the caller.
 */
export class ReceiptPrinter extends EventEmitter<Events> {
  readonly config: z.output<typeof printerConfigSchema>;
  readonly profile: ResolvedProfile;
  private readonly transport: PrinterTransport;
  private readonly queue: PrintJob[] = [];
  private last: ReceiptDocument | undefined;
  private current: PrinterStatusEvent;
  private connected = false;
  private everConnected = false;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private rx: number[] = [];
  private rxWaiter: (() => void) | undefined;
  /** The worker is waiting for answers to its own status requests. */
  private polling = false;
  /** Answers the printer still owes to status requests the till sent (they go back to the till). */
  private tillAnswers = 0;
  private failures = 0;
  private connectionNo = 0;
  /** The connection the last till job went out on: on another one, the printer may have been restarted. */
  private tillConnectionNo: number | undefined;
  private jobCounter = 0;
  /** Makes job ids unique across runs, as journalled jobs of an earlier run are still in the queue. */
  private readonly runTag = randomUUID().slice(0, 8);
  private readonly journal: PrintJournal | undefined;
  private readonly log: (line: string) => void;

  constructor(config: PrinterConfig, options: { transport?: PrinterTransport; log?: (line: string) => void; journal?: PrintJournal } = {}) {
    super();
    const parsed = printerConfigSchema.safeParse(config);
    if (!parsed.success) throw new Error(`printer config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.config = parsed.data;
    this.profile = resolveProfile(this.config.model, this.config.paper, this.config.overrides);
    // A raster-only printer's slips are drawn in the kiosk's font: parsed once here, not mid-sale.
    if (this.profile.rasterOnly) loadRasterFonts();
    this.log = options.log ?? ((line) => console.log(line));
    this.transport = options.transport ?? printerTransportFor(this.config, this.profile);
    this.transport.on('data', (chunk) => this.fromPrinter(chunk));
    this.transport.on('close', (error) => {
      if (!this.connected) return;
      this.connected = false;
      this.setState('disconnected', `${this.transport.address} closed${error ? `: ${error.message}` : ''}`);
      this.rxWaiter?.();
      this.kick();
    });
    this.journal = options.journal;
    for (const kept of this.journal?.load() ?? []) {
      this.queue.push({
        id: kept.id,
        saleId: kept.saleId,
        source: kept.source,
        chunks: [{ bytes: kept.bytes, statusRequests: kept.statusRequests }],
        complete: true,
        written: 0,
        ...(kept.preamble ? { preamble: kept.preamble } : {}),
      });
    }
    if (this.queue.length > 0) this.log(`printer: ${this.queue.length} receipts kept from before the restart wait for the printer`);
    this.current = this.event('connecting', 'not started');
  }

  /** Keeps a whole document in the journal; a journal that fails is logged, the document still prints. */
  private keep(job: PrintJob): void {
    if (!this.journal) return;
    const bytes = job.chunks.length === 1 ? job.chunks[0]!.bytes : Buffer.concat(job.chunks.map((c) => c.bytes));
    try {
      this.journal.add({
        id: job.id,
        saleId: job.saleId,
        source: job.source,
        bytes,
        statusRequests: job.chunks.reduce((n, c) => n + c.statusRequests, 0),
        ...(job.preamble ? { preamble: job.preamble } : {}),
      });
    } catch (error) {
      this.log(`printer: could not keep ${job.id} (sale ${job.saleId}) for after a restart: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private forget(job: PrintJob): void {
    try {
      this.journal?.remove(job.id);
    } catch (error) {
      this.log(`printer: could not remove printed ${job.id} from the journal: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  get status(): PrinterStatusEvent {
    return { ...this.current, queued: this.queue.length };
  }
  get queued(): number {
    return this.queue.length;
  }
  /** Where the printer is (host:port or a path), for messages. */
  get address(): string {
    return this.transport.address;
  }
  /** Till receipts waiting (or printing). */
  get tillQueued(): number {
    return this.queue.filter((job) => job.source === 'till').length;
  }
  /** The till should not be read from until a till receipt printed (see `maxTillQueued`). */
  get tillQueueFull(): boolean {
    return this.tillQueued >= this.config.maxTillQueued;
  }

  /** Starts connecting and polling; idempotent. */
  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    this.loop = this.run().catch((error: unknown) => this.log(`printer worker stopped unexpectedly: ${String(error)}`));
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
    await this.transport.close().catch(() => undefined);
    this.connected = false;
  }

  /** Encodes for this printer (also used by the virtual printer page and the tests). */
  encode(doc: ReceiptDocument): Uint8Array {
    return encodeReceipt(doc, this.profile);
  }

  /** Queues a receipt; returns its job id at once. */
  print(doc: ReceiptDocument): string {
    const bytes = this.encode(doc);
    const job: PrintJob = {
      id: `job-${this.runTag}-${++this.jobCounter}`,
      saleId: doc.saleId,
      source: 'kiosk',
      chunks: [{ bytes, statusRequests: 0 }],
      complete: true,
      written: 0,
    };
    this.last = doc;
    this.queue.push(job);
    this.keep(job);
    const slips = this.queue.filter((j) => j.source === 'kiosk');
    // Past the bound the oldest slip that is not being written goes (a slip can be reprinted; a till receipt is never dropped).
    for (let excess = slips.length - this.config.maxQueued, k = 0; excess > 0 && k < slips.length; k++) {
      const slip = slips[k]!;
      if (this.queue[0] === slip && slip.written > 0) continue;
      this.queue.splice(this.queue.indexOf(slip), 1);
      this.forget(slip);
      excess--;
      this.log(`printer queue full: dropped the kiosk slip of sale ${slip.saleId}`);
    }
    this.safeEmit('jobQueued', { jobId: job.id, saleId: job.saleId, queued: this.queue.length });
    this.kick();
    return job.id;
  }

  /**
   * Queues a till receipt whose bytes are still arriving. It prints after the jobs before it, and
   * nothing else prints until it has ended, so two documents never mix on the paper.
   */
  openTillJob(label: string, preamble?: Uint8Array): TillJob {
    const job: PrintJob = {
      id: `till-${this.runTag}-${++this.jobCounter}`,
      saleId: label,
      source: 'till',
      chunks: [],
      complete: false,
      written: 0,
      ...(preamble ? { preamble } : {}),
    };
    this.queue.push(job);
    this.safeEmit('jobQueued', { jobId: job.id, saleId: job.saleId, queued: this.queue.length });
    return {
      id: job.id,
      append: (bytes, statusRequests = 0) => {
        if (job.complete) throw new Error(`${job.id} has ended`);
        if (bytes.length === 0) return;
        job.chunks.push({ bytes, statusRequests });
        this.kick();
      },
      end: () => {
        job.complete = true;
        // A till job with nothing in it (the till connected and left) is not a document.
        if (job.chunks.length === 0) {
          const at = this.queue.indexOf(job);
          if (at >= 0) this.queue.splice(at, 1);
        } else if (this.queue.includes(job)) this.keep(job);
        this.kick();
      },
    };
  }

  /** Routes the printer's answers: to the till what answers its requests, to the worker what answers the worker's. */
  private fromPrinter(chunk: Buffer): void {
    const toTill: number[] = [];
    for (const b of chunk) {
      if (this.tillAnswers > 0) {
        this.tillAnswers--;
        toTill.push(b);
      } else if (this.polling) this.rx.push(b);
      else toTill.push(b);
    }
    if (this.rx.length > 0) this.rxWaiter?.();
    if (toTill.length > 0) this.safeEmit('data', Buffer.from(toTill));
  }

  /** Prints the last receipt again, marked as a copy. Undefined when nothing was printed yet. */
  reprintLast(): string | undefined {
    return this.last ? this.print(asReprint(this.last)) : undefined;
  }

  /** A listener that throws must not stop the printer's worker. */
  private safeEmit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    try {
      (this.emit as (e: K, ...a: Events[K]) => boolean)(event, ...args);
    } catch (error) {
      this.log(`printer: a ${String(event)} listener threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private kick(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Waits before the next connection attempt: reconnectIntervalMs, doubling with each failure up to 8×. */
  private backOff(): Promise<void> {
    const ms = this.config.reconnectIntervalMs * 2 ** Math.min(this.failures, 3);
    this.failures++;
    return this.sleep(ms);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.connected) {
        try {
          await this.transport.open();
          this.connected = true;
          this.everConnected = true;
          this.connectionNo++;
          // A new connection: whatever was not confirmed is written again, whole.
          this.tillAnswers = 0;
          for (const job of this.queue) job.written = 0;
          this.log(`printer connected at ${this.transport.address}`);
        } catch (error) {
          const e = error instanceof TransportError ? error : new TransportError('io', String(error));
          this.setState(e.kind === 'notFound' && !this.everConnected ? 'notFound' : 'disconnected', e.message);
          await this.backOff();
          continue;
        }
      }
      const job = this.queue[0];
      // In the middle of a document nothing else goes to the printer, not even a status request.
      if (job && job.written > 0) {
        await this.printJob(job);
        continue;
      }
      if (!(await this.refreshStatus())) continue;
      this.failures = 0;
      // Jobs queued while the status was read are seen now, not one status interval later.
      const next = this.queue[0];
      if (next && next.chunks.length > 0 && !BLOCKING.has(this.current.state)) {
        await this.printJob(next);
        continue;
      }
      await this.sleep(this.config.statusIntervalMs);
    }
  }

  /** Polls the printer where it answers; false when the connection was given up. */
  private async refreshStatus(): Promise<boolean> {
    if (!this.profile.realtimeStatus || !this.transport.canRead) {
      if (this.current.state !== 'ready') this.setState('ready', `${this.transport.address} open (no status answers on this connection)`);
      return true;
    }
    const result = await this.pollStatus();
    if (result === 'timeout' || result === 'io') {
      this.setState(
        result === 'timeout' ? 'notAnswering' : 'disconnected',
        `${this.transport.address}: no answer to DLE EOT within ${this.config.statusTimeoutMs} ms`,
      );
      this.connected = false;
      await this.transport.close().catch(() => undefined);
      await this.backOff();
      return false;
    }
    if (result === 'nonsense') {
      this.setState('nonsense', `${this.transport.address}: status answers are not ESC/POS status bytes`);
      return true;
    }
    const state: PrinterState = result.coverOpen
      ? 'coverOpen'
      : result.paperOut
        ? 'paperOut'
        : result.offline || result.error
          ? 'offline'
          : result.paperLow
            ? 'paperLow'
            : 'ready';
    this.setState(state, `${this.transport.address}: ${JSON.stringify(result)}`);
    return true;
  }

  private async pollStatus(): Promise<StatusFlags | 'timeout' | 'nonsense' | 'io'> {
    const answers: number[] = [];
    this.polling = true;
    try {
      for (const n of STATUS_REQUESTS) {
        this.rx = [];
        try {
          await this.transport.write(Uint8Array.of(0x10, 0x04, n), this.config.statusTimeoutMs);
        } catch {
          return 'io';
        }
        const byte = await this.nextByte(this.config.statusTimeoutMs);
        if (byte === undefined) return this.connected ? 'timeout' : 'io';
        answers.push(byte);
      }
    } finally {
      this.polling = false;
    }
    return parseStatus(answers) ?? 'nonsense';
  }

  private nextByte(timeoutMs: number): Promise<number | undefined> {
    if (this.rx.length > 0) return Promise.resolve(this.rx.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.rxWaiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.rxWaiter = () => {
        clearTimeout(timer);
        this.rxWaiter = undefined;
        resolve(this.rx.shift());
      };
    });
  }

  /** Writes what is new of the job at the head; once it has ended and is all written, confirms it and takes it off. */
  private async printJob(job: PrintJob): Promise<void> {
    if (job.written < job.chunks.length) {
      const part = job.chunks.slice(job.written);
      // A till receipt on a new connection: a restarted printer forgot what the till set at start-up.
      const replay = job.source === 'till' && job.written === 0 && this.tillConnectionNo !== undefined && this.tillConnectionNo !== this.connectionNo;
      const pieces = [...(replay && job.preamble ? [job.preamble] : []), ...part.map((c) => c.bytes)];
      const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      if (job.source === 'till') this.tillConnectionNo = this.connectionNo;
      const baud = this.config.connection.kind === 'serial' ? (this.config.connection.baudRate ?? this.profile.defaultBaud) : 0;
      const timeout = Math.max(this.config.writeTimeoutMs, baud > 0 ? 2 * transmitMs(bytes.length, baud) + 1000 : 0);
      this.tillAnswers += part.reduce((n, c) => n + c.statusRequests, 0);
      try {
        await this.transport.write(bytes, timeout);
      } catch (error) {
        // Kept at the head of the queue: it prints again, whole, once the printer is back.
        this.connected = false;
        job.written = 0;
        await this.transport.close().catch(() => undefined);
        this.setState('disconnected', `writing ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`);
        await this.backOff();
        return;
      }
      if (this.connected) job.written += part.length;
      return;
    }
    if (!job.complete) {
      // A till receipt still arriving: wait for its next bytes (append wakes the worker).
      await this.sleep(this.config.statusIntervalMs);
      return;
    }
    // The status answer comes after the printer took every byte before it: the job arrived. Paper
    // that ran out or a cover opened during the receipt: the receipt is incomplete, keep it.
    if (this.profile.realtimeStatus && this.transport.canRead) {
      if (!(await this.refreshStatus())) return;
      if (this.current.state === 'paperOut' || this.current.state === 'coverOpen' || this.current.state === 'offline') {
        job.written = 0;
        return;
      }
    }
    if (!this.connected) return;
    if (this.queue[0] === job) this.queue.shift();
    this.forget(job);
    const bytes = job.chunks.reduce((n, c) => n + c.bytes.length, 0);
    this.safeEmit('jobPrinted', { jobId: job.id, saleId: job.saleId, bytes, source: job.source });
  }

  private event(state: PrinterState, detail: string): PrinterStatusEvent {
    const path = this.config.connection.kind === 'tcp' ? `${this.config.connection.host}:${this.config.connection.port}` : this.config.connection.path;
    const message = formatMessage(printerMessages, this.config.staffLocale as Locale, state === 'connecting' ? 'disconnected' : state, { path });
    return { state, message, detail, queued: this.queue.length, canPrint: !BLOCKING.has(state) };
  }

  private setState(state: PrinterState, detail: string): void {
    if (state === this.current.state) return;
    this.current = this.event(state, detail);
    this.log(`printer ${state}: ${detail}`);
    this.safeEmit('printerStatusChanged', this.status);
  }
}

/** The connection a printer config names, not yet opened (the passthrough opens its own). */
export function printerTransportFor(config: z.output<typeof printerConfigSchema>, profile: ResolvedProfile): PrinterTransport {
  const c = config.connection;
  switch (c.kind) {
    case 'serial':
      return new SerialTransport(c.path, c.baudRate ?? profile.defaultBaud);
    case 'tcp':
      return new TcpTransport(c.host, c.port);
    case 'usb-file':
      return new DeviceFileTransport(c.path);
  }
}

/** Creates and starts a printer from its config (validated; a bad config throws naming the field). */
export function createPrinter(config: PrinterConfig, options: { log?: (line: string) => void; journal?: PrintJournal } = {}): ReceiptPrinter {
  return new ReceiptPrinter(config, options).start();
}
