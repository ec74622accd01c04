import { z } from 'zod';
import { currencyCodeSchema, type CurrencyCode } from '../money';

/**
 * Reading the total off a till's printed receipt, for the print-stream passthrough. A pattern is a
 * regular expression over one line of receipt text with a named group `amount`; the currency comes
 * from a named group `currency` (zł, Ft, Kč, €, or a code) or from the pattern's default.
 */
export const totalPatternSchema = z
  .object({
    name: z.string().min(1),
    regex: z
      .string()
      .min(1)
      .refine(
        (source) => {
          try {
            return new RegExp(source, 'iu').source.includes('?<amount>');
          } catch {
            return false;
          }
        },
        { error: 'regex: must be a valid regular expression with a named group (?<amount>...)' },
      ),
    currency: currencyCodeSchema,
  })
  .strict();
export type TotalPattern = z.infer<typeof totalPatternSchema>;

const AMOUNT = String.raw`(?<amount>\d{1,3}(?:[  .]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)`;

/** Receipt wording of common fiscal printers in the shops' countries. */
export const BUILT_IN_TOTAL_PATTERNS: readonly TotalPattern[] = [
  { name: 'pl-suma', regex: String.raw`^\s*SUMA\s*(?:PLN)?\s*:?\s*(?:PLN)?\s*${AMOUNT}\s*(?:zł|PLN)?\s*$`, currency: 'PLN' },
  { name: 'pl-razem', regex: String.raw`^\s*RAZEM\s*:?\s*(?:PLN)?\s*${AMOUNT}\s*(?:zł|PLN)?\s*$`, currency: 'PLN' },
  { name: 'hu-osszesen', regex: String.raw`^\s*ÖSSZESEN\s*:?\s*${AMOUNT}\s*(?:Ft|HUF)?\s*$`, currency: 'HUF' },
  { name: 'cs-celkem', regex: String.raw`^\s*CELKEM\s*:?\s*(?:Kč|CZK)?\s*${AMOUNT}\s*(?:Kč|CZK)?\s*$`, currency: 'CZK' },
  { name: 'sk-spolu', regex: String.raw`^\s*SPOLU\s*:?\s*(?:EUR|€)?\s*${AMOUNT}\s*(?:EUR|€)?\s*$`, currency: 'EUR' },
  { name: 'de-summe', regex: String.raw`^\s*SUMME\s*:?\s*(?:EUR|€)?\s*${AMOUNT}\s*(?:EUR|€)?\s*$`, currency: 'EUR' },
];

export interface FoundTotal {
  amount: number;
  currency: CurrencyCode;
  pattern: string;
  line: string;
}

/**
 * "1 250", "1.250,00", "18,40", "18.40" → minor units. A dot or a space followed by exactly three
 * digits groups thousands; a comma or a dot followed by one or two digits is the decimal mark.
 */
export function amountToMinorUnits(text: string): number | undefined {
  const match = /^(\d{1,3}(?:[  .]\d{3})*|\d+)(?:[.,](\d{1,2}))?$/u.exec(text.trim());
  if (!match) return undefined;
  const whole = Number(match[1]!.replace(/[  .]/gu, ''));
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  const minor = whole * 100 + fraction;
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/**
 * The total of a receipt: the LAST line that matches a pattern (subtotals come before the total).
 * Undefined when no line matches, so the caller forwards the receipt unchanged and tells staff.
 */
export function findReceiptTotal(lines: readonly string[], patterns: readonly TotalPattern[] = BUILT_IN_TOTAL_PATTERNS): FoundTotal | undefined {
  const compiled = patterns.map((pattern) => ({ pattern, regex: new RegExp(pattern.regex, 'iu') }));
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const { pattern, regex } of compiled) {
      const amountText = regex.exec(line)?.groups?.amount;
      if (amountText === undefined) continue;
      const amount = amountToMinorUnits(amountText);
      if (amount === undefined || amount <= 0) continue;
      return { amount, currency: pattern.currency, pattern: pattern.name, line: line.trim() };
    }
  }
  return undefined;
}
