import type { ReceiptDocument } from '../../core/receipt/document';
import { layoutReceipt, type PrintLine } from '../../core/receipt/layout';
import { renderLines, drawable, type Bitmap } from './bitmap';
import type { ResolvedProfile } from './profiles';

/**
 * Star Graphic mode ("Star raster"), the only language of raster-only Star printers (TSP100/TSP143
 * futurePRNT, TSP100III/IV): they have no fonts, no code pages and no QR command, so the kiosk draws
 * the slip as a 1-bit image and sends it line by line. Commands, as in Star's "Star Graphic Mode
 * Command Specifications" and Star Micronics' own CUPS filter (rastertostar.c, GPL, whose job
 * setup, page end and job end sequences these follow):
 *
 *   ESC @              1B 40                 printer initialize (a slip of our own only)
 *   ESC * r R          1B 2A 72 52           initialize raster mode
 *   ESC * r A          1B 2A 72 41           enter raster mode
 *   ESC * r P n NUL    1B 2A 72 50 '0' 00    page length 0: continuous paper (receipt)
 *   ESC * r F n NUL    1B 2A 72 46 '1' 00    at a page end (ESC FF): no cut
 *   ESC * r E n NUL    1B 2A 72 45 '13' 00   at the document end (EOT): partial cut
 *   b n1 n2 d1…dk      62 n1 n2 …            one raster line of k = n1 + 256·n2 bytes, MSB leftmost
 *   ESC * r Y n NUL    1B 2A 72 59 '30' 00   move down n blank raster lines (n in ASCII digits)
 *   ESC FF             1B 0C                 end of page: print what is buffered
 *   EOT                04                    end of document: the cut set with ESC * r E
 *   ESC * r B          1B 2A 72 42           quit raster mode
 */
const ESC = 0x1b;
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const rasterCommand = (letter: string, parameter?: string) => [
  ESC,
  0x2a,
  0x72,
  letter.charCodeAt(0),
  ...(parameter === undefined ? [] : [...ascii(parameter), 0x00]),
];

export interface StarRasterOptions {
  /**
   * 'reset' (a slip of its own): printer initialize and raster-mode initialize first. 'explicit' (the
   * loyalty block inside a till's receipt): neither, so nothing the till set is reset; the block
   * enters raster mode, prints and leaves it, and the till's own cut follows.
   */
  start?: 'reset' | 'explicit';
}

/** The image's rows as Star raster lines; runs of blank rows become one `ESC * r Y n`. */
export function rasterRows(image: Bitmap): number[] {
  const widthBytes = image.widthDots / 8;
  const out: number[] = [];
  let blankRun = 0;
  const flushBlank = () => {
    if (blankRun > 0) out.push(...rasterCommand('Y', String(blankRun)));
    blankRun = 0;
  };
  for (let y = 0; y < image.heightDots; y++) {
    const row = image.bits.subarray(y * widthBytes, (y + 1) * widthBytes);
    if (row.every((b) => b === 0)) {
      blankRun++;
      continue;
    }
    flushBlank();
    out.push(0x62, widthBytes & 0xff, widthBytes >> 8);
    for (const b of row) out.push(b);
  }
  flushBlank();
  return out;
}

/** Encodes laid-out lines as Star Graphic mode commands for a raster-only printer. */
export function encodeStarRasterLines(lines: readonly PrintLine[], profile: ResolvedProfile, options: StarRasterOptions = {}): Uint8Array {
  const out: number[] = [];
  if (options.start !== 'explicit') out.push(ESC, 0x40, ...rasterCommand('R'));
  out.push(...rasterCommand('A'), ...rasterCommand('P', '0'));
  const pages = renderLines(lines, profile.lineDots);
  if (pages.some((p) => p.cutAfter)) out.push(...rasterCommand('F', '1'), ...rasterCommand('E', '13'));
  for (const page of pages) {
    out.push(...rasterRows(page.image));
    // Star's filter ends a page with one blank line and ESC FF, and the document with EOT.
    if (page.cutAfter) out.push(...rasterCommand('Y', '1'), ESC, 0x0c, 0x04);
  }
  out.push(...rasterCommand('B'));
  return Uint8Array.from(out);
}

/** Fits the document to the profile's columns and encodes it as a Star raster image. */
export function encodeStarRaster(doc: ReceiptDocument, profile: ResolvedProfile, options: StarRasterOptions = {}): Uint8Array {
  return encodeStarRasterLines(layoutReceipt(doc, profile.lineColumns, drawable), profile, options);
}
