import { z } from 'zod';
import { localeSchema } from '../i18n/locales';
import { totalPatternSchema } from './receipt-total';

/**
 * Settings of the print-stream passthrough, per till: where the till's print stream arrives (a
 * serial port or a TCP port like 9100), how to read the total, and how long the sale may take
 * before the receipt is printed without the loyalty block. The printer side is the kiosk's
 * configured receipt printer transport.
 */
export const tillSideSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1, { error: 'path: the serial port the till prints to, e.g. /dev/ttyUSB0' }),
        baudRate: z.number().int().positive().default(9600),
      })
      .strict(),
    z.object({ kind: z.literal('tcp'), port: z.number().int().min(0).max(65535), host: z.string().min(1).default('127.0.0.1') }).strict(),
  ],
  { error: 'till: use {"kind": "serial", "path": ...} or {"kind": "tcp", "port": ...}' },
);
export type TillSide = z.output<typeof tillSideSchema>;

export const passthroughConfigSchema = z
  .object({
    till: tillSideSchema,
    /**
     * The owner's total patterns for a till whose total line the built-ins (TOTAL_WORDINGS in
     * receipt-total.ts) do not read; tried before them.
     */
    patterns: z.array(totalPatternSchema).min(1).optional(),
    /** false: read totals with `patterns` only (a till whose printout a built-in wording misreads). */
    builtInTotals: z.boolean().default(true),
    /**
     * A JSON file of printouts that are not sales (same shape as core/pos/receipt-documents.json:
     * `skip` rules to add, `disable` built-in rule names); read and checked at start.
     */
    documentsFile: z.string().min(1, { error: 'the path of a JSON file, or leave it out' }).optional(),
    /** How long the sale may take before the receipt is cut without the loyalty block. */
    deadlineMs: z.number().int().min(10).max(5000).default(300),
    /** Language of staff notices. */
    locale: localeSchema.default('en'),
  })
  .strict();
export type PassthroughConfig = z.input<typeof passthroughConfigSchema>;
