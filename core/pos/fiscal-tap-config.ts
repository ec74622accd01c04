import { z } from 'zod';
import { FISCAL_PROTOCOLS } from './fiscal-protocol';
import { tillSideSchema } from './passthrough-config';

/**
 * Settings of the fiscal tap (KIOSK_FISCAL_TAP): the kiosk sits on the cable between the till and its
 * fiscal printer and only reads. `till` is where the till's fiscal protocol arrives (as for the
 * passthrough), `printer` where the fiscal printer is. Only protocols whose published specification
 * was found are offered (docs/hardware.md, "Fiscal tap").
 */
export const fiscalPrinterSideSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1, { error: 'path: the serial port the fiscal printer is on, e.g. /dev/ttyS0' }),
        baudRate: z.number().int().positive().default(9600),
      })
      .strict(),
    z.object({ kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
  ],
  { error: 'printer: use {"kind": "serial", "path": ...} or {"kind": "tcp", "host": ..., "port": ...}' },
);
export type FiscalPrinterSide = z.output<typeof fiscalPrinterSideSchema>;

export const fiscalTapConfigSchema = z
  .object({
    protocol: z.enum(FISCAL_PROTOCOLS, {
      error: 'protocol: "posnet", "novitus-xml" or "elzab" (the fiscal protocols whose frames the kiosk could ground in published sources)',
    }),
    till: tillSideSchema,
    printer: fiscalPrinterSideSchema,
    /** Polish fiscal printers count in grosze of the złoty. */
    currency: z.literal('PLN').default('PLN'),
    /** Also print the loyalty slip (points and claim QR) on the kiosk's own printer. */
    slip: z.boolean().default(false),
  })
  .strict();
export type FiscalTapConfig = z.input<typeof fiscalTapConfigSchema>;
