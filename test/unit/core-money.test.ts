import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addMoney,
  cashRound,
  checkSaleAmount,
  compareMoney,
  CURRENCIES,
  formatMoney,
  keypadAmount,
  keypadDigits,
  keypadFits,
  money,
  MoneyError,
  parseDecimalMoney,
  refundPaidBack,
  subtractMoney,
  sumMoney,
  toDecimalString,
} from '../../core/money';

const NBSP = '\u00A0';

function codePoints(text: string): string {
  return [...text].map((ch) => (ch.charCodeAt(0) > 126 || ch === ' ' ? `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : ch)).join(' ');
}

describe('formatMoney (Intl, Node 20 ICU emits U+00A0 no-break spaces)', () => {
  it.each([
    ['pl', 1840, 'PLN', `18,40${NBSP}zł`],
    ['pl', 125000, 'PLN', `1${NBSP}250,00${NBSP}zł`],
    ['hu', 125000, 'HUF', `1${NBSP}250${NBSP}Ft`],
    ['hu', 99900, 'HUF', `999${NBSP}Ft`],
    ['sk', 350, 'EUR', `3,50${NBSP}€`],
    ['sk', 125050, 'EUR', `1${NBSP}250,50${NBSP}€`],
    ['cs', 1840, 'CZK', `18,40${NBSP}Kč`],
    ['cs', 125000, 'CZK', `1${NBSP}250${NBSP}Kč`],
    ['de', 350, 'EUR', `3,50${NBSP}€`],
    ['de', 125050, 'EUR', `1.250,50${NBSP}€`],
    ['en', 125050, 'GBP', '£1,250.50'],
    ['en', 350, 'EUR', '€3.50'],
    ['en', 125000, 'HUF', `HUF${NBSP}1,250`],
    ['pl-PL', -1840, 'PLN', `-18,40${NBSP}zł`],
  ] as const)('%s %i %s → %s', (locale, amount, currency, expected) => {
    const text = formatMoney(money(amount, currency), locale);
    expect(codePoints(text)).toBe(codePoints(expected));
  });

  it('follows CLDR grouping on request: Polish and Hungarian leave four digits ungrouped', () => {
    expect(formatMoney(money(125000, 'HUF'), 'hu', { grouping: 'locale' })).toBe(`1250${NBSP}Ft`);
    expect(formatMoney(money(125000, 'PLN'), 'pl', { grouping: 'locale' })).toBe(`1250,00${NBSP}zł`);
    expect(formatMoney(money(1250000, 'PLN'), 'pl', { grouping: 'locale' })).toBe(`12${NBSP}500,00${NBSP}zł`);
  });

  it('shows HUF without decimals', () => {
    expect(formatMoney(money(1840, 'HUF'), 'hu')).toBe(`18${NBSP}Ft`);
    expect(formatMoney(money(1850, 'HUF'), 'de')).toBe(`19${NBSP}HUF`);
  });

  it('refuses an unknown currency', () => {
    expect(() => formatMoney({ amount: 1, currency: 'XYZ' } as never, 'pl')).toThrow(/unknown currency "XYZ"/);
  });
});

describe('cashRound', () => {
  it.each([
    [1250, 1250],
    [1251, 1250],
    [1252, 1250],
    [1253, 1255],
    [1255, 1255],
    [1257, 1255],
    [1258, 1260],
    [1259, 1260],
    [1260, 1260],
  ])('HUF %i Ft → %i Ft (1–2 down, 3–7 to 5, 8–9 up)', (forints, expected) => {
    expect(cashRound(money(forints * 100, 'HUF'))).toEqual(money(expected * 100, 'HUF'));
  });

  it('HUF fillér halves go up: 1252.50 Ft → 1255 Ft, 1252.49 Ft → 1250 Ft', () => {
    expect(cashRound(money(125250, 'HUF')).amount).toBe(125500);
    expect(cashRound(money(125249, 'HUF')).amount).toBe(125000);
  });

  it.each([
    [1840, 1800],
    [1849, 1800],
    [1850, 1900],
    [1899, 1900],
    [1900, 1900],
    [1, 0],
    [50, 100],
  ])('CZK %i haléř → %i (whole koruna, 0.50 up)', (amount, expected) => {
    expect(cashRound(money(amount, 'CZK')).amount).toBe(expected);
  });

  it('leaves PLN and EUR alone, and rounds a negative (refund) amount symmetrically', () => {
    expect(cashRound(money(1843, 'PLN')).amount).toBe(1843);
    expect(cashRound(money(351, 'EUR')).amount).toBe(351);
    expect(cashRound(money(-125300, 'HUF')).amount).toBe(-125500);
  });

  it('always lands on a multiple of the step within half a step', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom('HUF' as const, 'CZK' as const), (amount, currency) => {
        const step = currency === 'HUF' ? 500 : 100;
        const rounded = cashRound(money(amount, currency)).amount;
        expect(Math.abs(rounded % step)).toBe(0);
        expect(Math.abs(rounded - amount)).toBeLessThanOrEqual(step / 2);
      }),
    );
  });
});

describe('parseDecimalMoney', () => {
  it.each([
    ['18.40', 'PLN', 1840],
    ['18.4', 'PLN', 1840],
    ['18', 'PLN', 1800],
    ['0.05', 'EUR', 5],
    ['1250', 'HUF', 125000],
    ['-2.50', 'CZK', -250],
    [' 7.10 ', 'PLN', 710],
    ['0.10', 'PLN', 10],
    ['90071992547409.91', 'PLN', 9007199254740991],
  ] as const)('%s %s → %i', (text, currency, amount) => {
    expect(parseDecimalMoney(text, currency)).toEqual({ amount, currency });
  });

  it('is exact where floats are not (0.29 * 100 = 28.999999999999996)', () => {
    expect(parseDecimalMoney('0.29', 'PLN').amount).toBe(29);
    expect(parseDecimalMoney('1.13', 'EUR').amount).toBe(113);
  });

  it.each([
    ['18.405', 'PLN', /3 decimals but PLN has 2/],
    ['18,40', 'PLN', /not a decimal number/],
    ['1 250', 'HUF', /not a decimal number/],
    ['abc', 'EUR', /not a decimal number/],
    ['', 'EUR', /not a decimal number/],
    ['1e3', 'EUR', /not a decimal number/],
    ['18.40', 'USD', /unknown currency "USD"/],
    ['900719925474099.20', 'PLN', /too large/],
  ] as const)('refuses %j %s', (text, currency, message) => {
    expect(() => parseDecimalMoney(text, currency)).toThrow(message);
  });

  it('round-trips with toDecimalString', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (amount) => {
        const value = money(amount, 'PLN');
        expect(parseDecimalMoney(toDecimalString(value), 'PLN')).toEqual(value);
      }),
    );
  });
});

describe('keypadAmount and keypadDigits (the staff keypad, amounts as people say them)', () => {
  it.each([
    ['1253', 'HUF', 125300, '1 253 Ft'],
    ['1840', 'PLN', 1840, '18,40 zł'],
    ['350', 'EUR', 350, '3,50 €'],
    ['12550', 'CZK', 12550, '125,50 Kč'],
    ['12500', 'CZK', 12500, '125 Kč'],
    ['', 'HUF', 0, '0 Ft'],
  ] as const)('%j %s → %i minor units, shown %s', (digits, currency, amount, shown) => {
    const value = keypadAmount(digits, currency);
    expect(value).toEqual({ amount, currency });
    const locale = { HUF: 'hu', PLN: 'pl', EUR: 'de', CZK: 'cs' }[currency];
    expect(formatMoney(value, locale).replace(/[\u00a0\u202f]/g, ' ')).toBe(shown);
  });

  it.each([
    ['12.50', 'PLN', /not digits only/],
    ['-5', 'HUF', /not digits only/],
    ['1 253', 'HUF', /not digits only/],
    ['99999999999999999', 'HUF', /too large/],
    ['1840', 'USD', /unknown currency "USD"/],
  ] as const)('refuses %j %s', (digits, currency, message) => {
    expect(() => keypadAmount(digits, currency)).toThrow(message);
  });

  it('gives back the digits of an amount, dropping only what the keypad cannot say (fillér)', () => {
    expect(keypadDigits(money(125300, 'HUF'))).toBe('1253');
    expect(keypadDigits(money(125050, 'HUF'))).toBe('1250');
    expect(keypadDigits(money(1840, 'PLN'))).toBe('1840');
    expect(keypadDigits(money(0, 'PLN'))).toBe('');
    fc.assert(
      fc.property(fc.constantFrom('PLN', 'EUR', 'CZK', 'HUF', 'GBP'), fc.integer({ min: 0, max: 1e12 }), (currency, amount) => {
        const value = money(amount, currency);
        const back = keypadAmount(keypadDigits(value), currency);
        expect(back.amount).toBeLessThanOrEqual(amount);
        expect(amount - back.amount).toBeLessThan(currency === 'HUF' ? 100 : 1);
      }),
    );
  });
});

describe('keypadFits (the staff keypad stops at the sale ceiling)', () => {
  // The currencies' own ceilings: 10 000,00 zł, 2 500,00 €, 60 000 Kč, 1 000 000 Ft.
  const ceiling = (currency: keyof typeof CURRENCIES) => money(CURRENCIES[currency].saleCeiling, currency);

  it.each([
    ['PLN', '1000000', '1000001'],
    ['EUR', '250000', '250001'],
    ['CZK', '6000000', '6000001'],
    ['HUF', '1000000', '1000001'],
  ] as const)('%s: %s (the ceiling) fits, %s does not', (currency, atCeiling, over) => {
    expect(keypadAmount(atCeiling, currency)).toEqual(ceiling(currency));
    expect(keypadFits(atCeiling, ceiling(currency))).toBe(true);
    expect(keypadFits(over, ceiling(currency))).toBe(false);
    // One digit more than the ceiling has never fits, however small its leading digits.
    expect(keypadFits('1'.padEnd(atCeiling.length + 1, '0'), ceiling(currency))).toBe(false);
  });

  it("follows a program's own ceiling, ignores the keypad's leading zeros and refuses what is not digits", () => {
    expect(keypadFits('50000', money(50_000, 'PLN'))).toBe(true);
    expect(keypadFits('50001', money(50_000, 'PLN'))).toBe(false);
    expect(keypadFits('0050000', money(50_000, 'PLN'))).toBe(true);
    expect(keypadFits('', money(50_000, 'PLN'))).toBe(true);
    expect(keypadFits('99999999999999999999', ceiling('HUF'))).toBe(false);
    expect(keypadFits('12.5', ceiling('PLN'))).toBe(false);
  });

  it('agrees with checkSaleAmount: what fits is a sale the kiosk takes, what does not is over its ceiling', () => {
    fc.assert(
      fc.property(fc.constantFrom('PLN', 'EUR', 'CZK', 'HUF', 'GBP'), fc.stringMatching(/^[1-9]\d{0,8}$/), (currency, digits) => {
        const amount = keypadAmount(digits, currency);
        if (keypadFits(digits, ceiling(currency))) expect(checkSaleAmount(amount)).toEqual(amount);
        else expect(() => checkSaleAmount(amount)).toThrow(/over this shop's ceiling/);
      }),
    );
  });
});

describe('refundPaidBack (a cash sale is paid back in cash)', () => {
  it('rounds a partial refund of a cash sale by the cash rule, pays back all that is left exactly, leaves other payments alone', () => {
    expect(refundPaidBack(money(100300, 'HUF'), money(125500, 'HUF'), 'cash')).toEqual(money(100500, 'HUF'));
    expect(refundPaidBack(money(100200, 'HUF'), money(125500, 'HUF'), 'cash')).toEqual(money(100000, 'HUF'));
    expect(refundPaidBack(money(4050, 'CZK'), money(10000, 'CZK'), 'cash')).toEqual(money(4100, 'CZK'));
    expect(refundPaidBack(money(200, 'HUF'), money(125500, 'HUF'), 'cash')).toEqual(money(0, 'HUF'));
    expect(refundPaidBack(money(125500, 'HUF'), money(125500, 'HUF'), 'cash')).toEqual(money(125500, 'HUF'));
    expect(refundPaidBack(money(1001, 'PLN'), money(1843, 'PLN'), 'cash')).toEqual(money(1001, 'PLN'));
    for (const payment of ['card', null, undefined] as const) {
      expect(refundPaidBack(money(100300, 'HUF'), money(125300, 'HUF'), payment)).toEqual(money(100300, 'HUF'));
    }
    // More than is left is returned as asked, for the caller to refuse; never rounded down into range.
    expect(refundPaidBack(money(125600, 'HUF'), money(125500, 'HUF'), 'cash')).toEqual(money(125600, 'HUF'));
    // Left not a whole number of steps (a refund recorded before refunds were rounded): never more than is left.
    expect(refundPaidBack(money(125250, 'HUF'), money(125300, 'HUF'), 'cash')).toEqual(money(125300, 'HUF'));
  });

  it('cash refunds of a cash sale, then the rest, add up to exactly what was paid, each never more than is left', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('HUF', 'CZK', 'PLN', 'EUR'),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { maxLength: 6 }),
        (currency, rung, asks) => {
          const paid = cashRound(money(rung, currency));
          let left = paid.amount;
          const refunds: number[] = [];
          for (const ask of asks) {
            if (ask > left) continue;
            const back = refundPaidBack(money(ask, currency), money(left, currency), 'cash').amount;
            expect(back).toBeLessThanOrEqual(left);
            expect(back % CURRENCIES[currency].cashIncrement).toBe(0);
            if (back === 0) continue;
            refunds.push(back);
            left -= back;
          }
          if (left > 0) refunds.push(refundPaidBack(money(left, currency), money(left, currency), 'cash').amount);
          expect(refunds.reduce((a, b) => a + b, 0)).toBe(paid.amount);
        },
      ),
    );
  });
});

describe('money arithmetic', () => {
  it('adds, subtracts, compares and sums in one currency', () => {
    expect(addMoney(money(1840, 'PLN'), money(160, 'PLN'))).toEqual(money(2000, 'PLN'));
    expect(subtractMoney(money(1840, 'PLN'), money(2000, 'PLN'))).toEqual(money(-160, 'PLN'));
    expect(compareMoney(money(1, 'EUR'), money(2, 'EUR'))).toBe(-1);
    expect(compareMoney(money(2, 'EUR'), money(2, 'EUR'))).toBe(0);
    expect(compareMoney(money(3, 'EUR'), money(2, 'EUR'))).toBe(1);
    expect(sumMoney([money(1, 'CZK'), money(2, 'CZK'), money(3, 'CZK')], 'CZK')).toEqual(money(6, 'CZK'));
  });

  it('refuses mixing currencies with a clear error', () => {
    expect(() => addMoney(money(1, 'PLN'), money(1, 'EUR'))).toThrow('cannot combine PLN with EUR');
    try {
      compareMoney(money(1, 'HUF'), money(1, 'CZK'));
    } catch (error) {
      expect(error).toBeInstanceOf(MoneyError);
      expect((error as MoneyError).code).toBe('currency_mismatch');
    }
    expect.assertions(3);
  });

  it('refuses a fractional amount', () => {
    expect(() => money(18.4, 'PLN')).toThrow(/whole number of minor units/);
  });
});

describe('checkSaleAmount', () => {
  it('accepts a positive amount under the ceiling', () => {
    expect(checkSaleAmount({ amount: 1840, currency: 'PLN' })).toEqual(money(1840, 'PLN'));
  });

  it.each([
    [{ amount: 0, currency: 'PLN' }, {}, 'not_positive', /more than zero/],
    [{ amount: -100, currency: 'PLN' }, {}, 'not_positive', /more than zero/],
    [{ amount: 100, currency: 'XXX' }, {}, 'unknown_currency', /unknown currency "XXX"/],
    [{ amount: 100 }, {}, 'unknown_currency', /currency is missing/],
    [{ amount: 18.4, currency: 'PLN' }, {}, 'bad_amount', /whole number/],
    [{ amount: '1840', currency: 'PLN' }, {}, 'bad_amount', /whole number/],
    [{ amount: 1_000_001, currency: 'PLN' }, {}, 'over_ceiling', /PLN.10,000.01 is over this shop's ceiling of PLN.10,000.00/],
    [{ amount: 5001, currency: 'EUR' }, { EUR: 5000 }, 'over_ceiling', /€50.01 is over this shop's ceiling of €50.00/],
  ] as const)('refuses %j (ceilings %j)', (sale, ceilings, code, message) => {
    let caught: unknown;
    try {
      checkSaleAmount(sale as never, ceilings);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MoneyError);
    expect((caught as MoneyError).code).toBe(code);
    expect((caught as MoneyError).message).toMatch(message);
  });

  it('uses a configured ceiling per currency', () => {
    expect(checkSaleAmount({ amount: 5000, currency: 'EUR' }, { EUR: 5000 }).amount).toBe(5000);
    expect(checkSaleAmount({ amount: 2_000_000, currency: 'PLN' }, { PLN: 5_000_000 }).amount).toBe(2_000_000);
  });
});

describe('one money formatter for every screen, receipt and page', () => {
  it('shows a whole koruna without decimals and keeps them where there are any, in every grouping', () => {
    expect(formatMoney({ amount: 12500, currency: 'CZK' }, 'cs', { grouping: 'locale' })).toBe('125\u00a0Kč');
    expect(formatMoney({ amount: 12550, currency: 'CZK' }, 'cs', { grouping: 'locale' })).toBe('125,50\u00a0Kč');
    expect(formatMoney({ amount: 12500, currency: 'CZK' }, 'cs')).toBe('125\u00a0Kč');
    expect(formatMoney({ amount: 1800, currency: 'PLN' }, 'pl')).toBe('18,00\u00a0zł');
  });

  it('never shows forint decimals, in any language (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e10 }), fc.constantFrom('pl', 'hu', 'sk', 'cs', 'de', 'en'), (amount, locale) => {
        const text = formatMoney(money(amount, 'HUF'), locale);
        // Whole forints, rounded half up for display: the digits read back give that number.
        expect(Number(text.replace(/[^0-9]/g, ''))).toBe(Math.floor((amount + 50) / 100));
      }),
    );
  });

  it("shows exactly the currency's decimals: 2 for PLN, EUR, GBP; 2 or none for CZK (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e10 }),
        fc.constantFrom('PLN' as const, 'EUR' as const, 'GBP' as const, 'CZK' as const),
        fc.constantFrom('pl', 'hu', 'sk', 'cs', 'de', 'en'),
        (amount, currency, locale) => {
          const text = formatMoney(money(amount, currency), locale);
          const whole = currency === 'CZK' && amount % 100 === 0;
          // The digits read back are the amount exactly: no rounding, no float.
          expect(Number(text.replace(/[^0-9]/g, ''))).toBe(whole ? amount / 100 : amount);
          expect(/[.,]\d\d(?!\d)/.test(text)).toBe(!whole);
        },
      ),
    );
  });
});
