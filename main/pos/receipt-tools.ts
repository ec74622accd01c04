import { formatMoney, type CurrencyCode } from '../../core/money';
import { passthroughConfigSchema } from '../../core/pos/passthrough-config';
import { classifyReceipt, documentRules } from '../../core/pos/receipt-kind';
import { findReceiptTotal, totalCandidates } from '../../core/pos/receipt-total';
import { decodeEscPos } from '../../hardware/printer/decode';
import { loadDocumentsFile } from './passthrough';

/**
 * The owner's check of the passthrough settings on a real receipt: what the printout is taken for
 * (a sale or a copy, a report…), what every total pattern reads from each line, and which total
 * the passthrough would record. Used by `receipt-tools-cli.ts preview`.
 */

/** A sample receipt: raw ESC/POS bytes as the till sends them (decoded), or plain text lines. */
export function receiptLines(bytes: Uint8Array): string[] {
  const isEscPos = bytes.some((b) => b === 0x1b || b === 0x1d);
  if (isEscPos) return decodeEscPos(bytes).lines;
  return Buffer.from(bytes).toString('utf8').split(/\r?\n/u);
}

export function previewReceipt(lines: readonly string[], settings: unknown, currency?: CurrencyCode): string {
  const config = passthroughConfigSchema.parse(settings ?? { till: { kind: 'tcp', port: 0 } });
  const rules = config.documentsFile === undefined ? documentRules() : loadDocumentsFile(config.documentsFile);
  const options = { patterns: config.patterns ?? [], builtIns: config.builtInTotals, ...(currency ? { currency } : {}) };
  const out: string[] = [];
  const candidates = totalCandidates(lines, options);
  lines.forEach((line, index) => {
    out.push(`${String(index + 1).padStart(3)} | ${line}`);
    for (const c of candidates.filter((x) => x.index === index)) {
      const what = c.amount !== undefined && c.currency ? formatMoney({ amount: c.amount, currency: c.currency }, 'en') : `"${c.amountText}"`;
      out.push(`    > ${c.owner ? 'your pattern' : 'built-in'} ${c.pattern} reads ${what}${c.problem ? ` — not used: ${c.problem}` : ''}`);
    }
  });
  const kind = classifyReceipt(lines, rules);
  if (kind.kind !== 'sale') {
    out.push(`NOT A SALE: ${kind.kind} (rule ${kind.rule}, line "${kind.line}") — printed unchanged, no points`);
    return out.join('\n');
  }
  const total = findReceiptTotal(lines, options);
  out.push(
    total
      ? `SALE: total ${formatMoney({ amount: total.amount, currency: total.currency }, 'en')} from line "${total.line}" (${total.pattern})`
      : 'SALE, but NO TOTAL read — staff would be told to type the amount; add a pattern (see docs/hardware.md)',
  );
  return out.join('\n');
}
