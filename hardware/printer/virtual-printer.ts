import { EventEmitter } from 'node:events';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { EscPosDecoder, type Decoded } from './decode';
import { renderReceiptSvg } from './render-svg';
import { statusAnswer, type StatusFlags } from './status';

/**
 * A printer that is not there: it listens on TCP (like port 9100) or sits on the far end of a
 * serial pair, answers `DLE EOT n` from its simulated state, and decodes what it receives into
 * receipts (text, styles, QR payloads, raster images) that it can draw as SVG. For `npm start`,
 * the developer panel and the tests.
 */
export interface VirtualReceipt {
  elements: Decoded[];
  lines: string[];
  commands: string[];
  bytes: number;
}

export interface VirtualPrinterOptions {
  columns?: number;
  /** Answer status requests with bytes that are not ESC/POS status (a misconfigured model). */
  nonsenseStatus?: boolean;
}

type Events = { receipt: [VirtualReceipt]; lost: [{ bytes: number; reason: string }]; data: [number] };

export class VirtualPrinter extends EventEmitter<Events> {
  readonly state: StatusFlags = { offline: false, coverOpen: false, paperOut: false, paperLow: false, error: false };
  /** Do not answer status requests (a printer that stopped talking). */
  silent = false;
  nonsenseStatus: boolean;
  readonly receipts: VirtualReceipt[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private serial: SerialPort | undefined;
  private readonly columns: number;
  private paused = false;

  constructor(options: VirtualPrinterOptions = {}) {
    super();
    this.columns = options.columns ?? 48;
    this.nonsenseStatus = options.nonsenseStatus ?? false;
  }

  /** A decoding session for one connection: feeds bytes, answers status, splits receipts at the cut. */
  session(reply: (bytes: Uint8Array) => void): (chunk: Uint8Array) => void {
    let decoder = new EscPosDecoder();
    let pending = new Uint8Array(0);
    let seenCommands = 0;
    let receiptStart = { elements: 0, lines: 0, commands: 0, bytes: 0 };
    let total = 0;
    return (chunk) => {
      total += chunk.length;
      this.emit('data', chunk.length);
      const buf = new Uint8Array(pending.length + chunk.length);
      buf.set(pending);
      buf.set(chunk, pending.length);
      const consumed = decoder.feed(buf);
      pending = buf.slice(consumed);
      const r = decoder.result;
      for (; seenCommands < r.commands.length; seenCommands++) {
        const command = r.commands[seenCommands]!;
        const status = /^statusRequest:(\d+)$/.exec(command);
        if (status) {
          if (!this.silent) reply(Uint8Array.of(this.nonsenseStatus ? 0xff : statusAnswer(Number(status[1]), this.state)));
          receiptStart.commands = seenCommands + 1;
        } else if (command === 'cut') {
          const receipt: VirtualReceipt = {
            elements: r.elements.slice(receiptStart.elements),
            lines: r.lines.slice(receiptStart.lines),
            commands: r.commands.slice(receiptStart.commands, seenCommands + 1),
            bytes: total - pending.length - receiptStart.bytes,
          };
          receiptStart = { elements: r.elements.length, lines: r.lines.length, commands: seenCommands + 1, bytes: total - pending.length };
          if (this.state.paperOut || this.state.coverOpen || this.state.offline) {
            this.emit('lost', { bytes: receipt.bytes, reason: this.state.paperOut ? 'paper out' : this.state.coverOpen ? 'cover open' : 'offline' });
          } else {
            this.receipts.push(receipt);
            this.emit('receipt', receipt);
          }
        }
      }
      // Keep memory flat across a long session.
      if (r.elements.length > 10_000) {
        decoder = new EscPosDecoder();
        seenCommands = 0;
        receiptStart = { elements: 0, lines: 0, commands: 0, bytes: total - pending.length };
      }
    };
  }

  /** Listens on TCP like a network printer; port 0 picks a free port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        this.sockets.add(socket);
        if (this.paused) socket.pause();
        const feed = this.session((bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        });
        socket.on('data', (chunk) => feed(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        this.server = server;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Accepts connections but stops reading them (a printer whose buffer never drains). */
  stopReading(): void {
    this.paused = true;
    this.silent = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** Sits on a serial port (one end of a socat pair) as a serial printer. */
  attachSerial(path: string, baudRate = 38400): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((error) => {
        if (error) {
          reject(error);
          return;
        }
        this.serial = port;
        const feed = this.session((bytes) => {
          if (port.isOpen) port.write(Buffer.from(bytes));
        });
        port.on('data', (chunk: Buffer) => feed(chunk));
        port.on('error', () => undefined);
        resolve();
      });
    });
  }

  /** The receipt as a picture (SVG), the last one by default. */
  svg(index = this.receipts.length - 1): string | undefined {
    const receipt = this.receipts[index];
    return receipt ? renderReceiptSvg(receipt.elements, { columns: this.columns }) : undefined;
  }

  /** Stops listening and drops every connection (the printer is switched off). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    const serial = this.serial;
    this.serial = undefined;
    if (serial?.isOpen) await new Promise<void>((resolve) => serial.close(() => resolve()));
  }
}
