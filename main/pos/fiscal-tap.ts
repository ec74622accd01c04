import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { fiscalTapConfigSchema, type FiscalPrinterSide, type FiscalTapConfig } from '../../core/pos/fiscal-tap-config';
import type { TillSide } from '../../core/pos/passthrough-config';
import { FISCAL_SERIAL_LINES, fiscalProtocol, type FiscalProtocol, type FiscalSerialLine, type FiscalStreamReader } from '../../core/pos/fiscal-protocol';
import type { Money } from '../../core/money';

/**
 * Fiscal tap: the kiosk sits on the cable between the till and its fiscal printer (Posnet, Novitus
 * XML or Elzab protocol, `core/pos/fiscal-protocol.ts`) and only reads. Each piece the till sends is written to the printer the moment it arrives, as it
 * arrived — never held until a frame is complete, never changed, nothing added — and the printer's
 * answers go back to the till the same way. Frames are parsed from a copy afterwards; a transaction's
 * closing command (Posnet `trend`, Novitus `receipt action="close"`, Elzab `ESC 24h`) gives the total, handed to `onTotal` without waiting for it, so a slow
 * or failing sale service never delays the fiscal receipt.
 */

export interface FiscalTotalRead {
  total: Money;
  /**
   * SHA-256 (hex) of this run of the tap and the transaction's number in the till's stream: a
   * closing command resent for the same transaction gives the same key, so its sale counts once.
   */
  idempotencyKey: string;
}

type Events = {
  total: [FiscalTotalRead];
  /** A total that could not be read or recorded (English, for the log); the receipt is unaffected. */
  notRead: [{ message: string }];
  tillConnected: [{ address: string }];
  tillDisconnected: [{ address: string; midFrame: boolean }];
  /** The till or printer side failed (a fault, never a crash). */
  sideError: [{ message: string }];
};

export interface FiscalTapOptions extends FiscalTapConfig {
  onTotal: (read: FiscalTotalRead) => Promise<void>;
  log?: (line: string) => void;
}

/** One till session: the till's connection and the printer connection it was paired with. */
interface Session {
  toTill: (chunk: Buffer) => void;
  toPrinter: (chunk: Buffer) => void;
  /** Ends this session's own printer link (TCP); a serial printer stays open for the next till. */
  closePrinter?: () => void;
  reader: FiscalStreamReader;
}

export class FiscalTap extends EventEmitter<Events> {
  private readonly till: TillSide;
  private readonly printerSide: FiscalPrinterSide;
  private readonly currency: Money['currency'];
  private readonly onTotal: FiscalTapOptions['onTotal'];
  private readonly log: (line: string) => void;
  private readonly runId = randomUUID();
  /** Transactions are counted over the whole run, so a till that reconnects and resends counts once. */
  private readonly protocol: FiscalProtocol;
  /** Both serial sides run the protocol's line: the till and the printer were set up for each other. */
  private readonly line: FiscalSerialLine;
  private readonly pending = new Set<Promise<void>>();

  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private active: net.Socket | undefined;
  private readonly waiting: net.Socket[] = [];
  private tillSerial: SerialPort | undefined;
  private printerSerial: SerialPort | undefined;
  private serialSession: Session | undefined;
  private stopped = false;

  constructor(options: FiscalTapOptions) {
    super();
    const { onTotal, log, ...config } = options;
    const parsed = fiscalTapConfigSchema.parse(config);
    this.till = parsed.till;
    this.printerSide = parsed.printer;
    this.currency = parsed.currency;
    this.protocol = fiscalProtocol(parsed.protocol);
    this.line = FISCAL_SERIAL_LINES[parsed.protocol];
    this.onTotal = onTotal;
    this.log = log ?? (() => undefined);
  }

