import { describe, expect, it } from 'vitest';
import type { Locale } from '../../core/i18n/locales';
import { amountToMinorUnits, findReceiptTotal, TOTAL_WORDINGS, totalCandidates, totalPatternSchema } from '../../core/pos/receipt-total';

const receipt = (line: string) => ['Kawiarnia Pod Lipą', 'Kawa latte   1 x 12,40   12,40 A', line, 'Dziękujemy'];

/** Each wording of each language, printed the way that language's tills print amounts. */
const AMOUNT_BY_LOCALE: Record<Locale, { text: string; amount: number; currency: string }> = {
  pl: { text: '1 234,50', amount: 123450, currency: 'PLN' },
  hu: { text: '1 250 Ft', amount: 125000, currency: 'HUF' },
  sk: { text: '1 234,50 €', amount: 123450, currency: 'EUR' },
  cs: { text: '1 125,50 Kč', amount: 112550, currency: 'CZK' },
  de: { text: '1.234,50 EUR', amount: 123450, currency: 'EUR' },
  en: { text: '£1,234.50', amount: 123450, currency: 'GBP' },
};

describe('total-line wordings, one test per wording and language', () => {
  const cases = (Object.keys(TOTAL_WORDINGS) as Locale[]).flatMap((locale) => TOTAL_WORDINGS[locale].wordings.map((wording) => [locale, wording] as const));
  it.each(cases)('%s: %s', (locale, wording) => {
    const { text, amount, currency } = AMOUNT_BY_LOCALE[locale];
    const line = `${wording}:        ${text}`;
    expect(findReceiptTotal(receipt(line))).toMatchObject({ amount, currency, line });
    // Tills without the letters print the wording without accents, in any case.
    const plain = wording.replace(/ł/gu, 'l').replace(/Ł/gu, 'L').normalize('NFD').replace(/\p{M}/gu, '');
    expect(findReceiptTotal(receipt(`${plain.toLowerCase()} ${text}`))?.amount).toBe(amount);
  });
});

describe('reading the total off a receipt', () => {
  it.each([
    ['SUMA PLN              18,40', 1840, 'PLN'],
    ['RAZEM: 18,40 zł', 1840, 'PLN'],
    ['DO ZAPŁATY    PLN 1 234,50', 123450, 'PLN'],
    ['Do zapłaty ........ 18,40 zł', 1840, 'PLN'],
    ['ÖSSZESEN           1 250 Ft', 125000, 'HUF'],
    ['ÖSSZESEN: 1.250', 125000, 'HUF'],
    ['FIZETENDŐ:        12 990,- Ft', 1299000, 'HUF'],
    ['FIZETENDÕ        990 Ft', 99000, 'HUF'], // ő printed as õ by a CP850 till
    ['CELKEM Kč 125,00', 12500, 'CZK'],
    ['K úhradě      1 125,50 Kč', 112550, 'CZK'],
    ['SPOLU           3,50 €', 350, 'EUR'],
    ['NA ÚHRADU EUR 12,90', 1290, 'EUR'],
    ['SUMME EUR        12,99', 1299, 'EUR'],
    ['Summe: 1.234,56 €', 123456, 'EUR'],
    ['Zu zahlen       € 7,90', 790, 'EUR'],
    ['Gesamt 12,-', 1200, 'EUR'],
    ['*** TOTAL EUR 1,234.50 ***', 123450, 'EUR'],
    ['Amount due      £12.50', 1250, 'GBP'],
  ])('%s', (line, amount, currency) => {
    expect(findReceiptTotal(receipt(line))).toMatchObject({ amount, currency });
  });

  it('does not take subtotals, tax totals, payment lines or negative amounts for the total', () => {
    for (const line of ['SUMA PTU 3,44', 'Zwischensumme 9,90', 'NETTÓ ÖSSZESEN 984', 'Základ DPH 10,00', 'Gotówka 20,00', 'SUMA -5,00', 'TOTAL ITEMS 3'])
      expect(findReceiptTotal([line]), line).toBeUndefined();
    expect(findReceiptTotal(['SUMA PTU 3,44', 'SUMA PLN 18,40', 'Gotówka 20,00', 'Reszta 1,60'])?.amount).toBe(1840);
  });

  it('takes the last matching line: the total comes after subtotals', () => {
    expect(findReceiptTotal(['SUMA PLN 10,00', 'RABAT -1,00', 'SUMA PLN 9,00'])?.amount).toBe(900);
    expect(findReceiptTotal(['ÖSSZESEN: 1 252 Ft', 'Kerekítés: -2 Ft', 'FIZETENDŐ: 1 250 Ft'])?.amount).toBe(125000);
  });

  it('takes the currency from the line, else from the shop, else from where the wording is printed', () => {
    expect(findReceiptTotal(['SUMA 12,50 €'])?.currency).toBe('EUR');
    expect(findReceiptTotal(['SUMA 125,00'], { currency: 'CZK' })?.currency).toBe('CZK');
    expect(findReceiptTotal(['SUMA 125,00'])?.currency).toBe('PLN');
    // English wordings are printed everywhere: without a marker or a shop currency there is no total.
    expect(findReceiptTotal(['TOTAL 12.50'])).toBeUndefined();
    expect(findReceiptTotal(['TOTAL 12.50'], { currency: 'EUR' })).toMatchObject({ amount: 1250, currency: 'EUR' });
  });

  it('finds nothing in a receipt without a recognisable total', () => {
    expect(findReceiptTotal(['Kawa 12,40', 'DO ZAPŁATY ???', 'SUMA PLN abc'])).toBeUndefined();
    expect(findReceiptTotal([])).toBeUndefined();
  });

  it('reads amounts with space, dot, comma and apostrophe groups, and refuses ambiguous ones', () => {
    expect(amountToMinorUnits('1 234,50')).toBe(123450);
    expect(amountToMinorUnits('1\u00a0234,50')).toBe(123450);
    expect(amountToMinorUnits('1.234,50')).toBe(123450);
    expect(amountToMinorUnits('1,234.50')).toBe(123450);
    expect(amountToMinorUnits("1'234.50")).toBe(123450);
    expect(amountToMinorUnits('1250')).toBe(125000);
    expect(amountToMinorUnits('12,-')).toBe(1200);
    expect(amountToMinorUnits('18.4')).toBe(1840);
    expect(amountToMinorUnits('1,2,3')).toBeUndefined();
    expect(amountToMinorUnits('12,345')).toBeUndefined();
    expect(amountToMinorUnits('1.234.5')).toBeUndefined();
    expect(amountToMinorUnits('')).toBeUndefined();
  });
});

