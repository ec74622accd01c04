import { z } from 'zod';

/** ISO 4217 codes the kiosk handles. Adding one is a line here plus its minor-unit digits. */
export const CURRENCIES = {
  PLN: { minorDigits: 2 },
  EUR: { minorDigits: 2 },
  CZK: { minorDigits: 2 },
  HUF: { minorDigits: 2 },
  GBP: { minorDigits: 2 },
} as const;

export type CurrencyCode = keyof typeof CURRENCIES;

export const currencyCodeSchema = z.enum(Object.keys(CURRENCIES) as [CurrencyCode, ...CurrencyCode[]], {
  error: (issue) => `unknown currency ${JSON.stringify(issue.input)}: use one of ${Object.keys(CURRENCIES).join(', ')}`,
});

/** Money is integer minor units with its currency; never a float. */
export const moneySchema = z.object({
  amount: z.number().int('amount must be an integer number of minor units (1840 for 18.40)').refine(Number.isSafeInteger, 'amount is too large'),
  currency: currencyCodeSchema,
}).strict();

export type Money = z.infer<typeof moneySchema>;
