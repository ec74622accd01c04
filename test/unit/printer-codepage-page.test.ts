import { describe, expect, it } from 'vitest';
import { candidateLabel, candidates, codePageTestPage, parseNumbers, testLetters } from '../../hardware/printer/codepage-test';
import { decodeEscPos } from '../../hardware/printer/decode';
import { encodeReceipt } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';
import { buildReceiptDocument } from '../../core/receipt/document';
import { previewReceipt } from '../../main/pos/receipt-tools';

describe('the code-page test page', () => {
  const list = candidates(['cp852', 'windows1250'], parseNumbers('0-50'));

  it('shows the letters right on exactly the lines whose number the printer maps to that page (Epson numbering)', () => {
    const lines = decodeEscPos(codePageTestPage(resolveProfile('clone-58', 58), list)).lines;
    const right = list.filter((c) => lines.includes(candidateLabel(c) + testLetters(c.page)));
    expect(right).toEqual([
      { number: 18, page: 'cp852' },
      { number: 45, page: 'windows1250' },
    ]);
    // Every candidate has its line, labelled in ASCII whatever its table.
    for (const c of list) expect(lines.some((line) => line.startsWith(candidateLabel(c)))).toBe(true);
    expect(testLetters('cp852')).toMatch(/Ł.*Č.*ř.*Ő.*ű/u);
  });

  it('on a clone batch whose CP852 is table 46, line 46 reads right and line 18 does not; the setting then selects 46', () => {
    const clone = { cp852: 46 };
    const lines = decodeEscPos(codePageTestPage(resolveProfile('clone-58', 58), list), { pageNumbers: clone }).lines;
    expect(lines).toContain(`46 852 ${testLetters('cp852')}`);
    expect(lines).not.toContain(`18 852 ${testLetters('cp852')}`);
    const profile = resolveProfile('clone-58', 58, { codePageNumbers: clone });
    const slip = encodeReceipt(buildReceiptDocument(receiptInput), profile);
    expect([...slip.subarray(0, 7)]).toEqual([0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 46]);
    expect(decodeEscPos(slip, { pageNumbers: clone }).lines.join('\n')).toContain('Łódź');
  });

  it('a number no table has prints in PC437, not in the table of the line before', () => {
    const page = codePageTestPage(resolveProfile('clone-58', 58), candidates(['cp852'], [18, 200]));
    const lines = decodeEscPos(page).lines;
    expect(lines).toContain(`18 852 ${testLetters('cp852')}`);
    expect(lines.find((l) => l.startsWith('200 852 '))).not.toContain('Ł');
  });

  it('refuses table numbers that are not 0-255 or a range', () => {
    expect(parseNumbers('18,45-46, 18')).toEqual([18, 45, 46]);
    expect(() => parseNumbers('300')).toThrow(/not a number 0-255/);
    expect(() => parseNumbers('20-10')).toThrow(/"20-10"/);
    expect(() => resolveProfile('clone-58', 58, { codePage: 'windows1250', codePageNumbers: { cp852: 46 } })).not.toThrow();
  });
});

describe('Star profiles', () => {
  it('a TSP100 (futurePRNT, raster only) gets Star raster, never ESC/POS text (printer-star-raster.test.ts reads it back)', () => {
    const slip = encodeReceipt(buildReceiptDocument({ ...receiptInput, locale: 'cs' }), resolveProfile('star-tsp100', 80));
    expect([...slip.subarray(0, 10)]).toEqual([0x1b, 0x40, 0x1b, 0x2a, 0x72, 0x52, 0x1b, 0x2a, 0x72, 0x41]);
  });

  it('a Star printer in ESC/POS emulation gets ESC/POS: ESC t with the emulation numbers, never Star mode ESC GS t', () => {
    const slip = encodeReceipt(buildReceiptDocument({ ...receiptInput, locale: 'cs' }), resolveProfile('star-escpos', 80));
    expect([...slip.subarray(0, 5)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 18]);
    expect(Buffer.from(slip).includes(Buffer.from([0x1b, 0x1d, 0x74]))).toBe(false);
    expect(decodeEscPos(slip).lines.join('\n')).toContain('Věrnostní body');
  });
});

describe('the receipt preview an owner runs on a sample receipt', () => {
  it('says what each line reads, and whether it is a sale', () => {
    const settings = { till: { kind: 'tcp', port: 0 }, patterns: [{ name: 'till-x', regex: String.raw`^NALEZNOSC\s+(?<amount>\S+)$`, currency: 'PLN' }] };
    const sale = previewReceipt(['Kawa 12,40', 'SUMA PTU 2,32', 'NALEZNOSC 12,40'], settings).replace(/\u00a0/gu, ' ');
    expect(sale).toContain('your pattern till-x reads PLN 12.40');
    expect(sale).toMatch(/SALE: total PLN 12\.40 from line "NALEZNOSC 12,40" \(till-x\)$/);
    expect(previewReceipt(['Z-BON Nr. 12', 'SUMME EUR 1.234,50'], undefined)).toMatch(/NOT A SALE: report \(rule de:report/);
    expect(previewReceipt(['TOTAL 5.00'], undefined)).toMatch(/not used: no currency printed[\s\S]*NO TOTAL read/);
  });
});

const receiptInput = {
  locale: 'pl' as const,
  timeZone: 'Europe/Warsaw',
  shop: { name: 'Kawiarnia Źródło', lines: ['Łódź'] },
  saleId: 'A-1001',
  at: '2026-11-24T09:15:00Z',
  total: { amount: 1840, currency: 'PLN' as const },
  earned: [{ points: 18, label: 'Zakup' }],
};
