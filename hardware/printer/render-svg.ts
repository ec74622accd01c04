import QRCode from 'qrcode';
import type { Decoded } from './decode';

/**
 * Draws decoded receipt elements as an SVG "paper strip" so a person sees what would be printed,
 * QR codes included (native ones are drawn from their payload, raster ones dot by dot).
 */
export function renderReceiptSvg(elements: readonly Decoded[], options: { columns?: number; dots?: number } = {}): string {
  const columns = options.columns ?? 48;
  const dots = options.dots ?? (columns <= 32 ? 384 : 576);
  const charW = dots / columns;
  const lineH = charW * 2;
  const parts: string[] = [];
  let y = 8;
  for (const el of elements) {
    switch (el.kind) {
      case 'text': {
        const size = el.double ? 2 : 1;
        const h = lineH * size;
        const w = el.text.length * charW * size;
        const x = el.align === 'center' ? (dots - w) / 2 : el.align === 'right' ? dots - w : 0;
        if (el.text.length > 0) {
          parts.push(
            `<text x="${fix(x)}" y="${fix(y + h * 0.8)}" font-size="${fix(h * 0.85)}" textLength="${fix(w)}" lengthAdjust="spacingAndGlyphs"${el.bold ? ' font-weight="bold"' : ''}>${escapeXml(el.text).replace(/ /g, '\u00a0')}</text>`,
          );
        }
        y += h;
        break;
      }
      case 'qr': {
        const qr = QRCode.create(el.payload || ' ', { errorCorrectionLevel: (el.errorCorrection as 'L' | 'M' | 'Q' | 'H') || 'M' });
        const size = qr.modules.size;
        const scale = el.moduleSize;
        const x0 = (dots - size * scale) / 2;
        parts.push(modulesPath(size, size, (r, c) => Boolean(qr.modules.get(r, c)), x0, y + 4 * scale, scale));
        y += (size + 8) * scale;
        break;
      }
      case 'image': {
        const wBytes = el.widthDots / 8;
        parts.push(
          modulesPath(
            el.heightDots,
            el.widthDots,
            (r, c) => ((el.bits[r * wBytes + (c >> 3)] ?? 0) & (0x80 >> (c & 7))) !== 0,
            (dots - el.widthDots) / 2,
            y,
            1,
          ),
        );
        y += el.heightDots;
        break;
      }
      case 'feed':
        y += lineH * el.lines;
        break;
      case 'cut':
        parts.push(`<line x1="0" y1="${fix(y + 4)}" x2="${dots}" y2="${fix(y + 4)}" stroke="#999" stroke-dasharray="6 4"/>`);
        y += 12;
        break;
    }
  }
  const height = Math.ceil(y + 8);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${dots}" height="${height}" viewBox="0 0 ${dots} ${height}">` +
    `<rect width="100%" height="100%" fill="#fffef8"/><g font-family="DejaVu Sans Mono, Consolas, monospace" fill="#111" xml:space="preserve" style="white-space:pre">${parts.join('')}</g></svg>`
  );
}

function modulesPath(rows: number, cols: number, dark: (r: number, c: number) => boolean, x0: number, y0: number, scale: number): string {
  let d = '';
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < cols) {
      if (!dark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < cols && dark(r, c)) c++;
      d += `M${fix(x0 + start * scale)} ${fix(y0 + r * scale)}h${fix((c - start) * scale)}v${fix(scale)}h${fix(-(c - start) * scale)}z`;
    }
  }
  return `<path d="${d}" fill="#000"/>`;
}

function fix(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}
