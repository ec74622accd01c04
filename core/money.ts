import { z } from 'zod';
import { INTL_LOCALE, isLocale } from './i18n/locales';

/**
 * ISO 4217 codes the kiosk handles. Adding one is a line here.
 * - `minorDigits`: ISO 4217 exponent; amounts are stored in these minor units (HUF keeps ISO's 2: 1250 Ft = 125000).
 * - `displayDigits`: digits shown to people (HUF has no coins below 1 Ft, so it is shown without decimals).
 * - `wholeWithoutDecimals`: a whole amount is shown without its zero decimals (CZK: "125 Kč", but "125,50 Kč"),
 *   as Czech price tags and receipts write it since the haléř coins were withdrawn.
 * - `cashIncrement`: smallest cash step in minor units (HUF 5 Ft, CZK 1 Kč); 1 means no cash rounding.
 * - `saleCeiling`: default largest single sale the kiosk accepts, in minor units (a program may set its own).
 */
export const CURRENCIES = {
  PLN: { minorDigits: 2, displayDigits: 2, wholeWithoutDecimals: false, cashIncrement: 1, saleCeiling: 1_000_000 },
  EUR: { minorDigits: 2, displayDigits: 2, wholeWithoutDecimals: false, cashIncrement: 1, saleCeiling: 250_000 },
  CZK: { minorDigits: 2, displayDigits: 2, wholeWithoutDecimals: true, cashIncrement: 100, saleCeiling: 6_000_000 },
  HUF: { minorDigits: 2, displayDigits: 0, wholeWithoutDecimals: true, cashIncrement: 500, saleCeiling: 100_000_000 },
  GBP: { minorDigits: 2, displayDigits: 2, wholeWithoutDecimals: false, cashIncrement: 1, saleCeiling: 200_000 },
} as const;

export type CurrencyCode = keyof typeof CURRENCIES;

export const currencyCodeSchema = z.enum(Object.keys(CURRENCIES) as [CurrencyCode, ...CurrencyCode[]], {
  error: (issue) => `unknown currency ${JSON.stringify(issue.input)}: use one of ${Object.keys(CURRENCIES).join(', ')}`,
});

/** Money is integer minor units with its currency; never a float. */
export const moneySchema = z
  .object({
    amount: z.number().int('amount must be an integer number of minor units (1840 for 18.40)').refine(Number.isSafeInteger, 'amount is too large'),
    currency: currencyCodeSchema,
  })
  .strict();

export type Money = z.infer<typeof moneySchema>;

export type MoneyErrorCode = 'unknown_currency' | 'currency_mismatch' | 'bad_amount' | 'too_many_decimals' | 'not_positive' | 'over_ceiling';

/** A refusal about money; `message` is English for logs and staff, `code` is for callers and translations. */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.hasOwn(CURRENCIES, value);
}

function currencyInfo(currency: string): (typeof CURRENCIES)[CurrencyCode] {
  if (!isCurrencyCode(currency)) {
    throw new MoneyError('unknown_currency', `unknown currency ${JSON.stringify(currency)}: use one of ${Object.keys(CURRENCIES).join(', ')}`);
  }
  return CURRENCIES[currency];
}

/** Builds a Money, refusing a non-integer amount or an unknown currency. */
export function money(amount: number, currency: string): Money {
  currencyInfo(currency);
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError('bad_amount', `amount must be a whole number of minor units (1840 for 18.40), got ${amount}`);
  }
  return { amount, currency: currency as CurrencyCode };
}

export function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError('currency_mismatch', `cannot combine ${a.currency} with ${b.currency}: amounts must be in the same currency`);
  }
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

/** -1, 0 or 1; refuses two currencies. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function sumMoney(items: readonly Money[], currency: CurrencyCode): Money {
  return items.reduce<Money>((total, item) => addMoney(total, item), money(0, currency));
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses a till's decimal string ("18.40", "18.4", "18", "-2.50") into minor units without floats.
 * Only a dot is a decimal separator (a comma could be a thousands separator, so it is refused).
 * More decimals than the currency has ("18.405" PLN) are refused rather than rounded.
 */
export function parseDecimalMoney(text: string, currency: string): Money {
  const { minorDigits } = currencyInfo(currency);
  const match = DECIMAL.exec(text.trim());
  if (!match) {
    throw new MoneyError('bad_amount', `amount ${JSON.stringify(text)} is not a decimal number: write it like 18.40 (dot, no thousands separator)`);
  }
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > minorDigits) {
    throw new MoneyError('too_many_decimals', `amount ${JSON.stringify(text)} has ${fraction.length} decimals but ${currency} has ${minorDigits}`);
  }
  const digits = (whole + fraction.padEnd(minorDigits, '0')).replace(/^0+(?=\d)/, '');
  const amount = Number(digits);
  if (!Number.isSafeInteger(amount)) throw new MoneyError('bad_amount', `amount ${JSON.stringify(text)} is too large`);
  return money(sign === '-' && amount !== 0 ? -amount : amount, currency);
}

