import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { VirtualPrinter, type VirtualReceipt } from '../../hardware/printer/virtual-printer';
import type { ReceiptInput } from '../../core/receipt/document';
import type { PrinterStatusEvent, ReceiptPrinter } from '../../hardware/printer/printer';

export const sampleInput: ReceiptInput = {
  locale: 'pl',
  shop: { name: 'Piekarnia Łąka' },
  saleId: 'T-1',
  at: '2026-11-24T09:00:00Z',
  total: { amount: 1840, currency: 'PLN' },
  earned: [{ points: 18, label: 'Zakup' }],
  member: { balance: { points: 140 } },
  claim: { payload: 'HTTPS://HUB.EXAMPLE.PL/C/ABCDEFGHJKLMNPQR', validUntil: '2026-12-01T09:00:00Z' },
};

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Records every status event of a printer. */
export function recordStatus(printer: ReceiptPrinter): PrinterStatusEvent[] {
  const events: PrinterStatusEvent[] = [];
  printer.on('printerStatusChanged', (e) => events.push(e));
  return events;
}

/** A socat pseudo-terminal pair with links at `a` and `b`. */
export async function startSocat(a: string, b: string): Promise<ChildProcess> {
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  await waitFor(() => existsSync(a) && existsSync(b), 5000, 'socat links');
  return child;
}

export async function stopSocat(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/**
 * A network printer as shops have them, on loopback: it decodes what it gets (a VirtualPrinter
 * session per connection, so a receipt cut off by a dropped connection never counts), closes a
 * connection that has been idle for `idleMs`, refuses a second client while one is connected
 * (`single`), and can be switched off and on again on the same port.
 */
export class FlakyTcpPrinter {
  readonly printer: VirtualPrinter;
  readonly bytes: Buffer[] = [];
  port = 0;
  drops = 0;
  refused = 0;
  connections = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: { idleMs?: number | undefined; single?: boolean | undefined } = {}) {
    this.printer = new VirtualPrinter();
  }

  get receipts(): VirtualReceipt[] {
    return this.printer.receipts;
  }

  /** Switches the printer on (on its old port after the first time). */
  async on(port = this.port): Promise<number> {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      if (this.options.single && this.sockets.size > 0) {
        this.refused++;
        socket.destroy();
        return;
      }
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const feed = this.printer.session((answer) => {
        if (!socket.destroyed) socket.write(answer);
      });
      if (this.options.idleMs) {
        socket.setTimeout(this.options.idleMs, () => {
          this.drops++;
          socket.destroy();
        });
      }
      socket.on('data', (chunk: Buffer) => {
        this.bytes.push(chunk);
        feed(chunk);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Switched off: every connection drops and nothing answers. */
  async off(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  all(): Buffer {
    return Buffer.concat(this.bytes);
  }
}

/** A TCP port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
