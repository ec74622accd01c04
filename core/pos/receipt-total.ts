import { z } from 'zod';
import { currencyCodeSchema, type CurrencyCode } from '../money';
import type { Locale } from '../i18n/locales';

/**
 * Reading the total off a till's printed receipt, for the print-stream passthrough. A pattern is a
 * regular expression over one line of receipt text with a named group `amount`; the currency comes
 * from a named group `currency` (zł, Ft, Kč, €, £ or a code) when the line prints one, otherwise
 * from the pattern's `currency`, otherwise from the shop's currency.
 */

/** Currency markers printed next to a total, and the code each one means. */
const CURRENCY_MARKS: ReadonlyArray<readonly [string, CurrencyCode]> = [
  ['PLN', 'PLN'],
  ['zł', 'PLN'],
  ['zl', 'PLN'],
  ['HUF', 'HUF'],
  ['Ft.', 'HUF'],
  ['Ft', 'HUF'],
  ['CZK', 'CZK'],
  ['Kč', 'CZK'],
  ['Kc', 'CZK'],
  ['EURO', 'EUR'],
  ['EUR', 'EUR'],
  ['€', 'EUR'],
  ['GBP', 'GBP'],
  ['£', 'GBP'],
];
const MARKS = CURRENCY_MARKS.map(([mark]) => mark.replace('.', String.raw`\.`)).join('|');

/** The currency a printed marker names ("zł" → PLN), case-insensitive. */
export function currencyOfMark(mark: string): CurrencyCode | undefined {
  const wanted = mark.trim().toLowerCase();
  return CURRENCY_MARKS.find(([m]) => m.toLowerCase() === wanted)?.[1];
}

/** What a pattern reads from one line, or why not. */
function readLine(regex: RegExp, line: string): { amountText: string; amount: number | undefined; mark: string | undefined } | undefined {
  const groups = regex.exec(line)?.groups;
  const amountText = groups?.amount;
  if (amountText === undefined) return undefined;
  return { amountText, amount: amountToMinorUnits(amountText), mark: groups?.currency ?? groups?.currencyAfter };
}

function compiles(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'iu');
  } catch {
    return undefined;
  }
}

/**
 * An owner's pattern for a till whose total line none of the built-ins reads. `sample` is a line
 * from one of the shop's real receipts: the pattern must read a positive amount from it, so a
 * pattern that compiles but misses is refused when the settings are loaded, not at the first sale.
 */