const KEYPAD_DIGITS = /^\d*$/;

/** Minor units one step of the staff keypad is worth: 1 where people say hundredths (PLN, EUR, CZK), 100 for whole forints. */
function keypadStep(currency: string): number {
  const { minorDigits, displayDigits } = currencyInfo(currency);
  return 10 ** (minorDigits - displayDigits);
}

/**
 * The amount a staff keypad's digits stand for, as people say it in the currency: the last
 * `displayDigits` digits are the fraction, so "1840" is 18,40 zł (or 18,40 Kč: Czech prices still
 * carry haléře, "29,90 Kč", though a whole amount is shown without them) and "1253" is 1 253 Ft.
 * The keypad has no decimal key; "" is zero. Anything but digits is refused.
 */
export function keypadAmount(digits: string, currency: string): Money {
  const step = keypadStep(currency);
  if (!KEYPAD_DIGITS.test(digits)) throw new MoneyError('bad_amount', `keypad entry ${JSON.stringify(digits)} is not digits only`);
  const amount = Number(digits || '0') * step;
  if (!Number.isSafeInteger(amount)) throw new MoneyError('bad_amount', `keypad entry ${JSON.stringify(digits)} is too large`);
  return money(amount, currency);
}

/**
 * Whether the staff keypad may take `digits` for an amount of at most `ceiling` (the largest sale the
 * kiosk accepts, `saleCeiling` or the program's own): a key that would make the amount larger is not
 * taken, so staff never key an amount the sale would refuse. Leading zeros are the keypad's own and
 * count for nothing; anything but digits does not fit.
 */
export function keypadFits(digits: string, ceiling: Money): boolean {
  if (!KEYPAD_DIGITS.test(digits)) return false;
  const significant = digits.replace(/^0+/, '');
  // More digits than the ceiling has cannot fit, and would not all fit in a safe integer either.
  if (significant.length > keypadDigits(ceiling).length) return false;
  return keypadAmount(significant, ceiling.currency).amount <= ceiling.amount;
}

/**
 * The keypad digits of an amount (the inverse of `keypadAmount`), to fill in an amount staff may edit,
 * such as the whole sale on a refund. A part below one keypad step (fillér a till sent) is dropped,
 * so the digits never stand for more than the amount; a sign is dropped too (the keypad has none).
 */
export function keypadDigits(value: Money): string {
  const steps = Math.floor(Math.abs(value.amount) / keypadStep(value.currency));
  return steps === 0 ? '' : String(steps);
}

/** Exact decimal string of a Money ("18.40"), for Intl and for the till API. */
export function toDecimalString(value: Money): string {
  const minorDigits: number = currencyInfo(value.currency).minorDigits;
  const abs = Math.abs(value.amount)
    .toString()
    .padStart(minorDigits + 1, '0');
  const text = minorDigits === 0 ? abs : `${abs.slice(0, -minorDigits)}.${abs.slice(-minorDigits)}`;
  return value.amount < 0 ? `-${text}` : text;
}

export type MoneyFormatOptions = {
  /**
   * 'always' (default) groups thousands in every amount, so 1 250 Ft and 12 500 Ft line up on a receipt;
   * 'locale' follows CLDR, where Polish and Hungarian leave four-digit numbers ungrouped (1250 Ft).
   */
  grouping?: 'always' | 'locale';
};

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * THE money formatter of the project: the counter screen, the staff screen, receipts, the back office
 * and messages all show money through it, so an amount reads the same everywhere.
 * Formats through Intl for a kiosk locale ('pl', 'hu', ...) or a BCP 47 tag ('pl-PL').
 * Node 20 (ICU 78) separates with U+00A0 no-break space: "18,40 zł", "1 250 Ft", "3,50 €", "125 Kč".
 * HUF is shown in whole forints (Intl rounds half up for display only; stored amounts stay exact);
 * a whole CZK amount without its zero decimals.
 */
