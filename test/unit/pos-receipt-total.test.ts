import { describe, expect, it } from 'vitest';
import { amountToMinorUnits, findReceiptTotal, totalPatternSchema } from '../../core/pos/receipt-total';

describe('reading the total off a receipt', () => {
  it.each([
    ['SUMA PLN              18,40', 1840, 'PLN'],
    ['RAZEM: 18,40 zł', 1840, 'PLN'],
    ['ÖSSZESEN           1 250 Ft', 125000, 'HUF'],
    ['ÖSSZESEN: 1.250', 125000, 'HUF'],
    ['CELKEM Kč 125,00', 12500, 'CZK'],
    ['CELKEM          1 125,50 Kč', 112550, 'CZK'],
    ['SPOLU           3,50 €', 350, 'EUR'],
    ['SUMME EUR        12,99', 1299, 'EUR'],
    ['Summe: 1.234,56 €', 123456, 'EUR'],
  ])('%s', (line, amount, currency) => {
    expect(findReceiptTotal(['Kawiarnia Pod Lipą', 'Kawa latte   1 x 12,40', line, 'Dziękujemy'])).toMatchObject({ amount, currency });
  });

  it('takes the last matching line: the total comes after subtotals', () => {
    expect(findReceiptTotal(['SUMA PLN 10,00', 'RABAT -1,00', 'SUMA PLN 9,00'])?.amount).toBe(900);
  });

  it('finds nothing in a receipt without a recognisable total', () => {
    expect(findReceiptTotal(['Kawa 12,40', 'DO ZAPŁATY ???', 'SUMA PLN abc'])).toBeUndefined();
    expect(findReceiptTotal([])).toBeUndefined();
  });

  it('refuses ambiguous amounts instead of guessing', () => {
    expect(amountToMinorUnits('1,2,3')).toBeUndefined();
    expect(amountToMinorUnits('12,345')).toBeUndefined();
    expect(amountToMinorUnits('')).toBeUndefined();
    expect(amountToMinorUnits('18.4')).toBe(1840);
  });

  it('accepts a till-specific pattern and refuses one without an amount group', () => {
    const custom = totalPatternSchema.parse({ name: 'till-x', regex: String.raw`^DO ZAPLATY\s+(?<amount>\d+,\d{2})$`, currency: 'PLN' });
    expect(findReceiptTotal(['DO ZAPLATY 7,00'], [custom])?.amount).toBe(700);
    expect(totalPatternSchema.safeParse({ name: 'bad', regex: 'TOTAL (\\d+)', currency: 'PLN' }).success).toBe(false);
    expect(totalPatternSchema.safeParse({ name: 'bad', regex: '([', currency: 'PLN' }).success).toBe(false);
  });
});
