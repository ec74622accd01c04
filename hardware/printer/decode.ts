import { decodeBytes } from './codepage';
import { CODE_PAGE_NUMBERS, type CodePage, type CommandSet } from './profiles';

/**
 * Decodes an ESC/POS byte stream into what a printer would put on paper: text lines with their
 * style and code page applied, native QR payloads, raster images, feeds and cuts. The virtual
 * printer renders this; the tests assert on it. Table numbers are read per command: `ESC t n` with
 * Epson's numbers, `ESC GS t n` with Star's.
 *
 * It also reads Star Graphic mode ("Star raster", what `star-raster.ts` writes for the raster-only
 * Star TSP100): `ESC * r A` enters raster mode, `b n1 n2 d…` is one row, `ESC * r Y n` blank rows,
 * and the rows become one image at `ESC FF` (page end), `ESC * r B` (raster mode left) or `EOT`
 * (document end, which is the cut `ESC * r E` set). `b` is a raster row only inside raster mode;
 * outside it is the letter, so an ESC/POS stream reads as before.
 */
export type Decoded =
  | { kind: 'text'; text: string; align: 'left' | 'center' | 'right'; bold: boolean; double: boolean }
  | { kind: 'qr'; payload: string; moduleSize: number; errorCorrection: string }
  | { kind: 'image'; widthDots: number; heightDots: number; bits: Uint8Array }
  | { kind: 'feed'; lines: number }
  | { kind: 'cut' };

export interface DecodeResult {
  elements: Decoded[];
  /** Plain text lines in order (QR as "[QR payload]", images as "[image WxH]"). */
  lines: string[];
  /** Commands seen, for assertions: 'init', 'cancelKanji', 'page:cp852', 'statusRequest:1', ... */
  commands: string[];
  /** Bytes the decoder did not understand (skipped). */
  unknown: number;
  /** Bytes at the end that form an unfinished command (wait for more). */
  pending: number;
}

const ALIGN = ['left', 'center', 'right'] as const;
const EC = { 0x30: 'L', 0x31: 'M', 0x32: 'Q', 0x33: 'H' } as Record<number, string>;

function pageByNumber(numbers: Partial<Record<CodePage, number>>, n: number): CodePage | undefined {
  for (const [page, num] of Object.entries(numbers)) if (num === n) return page as CodePage;
  return undefined;
}

export interface DecoderOptions {
  /** The `ESC t` table numbers of the printer being imitated (a clone's own), over Epson's. */
  pageNumbers?: Partial<Record<CodePage, number>>;
}

export class EscPosDecoder {
  private readonly numbers: Record<CommandSet, Partial<Record<CodePage, number>>>;

  constructor(options: DecoderOptions = {}) {
    // A page given its own number no longer answers to its usual one.
    this.numbers = {
      epson: options.pageNumbers ? { ...CODE_PAGE_NUMBERS.epson, ...options.pageNumbers } : CODE_PAGE_NUMBERS.epson,
      star: CODE_PAGE_NUMBERS.star,
    };
  }

  private page: CodePage = 'cp437';
  private align: 'left' | 'center' | 'right' = 'left';
  private bold = false;
  private double = false;
  private textBytes: number[] = [];
  private lineText = '';
  private qrStore: { payload: string; size: number; ec: string } = { payload: '', size: 3, ec: 'L' };
  /** Star raster mode: on between `ESC * r A` and `ESC * r B`. */
  private raster = false;
  /** Star raster rows not yet made an image; `undefined` is a blank row (`ESC * r Y`), width known later. */
  private rasterRows: (Uint8Array | undefined)[] = [];
  private rasterWidthBytes = 0;
  /** A Star raster job set its document end (`ESC * r E`): `EOT` then ends the document with that cut. */
  private starDocumentEnd: string | undefined;
  readonly result: DecodeResult = { elements: [], lines: [], commands: [], unknown: 0, pending: 0 };

  private flushBytes(): void {
    if (this.textBytes.length > 0) this.lineText += decodeBytes(Uint8Array.from(this.textBytes), this.page);
    this.textBytes = [];
  }

  private endLine(): void {
    this.flushBytes();
    this.result.elements.push({ kind: 'text', text: this.lineText, align: this.align, bold: this.bold, double: this.double });
    this.result.lines.push(this.lineText);
    this.lineText = '';
  }

  private reset(): void {
    this.flushBytes();
    this.page = 'cp437';
    this.align = 'left';
    this.bold = false;
    this.double = false;
  }

