/**
 * Reading the Posnet fiscal-printer protocol (Thermal FV / HS FV EJ, "PROTOCOL SPECIFICATION POSNET",
 * document DBC-I-DEV-45) off a copy of the till's bytes, for the fiscal tap (main/pos/fiscal-tap.ts).
 * Pure: no I/O, nothing here ever decides what reaches the printer.
 *
 * A frame is `STX command TAB (name value TAB)* # CRC ETX`: STX 0x02, the command's name, each
 * parameter as a two-letter name followed by its value and a TAB, then `#`, the CRC-16/XMODEM
 * (polynomial 0x1021, start 0) of everything from the command's first letter to the last TAB as
 * four upper-case hex digits, then ETX 0x03. The transaction ends with `trend`, whose `to`
 * parameter is the total in grosze (integer minor units).
 */

import type { FiscalTransactionEnd } from './fiscal-protocol';

export const STX = 0x02;
export const ETX = 0x03;

/** A frame longer than this is not a Posnet command (the longest are header/footer programming). */
const MAX_FRAME_BYTES = 16 * 1024;

export interface PosnetParameter {
  name: string;
  value: string;
}

export interface PosnetFrame {
  command: string;
  parameters: PosnetParameter[];
  /** The CRC printed in the frame, as sent. */
  crc: string;
  /** Whether it matches the frame's content; a frame that fails is never read for a total. */
  crcOk: boolean;
}

/** CRC-16/XMODEM (poly 0x1021, init 0, no reflection), as four upper-case hex digits. */
export function posnetCrc(bytes: Uint8Array): string {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

function fromLatin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** Builds a frame (for tests and tools): `STX command TAB params # CRC ETX`. Text is Latin-1 here. */
export function encodePosnetFrame(command: string, parameters: readonly PosnetParameter[] = []): Uint8Array {
  const summed = latin1(`${command}\t${parameters.map((p) => `${p.name}${p.value}\t`).join('')}`);
  return Uint8Array.from([STX, ...summed, ...latin1(`#${posnetCrc(summed)}`), ETX]);
}

/**
 * Parses the bytes between STX and ETX (both excluded). Answers undefined for bytes that are not a
 * frame's shape (no TAB after the command, no `#` and four hex digits at the end).
 */
export function parsePosnetFrame(inner: Uint8Array): PosnetFrame | undefined {
  const hash = inner.lastIndexOf(0x23); // '#'
  if (hash < 1 || inner.length - hash !== 5) return undefined;
  const crc = fromLatin1(inner.subarray(hash + 1));
  if (!/^[0-9A-Fa-f]{4}$/.test(crc)) return undefined;
  const summed = inner.subarray(0, hash);
  // Text values are the printer's code page (Mazovia/CP1250 by configuration); names and amounts are
  // ASCII, which is all the tap reads, so Latin-1 keeps every byte without guessing.
  const text = fromLatin1(summed);
  if (!text.endsWith('\t')) return undefined;
  const fields = text.slice(0, -1).split('\t');
  const command = fields[0] ?? '';
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(command)) return undefined;
  const parameters = fields.slice(1).map((field) => ({ name: field.slice(0, 2), value: field.slice(2) }));
  return { command, parameters, crc: crc.toUpperCase(), crcOk: posnetCrc(summed) === crc.toUpperCase() };
}

/**
 * Finds frames in a byte stream that arrives in pieces of any size. It only reads: the caller has
 * already forwarded each piece. Bytes outside frames (DLE/ENQ status requests, garbage) are skipped;
 * an STX inside a frame starts a new one (the till gave up on the first); an overlong frame is dropped.
 */
export class PosnetFrameScanner {
  private frame: number[] | undefined;

  feed(chunk: Uint8Array): PosnetFrame[] {
    const found: PosnetFrame[] = [];
    for (const byte of chunk) {
      if (byte === STX) {
        this.frame = [];
        continue;
      }
      if (this.frame === undefined) continue;
      if (byte === ETX) {
        const parsed = parsePosnetFrame(Uint8Array.from(this.frame));
        this.frame = undefined;
        if (parsed) found.push(parsed);
        continue;
      }
      if (this.frame.length >= MAX_FRAME_BYTES) {
        this.frame = undefined;
        continue;
      }
      this.frame.push(byte);
    }
    return found;
  }

  /** Whether a frame was started and not finished (the till stopped mid-frame). */
  get midFrame(): boolean {
    return this.frame !== undefined;
  }
}

/** Total in grosze from `trend`'s `to`, and which transaction of the run it closes. */
export type PosnetTransactionEnd = FiscalTransactionEnd;

/**
 * Follows transactions: `trinit` (receipt) or `trfvinit` (invoice) opens one, `trend` closes it with
 * its total. A `trend` repeated without a new opening (a till resending after a lost answer) gives the
 * same transaction number, so the sale built from it counts once. A frame whose CRC fails is ignored
 * here, as the printer ignores it too.
 */
export class PosnetTransactionReader {
  private opened = 0;

  read(frame: PosnetFrame): PosnetTransactionEnd | { error: string } | undefined {
    if (!frame.crcOk) return undefined;
    if (frame.command === 'trinit' || frame.command === 'trfvinit') {
      this.opened++;
      return undefined;
    }
    if (frame.command !== 'trend') return undefined;
    const to = frame.parameters.find((p) => p.name === 'to');
    if (to === undefined) return { error: 'trend without a "to" total' };
    if (!/^\d{1,12}$/.test(to.value)) return { error: `trend total "to${to.value}" is not an amount in grosze` };
    return { amount: Number(to.value), transaction: this.opened };
  }
}
