import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import type { PrintLine } from '../../core/receipt/layout';

/** A 1-bit image, rows of `widthBytes` bytes, most significant bit leftmost, 1 = a black dot. */
export interface Bitmap {
  widthDots: number;
  heightDots: number;
  bits: Uint8Array;
}

function blank(widthDots: number, heightDots: number): Bitmap {
  return { widthDots, heightDots, bits: new Uint8Array((widthDots / 8) * heightDots) };
}

function setDot(image: Bitmap, x: number, y: number): void {
  if (x < 0 || y < 0 || x >= image.widthDots || y >= image.heightDots) return;
  image.bits[y * (image.widthDots / 8) + (x >> 3)]! |= 0x80 >> (x & 7);
}

/** The QR centred on a line `lineDots` wide, 4 modules of quiet zone, about 60 % of the paper wide. */
export function qrBitmap(payload: string, lineDots: number): Bitmap {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 4;
  const scale = Math.max(1, Math.floor((lineDots * 0.6) / (size + 2 * quiet)));
  const image = blank(lineDots, (size + 2 * quiet) * scale);
  const left = Math.floor((lineDots - (size + 2 * quiet) * scale) / 2) + quiet * scale;
  const top = quiet * scale;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setDot(image, left + col * scale + dx, top + row * scale + dy);
    }
  }
  return image;
}

// ---- Text: DejaVu Sans Mono from the @fontsource/dejavu-mono package, drawn with opentype.js ----
//
// Raster-only printers have no fonts of their own, so the kiosk draws its letters. DejaVu Sans Mono
// covers every letter of pl, hu, cs, sk and de (ő ű ř ů ľ ĺ ŕ ß €) and is monospaced, so the
// receipt layout's columns (48 on 80 mm) stay true: one character cell is 12 × 24 dots, as the
// printers' own font A. The font ships in node_modules, so no test depends on fonts of the machine.

/** The part of opentype.js 1.3 used here (the package ships no type declarations). */
interface PathCommand {
  type: 'M' | 'L' | 'Q' | 'C' | 'Z';
  x?: number;
  y?: number;
  x1?: number;
  y1?: number;
  x2?: number;
  y2?: number;
}
interface OpenTypeFont {
  unitsPerEm: number;
  charToGlyphIndex(char: string): number;
  charToGlyph(char: string): { advanceWidth: number; getPath(x: number, y: number, fontSize: number): { commands: PathCommand[] } };
}

const require = createRequire(import.meta.url);
const fonts = new Map<'regular' | 'bold', OpenTypeFont>();