  /** The Star raster rows gathered so far as one image element (blank rows take the rows' width). */
  private flushRaster(): void {
    if (this.rasterRows.length === 0) return;
    const widthBytes = this.rasterWidthBytes || 72; // only blank rows: a 576-dot (80 mm) page
    const bits = new Uint8Array(widthBytes * this.rasterRows.length);
    this.rasterRows.forEach((row, y) => {
      if (row) bits.set(row.subarray(0, widthBytes), y * widthBytes);
    });
    if (this.lineText || this.textBytes.length) this.endLine();
    this.result.elements.push({ kind: 'image', widthDots: widthBytes * 8, heightDots: this.rasterRows.length, bits });
    this.result.lines.push(`[image ${widthBytes * 8}x${this.rasterRows.length}]`);
    this.rasterRows = [];
  }

  /**
   * One Star Graphic mode command at `i` (`ESC * r`, `ESC FF`, `EOT`, or a `b` row in raster mode):
   * the bytes it takes, 0 when it is none of them, -1 when it is cut off (wait for more).
   */
  private starRaster(b: Uint8Array, i: number): number {
    const c = b[i]!;
    if (c === 0x1b && b[i + 1] === 0x2a && b[i + 2] === 0x72) {
      if (i + 4 > b.length) return -1;
      const letter = String.fromCharCode(b[i + 3]!);
      let next = i + 4;
      let parameter = '';
      if ('PFEYQTD'.includes(letter)) {
        const nul = b.indexOf(0, next);
        if (nul < 0) return b.length - next > 16 ? 0 : -1; // a parameter is a few digits
        parameter = Buffer.from(b.subarray(next, nul)).toString('latin1');
        next = nul + 1;
      }
      this.result.commands.push(`star:${letter}${parameter}`);
      if (letter === 'A') this.raster = true;
      else if (letter === 'B') {
        this.flushRaster();
        this.raster = false;
      } else if (letter === 'E') this.starDocumentEnd = parameter;
      else if (letter === 'Y' && /^\d{1,5}$/.test(parameter)) for (let k = 0; k < Number(parameter); k++) this.rasterRows.push(undefined);
      return next - i;
    }
    if (c === 0x1b && b[i + 1] === 0x0c && (this.raster || this.rasterRows.length > 0)) {
      this.flushRaster();
      this.result.commands.push('star:pageEnd');
      return 2;
    }
    if (c === 0x04 && this.starDocumentEnd !== undefined) {
      this.flushRaster();
      if (this.lineText || this.textBytes.length) this.endLine();
      this.result.elements.push({ kind: 'cut' });
      this.result.commands.push('cut');
      return 1;
    }
    if (c === 0x62 && this.raster) {
      if (i + 3 > b.length) return -1;
      const n = b[i + 1]! | (b[i + 2]! << 8);
      if (i + 3 + n > b.length) return -1;
      this.rasterWidthBytes = Math.max(this.rasterWidthBytes, n);
      this.rasterRows.push(b.slice(i + 3, i + 3 + n));
      return 3 + n;
    }
    return 0;
  }

