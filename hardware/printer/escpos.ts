import type { ReceiptDocument } from '../../core/receipt/document';
import { layoutReceipt, type PrintLine } from '../../core/receipt/layout';
import { qrBitmap } from './bitmap';
import { encodeRuns, transliterate } from './codepage';
import { encodeStarRaster } from './star-raster';
import type { CodePage, ResolvedProfile } from './profiles';

/** ESC/POS command bytes used by the encoder and understood by the decoder. */
export const ESC = 0x1b,
  GS = 0x1d,
  FS = 0x1c,
  DLE = 0x10,
  EOT = 0x04,
  LF = 0x0a;

export function selectCodePage(profile: ResolvedProfile, page: CodePage): number[] {
  const n = profile.pageNumbers[page];
  if (n === undefined) throw new Error(`no table number for ${page} on ${profile.commandSet}`);
  // Star selects a table with its own ESC GS t n; Epson and the clones use ESC t n.
  return profile.commandSet === 'star' ? [ESC, GS, 0x74, n] : [ESC, 0x74, n];
}

/** Reset. Clone printers fall back into Chinese double-byte mode on every ESC @, so FS . follows. */
export function initialize(profile: ResolvedProfile): number[] {
  return profile.cancelKanji ? [ESC, 0x40, FS, 0x2e] : [ESC, 0x40];
}

/** QR printed by the printer itself: model 2, module size, error correction M, store, print. */
export function nativeQr(payload: string, moduleSize: number): number[] {
  const data = Buffer.from(payload, 'latin1');
  const storeLength = data.length + 3;
  return [
    GS,
    0x28,
    0x6b,
    0x04,
    0x00,
    0x31,
    0x41,
    0x32,
    0x00, // model 2
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x43,
    moduleSize, // module size in dots
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x45,
    0x31, // error correction M
    GS,
    0x28,
    0x6b,
    storeLength & 0xff,
    storeLength >> 8,
    0x31,
    0x50,
    0x30,
    ...data, // store
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x51,
    0x30, // print
  ];
}

/** QR as a raster image (`GS v 0`), centred on the paper, for printers without `GS ( k`. */
export function rasterQr(payload: string, lineDots: number): number[] {
  const image = qrBitmap(payload, lineDots);
  const widthBytes = image.widthDots / 8;
  const heightDots = image.heightDots;
  return [GS, 0x76, 0x30, 0x00, widthBytes & 0xff, widthBytes >> 8, heightDots & 0xff, heightDots >> 8, ...image.bits];
}

export interface EncodeOptions {
  /** Force the QR as a raster image even where the printer prints QR natively. */
  rasterQr?: boolean;
  /**
   * 'reset' (a document of its own): `ESC @` first. 'explicit' (a block inside a till's receipt):
   * no reset, every setting the block relies on is sent instead, so the till's code page and modes
   * can be put back afterwards.
   */
  start?: 'reset' | 'explicit';
}

/** The settings a document starts from, sent one by one instead of `ESC @`. */
export function explicitStart(profile: ResolvedProfile): number[] {
  return [
    ...(profile.cancelKanji ? [FS, 0x2e] : []),
    ESC,
    0x52,
    0x00, // international set: USA
    ESC,
    0x21,
    0x00, // print mode: font A, no emphasis, normal size, no underline
    ESC,
    0x45,
    0x00,
    ESC,
    0x2d,
    0x00,
    GS,
    0x21,
    0x00,
    ESC,
    0x61,
    0x00,
  ];
}

/**
 * Fits the document to the profile's width and encodes it as ESC/POS, or as a Star raster image
 * for a raster-only printer (`profile.rasterOnly`).
 */
export function encodeReceipt(doc: ReceiptDocument, profile: ResolvedProfile, options: EncodeOptions = {}): Uint8Array {
  if (profile.rasterOnly) return encodeStarRaster(doc, profile, options.start ? { start: options.start } : {});
  const pages = [profile.codePage, ...profile.extraPages];
  const lines = layoutReceipt(doc, profile.lineColumns, (text) => transliterate(text, pages));
  return encodeLines(lines, profile, options);
}

export function encodeLines(lines: readonly PrintLine[], profile: ResolvedProfile, options: EncodeOptions = {}): Uint8Array {
  const pages = [profile.codePage, ...profile.extraPages];
  const start = options.start === 'explicit' ? explicitStart(profile) : initialize(profile);
  const out: number[] = [...start, ...selectCodePage(profile, profile.codePage)];
  let align = 0,
    bold = false,
    double = false;
  const setAlign = (a: number) => {
    if (a !== align) {
      out.push(ESC, 0x61, a);
      align = a;
    }
  };
  for (const line of lines) {
    switch (line.kind) {
      case 'text': {
        setAlign(line.align === 'center' ? 1 : line.align === 'right' ? 2 : 0);
        if (line.bold !== bold) {
          out.push(ESC, 0x45, line.bold ? 1 : 0);
          bold = line.bold;
        }
        if (line.double !== double) {
          out.push(GS, 0x21, line.double ? 0x11 : 0x00);
          double = line.double;
        }
        for (const run of encodeRuns(line.text, pages)) {
          const switched = run.page !== profile.codePage;
          if (switched) out.push(...selectCodePage(profile, run.page));
          for (const b of run.bytes) out.push(b);
          if (switched) out.push(...selectCodePage(profile, profile.codePage));
        }
        out.push(LF);
        break;
      }
      case 'qr':
        setAlign(1);
        if (profile.nativeQr && !options.rasterQr) {
          out.push(...nativeQr(line.payload, profile.paper === 58 ? 5 : 6), LF);
        } else {
          for (const b of rasterQr(line.payload, profile.lineDots)) out.push(b);
        }
        break;
      case 'feed':
        out.push(ESC, 0x64, line.lines);
        break;
      case 'cut':
        out.push(GS, 0x56, 0x42, 0x00); // feed to the cutter and partial cut
        break;
    }
  }
  return Uint8Array.from(out);
}

/** Time to send `bytes` over a serial line at `baud` (8N1: 10 bits per byte), in milliseconds. */
export function transmitMs(bytes: number, baud: number): number {
  return (bytes * 10 * 1000) / baud;
}

/** Bytes of the QR both ways and the time each takes at `baud`, so the choice is visible. */
export function qrCost(
  payload: string,
  profile: ResolvedProfile,
  baud = profile.defaultBaud,
): {
  nativeBytes: number;
  rasterBytes: number;
  nativeMs: number;
  rasterMs: number;
  chosen: 'native' | 'raster';
} {
  const nativeBytes = nativeQr(payload, 6).length;
  const rasterBytes = rasterQr(payload, profile.lineDots).length;
  return {
    nativeBytes,
    rasterBytes,
    nativeMs: transmitMs(nativeBytes, baud),
    rasterMs: transmitMs(rasterBytes, baud),
    chosen: profile.nativeQr ? 'native' : 'raster',
  };
}
