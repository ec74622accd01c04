import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
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