  /** Decodes a complete buffer; returns the number of bytes consumed (less when a command is cut off). */
  feed(bytes: Uint8Array): number {
    const b = bytes;
    let i = 0;
    const need = (n: number) => i + n <= b.length;
    while (i < b.length) {
      const c = b[i]!;
      if (c === 0x1b || c === 0x04 || c === 0x62) {
        const star = this.starRaster(b, i);
        if (star < 0) break;
        if (star > 0) {
          i += star;
          continue;
        }
      }
      if (this.raster) {
        // Inside raster mode only raster commands mean something; ESC/POS text is not printed.
        if (c !== 0x10) {
          this.result.unknown++;
          i++;
          continue;
        }
      }
      if (c === 0x0a) {
        this.endLine();
        i++;
        continue;
      }
      if (c === 0x0d) {
        i++;
        continue;
      }
      if (c === 0x10) {
        // DLE EOT n: real-time status request
        if (!need(3)) break;
        if (b[i + 1] === 0x04) {
          this.result.commands.push(`statusRequest:${b[i + 2]}`);
          i += 3;
          continue;
        }
        this.result.unknown++;
        i++;
        continue;
      }
      if (c === 0x1c) {
        // FS
        if (!need(2)) break;
        if (b[i + 1] === 0x2e) {
          this.result.commands.push('cancelKanji');
          i += 2;
          continue;
        }
        if (b[i + 1] === 0x26) {
          this.result.commands.push('kanjiOn');
          i += 2;
          continue;
        }
        this.result.unknown++;
        i++;
        continue;
      }
      if (c === 0x1b) {
        // ESC
        if (!need(2)) break;
        const op = b[i + 1]!;
        if (op === 0x40) {
          this.reset();
          this.result.commands.push('init');
          i += 2;
          continue;
        }
        if (op === 0x1d) {
          // Star ESC GS t n
          if (!need(4)) break;
          if (b[i + 2] === 0x74) {
            this.selectPage('star', b[i + 3]!);
            i += 4;
            continue;
          }
          this.result.unknown++;
          i++;
          continue;
        }
        if (!need(3)) break;
        const n = b[i + 2]!;
        if (op === 0x74) {
          this.selectPage('epson', n);
          i += 3;
          continue;
        }
        if (op === 0x61) {
          this.flushBytes();
          this.align = ALIGN[n % 48 > 2 ? 0 : n % 48] ?? 'left';
          i += 3;
          continue;
        }
        if (op === 0x45) {
          this.flushBytes();
          this.bold = (n & 1) === 1;
          i += 3;
          continue;
        }
        if (op === 0x21) {
          this.flushBytes();
          this.bold = (n & 0x08) !== 0;
          this.double = (n & 0x30) === 0x30;
          i += 3;
          continue;
        }
        if (op === 0x64) {
          this.flushBytes();
          if (this.lineText) this.endLine();
          this.result.elements.push({ kind: 'feed', lines: n });
          i += 3;
          continue;
        }
        // Settings that do not change the decoded text: international set, underline, font,
        // character spacing, line spacing, double-strike.
        if (op === 0x52 || op === 0x2d || op === 0x4d || op === 0x20 || op === 0x33 || op === 0x47) {
          this.result.commands.push(`esc:${String.fromCharCode(op)}${n}`);
          i += 3;
          continue;
        }
        this.result.unknown++;
        i++;
        continue;
      }
      if (c === 0x1d) {
        // GS
        if (!need(2)) break;
        const op = b[i + 1]!;
        if (op === 0x21) {
          if (!need(3)) break;
          this.flushBytes();
          this.double = (b[i + 2]! & 0x11) === 0x11;
          i += 3;
          continue;
        }
        if (op === 0x56) {
          if (!need(3)) break;
          const m = b[i + 2]!;
          const len = m === 0x41 || m === 0x42 || m === 0x61 || m === 0x62 || m === 0x67 || m === 0x68 ? 4 : 3;
          if (!need(len)) break;
          if (this.lineText || this.textBytes.length) this.endLine();
          this.result.elements.push({ kind: 'cut' });
          this.result.commands.push('cut');
          i += len;
          continue;
        }
        if (op === 0x28 && need(3) && b[i + 2] === 0x6b) {
          // GS ( k: 2D code
          if (!need(5)) break;
          const len = b[i + 3]! | (b[i + 4]! << 8);
          if (!need(5 + len)) break;
          this.qrCommand(b.subarray(i + 5, i + 5 + len));
          i += 5 + len;
          continue;
        }
        if (op === 0x76 && need(3) && b[i + 2] === 0x30) {
          // GS v 0: raster image
          if (!need(8)) break;
          const wBytes = b[i + 4]! | (b[i + 5]! << 8);
          const h = b[i + 6]! | (b[i + 7]! << 8);
          if (!need(8 + wBytes * h)) break;
          if (this.lineText || this.textBytes.length) this.endLine();
          this.result.elements.push({ kind: 'image', widthDots: wBytes * 8, heightDots: h, bits: b.slice(i + 8, i + 8 + wBytes * h) });
          this.result.lines.push(`[image ${wBytes * 8}x${h}]`);
          i += 8 + wBytes * h;
          continue;
        }
        this.result.unknown++;
        i++;
        continue;
      }
      if (c < 0x20) {
        this.result.unknown++;
        i++;
        continue;
      }
      this.textBytes.push(c);
      i++;
    }
    this.flushBytes();
    this.result.pending = b.length - i;
    return i;
  }

  /** Ends the stream: an unterminated line is kept. */
  finish(): DecodeResult {
    this.flushRaster();
    this.flushBytes();
    if (this.lineText) this.endLine();
    return this.result;
  }

  private selectPage(set: CommandSet, n: number): void {
    this.flushBytes();
    const page = pageByNumber(this.numbers[set], n);
    if (page) {
      this.page = page;
      this.result.commands.push(`page:${page}`);
    } else this.result.commands.push(`page:unknown(${n})`);
  }

  private qrCommand(params: Uint8Array): void {
    const [cn, fn, p1] = [params[0], params[1], params[2]];
    if (cn !== 0x31) return;
    if (fn === 0x43 && p1 !== undefined) this.qrStore.size = p1;
    else if (fn === 0x45 && p1 !== undefined) this.qrStore.ec = EC[p1] ?? '?';
    else if (fn === 0x50) this.qrStore.payload = Buffer.from(params.subarray(3)).toString('latin1');
    else if (fn === 0x51) {
      if (this.lineText || this.textBytes.length) this.endLine();
      this.result.elements.push({ kind: 'qr', payload: this.qrStore.payload, moduleSize: this.qrStore.size, errorCorrection: this.qrStore.ec });
      this.result.lines.push(`[QR ${this.qrStore.payload}]`);
    }
  }
}

/** Decodes a whole ESC/POS stream. */
export function decodeEscPos(bytes: Uint8Array, options: DecoderOptions = {}): DecodeResult {
  const decoder = new EscPosDecoder(options);
  decoder.feed(bytes);
  return decoder.finish();
}
