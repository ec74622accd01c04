import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { localeSchema, type Locale } from '../../core/i18n/locales';
import { printerMessages } from '../../core/i18n/receipt';
import { asReprint, type ReceiptDocument } from '../../core/receipt/document';
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
    maxQueued: z.number().int().min(1).default(50),
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

export interface PrintJob {
  id: string;
  saleId: string;
  bytes: Uint8Array;
}

type Events = {
  printerStatusChanged: [PrinterStatusEvent];
  jobPrinted: [{ jobId: string; saleId: string; bytes: number }];
  jobQueued: [{ jobId: string; saleId: string; queued: number }];
};

const BLOCKING: ReadonlySet<PrinterState> = new Set(['paperOut', 'coverOpen', 'offline', 'notAnswering', 'disconnected', 'notFound', 'connecting']);

/**
 * One receipt printer. `print()` queues and returns at once (a sale never waits on paper); a worker
 * connects, polls status, writes, and keeps a receipt that failed until the printer is back. Every
 * fault becomes a `printerStatusChanged` event with words for staff; nothing throws at the caller.
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
  private jobCounter = 0;
  private readonly log: (line: string) => void;

  constructor(config: PrinterConfig, options: { transport?: PrinterTransport; log?: (line: string) => void } = {}) {
    super();
    const parsed = printerConfigSchema.safeParse(config);
    if (!parsed.success) throw new Error(`printer config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.config = parsed.data;
    this.profile = resolveProfile(this.config.model, this.config.paper, this.config.overrides);
    this.log = options.log ?? ((line) => console.log(line));
    this.transport = options.transport ?? printerTransportFor(this.config, this.profile);
    this.transport.on('data', (chunk) => {
      for (const b of chunk) this.rx.push(b);
      this.rxWaiter?.();
    });
    this.transport.on('close', (error) => {
      if (!this.connected) return;
      this.connected = false;
      this.setState('disconnected', `${this.transport.address} closed${error ? `: ${error.message}` : ''}`);
      this.kick();
    });
    this.current = this.event('connecting', 'not started');
  }

  get status(): PrinterStatusEvent {
    return { ...this.current, queued: this.queue.length };
  }
  get queued(): number {
    return this.queue.length;
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
    const job: PrintJob = { id: `job-${++this.jobCounter}`, saleId: doc.saleId, bytes: this.encode(doc) };
    this.last = doc;
    this.queue.push(job);
    while (this.queue.length > this.config.maxQueued) {
      const dropped = this.queue.shift();
      this.log(`printer queue full: dropped receipt of sale ${dropped?.saleId}`);
    }
    this.safeEmit('jobQueued', { jobId: job.id, saleId: job.saleId, queued: this.queue.length });
    this.kick();
    return job.id;
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

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.connected) {
        try {
          await this.transport.open();
          this.connected = true;
          this.everConnected = true;
          this.log(`printer connected at ${this.transport.address}`);
        } catch (error) {
          const e = error instanceof TransportError ? error : new TransportError('io', String(error));
          this.setState(e.kind === 'notFound' && !this.everConnected ? 'notFound' : 'disconnected', e.message);
          await this.sleep(this.config.reconnectIntervalMs);
          continue;
        }
      }
      if (!(await this.refreshStatus())) continue;
      const job = this.queue[0];
      if (job && !BLOCKING.has(this.current.state)) {
        await this.printJob(job);
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
      await this.sleep(this.config.reconnectIntervalMs);
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

  private async printJob(job: PrintJob): Promise<void> {
    const baud = this.config.connection.kind === 'serial' ? (this.config.connection.baudRate ?? this.profile.defaultBaud) : 0;
    const timeout = Math.max(this.config.writeTimeoutMs, baud > 0 ? 2 * transmitMs(job.bytes.length, baud) + 1000 : 0);
    try {
      await this.transport.write(job.bytes, timeout);
    } catch (error) {
      // Kept at the head of the queue: it prints again, whole, once the printer is back.
      this.connected = false;
      await this.transport.close().catch(() => undefined);
      this.setState('disconnected', `writing ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      await this.sleep(this.config.reconnectIntervalMs);
      return;
    }
    // Paper that ran out or a cover opened during the receipt: the receipt is incomplete, keep it.
    if (this.profile.realtimeStatus && this.transport.canRead) {
      if (!(await this.refreshStatus())) return;
      if (this.current.state === 'paperOut' || this.current.state === 'coverOpen' || this.current.state === 'offline') return;
    }
    if (this.queue[0] === job) this.queue.shift();
    this.safeEmit('jobPrinted', { jobId: job.id, saleId: job.saleId, bytes: job.bytes.length });
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
export function createPrinter(config: PrinterConfig, options: { log?: (line: string) => void } = {}): ReceiptPrinter {
  return new ReceiptPrinter(config, options).start();
}
