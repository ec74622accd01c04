import { EventEmitter } from 'node:events';
import { constants, promises as fs } from 'node:fs';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { discoverSerialPorts, firstTimeFailing } from '../serial-ports';

/**
 * How bytes reach a printer: a serial port, TCP port 9100, or a USB printer device file
 * (/dev/usb/lp0). Every failure is a TransportError with a kind the printer turns into words.
 */
export type TransportErrorKind = 'notFound' | 'refused' | 'timeout' | 'io';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'TransportError';
  }
}

export interface PrinterTransport extends EventEmitter<{ data: [Buffer]; close: [Error | undefined] }> {
  /** Where the printer is, for messages: a path or host:port. */
  readonly address: string;
  /** The printer can answer (status requests make sense). */
  readonly canRead: boolean;
  open(): Promise<void>;
  write(bytes: Uint8Array, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function classify(error: unknown, address: string): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || /no such file|cannot open/i.test(message)) return new TransportError('notFound', `${address}: no such device`, error);
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new TransportError('refused', `${address}: connection refused`, error);
  if (code === 'ETIMEDOUT') return new TransportError('timeout', `${address}: timed out`, error);
  return new TransportError('io', `${address}: ${code || message}`, error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, address: string, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransportError('timeout', `${address}: ${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class TcpTransport extends EventEmitter<{ data: [Buffer]; close: [Error | undefined] }> implements PrinterTransport {
  readonly canRead = true;
  private socket: net.Socket | undefined;
  constructor(
    private readonly host: string,
    private readonly port = 9100,
    private readonly connectTimeoutMs = 1000,
  ) {
    super();
  }
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('timeout', `${this.address}: no answer to connect`));
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        this.socket = socket;
        socket.on('data', (chunk) => this.emit('data', chunk));
        socket.on('error', () => {
          /* followed by close */
        });
        socket.on('close', () => {
          if (this.socket === socket) {
            this.socket = undefined;
            this.emit('close', undefined);
          }
        });
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(classify(error, this.address));
      });
    });
  }

  write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new TransportError('io', `${this.address}: not connected`));
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.write(bytes, (error) => (error ? reject(classify(error, this.address)) : resolve()));
      }),
      timeoutMs,
      this.address,
      'write',
    );
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }
}

export class SerialTransport extends EventEmitter<{ data: [Buffer]; close: [Error | undefined] }> implements PrinterTransport {
  readonly canRead = true;
  private port: SerialPort | undefined;
  constructor(
    private readonly path: string,
    private readonly baudRate: number,
  ) {
    super();
  }
  get address(): string {
    return this.path;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
      port.open((error) => {
        if (error) {
          reject(classify(error, this.path));
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        port.on('error', () => {
          /* a close follows or the next write fails */
        });
        port.on('close', (closeError: Error | null) => {
          if (this.port === port) {
            this.port = undefined;
            this.emit('close', closeError ?? undefined);
          }
        });
        resolve();
      });
    });
  }

  write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new TransportError('io', `${this.path}: not open`));
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (error) => {
          if (error) {
            reject(classify(error, this.path));
            return;
          }
          port.drain((drainError) => (drainError ? reject(classify(drainError, this.path)) : resolve()));
        });
      }),
      timeoutMs,
      this.path,
      'write',
    );
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/** A USB printer device file (usblp: /dev/usb/lp0) or any writable path; write only, no status. */
export class DeviceFileTransport extends EventEmitter<{ data: [Buffer]; close: [Error | undefined] }> implements PrinterTransport {
  readonly canRead = false;
  private handle: fs.FileHandle | undefined;
  constructor(
    private readonly path: string,
    private readonly openTimeoutMs = 1000,
  ) {
    super();
  }
  get address(): string {
    return this.path;
  }

  private opening: Promise<fs.FileHandle> | undefined;

  async open(): Promise<void> {
    // No O_CREAT: a missing device must fail, not become a regular file. An open that hangs (a FIFO
    // with no reader) is waited on again by the next attempt rather than started twice, so retries
    // never pile up blocked threads.
    if (!this.opening) {
      const opening = fs.open(this.path, constants.O_WRONLY | constants.O_APPEND);
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    try {
      this.handle = await withTimeout(this.opening, this.openTimeoutMs, this.path, 'open');
      this.opening = undefined;
    } catch (error) {
      throw classify(error, this.path);
    }
  }

  async write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new TransportError('io', `${this.path}: not open`);
    try {
      await withTimeout(handle.write(bytes), timeoutMs, this.path, 'write');
    } catch (error) {
      await this.close();
      this.emit('close', error instanceof Error ? error : undefined);
      throw classify(error, this.path);
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Serial ports the OS knows; without udev `SerialPort.list()` fails, so the configured paths are
 * used and the reason is said once per process.
 */
export async function listSerialPorts(configured: readonly string[], warn: (message: string) => void = console.warn): Promise<string[]> {
  const result = await discoverSerialPorts(configured);
  if (!result.listed && firstTimeFailing(result.reason))
    warn(`cannot list the serial ports: ${result.reason}; using the configured paths ${configured.join(', ') || '(none)'}`);
  return result.paths;
}