function font(weight: 'regular' | 'bold'): OpenTypeFont {
  let f = fonts.get(weight);
  if (!f) {
    const opentype = require('opentype.js') as { parse(buffer: ArrayBuffer): OpenTypeFont };
    const file = require.resolve(`@fontsource/dejavu-mono/files/dejavu-mono-latin-${weight === 'bold' ? 700 : 400}-normal.woff`);
    const data = readFileSync(file);
    f = opentype.parse(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    fonts.set(weight, f);
  }
  return f;
}

/**
 * Parses both weights now (about a second on a slow machine), so the first slip or passthrough
 * block does not wait for it: the printer calls this when it starts with a raster-only model.
 */
export function loadRasterFonts(): void {
  font('regular');
  font('bold');
}

/** Dots per character cell, and per printed line (24-dot letters and 6 dots between lines). */
export const CELL_DOTS = 12;
export const LINE_DOTS = 30;

/**
 * A text with every character the font has; others lose their accents (NFD) or become "?", so a
 * missing glyph never prints as an empty box.
 */
export function drawable(text: string): string {
  const f = font('regular');
  let out = '';
  for (const ch of text) {
    if (ch === ' ' || f.charToGlyphIndex(ch) !== 0) out += ch;
    else {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
      out += base.length > 0 && [...base].every((c) => f.charToGlyphIndex(c) !== 0) ? base : '?';
    }
  }
  return out;
}

/** A glyph's dots relative to its cell's left edge and baseline, cached per weight, size and character. */
const glyphCache = new Map<string, Int16Array>();

function glyphDots(ch: string, weight: 'regular' | 'bold', scale: 1 | 2): Int16Array {
  const key = `${weight}/${scale}/${ch}`;
  let dots = glyphCache.get(key);
  if (dots) return dots;
  const f = font(weight);
  // The size at which one advance is exactly one cell.
  const size = (CELL_DOTS * scale * f.unitsPerEm) / f.charToGlyph('M').advanceWidth;
  dots = fillPath(f.charToGlyph(ch).getPath(0, 0, size).commands);
  glyphCache.set(key, dots);
  return dots;
}

/** Fills an outline (non-zero winding, sampled at dot centres) and lists the dots as x, y pairs. */
function fillPath(commands: readonly PathCommand[]): Int16Array {
  const edges: [number, number, number, number][] = [];
  let sx = 0,
    sy = 0,
    cx = 0,
    cy = 0;
  const lineTo = (x: number, y: number) => {
    if (y !== cy) edges.push([cx, cy, x, y]);
    cx = x;
    cy = y;
  };
  const STEPS = 8; // curve segments: plenty for glyphs under 50 dots
  for (const c of commands) {
    if (c.type === 'M') {
      sx = cx = c.x!;
      sy = cy = c.y!;
    } else if (c.type === 'L') lineTo(c.x!, c.y!);
    else if (c.type === 'Q') {
      const [x0, y0] = [cx, cy];
      for (let i = 1; i <= STEPS; i++) {
        const t = i / STEPS,
          u = 1 - t;
        lineTo(u * u * x0 + 2 * u * t * c.x1! + t * t * c.x!, u * u * y0 + 2 * u * t * c.y1! + t * t * c.y!);
      }
    } else if (c.type === 'C') {
      const [x0, y0] = [cx, cy];
      for (let i = 1; i <= STEPS; i++) {
        const t = i / STEPS,
          u = 1 - t;
        lineTo(
          u * u * u * x0 + 3 * u * u * t * c.x1! + 3 * u * t * t * c.x2! + t * t * t * c.x!,
          u * u * u * y0 + 3 * u * u * t * c.y1! + 3 * u * t * t * c.y2! + t * t * t * c.y!,
        );
      }
    } else lineTo(sx, sy);
  }
  if (edges.length === 0) return new Int16Array(0);
  const ys = edges.flatMap((e) => [e[1], e[3]]);
  const out: number[] = [];
  for (let y = Math.floor(Math.min(...ys)); y <= Math.ceil(Math.max(...ys)); y++) {
    const sample = y + 0.5;
    const crossings: { x: number; dir: number }[] = [];
    for (const [x0, y0, x1, y1] of edges) {
      if ((sample >= y0 && sample < y1) || (sample >= y1 && sample < y0)) {
        crossings.push({ x: x0 + ((sample - y0) * (x1 - x0)) / (y1 - y0), dir: y1 > y0 ? 1 : -1 });
      }
    }
    crossings.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let i = 0; i < crossings.length - 1; i++) {
      winding += crossings[i]!.dir;
      if (winding === 0) continue;
      for (let x = Math.ceil(crossings[i]!.x - 0.5); x + 0.5 < crossings[i + 1]!.x; x++) out.push(x, y);
    }
  }
  return Int16Array.from(out);
}

/**
 * Draws the laid-out receipt lines as one bitmap `lineDots` wide: text lines in the monospaced
 * font (double size: twice as wide and high), QR codes as modules, feeds as blank lines. A cut
 * ends the image; what follows it starts another (the encoder cuts between them).
 */
export function renderLines(lines: readonly PrintLine[], lineDots: number): { image: Bitmap; cutAfter: boolean }[] {
  const pages: { image: Bitmap; cutAfter: boolean }[] = [];
  let parts: Bitmap[] = [];
  const flush = (cutAfter: boolean) => {
    const height = parts.reduce((h, p) => h + p.heightDots, 0);
    const page = blank(lineDots, height);
    let offset = 0;
    for (const p of parts) {
      page.bits.set(p.bits, offset);
      offset += p.bits.length;
    }
    pages.push({ image: page, cutAfter });
    parts = [];
  };
  for (const line of lines) {
    switch (line.kind) {
      case 'text': {
        const scale = line.double ? 2 : 1;
        const image = blank(lineDots, LINE_DOTS * scale);
        const chars = [...drawable(line.text)];
        const cell = CELL_DOTS * scale;
        const room = lineDots - chars.length * cell;
        const left = line.align === 'center' ? Math.floor(room / 2) : line.align === 'right' ? room : 0;
        // The baseline sits 19 dots down a 24-dot cell (DejaVu's ascender is 0.93 em), 3 dots below the line's top.
        const baseline = (3 + 19) * scale;
        chars.forEach((ch, i) => {
          if (ch === ' ') return;
          const dots = glyphDots(ch, line.bold ? 'bold' : 'regular', scale);
          for (let k = 0; k < dots.length; k += 2) setDot(image, left + i * cell + dots[k]!, baseline + dots[k + 1]!);
        });
        parts.push(image);
        break;
      }
      case 'qr':
        parts.push(qrBitmap(line.payload, lineDots));
        break;
      case 'feed':
        parts.push(blank(lineDots, LINE_DOTS * line.lines));
        break;
      case 'cut':
        flush(true);
        break;
    }
  }
  if (parts.length > 0) flush(false);
  return pages;
}
