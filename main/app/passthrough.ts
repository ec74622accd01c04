import { buildReceiptDocument } from '../../core/receipt/document';
import { passthroughConfigSchema } from '../../core/pos/passthrough-config';
import { receiptItemLines } from '../../core/program/categories';
import { isLocale } from '../../core/i18n/locales';
import { encodeReceipt, type ReceiptPrinter } from '../../hardware/printer';
import type { KioskService } from '../kiosk/service';
import { PrintPassthrough } from '../pos/passthrough';

/**
 * The print-stream passthrough wired to the sale service and to the kiosk's one printer: each
 * receipt whose total can be read becomes a sale (its till id is the receipt's content hash, so a
 * resent receipt counts once; its item lines the program's patterns know carry their categories) and gets the loyalty block before its cut. The till's receipts go
 * through the printer's queue, shared with the kiosk's own slips, so the printer has one connection
 * and a receipt waits while the printer is off. The block is built at each sale from the program in
 * effect (language, shop name), and staff notices follow the program's language unless the
 * passthrough settings fix one.
 */
export async function startTillPassthrough(options: {
  settings: unknown;
  printer: ReceiptPrinter;
  service: KioskService;
  log: (line: string) => void;
}): Promise<{ passthrough: PrintPassthrough; address: string; stop(): Promise<void> }> {
  const settings = passthroughConfigSchema.parse(options.settings);
  const fixedLocale = (options.settings as { locale?: unknown } | null)?.locale !== undefined;
  const { service, printer } = options;

  const passthrough = new PrintPassthrough({
    ...settings,
    printer,
    log: options.log,
    shopCurrency: () => (service.programReady ? service.program.currency : undefined),
    printerRasterOnly: printer.profile.rasterOnly === true,
    ...(fixedLocale ? {} : { staffLocale: () => (service.programReady && isLocale(service.program.locale) ? service.program.locale : settings.locale) }),
    onReceiptTotal: async (read) => {
      if (read.signal.aborted) return undefined;
      // Item lines the program's patterns know carry their category (which stamp card they fill); a
      // line's own price is not read, so its line total is 0 (the sale's total is the receipt's).
      const lines = receiptItemLines(service.program, read.text.split('\n'), read.line).map((item) => ({
        ...item,
        total: { amount: 0, currency: read.currency },
      }));
      const { sale } = await service.createSale(
        {
          tillSaleId: `P-${read.idempotencyKey.slice(0, 40)}`,
          total: { amount: read.amount, currency: read.currency },
          ...(lines.length > 0 ? { lines } : {}),
        },
        'passthrough',
      );
      const block = buildReceiptDocument(service.saleReceipt(sale), { loyaltyBlockOnly: true });
      return encodeReceipt(block, printer.profile, { start: 'explicit' });
    },
  });
  passthrough.on('staffNotice', (notice) => options.log(`passthrough: ${notice.logMessage}`));
  const started = await passthrough.start();
  return {
    passthrough,
    address: started.address,
    stop: () => passthrough.stop(),
  };
}
