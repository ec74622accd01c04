/**
 * Finds the paper-cut commands in a till's ESC/POS stream without decoding it, so the passthrough
 * can forward every other byte at once and hold back only the cut. It walks command by command
 * (a byte inside a raster image or a QR payload is never mistaken for a command) and keeps its
 * state across chunks: a data block split over two chunks is skipped correctly, and a command
 * whose header is not complete yet is reported as "wait for more".
 *
 * Cuts recognised: `GS V m` (m = 0, 1, 48, 49), `GS V m n` (m = 65, 66, 97, 98, 103, 104),
 * `ESC i` (full cut) and `ESC m` (partial cut).
 */

const ESC = 0x1b,
  GS = 0x1d,
  FS = 0x1c,
  DLE = 0x10;

/** What starts at a position: a command of known length, a data block, or not enough bytes yet. */
export type Command =
  | { kind: 'plain'; length: number }
  | { kind: 'cut'; length: number }
  /** A header of `length` bytes followed by `data` bytes (raster images, 2D codes). */
  | { kind: 'block'; length: number; data: number }
  /** A header followed by data up to and including a NUL byte (1D barcodes, tab stops). */
  | { kind: 'untilNul'; length: number }
  | { kind: 'incomplete' };

const INCOMPLETE: Command = { kind: 'incomplete' };
/** Longest NUL-terminated list (a barcode's data is at most 255 bytes). */
export const MAX_NUL_LIST = 256;

/** ESC commands with one parameter byte (ESC x n). */
const ESC_ONE = new Set([0x20, 0x21, 0x25, 0x2d, 0x33, 0x3d, 0x3f, 0x45, 0x47, 0x4a, 0x4d, 0x52, 0x54, 0x55, 0x56, 0x61, 0x64, 0x65, 0x72, 0x74, 0x7b]);
/** ESC commands without parameters. */
const ESC_NONE = new Set([0x0c, 0x32, 0x3c, 0x40, 0x69, 0x6d, 0x53]);
/** GS commands with one parameter byte. */
const GS_ONE = new Set([0x21, 0x42, 0x48, 0x49, 0x61, 0x62, 0x66, 0x68, 0x72, 0x77, 0x2f, 0x45, 0x54, 0x7a]);
/** GS commands with two parameter bytes. */
const GS_TWO = new Set([0x24, 0x4c, 0x50, 0x57, 0x5c]);

function escCommand(b: Uint8Array, i: number): Command {
  if (i + 1 >= b.length) return INCOMPLETE;
  const op = b[i + 1]!;
  const has = (n: number) => i + n <= b.length;
  if (op === 0x69 || op === 0x6d) return { kind: 'cut', length: 2 };
  if (ESC_NONE.has(op)) return { kind: 'plain', length: 2 };
  if (op === 0x1d) return has(4) ? { kind: 'plain', length: 4 } : INCOMPLETE; // Star ESC GS x n
  if (op === 0x24 || op === 0x5c) return has(4) ? { kind: 'plain', length: 4 } : INCOMPLETE; // ESC $ / ESC \ nL nH
  if (op === 0x70) return has(5) ? { kind: 'plain', length: 5 } : INCOMPLETE; // ESC p m t1 t2: drawer kick
  if (op === 0x63) return has(4) ? { kind: 'plain', length: 4 } : INCOMPLETE; // ESC c x n
  if (op === 0x57) return has(10) ? { kind: 'plain', length: 10 } : INCOMPLETE; // ESC W: print area
  if (op === 0x44) return { kind: 'untilNul', length: 2 }; // ESC D n1..nk NUL: tab stops
  if (op === 0x2a) {
    // ESC * m nL nH d1..dk: bit image
    if (!has(5)) return INCOMPLETE;
    const m = b[i + 2]!;
    const columns = b[i + 3]! | (b[i + 4]! << 8);
    return { kind: 'block', length: 5, data: columns * (m === 32 || m === 33 ? 3 : 1) };
  }
  if (ESC_ONE.has(op)) return has(3) ? { kind: 'plain', length: 3 } : INCOMPLETE;
  return { kind: 'plain', length: 2 };
}

function gsCommand(b: Uint8Array, i: number): Command {
  if (i + 1 >= b.length) return INCOMPLETE;
  const op = b[i + 1]!;
  const has = (n: number) => i + n <= b.length;
  if (op === 0x56) {
    // GS V m [n]
    if (!has(3)) return INCOMPLETE;
    const m = b[i + 2]!;
    const length = m === 0x41 || m === 0x42 || m === 0x61 || m === 0x62 || m === 0x67 || m === 0x68 ? 4 : 3;
    return has(length) ? { kind: 'cut', length } : INCOMPLETE;
  }
  if (op === 0x28) {
    // GS ( x pL pH data: 2D codes, graphics, settings
    if (!has(5)) return INCOMPLETE;
    return { kind: 'block', length: 5, data: b[i + 3]! | (b[i + 4]! << 8) };
  }
  if (op === 0x38) {
    // GS 8 L p1 p2 p3 p4 data: large graphics
    if (!has(7)) return INCOMPLETE;
    return { kind: 'block', length: 7, data: b[i + 3]! + b[i + 4]! * 0x100 + b[i + 5]! * 0x10000 + b[i + 6]! * 0x1000000 };
  }
  if (op === 0x76) {
    // GS v 0 m xL xH yL yH data: raster image
    if (!has(8)) return INCOMPLETE;
    return { kind: 'block', length: 8, data: (b[i + 4]! | (b[i + 5]! << 8)) * (b[i + 6]! | (b[i + 7]! << 8)) };
  }
  if (op === 0x2a) {
    // GS * x y data: downloaded bit image
    if (!has(4)) return INCOMPLETE;
    return { kind: 'block', length: 4, data: b[i + 2]! * b[i + 3]! * 8 };
  }
  if (op === 0x6b) {
    // GS k m ...: 1D barcode
    if (!has(3)) return INCOMPLETE;
    const m = b[i + 2]!;
    if (m <= 6) return { kind: 'untilNul', length: 3 };
    if (!has(4)) return INCOMPLETE;
    return { kind: 'block', length: 4, data: b[i + 3]! };
  }
  if (GS_TWO.has(op)) return has(4) ? { kind: 'plain', length: 4 } : INCOMPLETE;
  if (GS_ONE.has(op)) return has(3) ? { kind: 'plain', length: 3 } : INCOMPLETE;
  return { kind: 'plain', length: 2 };
}