  async start(): Promise<{ address: string; port?: number }> {
    if (this.printerSide.kind === 'serial')
      this.printerSerial = await openSerial(this.printerSide.path, this.printerSide.baudRate, this.line, 'fiscal printer');
    const till = this.till;
    if (till.kind === 'tcp') {
      const server = net.createServer((socket) => this.accept(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) =>
          reject(new Error(`fiscal tap till listener ${till.host}:${till.port}: ${error.message} — is another program using the port?`)),
        );
        server.listen(till.port, till.host, () => resolve());
      });
      server.removeAllListeners('error');
      server.on('error', (error) => this.emit('sideError', { message: `fiscal tap till listener: ${error.message}` }));
      const port = (server.address() as net.AddressInfo).port;
      return { address: `${till.host}:${port}`, port };
    }
    const port = await openSerial(till.path, till.baudRate, this.line, 'till');
    this.tillSerial = port;
    const printer = this.printerSerial;
    const session: Session = {
      toTill: (chunk) => port.write(chunk),
      ...(printer ? { toPrinter: (chunk: Buffer) => printer.write(chunk) } : this.tcpPrinter(till.path, (chunk) => port.write(chunk))),
      reader: this.protocol.session(),
    };
    this.serialSession = session;
    port.on('data', (chunk: Buffer) => this.fromTill(session, chunk));
    port.on('error', (error: Error) => this.emit('sideError', { message: `till serial port ${till.path}: ${error.message}` }));
    printer?.on('data', (chunk: Buffer) => session.toTill(chunk));
    this.emit('tillConnected', { address: till.path });
    return { address: till.path };
  }

  /** Closes both sides and waits for the totals being recorded. */
  /** The line each open serial side was set to (for the health check and the tests; a pseudo-terminal keeps only some of it). */
  serialLines(): { till?: FiscalSerialLine & { baudRate: number }; printer?: FiscalSerialLine & { baudRate: number } } {
    const lineOf = (port: SerialPort | undefined) =>
      port && {
        baudRate: port.settings.baudRate,
        dataBits: port.settings.dataBits as 8,
        stopBits: port.settings.stopBits as 1,
        parity: port.settings.parity as FiscalSerialLine['parity'],
        rtscts: port.settings.rtscts,
      };
    const till = lineOf(this.tillSerial);
    const printer = lineOf(this.printerSerial);
    return { ...(till ? { till } : {}), ...(printer ? { printer } : {}) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const port of [this.tillSerial, this.printerSerial]) {
      if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    this.tillSerial = undefined;
    this.printerSerial = undefined;
    await Promise.allSettled([...this.pending]);
  }

  /** Resolves when every total read so far was handed to `onTotal` and it answered. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  // ---- the stream: forward first, read the copy after ----

  private fromTill(session: Session, chunk: Buffer): void {
    session.toPrinter(chunk);
    for (const end of session.reader.feed(Uint8Array.from(chunk))) {
      if ('error' in end) {
        this.emit('notRead', { message: `fiscal tap: ${end.error}; no points for this sale` });
        continue;
      }
      const read: FiscalTotalRead = {
        total: { amount: end.amount, currency: this.currency },
        idempotencyKey: createHash('sha256').update(`${this.runId}:${end.transaction}`).digest('hex'),
      };
      this.emit('total', read);
      const recording = this.onTotal(read).catch((error: unknown) => {
        this.emit('notRead', { message: `fiscal tap: the sale of ${end.amount} grosze was not recorded: ${(error as Error).message}` });
      });
      this.pending.add(recording);
      void recording.finally(() => this.pending.delete(recording));
    }
  }

  // ---- till over TCP: one till at a time (a fiscal printer serves one), each with its own printer link ----

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('error', () => {
      /* a close follows */
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      const at = this.waiting.indexOf(socket);
      if (at >= 0) this.waiting.splice(at, 1);
    });
    if (this.active) {
      socket.pause();
      this.waiting.push(socket);
      return;
    }
    this.activate(socket);
  }

  private activate(socket: net.Socket): void {
    this.active = socket;
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const toTill = (chunk: Buffer) => {
      if (!socket.destroyed) socket.write(chunk);
    };
    const printerSerial = this.printerSerial;
    const fromPrinter = (chunk: Buffer) => toTill(chunk);
    const session: Session = {
      toTill,
      ...(printerSerial ? { toPrinter: (chunk: Buffer) => printerSerial.write(chunk) } : this.tcpPrinter(address, toTill, () => socket.destroy())),
      reader: this.protocol.session(),
    };
    printerSerial?.on('data', fromPrinter);
    this.emit('tillConnected', { address });
    socket.on('data', (chunk: Buffer) => this.fromTill(session, chunk));
    socket.on('close', () => {
      printerSerial?.off('data', fromPrinter);
      session.closePrinter?.();
      this.emit('tillDisconnected', { address, midFrame: session.reader.midFrame });
      if (this.active !== socket) return;
      this.active = undefined;
      const next = this.waiting.shift();
      if (next && !this.stopped) {
        this.activate(next);
        next.resume();
      }
    });
    socket.resume();
  }

  /**
   * A TCP link to the fiscal printer for one till session. Bytes written before it is connected are
   * queued by the socket and go out the moment it connects; a printer that refuses or drops the link
   * closes the till's side too, so the till sees its printer fail as it would without the kiosk.
   */
  private tcpPrinter(tillAddress: string, toTill: (chunk: Buffer) => void, dropTill?: () => void): Pick<Session, 'toPrinter' | 'closePrinter'> {
    const side = this.printerSide;
    if (side.kind !== 'tcp') throw new Error('fiscal tap: the printer side is not TCP');
    const printer = net.connect({ host: side.host, port: side.port });
    printer.setNoDelay(true);
    this.sockets.add(printer);
    printer.on('data', toTill);
    printer.on('error', (error) => {
      this.emit('sideError', { message: `fiscal printer ${side.host}:${side.port}: ${error.message} — is it on and reachable?` });
      this.log(`fiscal tap: printer link for till ${tillAddress} failed: ${error.message}`);
    });
    printer.on('close', () => {
      this.sockets.delete(printer);
      dropTill?.();
    });
    return {
      toPrinter: (chunk) => {
        if (!printer.destroyed) printer.write(chunk);
      },
      closePrinter: () => printer.end(),
    };
  }
}

function openSerial(path: string, baudRate: number, line: FiscalSerialLine, what: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, ...line, autoOpen: false });
  return new Promise((resolve, reject) =>
    port.open((error) =>
      error ? reject(new Error(`${what} serial port ${path}: ${error.message} — check the cable and the configured port`)) : resolve(port),
    ),
  );
}