describe("an owner's pattern", () => {
  it('is tried before the built-ins and wins over a later built-in line', () => {
    const custom = totalPatternSchema.parse({ name: 'till-x', regex: String.raw`^NALEZNOSC\s+(?<amount>\d+,\d{2})$`, currency: 'PLN' });
    expect(findReceiptTotal(['NALEZNOSC 7,00', 'SUMA 99,00'], { patterns: [custom] })).toMatchObject({ amount: 700, pattern: 'till-x' });
    expect(findReceiptTotal(['SUMA 99,00'], { patterns: [custom], builtIns: false })).toBeUndefined();
  });

  it('takes its currency from a `currency` group when the line prints one', () => {
    const custom = totalPatternSchema.parse({ name: 'x', regex: String.raw`^ZAPLACONO\s+(?<amount>[\d,]+)\s*(?<currency>\S+)$` });
    expect(findReceiptTotal(['ZAPLACONO 7,00 Kč'], { patterns: [custom], builtIns: false })?.currency).toBe('CZK');
  });

  it('is refused with a reason: no amount group, not a regex, or missing its own sample', () => {
    const reason = (input: unknown) => {
      const r = totalPatternSchema.safeParse(input);
      return r.success ? 'accepted' : r.error.issues.map((i) => i.message).join('; ');
    };
    expect(reason({ name: 'bad', regex: 'TOTAL (\\d+)', currency: 'PLN' })).toMatch(/named group \(\?<amount>/);
    expect(reason({ name: 'bad', regex: '([', currency: 'PLN' })).toMatch(/valid regular expression/);
    expect(reason({ name: 'n', regex: String.raw`^NETTO (?<amount>\d+)$`, sample: 'NETTO 12,50' })).toMatch(/reads no amount from its sample "NETTO 12,50"/);
    expect(reason({ name: 'n', regex: String.raw`^NETTO (?<amount>[\d,]+)$`, sample: 'NETTO 12,345' })).toMatch(/captured "12,345"/);
    expect(reason({ name: 'n', regex: String.raw`^NETTO (?<amount>[\d,]+)$`, sample: 'NETTO 12,50' })).toBe('accepted');
  });

  it('shows on a preview what every pattern reads from each line and why a line is not taken', () => {
    const custom = totalPatternSchema.parse({ name: 'till-x', regex: String.raw`^BRUTTO\s+(?<amount>\S+)$` });
    const preview = totalCandidates(['Kawa 12,40', 'SUMA PLN 12,40', 'BRUTTO 12,345', 'TOTAL 5.00'], { patterns: [custom] });
    expect(preview).toEqual([
      expect.objectContaining({ index: 1, pattern: 'pl:suma', amount: 1240, currency: 'PLN' }),
      expect.objectContaining({ index: 2, pattern: 'till-x', owner: true, amountText: '12,345', problem: expect.stringMatching(/not an amount/) }),
      expect.objectContaining({ index: 3, pattern: 'en:total', amount: 500, problem: expect.stringMatching(/currency/) }),
    ]);
  });
});
