import { describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { layoutReceipt } from '../../core/receipt/layout';
import { codePageTestPage } from '../../hardware/printer/codepage-test';
import { encodeReceipt } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';
import { goldenReceipts } from '../fixtures/golden/receipts';
import { readQr, textBands } from '../support/raster-image';

// A Star TSP100 (raster only) gets the kiosk's slips as Star Graphic mode images. The bytes are read
// back here by a parser of our own, written from Star's command list and not from the encoder: any
// byte it does not know (an ESC/POS command, a stray text byte) fails the test.

interface StarJob {
  commands: string[];
  widths: Set<number>;
  rows: Uint8Array[];
  /** Row count at each EOT (end of document: the cut). */
  cutsAtRow: number[];
}

function parseStarRaster(bytes: Uint8Array): StarJob {
  const job: StarJob = { commands: [], widths: new Set(), rows: [], cutsAtRow: [] };
  let inRaster = false;
  let i = 0;
  const ascii = (from: number) => {
    const nul = bytes.indexOf(0, from);
    if (nul < 0) throw new Error(`no NUL after the parameter at ${from}`);
    return { text: Buffer.from(bytes.subarray(from, nul)).toString('latin1'), next: nul + 1 };
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0x1b && bytes[i + 1] === 0x40) {
      job.commands.push('ESC @');
      i += 2;
    } else if (b === 0x1b && bytes[i + 1] === 0x0c) {
      job.commands.push('ESC FF');
      i += 2;
    } else if (b === 0x04) {
      job.commands.push('EOT');
      job.cutsAtRow.push(job.rows.length);
      i += 1;
    } else if (b === 0x1b && bytes[i + 1] === 0x2a && bytes[i + 2] === 0x72) {
      const letter = String.fromCharCode(bytes[i + 3]!);
      i += 4;
      if (letter === 'A') inRaster = true;
      if (letter === 'B') inRaster = false;
      if ('PFEYQTD'.includes(letter)) {
        const p = ascii(i);
        i = p.next;
        job.commands.push(`ESC*r${letter}${p.text}`);
        if (letter === 'Y') for (let k = 0; k < Number(p.text); k++) job.rows.push(new Uint8Array([...job.widths][0]! / 8));
      } else if ('RAB'.includes(letter)) job.commands.push(`ESC*r${letter}`);
      else throw new Error(`unknown raster command ESC * r ${letter}`);
    } else if (b === 0x62 && inRaster) {
      const n = bytes[i + 1]! + 256 * bytes[i + 2]!;
      job.widths.add(n * 8);
      job.rows.push(bytes.slice(i + 3, i + 3 + n));
      i += 3 + n;
    } else throw new Error(`byte 0x${b.toString(16)} at ${i} is no Star raster command`);
  }
  return job;
}

describe('Star TSP100 (raster only)', () => {
  const profile = resolveProfile('star-tsp100', 80);
  const input = goldenReceipts.pl.input;
  const doc = buildReceiptDocument(input);

  it('a slip is one Star raster job 576 dots wide, with no ESC/POS command in it, cut at its end', () => {
    const job = parseStarRaster(encodeReceipt(doc, profile));
    expect([...job.widths]).toEqual([576]);
    expect(job.commands.slice(0, 4)).toEqual(['ESC @', 'ESC*rR', 'ESC*rA', 'ESC*rP0']);
    expect(job.commands).toContain('ESC*rE13'); // partial cut at the document end
    expect(job.commands.slice(-3)).toEqual(['ESC FF', 'EOT', 'ESC*rB']);
    expect(job.cutsAtRow).toEqual([job.rows.length]);
    expect(job.rows.length).toBeGreaterThan(800);
  });

  it('the QR in the image decodes to the claim URL, and the text has one band of ink per printed line', () => {
    const job = parseStarRaster(encodeReceipt(doc, profile));
    const qr = readQr(job.rows, 576);
    expect(qr?.data).toBe(input.claim!.payload);

    // Text: every band of ink outside the QR is one printed line; the layout says how many lines carry text.
    const bands = textBands(job.rows, qr!);
    const expected = layoutReceipt(doc, 48).filter((l) => l.kind === 'text' && l.text.trim().length > 0);
    expect(bands.length).toBe(expected.length);
    // Each band is a line's height, never two lines run together (double-size lines are twice as tall).
    for (const [first, last] of bands) expect(last - first + 1).toBeLessThanOrEqual(60);
  });

  it('prints the letters of every language: ő ű ř ů ľ ĺ ß € each get ink of their own, and none turns into "?"', () => {
    const letters = 'őűřůľĺßĄŁŻ€';
    const single = (text: string) =>
      parseStarRaster(encodeReceipt(buildReceiptDocument({ ...input, items: [], earned: [], member: undefined, claim: undefined, footer: [text] }), profile));
    const ink = (job: StarJob) => job.rows.reduce((n, row) => n + row.reduce((m, b) => m + popcount(b), 0), 0);
    const base = ink(single('x'));
    const question = ink(single('x?'));
    for (const letter of letters) {
      const withLetter = ink(single(`x${letter}`));
      expect(withLetter, letter).toBeGreaterThan(base);
      expect(withLetter, letter).not.toBe(question);
    }
  });

  it('the passthrough block is raster without a reset or a cut of its own (the till cuts)', () => {
    const block = buildReceiptDocument(input, { loyaltyBlockOnly: true });
    const job = parseStarRaster(encodeReceipt(block, profile, { start: 'explicit' }));
    expect(job.commands[0]).toBe('ESC*rA');
    expect(job.commands).not.toContain('ESC @');
    expect(job.commands).not.toContain('EOT');
    expect(job.commands.at(-1)).toBe('ESC*rB');
    expect([...job.widths]).toEqual([576]);
  });

  it('has no code pages to test, and more columns than 12-dot cells fit are refused', () => {
    expect(() => codePageTestPage(profile, [{ number: 18, page: 'cp852' }])).toThrow(/no code pages/);
    expect(() => resolveProfile('star-tsp100', 80, { columns: 50 })).toThrow(/at most 48 columns/);
    expect(() => resolveProfile('star-tsp100', 58)).toThrow(/58 mm/);
  });
});

function popcount(b: number): number {
  let n = 0;
  for (let v = b; v; v &= v - 1) n++;
  return n;
}
