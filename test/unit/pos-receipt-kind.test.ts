import { describe, expect, it } from 'vitest';
import { BUILT_IN_DOCUMENT_RULES, classifyReceipt, documentRules, normalizeLine } from '../../core/pos/receipt-kind';

const sale = ['PIEKARNIA ŁĄKA', 'Chleb żytni   1 x 12,40   12,40 A', 'SUMA PLN   18,40'];

describe('knowing a sale from other printouts', () => {
  it.each([
    ['pl', 'copy', ['*** KOPIA ***', ...sale]],
    ['pl', 'copy', [...sale, 'Kopia paragonu nr 45/2026']],
    ['pl', 'report', ['RAPORT DOBOWY', 'SUMA PLN 1 234,00']],
    ['pl', 'void', ['PARAGON ANULOWANY', ...sale]],
    ['pl', 'cashMovement', ['WPŁATA DO KASY', 'Kwota 200,00']],
    ['pl', 'training', ['TRYB SZKOLENIOWY', ...sale]],
    ['hu', 'copy', ['MÁSOLAT', 'ÖSSZESEN 1 250 Ft']],
    ['hu', 'copy', ['MASOLAT', 'OSSZESEN 1 250 Ft']], // an ASCII-only till
    ['hu', 'report', ['Z JELENTÉS 0012', 'ÖSSZESEN 1 250 Ft']],
    ['hu', 'void', ['SZTORNÓ BIZONYLAT', 'ÖSSZESEN 1 250 Ft']],
    ['hu', 'cashMovement', ['PÉNZTÁRBA BEFIZETÉS', 'ÖSSZESEN 10 000 Ft']],
    ['sk', 'copy', ['KÓPIA', 'SPOLU 3,50 €']],
    ['sk', 'report', ['DENNÁ UZÁVIERKA 12.03.2026', 'SPOLU 1 234,50 €']],
    ['sk', 'cashMovement', ['VKLAD DO POKLADNE', 'SPOLU 100,00 €']],
    ['cs', 'copy', ['KOPIE ÚČTENKY č. 1234', 'CELKEM 125,00 Kč']],
    ['cs', 'report', ['Průběžná uzávěrka', 'CELKEM 12 125,00 Kč']],
    ['cs', 'preBill', ['PŘEDÚČET', 'CELKEM 125,00 Kč']],
    ['de', 'copy', ['- Kopie -', 'SUMME EUR 12,99']],
    ['de', 'report', ['Z-Bon Nr. 0815', 'SUMME EUR 1.234,50']],
    ['de', 'void', ['STORNOBON', 'SUMME EUR -12,99']],
    ['de', 'training', ['*** TRAININGSMODUS ***', 'SUMME EUR 12,99']],
    ['en', 'copy', ['*** REPRINT ***', 'TOTAL £12.50']],
    ['en', 'report', ['X-REPORT', 'TOTAL £1,234.50']],
    ['en', 'cashMovement', ['PAID OUT', 'TOTAL £20.00']],
    ['en', 'paymentSlip', ['MERCHANT COPY', 'AMOUNT £12.50']],
  ])('%s %s: %j', (_locale, kind, lines) => {
    expect(classifyReceipt(lines)).toMatchObject({ kind });
  });

  it('keeps sales whose lines merely contain such a word', () => {
    for (const lines of [
      sale,
      [...sale, 'STORNO   Drożdżówka   -3,00'], // a voided item on a sale that went through
      ['Kopiarka A4   1 x 400,00', 'SUMA PLN 400,00'],
      ['Kopie A4 s/w  10 x 0,10', 'SUMME EUR 1,00'],
      ['Return within 30 days with this receipt', 'TOTAL £12.50'],
      ['Training Shoes  1 x 49.99', 'TOTAL £49.99'],
    ])
      expect(classifyReceipt(lines), lines.join(' / ')).toEqual({ kind: 'sale' });
  });

  it('normalises case, accents, decoration and the ends of a line', () => {
    expect(normalizeLine('*** Kópia ***')).toBe('kopia');
    expect(normalizeLine('== ZAMKNIĘCIE ZMIANY: ==')).toBe('zamkniecie zmiany');
    expect(normalizeLine('Z-Bon Nr. 0815')).toBe('z bon nr. 0815');
  });

  it('names every built-in rule once, with one rule per kind for each of the six languages', () => {
    const names = BUILT_IN_DOCUMENT_RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    for (const locale of ['pl', 'hu', 'sk', 'cs', 'de', 'en'])
      for (const kind of ['copy', 'report', 'void', 'cashMovement', 'training'])
        expect(
          BUILT_IN_DOCUMENT_RULES.some((rule) => rule.name.startsWith(`${locale}:`) && rule.kind === kind),
          `${locale} ${kind}`,
        ).toBe(true);
  });
});

describe("an owner's documents file", () => {
  it('adds rules and switches built-ins off by name', () => {
    const rules = documentRules({
      skip: [{ name: 'shop:kitchen', kind: 'other', titles: ['BON NA KUCHNIĘ'], regex: ['^STÓŁ \\d+ — ZAMÓWIENIE'] }],
      disable: ['pl:paymentSlip'],
    });
    expect(classifyReceipt(['Bon na kuchnie', 'SUMA 12,00'], rules)).toMatchObject({ kind: 'other', rule: 'shop:kitchen' });
    expect(classifyReceipt(['Stół 4 — zamówienie', 'SUMA 12,00'], rules)).toMatchObject({ rule: 'shop:kitchen' });
    expect(classifyReceipt(['KOPIA DLA KLIENTA', 'SUMA 12,00'], rules)).toEqual({ kind: 'sale' });
    expect(classifyReceipt(['KOPIA DLA KLIENTA', 'SUMA 12,00'])).toMatchObject({ kind: 'paymentSlip' });
  });

  it('is refused with a reason that names the fault', () => {
    const reason = (file: unknown) => {
      try {
        documentRules(file, 'rules.json');
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(reason({ skip: [{ name: 'x', kind: 'kitchen', titles: ['A'] }] })).toMatch(/^rules\.json: skip\.0\.kind: use one of copy, report/);
    expect(reason({ skip: [{ name: 'x', kind: 'other' }] })).toMatch(/needs "titles" or "regex"/);
    expect(reason({ skip: [{ name: 'x', kind: 'other', regex: ['(['] }] })).toMatch(/not a valid regular expression/);
    expect(reason({ disable: ['pl:voids'] })).toMatch(/no built-in rule named "pl:voids"/);
    expect(reason({ skip: [], extra: 1 })).toMatch(/extra/);
    expect(reason({ skip: [{ name: 'x', kind: 'other', titles: ['A'] }] })).toBe('accepted');
  });
});
