import type { FiscalRead } from './fiscal-protocol';

/**
 * Reading the Elzab fiscal-printer protocol (the binary protocol of Elzab Omega II generation and
 * Mera printers) off a copy of the till's bytes, for the fiscal tap. Pure.
 *
 * No Elzab specification text could be found; what is read here is exactly what the public driver
 * github.com/bartprokop/fiscal-printers sends (src/main/java/name/prokop/bart/fps/drivers/
 * ElzabOmega2.java and ElzabMera.java, which agree), and nothing else:
 *
 *   ESC 21h                               open a receipt
 *   ESC 06h 20h name[28] 00h qty[4] m unit[4] price[4] ESC rate total[4]
 *                                         a line (49 bytes after 06h); numbers are 32-bit little-endian
 *   ESC 18h t amount[4]                   a discount (2Dh) or markup (20h) on the line
 *   ESC 07h total[4]                      end of the sale positions: the receipt's total in grosze
 *   ESC 09h code text… LF                 an extra line (system number, cashier)
 *   ESC 24h                               close the receipt
 *   ESC 25h, 57h, 5Bh, 54h, 55h, 56h, 5Fh, D1h, 2Ah
 *                                         daily report, drawer, status and rate requests: no parameters
 *
 * There are no frames and no check sum, so the reader follows commands by their lengths: a line's or
 * a total's binary numbers may hold 1Bh (ESC) bytes and are skipped as data, never read as commands.
 * A command it does not know is taken to have no parameters, and reading goes on at the next ESC.
 */

const ESC = 0x1b;
const LF = 0x0a;

/** Parameter bytes after the command byte, for the commands whose length the driver shows. */
const FIXED: Record<number, number> = { 0x06: 49, 0x18: 5, 0x07: 4 };
/** An extra line longer than this is not one (the driver's lines are a few dozen characters). */
const MAX_TEXT = 256;

export type ElzabCommand =
  | { kind: 'open' }
  | { kind: 'line' }
  | { kind: 'discount' }
  | { kind: 'total'; amount: number }
  | { kind: 'text'; code: number }
  | { kind: 'close' }
  | { kind: 'other'; code: number };

/** Builds the receipt commands the driver sends (for tests and tools). */
export const elzabCommands = {
  open: () => Uint8Array.of(ESC, 0x21),
  line(name: string, quantity: number, precision: number, priceGrosze: number, rate: number, totalGrosze: number): Uint8Array {
    const text = latin1(name.slice(0, 28).padEnd(28, ' '));
    return Uint8Array.from([
      ESC,
      0x06,
      0x20,
      ...text,
      0x00,
      ...le32(quantity),
      precision,
      ...latin1('szt.'),
      ...le32(priceGrosze),
      ESC,
      rate,
      ...le32(totalGrosze),
    ]);
  },
  total: (grosze: number) => Uint8Array.from([ESC, 0x07, ...le32(grosze)]),
  text: (code: number, text: string) => Uint8Array.from([ESC, 0x09, code, ...latin1(text), LF]),
  close: () => Uint8Array.of(ESC, 0x24),
};

/** Names are CP1250 on the printer; the tap never reads them, so tests build them from Latin-1. */
function latin1(text: string): number[] {
  return Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/**
 * Finds commands in a byte stream that arrives in pieces of any size; the caller has already
 * forwarded each piece. Bytes before an ESC are skipped.
 */
export class ElzabScanner {
  /** The command being read: its code and the bytes after it so far. */
  private command: { code: number | undefined; bytes: number[] } | undefined;

  feed(chunk: Uint8Array): ElzabCommand[] {
    const found: ElzabCommand[] = [];
    for (const byte of chunk) {
      const command = this.command;
      if (command === undefined) {
        if (byte === ESC) this.command = { code: undefined, bytes: [] };
        continue;
      }
      if (command.code === undefined) {
        command.code = byte;
        if (FIXED[byte] === undefined && byte !== 0x09) {
          found.push(this.finish(byte, []));
          this.command = undefined;
        }
        continue;
      }
      command.bytes.push(byte);
      const fixed = FIXED[command.code];
      if (fixed !== undefined ? command.bytes.length === fixed : byte === LF) {
        found.push(this.finish(command.code, command.bytes));
        this.command = undefined;
      } else if (fixed === undefined && command.bytes.length > MAX_TEXT) this.command = undefined;
    }
    return found;
  }

  private finish(code: number, bytes: number[]): ElzabCommand {
    switch (code) {
      case 0x21:
        return { kind: 'open' };
      case 0x06:
        return { kind: 'line' };
      case 0x18:
        return { kind: 'discount' };
      case 0x07:
        return { kind: 'total', amount: (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0 };
      case 0x09:
        return { kind: 'text', code: bytes[0] ?? 0 };
      case 0x24:
        return { kind: 'close' };
      default:
        return { kind: 'other', code };
    }
  }

  /** Whether a command was started and not finished (the till stopped mid-command). */
  get midFrame(): boolean {
    return this.command !== undefined;
  }
}

/**
 * Follows receipts: `ESC 21h` opens one, `ESC 07h` gives its total, `ESC 24h` closes it and the
 * total counts. A close with no total before it is reported; a close resent after the receipt was
 * closed reads nothing, so its sale counts once.
 */
export class ElzabTransactionReader {
  private opened = 0;
  private open = false;
  private total: number | undefined;

  read(command: ElzabCommand): FiscalRead[] {
    switch (command.kind) {
      case 'open':
        this.opened++;
        this.open = true;
        this.total = undefined;
        return [];
      case 'total':
        if (this.open) this.total = command.amount;
        return [];
      case 'close': {
        if (!this.open) return [];
        this.open = false;
        const total = this.total;
        this.total = undefined;
        return total === undefined ? [{ error: 'receipt closed (ESC 24h) without its total (ESC 07h)' }] : [{ amount: total, transaction: this.opened }];
      }
      case 'line':
      case 'discount':
      case 'text':
      case 'other':
        return [];
    }
  }
}
