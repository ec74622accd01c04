import { normalizeLine } from '../pos/receipt-kind';
import type { Program } from './schema';

/**
 * Categories of a sale's items where the till sends no lines: the staff keypad's category keys and
 * the print-stream passthrough's item patterns, both program data (`program.categories`). A stamps
 * rule with a `category` counts the items of that category (core/earn.ts), so these decide which
 * card a keypad or passthrough sale stamps.
 */

/** A line of a sale as the keypad or the passthrough makes it: one category, a count of items. */
export interface CategoryLine {
  /** The key's label or the receipt line's text, for the sale's stored lines. */
  name: string;
  category: string;
  quantity: number;
}

/** Most items one receipt line may count (as the till API's MAX_LINE_QUANTITY): a misread quantity cannot mint stamps by the thousand. */
export const MAX_ITEM_QUANTITY = 1_000;

/** The keypad's category keys, in the program's order (none when the program sets none). */
export function categoryKeys(program: Program): { label: string; category: string }[] {
  return (program.categories?.keys ?? []).map((key) => ({ label: key.label, category: key.category }));
}

/** Whether a receipt line matches an item pattern: its pieces between `*` in order, case and accents aside. */
export function matchesItemPattern(pattern: string, line: string): boolean {
  const text = normalizeLine(line);
  let from = 0;
  for (const piece of pattern.split('*').map(normalizeLine)) {
    if (piece === '') continue;
    const at = text.indexOf(piece, from);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}

/** The category the program's item patterns give a receipt line (the first pattern that matches), if any. */
export function categoryOfItem(program: Program, line: string): string | undefined {
  return program.categories?.itemPatterns?.find((item) => matchesItemPattern(item.pattern, line))?.category;
}

/**
 * The quantity printed on an item line ("2 x 6,00", "3szt. x 4,50", "2 × 6.00"), 1 when none is
 * printed or it is not a whole number (a weighed item, "0,350 x 29,99"), at most MAX_ITEM_QUANTITY.
 */
export function itemQuantity(line: string): number {
  const found = /(?:^|\s)(\d{1,6})(?:[.,]0+)?\s*(?:szt\.?|pcs\.?|ks\.?|db\.?|stk\.?)?\s*[x×*]\s*\d/iu.exec(line);
  const n = found ? Number(found[1]) : 1;
  return n >= 1 ? Math.min(n, MAX_ITEM_QUANTITY) : 1;
}

/**
 * The categorised item lines of a receipt: each line above the total line that an item pattern
 * matches, with its printed quantity. Lines no pattern matches are left out (they stamp no category
 * card); no pattern matching at all gives no lines, and the sale earns as one without lines.
 */
export function receiptItemLines(program: Program, lines: readonly string[], totalLine?: string): CategoryLine[] {
  if (!program.categories?.itemPatterns?.length) return [];
  const end = totalLine === undefined ? -1 : lines.findIndex((line) => line.trim() === totalLine.trim());
  const items: CategoryLine[] = [];
  for (const line of end < 0 ? lines : lines.slice(0, end)) {
    const category = line.trim() === '' ? undefined : categoryOfItem(program, line);
    if (category !== undefined) items.push({ name: line.trim().slice(0, 120), category, quantity: itemQuantity(line) });
  }
  return items;
}
