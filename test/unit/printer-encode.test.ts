import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { buildReceiptDocument, type ReceiptInput } from '../../core/receipt/document';
import { layoutReceipt, wrap } from '../../core/receipt/layout';
import { encodeRuns, transliterate } from '../../hardware/printer/codepage';
import { decodeEscPos } from '../../hardware/printer/decode';
import { encodeReceipt, qrCost } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';

const base: ReceiptInput = {
  locale: 'sk',
  shop: { name: 'Kaviareň Žltý čajník' },
  saleId: 'S-1',
  at: '2026-11-24T10:00:00Z',
  total: { amount: 1250, currency: 'EUR' },
  earned: [{ points: 12 }],
  claim: { payload: 'HTTPS://HUB.EXAMPLE.SK/C/ABCDEFGHJKLMNPQR', validUntil: '2026-12-01T10:00:00Z' },
};

function indexOfSeq(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
function countSeq(hay: Uint8Array, needle: number[]): number {
  let n = 0;
  for (let i = indexOfSeq(hay, needle); i >= 0;) {
    n++;
    const next = indexOfSeq(hay.subarray(i + 1), needle);
    i = next < 0 ? -1 : i + 1 + next;
  }
  return n;
}

describe('code pages', () => {
  it('CP852 has no €: a EUR receipt switches to CP858 for the € alone and back (Slovak letters stay right)', () => {
    const profile = resolveProfile('clone-80', 80);
    const bytes = encodeReceipt(buildReceiptDocument(base), profile);
    expect(indexOfSeq(bytes, [0x1b, 0x74, 19, 0xd5, 0x1b, 0x74, 18])).toBeGreaterThan(0);
    const text = decodeEscPos(bytes).lines.join('\n');
    expect(text).toContain('12,50 €');
    expect(text).toContain('Kaviareň Žltý čajník');
  });

  it('a CP852 printer with no second page prints € as EUR, never garbage', () => {
    const profile = resolveProfile('clone-80', 80, { extraPages: [] });
    const text = decodeEscPos(encodeReceipt(buildReceiptDocument(base), profile)).lines.join('\n');
    expect(text).toContain('12,50 EUR');
    expect(text).not.toContain('?');
  });

  it('transliterates what the page lacks', () => {
    expect(transliterate('„Dobré“ – ok…', ['cp852'])).toBe('"Dobré" - ok...');
    expect(transliterate('őű ŐŰ', ['cp852'])).toBe('őű ŐŰ');
    expect(transliterate('őű ŐŰ', ['windows1250'])).toBe('őű ŐŰ');
    expect(transliterate('Señor Øre', ['cp852'])).toBe('Senor Ore');
    expect(transliterate('100 €', ['cp437'])).toBe('100 EUR');
    expect(transliterate('漢😀', ['cp852'])).toBe('??');
    expect(transliterate('a\u00a0b\u202fc\x07', ['cp852'])).toBe('a b c');
  });

  it('every character of any string becomes a byte of the selected page (no garbage, no control bytes)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        for (const run of encodeRuns(s, ['cp852', 'cp858'])) for (const b of run.bytes) expect(b).toBeGreaterThanOrEqual(0x20);
      }),
      { numRuns: 30 },
    );
  });

  it('the table number differs by model: CP852 is ESC t 18, Windows-1250 ESC t 45 (Star profiles: printer-codepage-page.test.ts)', () => {
    const doc = buildReceiptDocument({ ...base, locale: 'cs' });
    expect([...encodeReceipt(doc, resolveProfile('epson-tm-t20', 80)).subarray(0, 5)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 18]);
    const t88 = encodeReceipt(doc, resolveProfile('epson-tm-t88', 80));
    expect([...t88.subarray(0, 5)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 45]);
    expect(decodeEscPos(t88).commands).toContain('page:windows1250');
    expect(decodeEscPos(t88).lines.join('\n')).toContain('Věrnostní body');
  });

  it('clone printers get FS . (cancel Chinese mode) after every ESC @; others do not', () => {
    const doc = buildReceiptDocument(base);
    const clone = encodeReceipt(doc, resolveProfile('clone-58', 58));
    expect(countSeq(clone, [0x1b, 0x40])).toBe(1);
    expect(countSeq(clone, [0x1b, 0x40, 0x1c, 0x2e])).toBe(1);
    const epson = encodeReceipt(doc, resolveProfile('epson-tm-t20', 80));
    expect(countSeq(epson, [0x1c, 0x2e])).toBe(0);
  });

  it('an unknown model or a paper the model does not take is refused with its name', () => {
    expect(() => resolveProfile('hp-laser', 80)).toThrow(/unknown printer model "hp-laser"/);
    expect(() => resolveProfile('clone-58', 80)).toThrow(/does not take 80 mm/);
  });
});

