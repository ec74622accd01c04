import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { decodeEscPos } from '../../hardware/printer/decode';
import { encodeReceipt } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';
import { goldenReceipts } from '../fixtures/golden/receipts';

// Byte-exact ESC/POS per language and width. Regenerate ONLY on purpose: UPDATE_GOLDEN=1 npx vitest run test/unit/printer-golden
const dir = join(import.meta.dirname, '../fixtures/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function toHex(bytes: Uint8Array): string {
  return (
    (
      Buffer.from(bytes)
        .toString('hex')
        .match(/.{1,64}/g) ?? []
    ).join('\n') + '\n'
  );
}

const cases = (['pl', 'hu', 'de'] as const).flatMap((lang) => ([58, 80] as const).map((paper) => ({ lang, paper })));

describe('golden receipts', () => {
  it.each(cases)('$lang at $paper mm is byte-exact', ({ lang, paper }) => {
    const g = goldenReceipts[lang];
    const bytes = encodeReceipt(buildReceiptDocument(g.input), resolveProfile(g.profiles[paper], paper));
    const file = join(dir, `${lang}-${paper}.hex`);
    if (update || !existsSync(file)) {
      if (!update) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 to create it`);
      writeFileSync(file, toHex(bytes));
    }
    expect(toHex(bytes)).toBe(readFileSync(file, 'utf8'));
  });

  const expectedText: Record<'pl' | 'hu' | 'de', string[]> = {
    pl: [
      'Kawiarnia Źródło',
      'ul. Żółkiewskiego 12, Łódź',
      'Zażółć gęślą jaźń - ĄĆĘŁŃÓŚŹŻ',
      'Dziękujemy za wizytę!',
      'Punkty lojalnościowe',
      'Ważne do 01.12.2026',
    ],
    hu: ['Győr, Szőlő utca 3.', 'Árvíztűrő tükörfúrógép — ŐŰ őű', 'Köszönjük a látogatását!', 'Hűségpontok', 'Még 43 pont: ingyen sütemény'],
    de: ['Bäckerei Müßig', 'Große Straße 5, Köln', 'Vielen Dank für Ihren Besuch!', 'Treuepunkte'],
  };

  it.each(cases)('$lang at $paper mm decodes to the right letters', ({ lang, paper }) => {
    const g = goldenReceipts[lang];
    const bytes = encodeReceipt(buildReceiptDocument(g.input), resolveProfile(g.profiles[paper], paper));
    const decoded = decodeEscPos(bytes);
    const text = decoded.lines.join('\n');
    for (const line of expectedText[lang]) expect(text).toContain(line);
    expect(decoded.unknown).toBe(0);
    expect(decoded.lines.every((l) => l.length <= (paper === 58 ? 32 : 48) || l.startsWith('['))).toBe(true);
    expect(text).not.toMatch(/\?/);
    expect(decoded.commands.at(-1)).toBe('cut');
  });

  it('Polish receipt keeps every Polish letter', () => {
    const text = decodeEscPos(encodeReceipt(buildReceiptDocument(goldenReceipts.pl.input), resolveProfile('clone-80', 80))).lines.join('');
    for (const ch of 'ąćęłńóśźżĄĆĘŁŃÓŚŹŻ') expect(text).toContain(ch);
  });

  it('German EUR receipt prints € and äöüß, with the money in euros', () => {
    const text = decodeEscPos(encodeReceipt(buildReceiptDocument(goldenReceipts.de.input), resolveProfile('clone-80', 80))).lines.join('\n');
    for (const ch of 'äöüßÄÖÜ€') expect(text).toContain(ch);
    expect(text).toMatch(/Summe +5,50 €/);
  });
});