export function formatMoney(value: Money, locale: string, options: MoneyFormatOptions = {}): string {
  const { displayDigits: digits, minorDigits, wholeWithoutDecimals } = currencyInfo(value.currency);
  const displayDigits = wholeWithoutDecimals && value.amount % 10 ** minorDigits === 0 ? 0 : digits;
  const tag = isLocale(locale) ? INTL_LOCALE[locale] : locale;
  const grouping = options.grouping ?? 'always';
  const key = `${tag}|${value.currency}|${grouping}|${displayDigits}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(tag, {
      style: 'currency',
      currency: value.currency,
      minimumFractionDigits: displayDigits,
      maximumFractionDigits: displayDigits,
      useGrouping: grouping === 'always' ? 'always' : 'auto',
    });
    formatters.set(key, format);
  }
  // A decimal string keeps Intl exact (no binary float in between).
  return format.format(toDecimalString(value) as unknown as number);
}

/**
 * Rounds an amount for payment in cash to the currency's smallest cash step, to the nearest step,
 * halves away from zero. HUF: to 5 Ft (last digit 1–2 → 0, 3–7 → 5, 8–9 → 10, the Hungarian rule);
 * CZK: to a whole koruna (0.50 Kč and above up). Other currencies are returned unchanged.
 */
export function cashRound(value: Money, increment: number = currencyInfo(value.currency).cashIncrement): Money {
  if (!Number.isSafeInteger(increment) || increment < 1)
    throw new MoneyError('bad_amount', `cash increment must be a positive whole number of minor units, got ${increment}`);
  const magnitude = Math.abs(value.amount);
  const remainder = magnitude % increment;
  const down = magnitude - remainder;
  const rounded = remainder * 2 >= increment ? down + increment : down;
  return money(value.amount < 0 ? -rounded : rounded, value.currency);
}

/** How a customer paid, as a till or staff may say it; unsaid (undefined) is taken as not cash. */
export const PAYMENT_KINDS = ['cash', 'card'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export const paymentKindSchema = z.enum(PAYMENT_KINDS, {
  error: (issue) => `payment: ${JSON.stringify(issue.input)} is not a payment kind: use "cash" or "card", or leave it out`,
});

/**
 * What the customer pays and the sale counts (points, receipt, figures): in cash, the total rounded to
 * the currency's cash step (`cashRound`: HUF 1 253 Ft → 1 255 Ft, CZK 99,50 Kč → 100 Kč); otherwise the total.
 */
export function amountPaid(total: Money, payment: PaymentKind | undefined): Money {
  return payment === 'cash' ? cashRound(total) : total;
}

/**
 * What a refund of `requested` pays back out of a sale with `left` of it not yet refunded. A sale paid
 * in cash is paid back in cash: the amount is rounded by `cashRound`, the rule the sale was paid by
 * (HUF to 5 Ft, CZK to a whole koruna, nearest step), so a line the customer paid in cash comes back as
 * it would have been paid. All that is left is paid back exactly; since a cash sale's total is a whole
 * number of cash steps, so is what is left after cash refunds, and the refunds add up to exactly what
 * was paid. A rounded amount is never more than is left. Other payments, another currency, or more
 * than is left (refused by the caller) are returned as asked. A zero answer means the refund rounds
 * to nothing in cash, for the caller to refuse.
 */
export function refundPaidBack(requested: Money, left: Money, payment: PaymentKind | null | undefined): Money {
  if (payment !== 'cash' || requested.currency !== left.currency || requested.amount >= left.amount) return requested;
  const rounded = cashRound(requested);
  return rounded.amount > left.amount ? left : rounded;
}

export type SaleCeilings = Partial<Record<CurrencyCode, number>>;

/**
 * Refuses what cannot be a sale: an unknown currency, a zero or negative amount, an amount over the
 * ceiling (the program's own, else the currency's default). Returns the amount as a checked Money.
 */
export function checkSaleAmount(value: { amount: unknown; currency: unknown }, ceilings: SaleCeilings = {}): Money {
  if (typeof value.currency !== 'string') throw new MoneyError('unknown_currency', 'currency is missing: use one of ' + Object.keys(CURRENCIES).join(', '));
  const info = currencyInfo(value.currency);
  const currency = value.currency as CurrencyCode;
  if (typeof value.amount !== 'number' || !Number.isSafeInteger(value.amount)) {
    throw new MoneyError('bad_amount', `sale amount must be a whole number of minor units (1840 for 18.40), got ${JSON.stringify(value.amount)}`);
  }
  const checked = money(value.amount, currency);
  if (checked.amount <= 0) throw new MoneyError('not_positive', `sale amount must be more than zero, got ${formatMoney(checked, 'en')}`);
  const ceiling = ceilings[currency] ?? info.saleCeiling;
  if (checked.amount > ceiling) {
    throw new MoneyError(
      'over_ceiling',
      `sale amount ${formatMoney(checked, 'en')} is over this shop's ceiling of ${formatMoney(money(ceiling, currency), 'en')}: check the amount, or raise the ceiling in the program`,
    );
  }
  return checked;
}
