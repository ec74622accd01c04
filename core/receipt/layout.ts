import type { Align, Block, ReceiptDocument } from './document';

/** One printed line or element, fitted to the paper. Texts are already in printable characters. */
export type PrintLine =
  | { kind: 'text'; text: string; align: Align; bold: boolean; double: boolean }
  | { kind: 'qr'; payload: string }
  | { kind: 'feed'; lines: number }
  | { kind: 'cut' };

export const PAPER_COLUMNS = { 58: 32, 80: 48 } as const;

/**
 * Fits the document to `columns` characters (32 on 58 mm, 48 on 80 mm; double-size text gets
 * half). `printable` maps a text to what the printer can print (transliteration) before measuring,
 * so "€" that becomes "EUR" is wrapped at its printed width.
 */
export function layoutReceipt(doc: ReceiptDocument, columns: number, printable: (text: string) => string = (s) => s): PrintLine[] {
  const out: PrintLine[] = [];
  for (const block of doc.blocks) layoutBlock(block, columns, printable, out);
  return out;
}

function layoutBlock(block: Block, columns: number, printable: (text: string) => string, out: PrintLine[]): void {
  switch (block.kind) {
    case 'text': {
      const width = block.double ? Math.floor(columns / 2) : columns;
      for (const line of wrap(printable(block.text), width)) {
        out.push({ kind: 'text', text: line, align: block.align, bold: block.bold, double: block.double });
      }
      return;
    }
    case 'pair': {
      const width = block.double ? Math.floor(columns / 2) : columns;
      const right = printable(block.right);
      const left = printable(block.left);
      const room = width - right.length - 1;
      if (room >= Math.min(8, left.length)) {
        const lefts = wrap(left, room);
        lefts.forEach((l, i) => {
          const line = i === lefts.length - 1 ? l + ' '.repeat(width - l.length - right.length) + right : l;
          out.push({ kind: 'text', text: line, align: 'left', bold: block.bold, double: block.double });
        });
      } else {
        for (const l of wrap(left, width)) out.push({ kind: 'text', text: l, align: 'left', bold: block.bold, double: block.double });
        for (const r of wrap(right, width)) out.push({ kind: 'text', text: r, align: 'right', bold: block.bold, double: block.double });
      }
      return;
    }
    case 'rule':
      out.push({ kind: 'text', text: '-'.repeat(columns), align: 'left', bold: false, double: false });
      return;
    // Already print lines: passed on as they are.
    case 'feed':
    case 'qr':
    case 'cut':
      out.push(block);
  }
}

/** Word wrap to `width` characters; a word longer than a line is cut. Never returns an empty list. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    let w = word;
    if (current.length > 0 && current.length + 1 + w.length <= width) {
      current += ' ' + w;
      continue;
    }
    if (current.length > 0) lines.push(current);
    while (w.length > width) {
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    current = w;
  }
  if (current.length > 0 || lines.length === 0) lines.push(current);
  return lines;
}