export const totalPatternSchema = z
  .object({
    name: z.string().min(1),
    regex: z
      .string()
      .min(1)
      .refine((source) => compiles(source)?.source.includes('?<amount>') === true, {
        error: 'regex: must be a valid regular expression with a named group (?<amount>...)',
      }),
    currency: currencyCodeSchema.optional(),
    sample: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((pattern, context) => {
    if (pattern.sample === undefined) return;
    const regex = compiles(pattern.regex);
    if (!regex) return;
    const read = readLine(regex, pattern.sample);
    if (!read || read.amount === undefined || read.amount <= 0)
      context.addIssue({
        code: 'custom',
        path: ['sample'],
        message: `pattern "${pattern.name}" reads no amount from its sample ${JSON.stringify(pattern.sample)}${read ? ` (it captured ${JSON.stringify(read.amountText)})` : ''}: fix the regex or the sample`,
      });
  });
export type TotalPattern = z.infer<typeof totalPatternSchema>;

/** A built-in pattern: like an owner's, plus the currency usual where its wording is printed. */
export interface BuiltInTotalPattern extends TotalPattern {
  locale: Locale;
  wording: string;
  /** Used when the line prints no currency and the shop's currency is not known. */
  usualCurrency?: CurrencyCode;
}

/**
 * Total-line wordings by language, as tills and receipt printers in these countries print them.
 * Subtotals ("Zwischensumme", "Mezisoučet"), tax totals ("SUMA PTU", "ÁFA összesen", "Základ DPH")
 * and payment lines ("Gotówka", "Bar", "Készpénz") are not here on purpose: a wording must start the
 * line and be followed by the amount (and at most a currency), so "SUMA PTU 3,44" or "NETTÓ
 * ÖSSZESEN 984" are never read as the total.
 */
export const TOTAL_WORDINGS: Readonly<Record<Locale, { usualCurrency?: CurrencyCode; wordings: readonly string[] }>> = {
  pl: {
    usualCurrency: 'PLN',
    wordings: ['SUMA', 'RAZEM', 'DO ZAPŁATY', 'RAZEM DO ZAPŁATY', 'KWOTA DO ZAPŁATY', 'NALEŻNOŚĆ', 'ŁĄCZNIE', 'SUMA BRUTTO'],
  },
  hu: {
    usualCurrency: 'HUF',
    wordings: ['ÖSSZESEN', 'FIZETENDŐ', 'FIZETENDŐ ÖSSZEG', 'ÖSSZESEN FIZETENDŐ', 'VÉGÖSSZEG', 'BRUTTÓ ÖSSZESEN', 'KEREKÍTETT VÉGÖSSZEG'],
  },
  sk: {
    usualCurrency: 'EUR',
    wordings: ['SPOLU', 'CELKOM', 'K ÚHRADE', 'NA ÚHRADU', 'SPOLU NA ÚHRADU', 'CELKOVÁ SUMA', 'SUMA SPOLU'],
  },
  cs: {
    usualCurrency: 'CZK',
    wordings: ['CELKEM', 'K ÚHRADĚ', 'CELKEM K ÚHRADĚ', 'K ZAPLACENÍ', 'CELKEM K ZAPLACENÍ', 'CELKOVÁ ČÁSTKA', 'ČÁSTKA K ÚHRADĚ'],
  },
  de: {
    usualCurrency: 'EUR',
    wordings: ['SUMME', 'GESAMT', 'ZU ZAHLEN', 'GESAMTBETRAG', 'GESAMTSUMME', 'ENDSUMME', 'ZAHLBETRAG', 'BETRAG', 'SUMME BRUTTO', 'GESAMT BRUTTO'],
  },
  en: {
    wordings: ['TOTAL', 'TOTAL DUE', 'AMOUNT DUE', 'BALANCE DUE', 'GRAND TOTAL', 'TOTAL TO PAY', 'TO PAY'],
  },
};

/**
 * Tills whose code page lacks a letter print it without the accent, and ő/ű often come out as õ/ô
 * or û/ü (CP437 and CP850 have no ő or ű), so each letter of a wording accepts those variants.
 */
const LETTER_VARIANTS: Readonly<Record<string, string>> = { ő: 'őõôöo', ű: 'űûüu', ł: 'łl' };

function wordingRegex(wording: string): string {
  let out = '';
  for (const ch of wording.toLowerCase()) {
    if (ch === ' ') out += String.raw`\s+`;
    else if (LETTER_VARIANTS[ch]) out += `[${LETTER_VARIANTS[ch]}]`;
    else {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
      out += base !== ch ? `[${ch}${base}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);
    }
  }
  return out;
}

/**
 * The amount: digits with thousands groups of space, no-break space, dot, comma or apostrophe
 * ("1 234,50", "1.234,50", "1,234.50"), a decimal comma or dot, or a German "12,-".
 */
const AMOUNT = String.raw`(?<amount>\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+(?:[.,](?:\d{1,2}|-{1,2}))?|\d+(?:[.,](?:\d{1,2}|-{1,2}))?)`;

function builtInRegex(wording: string): string {
  // The wording starts the line (after decoration), may be followed by dot leaders or a colon and a
  // currency, then the amount, then at most a currency and decoration: a minus sign or another word
  // between them means it is not the sale total.
  return String.raw`^[\s*>#]*${wordingRegex(wording)}(?!\p{L})[\s.:=_*]*(?:(?<currency>${MARKS})(?!\p{L})[\s.:=]*)?${AMOUNT}\s*(?<currencyAfter>${MARKS})?(?!\p{L})[\s*.]*$`;
}

/** Every wording of every language as a pattern; longer wordings first so the name says which matched. */
export const BUILT_IN_TOTAL_PATTERNS: readonly BuiltInTotalPattern[] = (Object.keys(TOTAL_WORDINGS) as Locale[]).flatMap((locale) => {
  const { usualCurrency, wordings } = TOTAL_WORDINGS[locale];
  return [...wordings]
    .sort((a, b) => b.length - a.length)
    .map((wording) => ({
      name: `${locale}:${wording.toLowerCase()}`,
      regex: builtInRegex(wording),
      locale,
      wording,
      ...(usualCurrency ? { usualCurrency } : {}),
    }));
});

export interface FoundTotal {
  amount: number;
  currency: CurrencyCode;
  pattern: string;
  line: string;
}

export interface FindTotalOptions {
  /** The owner's patterns, tried before the built-ins (any line they match wins). */
  patterns?: readonly TotalPattern[];
  /** Leave the built-ins out (an owner whose till prints a wording they misread). */
  builtIns?: boolean;
  /** The shop's currency: for a line that prints none. */
  currency?: CurrencyCode;
}

/**
 * "1 250", "1.250,00", "1,234.50", "18,40", "18.40", "12,-" → minor units. A space, dot, comma or
 * apostrophe followed by exactly three digits groups thousands; a comma or a dot followed by one or
 * two digits is the decimal mark. A comma group needs a decimal dot ("12,345" is refused: it reads as
 * 12.345 in one country and 12 345 in another).
 */
export function amountToMinorUnits(text: string): number | undefined {
  const trimmed = text.trim().replace(/[.,]-{1,2}$/u, '');
  const forms: ReadonlyArray<readonly [RegExp, RegExp]> = [
    [/^(\d+)(?:[.,](\d{1,2}))?$/u, /^$/u],
    [/^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:[.,](\d{1,2}))?$/u, /[ \u00a0\u202f]/gu],
    [/^(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,2}))?$/u, /\./gu],
    [/^(\d{1,3}(?:,\d{3})+)\.(\d{1,2})$/u, /,/gu],
    [/^(\d{1,3}(?:'\d{3})+)(?:\.(\d{1,2}))?$/u, /'/gu],
  ];
  for (const [form, group] of forms) {
    const match = form.exec(trimmed);
    if (!match) continue;
    const whole = Number(match[1]!.replace(group, ''));
    const minor = whole * 100 + Number((match[2] ?? '').padEnd(2, '0'));
    return Number.isSafeInteger(minor) ? minor : undefined;
  }
  return undefined;
}

interface Compiled {
  pattern: TotalPattern | BuiltInTotalPattern;
  regex: RegExp;
}

const builtInCompiled: readonly Compiled[] = BUILT_IN_TOTAL_PATTERNS.map((pattern) => ({ pattern, regex: new RegExp(pattern.regex, 'iu') }));
const ownerCompiled = new WeakMap<readonly TotalPattern[], Compiled[]>();

function compiledOwner(patterns: readonly TotalPattern[]): Compiled[] {
  let compiled = ownerCompiled.get(patterns);
  if (!compiled) ownerCompiled.set(patterns, (compiled = patterns.map((pattern) => ({ pattern, regex: new RegExp(pattern.regex, 'iu') }))));
  return compiled;
}

/** One line read by one pattern: what it extracted, and whether that can be a total. */
export interface TotalCandidate {
  index: number;
  line: string;
  pattern: string;
  owner: boolean;
  amountText: string;
  amount?: number;
  currency?: CurrencyCode;
  /** Why this line is not taken as a total, in English. */
  problem?: string;
}

function candidate(index: number, line: string, { pattern, regex }: Compiled, owner: boolean, options: FindTotalOptions): TotalCandidate | undefined {
  const read = readLine(regex, line);
  if (!read) return undefined;
  const base = { index, line: line.trim(), pattern: pattern.name, owner, amountText: read.amountText };
  if (read.amount === undefined) return { ...base, problem: `"${read.amountText}" is not an amount (ambiguous or malformed)` };
  if (read.amount <= 0) return { ...base, amount: read.amount, problem: 'the amount is zero' };
  const marked = read.mark === undefined ? undefined : currencyOfMark(read.mark);
  const currency = marked ?? pattern.currency ?? options.currency ?? ('usualCurrency' in pattern ? pattern.usualCurrency : undefined);
  if (!currency) return { ...base, amount: read.amount, problem: 'no currency printed and the shop currency is not known' };
  return { ...base, amount: read.amount, currency };
}

/**
 * Every line any pattern reads, in receipt order: the preview that shows an owner what a pattern
 * extracts from a sample receipt before it is used on sales.
 */
export function totalCandidates(lines: readonly string[], options: FindTotalOptions = {}): TotalCandidate[] {
  const owner = compiledOwner(options.patterns ?? []);
  const builtIns = options.builtIns === false ? [] : builtInCompiled;
  const out: TotalCandidate[] = [];
  lines.forEach((line, index) => {
    for (const compiled of owner) {
      const found = candidate(index, line, compiled, true, options);
      if (found) return void out.push(found);
    }
    for (const compiled of builtIns) {
      const found = candidate(index, line, compiled, false, options);
      if (found) return void out.push(found);
    }
  });
  return out;
}

/**
 * The total of a receipt: the LAST line an owner's pattern reads, else the last line a built-in
 * reads (subtotals come before the total). Undefined when no line gives an amount and a currency,
 * so the caller forwards the receipt unchanged and tells staff.
 */
export function findReceiptTotal(lines: readonly string[], options: FindTotalOptions = {}): FoundTotal | undefined {
  const usable = totalCandidates(lines, options).filter((c) => c.problem === undefined);
  const pick = usable.filter((c) => c.owner).at(-1) ?? usable.at(-1);
  if (!pick || pick.amount === undefined || pick.currency === undefined) return undefined;
  return { amount: pick.amount, currency: pick.currency, pattern: pick.pattern, line: pick.line };
}
