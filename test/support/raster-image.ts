import jsQR, { type QRCode } from 'jsqr';

/**
 * Reading a 1-bit raster image back the way a person would: its QR (with jsQR) and its printed text
 * lines (one band of ink per line). Rows are `widthDots / 8` bytes, most significant bit leftmost.
 */

const dot = (row: Uint8Array, x: number) => ((row[x >> 3] ?? 0) & (0x80 >> (x & 7))) !== 0;

/** An image's rows, one Uint8Array each. */
export function imageRows(image: { widthDots: number; heightDots: number; bits: Uint8Array }): Uint8Array[] {
  const widthBytes = image.widthDots / 8;
  return Array.from({ length: image.heightDots }, (_, y) => image.bits.subarray(y * widthBytes, (y + 1) * widthBytes));
}

/** The QR in the rows, decoded by jsQR (black dots on white paper), or null. */
export function readQr(rows: readonly Uint8Array[], widthDots: number): QRCode | null {
  const height = rows.length;
  const rgba = new Uint8ClampedArray(widthDots * height * 4);
  rows.forEach((row, y) => {
    for (let x = 0; x < widthDots; x++) {
      const v = dot(row, x) ? 0 : 255;
      rgba.set([v, v, v, 255], (y * widthDots + x) * 4);
    }
  });
  return jsQR(rgba, widthDots, height);
}

/** Groups of consecutive rows with ink, as [first, last] row. */
export function inkBands(rows: readonly Uint8Array[]): [number, number][] {
  const bands: [number, number][] = [];
  rows.forEach((row, y) => {
    if (!row.some((b) => b !== 0)) return;
    const last = bands.at(-1);
    if (last && last[1] === y - 1) last[1] = y;
    else bands.push([y, y]);
  });
  return bands;
}

/** The bands of ink above and below the QR (20 dots clear of its finder patterns): the text lines. */
export function textBands(rows: readonly Uint8Array[], qr: QRCode): [number, number][] {
  const qrTop = Math.min(qr.location.topLeftFinderPattern.y, qr.location.topRightFinderPattern.y);
  const qrBottom = qr.location.bottomLeftFinderPattern.y;
  return inkBands(rows).filter(([first, last]) => last < qrTop - 20 || first > qrBottom + 20);
}