/** The command starting at `i` (shared with the printer-state tracker, escpos-state.ts). */
export function commandAt(b: Uint8Array, i: number): Command {
  const c = b[i]!;
  if (c === ESC) return escCommand(b, i);
  if (c === GS) return gsCommand(b, i);
  if (c === DLE) {
    // DLE EOT n, DLE ENQ n: real-time requests; DLE DC4 fn ...: real-time commands
    if (i + 1 >= b.length) return INCOMPLETE;
    const op = b[i + 1]!;
    if (op === 0x04 || op === 0x05) return i + 3 <= b.length ? { kind: 'plain', length: 3 } : INCOMPLETE;
    if (op === 0x14) {
      if (i + 3 > b.length) return INCOMPLETE;
      const length = b[i + 2] === 0x01 ? 5 : b[i + 2] === 0x02 ? 4 : 3;
      return i + length <= b.length ? { kind: 'plain', length } : INCOMPLETE;
    }
    return { kind: 'plain', length: 1 };
  }
  if (c === FS) {
    if (i + 1 >= b.length) return INCOMPLETE;
    const op = b[i + 1]!;
    if (op === 0x21 || op === 0x2d || op === 0x43) return i + 3 <= b.length ? { kind: 'plain', length: 3 } : INCOMPLETE;
    if (op === 0x70) return i + 4 <= b.length ? { kind: 'plain', length: 4 } : INCOMPLETE;
    return { kind: 'plain', length: 2 };
  }
  return { kind: 'plain', length: 1 };
}

/** The result of one scan: a cut at [start, end), or no cut and everything before `safeEnd` settled. */
export type ScanStep =
  | { kind: 'cut'; start: number; end: number }
  /** Bytes from `safeEnd` on start a command that is not complete yet: keep them for the next chunk. */
  | { kind: 'more'; safeEnd: number };

/**
 * Streaming scanner. Call `scan(buffer, from)` repeatedly: after a cut, continue from `end`; after
 * `more`, prepend `buffer.subarray(safeEnd)` to the next chunk. Bytes before a cut's `start` and
 * before `safeEnd` may be forwarded at once.
 */
export class EscPosCutScanner {
  /** Data bytes of a block still to come (they may arrive in later chunks). */
  private skip = 0;
  /** Bytes left inside a NUL-terminated parameter list (0: not in one). Bounded, so garbage cannot hide a cut for long. */
  private untilNul = 0;

  scan(buffer: Uint8Array, from = 0): ScanStep {
    let i = from;
    while (i < buffer.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, buffer.length - i);
        this.skip -= take;
        i += take;
        continue;
      }
      if (this.untilNul > 0) {
        const end = Math.min(buffer.length, i + this.untilNul);
        const nul = buffer.subarray(i, end).indexOf(0);
        if (nul >= 0) {
          this.untilNul = 0;
          i += nul + 1;
          continue;
        }
        this.untilNul -= end - i;
        i = end;
        continue;
      }
      const command = commandAt(buffer, i);
      switch (command.kind) {
        case 'incomplete':
          return { kind: 'more', safeEnd: i };
        case 'cut':
          return { kind: 'cut', start: i, end: i + command.length };
        case 'plain':
          i += command.length;
          break;
        case 'block':
          this.skip = command.data;
          i += command.length;
          break;
        case 'untilNul':
          this.untilNul = MAX_NUL_LIST;
          i += command.length;
          break;
      }
    }
    return { kind: 'more', safeEnd: buffer.length };
  }

  /** A new stream (the till reconnected): forget any block in progress. */
  reset(): void {
    this.skip = 0;
    this.untilNul = 0;
  }
}

/** Every cut in a complete buffer, as [start, end) pairs (for tests and one-shot use). */
export function findCuts(bytes: Uint8Array): Array<{ start: number; end: number }> {
  const scanner = new EscPosCutScanner();
  const cuts: Array<{ start: number; end: number }> = [];
  let from = 0;
  for (;;) {
    const step = scanner.scan(bytes, from);
    if (step.kind === 'more') return cuts;
    cuts.push({ start: step.start, end: step.end });
    from = step.end;
  }
}
