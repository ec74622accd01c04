import { z } from 'zod';
import builtInFile from './receipt-documents.json';

/**
 * Knowing a sale from the other printouts a till sends to its receipt printer: copies and reprints,
 * X/Z and shift reports, voids, cash in/out, training receipts, pre-bills and card-terminal slips.
 * None of them may earn points. The rules are data (`receipt-documents.json`, per language), and an
 * owner extends or switches them off with a file of the same shape (`documentsFile`).
 */

export const DOCUMENT_KINDS = ['copy', 'report', 'void', 'cashMovement', 'training', 'preBill', 'paymentSlip', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

function validRegex(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}

export const documentRuleSchema = z
  .object({
    name: z.string().min(1, { error: 'give each rule a name, e.g. "shop:kitchen-ticket"' }),
    kind: z.enum(DOCUMENT_KINDS, { error: `use one of ${DOCUMENT_KINDS.join(', ')}` }),
    /** Lines that are this title alone (see `normalizeLine`). */
    titles: z.array(z.string().min(1)).min(1).optional(),
    /** Regular expressions matched anywhere in a line, case-insensitive. */
    regex: z
      .array(z.string().min(1).refine(validRegex, { error: 'not a valid regular expression' }))
      .min(1)
      .optional(),
  })
  .strict()
  .refine((rule) => rule.titles !== undefined || rule.regex !== undefined, { error: 'a rule needs "titles" or "regex" (or both)' });
export type DocumentRule = z.infer<typeof documentRuleSchema>;

/** The built-in file and an owner's file: rules to add, built-in rule names to switch off. */
export const documentRulesFileSchema = z
  .object({
    $comment: z.string().optional(),
    skip: z.array(documentRuleSchema).default([]),
    disable: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type DocumentRulesFile = z.input<typeof documentRulesFileSchema>;

/** The rules shipped with the kiosk (the file is parsed here, so a bad edit fails every test at once). */
export const BUILT_IN_DOCUMENT_RULES: readonly DocumentRule[] = documentRulesFileSchema.parse(builtInFile).skip;

/**
 * The rules in force: the built-ins minus those the owner disabled, plus the owner's. An unknown
 * name in `disable` is an error (a typo would otherwise leave the rule on without a word).
 */
export function documentRules(owner?: unknown, where = 'documents file'): DocumentRule[] {
  if (owner === undefined) return [...BUILT_IN_DOCUMENT_RULES];
  const parsed = documentRulesFileSchema.safeParse(owner);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ')}`);
  const known = new Set(BUILT_IN_DOCUMENT_RULES.map((rule) => rule.name));
  const unknown = parsed.data.disable.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new Error(`${where}: disable: no built-in rule named ${unknown.map((n) => JSON.stringify(n)).join(', ')} (names look like "pl:void")`);
  const off = new Set(parsed.data.disable);
  return [...BUILT_IN_DOCUMENT_RULES.filter((rule) => !off.has(rule.name)), ...parsed.data.skip];
}

/**
 * A line as titles are compared: lower case, without accents (tills print "KOPIA", "Kópia" and
 * "KOPIA" alike, and ASCII-only tills drop them), decoration and punctuation other than `. , : /`
 * turned into single spaces, separators at the ends dropped.
 */
export function normalizeLine(line: string): string {
  return line
    .toLowerCase()
    .replace(/ł/gu, 'l')
    .replace(/ß/gu, 'ss')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}.,:/]+/gu, ' ')
    .replace(/^[\s.,:]+|[\s.,:]+$/gu, '');
}

/**
 * What may follow a title on its line: a document number or a date/time ("NR 12/2024",
 * "0012", "12.03.2026 18:02"), never an amount ("STORNO 3,00" is a voided item on a sale).
 */
const TITLE_TAIL =
  /^(?:(?:nr|no|c|cislo|sz|szam|sorszam|#)\.?:?\s*)?(?:\d+(?:\/\d+)*|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)(?:\s+(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?))*$/u;

interface CompiledRule {
  rule: DocumentRule;
  titles: string[];
  regex: RegExp[];
}

const compiledCache = new WeakMap<readonly DocumentRule[], CompiledRule[]>();

function compile(rules: readonly DocumentRule[]): CompiledRule[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = rules.map((rule) => ({
      rule,
      titles: (rule.titles ?? []).map(normalizeLine),
      regex: (rule.regex ?? []).map((source) => new RegExp(source, 'iu')),
    }));
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

function titleMatches(normalized: string, title: string): boolean {
  if (normalized === title) return true;
  if (!normalized.startsWith(`${title} `)) return false;
  return TITLE_TAIL.test(normalized.slice(title.length + 1));
}

export type ReceiptKind = { kind: 'sale' } | { kind: DocumentKind; rule: string; line: string };

/** A sale, or the first line (in receipt order) that marks the printout as something else. */
export function classifyReceipt(lines: readonly string[], rules: readonly DocumentRule[] = BUILT_IN_DOCUMENT_RULES): ReceiptKind {
  const compiled = compile(rules);
  for (const line of lines) {
    const normalized = normalizeLine(line);
    if (normalized === '') continue;
    for (const { rule, titles, regex } of compiled) {
      if (titles.some((title) => titleMatches(normalized, title)) || regex.some((r) => r.test(line)))
        return { kind: rule.kind, rule: rule.name, line: line.trim() };
    }
  }
  return { kind: 'sale' };
}