describe('QR', () => {
  it('native where the model supports it: a few bytes; raster takes seconds at 38,400 bps', () => {
    const profile = resolveProfile('epson-tm-t20', 80);
    const cost = qrCost(base.claim!.payload, profile, 38400);
    expect(cost.chosen).toBe('native');
    expect(cost.nativeBytes).toBeLessThan(100);
    expect(cost.rasterBytes).toBeGreaterThan(100 * cost.nativeBytes);
    expect(cost.rasterMs).toBeGreaterThan(2000);
    expect(cost.nativeMs).toBeLessThan(30);
    const bytes = encodeReceipt(buildReceiptDocument(base), profile);
    expect(indexOfSeq(bytes, [0x1d, 0x28, 0x6b])).toBeGreaterThan(0);
    expect(indexOfSeq(bytes, [0x1d, 0x76, 0x30])).toBe(-1);
    const qr = decodeEscPos(bytes).elements.find((e) => e.kind === 'qr');
    expect(qr).toMatchObject({ payload: base.claim!.payload, errorCorrection: 'M' });
  });

  it('raster on a printer without GS ( k, and the dots are the QR modules', () => {
    const profile = resolveProfile('clone-58', 58);
    expect(qrCost(base.claim!.payload, profile).chosen).toBe('raster');
    const bytes = encodeReceipt(buildReceiptDocument(base), profile);
    expect(indexOfSeq(bytes, [0x1d, 0x28, 0x6b])).toBe(-1);
    const image = decodeEscPos(bytes).elements.find((e) => e.kind === 'image');
    if (image?.kind !== 'image') throw new Error('no raster image decoded');
    const modules = QRCode.create(base.claim!.payload, { errorCorrectionLevel: 'M' }).modules;
    const scale = image.heightDots / (modules.size + 8);
    const left = Math.floor((image.widthDots - image.heightDots) / 2) + 4 * scale;
    const dot = (x: number, y: number) => ((image.bits[y * (image.widthDots / 8) + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) !== 0;
    for (let r = 0; r < modules.size; r++) {
      for (let c = 0; c < modules.size; c++) {
        expect(dot(left + c * scale + 1, 4 * scale + r * scale + 1)).toBe(Boolean(modules.get(r, c)));
      }
    }
  });
});

describe('layout', () => {
  it('no line is wider than the paper, double size gets half', () => {
    const long = { ...base, shop: { name: 'Cukrászda és Kávéház a Négy Évszakhoz', lines: ['x'.repeat(70)] }, footer: ['Árvíztűrő tükörfúrógép '.repeat(5)] };
    for (const columns of [32, 48]) {
      for (const line of layoutReceipt(buildReceiptDocument(long), columns)) {
        if (line.kind !== 'text') continue;
        expect(line.text.length).toBeLessThanOrEqual(line.double ? columns / 2 : columns);
      }
    }
  });

  it('wrap keeps words whole and cuts only words longer than a line', () => {
    expect(wrap('ab cd ef', 5)).toEqual(['ab cd', 'ef']);
    expect(wrap('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('receipt document', () => {
  it('bad input is refused naming the field', () => {
    expect(() => buildReceiptDocument({ ...base, total: { amount: 12.5, currency: 'EUR' } })).toThrow(/total/);
    expect(() => buildReceiptDocument({ ...base, locale: 'fr' as never })).toThrow(/locale/);
  });

  it('points, reasons, balance and progress in the language, with plurals', () => {
    const doc = buildReceiptDocument({
      ...base,
      locale: 'pl',
      earned: [
        { points: 18, label: 'Zakup' },
        { points: 18, label: 'x2 wtorek' },
      ],
      member: {
        balance: { points: 22 },
        progress: { rewardId: 'darmowa-kawa', rewardName: 'darmowa kawa', unit: 'points', cost: 27, remaining: 5, ready: false },
      },
    });
    const text = layoutReceipt(doc, 48)
      .flatMap((l) => (l.kind === 'text' ? [l.text] : []))
      .join('\n');
    expect(text).toMatch(/x2 wtorek +\+18/);
    expect(text).toMatch(/Zdobyte +\+36/);
    expect(text).toMatch(/Saldo +22 punkty/);
    expect(text).toContain('Jeszcze 5 punktów do: darmowa kawa');
  });

  it('a reprint says so on top', () => {
    const doc = buildReceiptDocument({ ...base, locale: 'de' }, { reprint: true });
    expect(doc.blocks[0]).toMatchObject({ kind: 'text', text: '*** KOPIE ***' });
  });
});

describe('decoder', () => {
  it('never throws on garbage and counts what it skipped', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeEscPos(bytes);
        expect(r.unknown + r.pending).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
