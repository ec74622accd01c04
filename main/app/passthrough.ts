import { buildReceiptDocument, earnedLine } from '../../core/receipt/document';
import { passthroughConfigSchema } from '../../core/pos/passthrough-config';
import type { Locale } from '../../core/i18n/locales';
import { encodeReceipt, printerConfigSchema, printerTransportFor, resolveProfile } from '../../hardware/printer';
import type { KioskService } from '../kiosk/service';
import { PrintPassthrough } from '../pos/passthrough';

/**
 * The print-stream passthrough wired to the sale service: each receipt whose total can be read
 * becomes a sale (its till id is the receipt's content hash, so a resent receipt counts once) and
 * gets the loyalty block, encoded for the kiosk's printer, before its cut.
 */
export async function startTillPassthrough(options: {
  settings: unknown;
  printer: unknown;
  service: KioskService;
  locale: Locale;
  log: (line: string) => void;
}): Promise<{ passthrough: PrintPassthrough; address: string; stop(): Promise<void> }> {
  const settings = passthroughConfigSchema.parse(options.settings);
  const printerConfig = printerConfigSchema.parse(options.printer);
  const profile = resolveProfile(printerConfig.model, printerConfig.paper, printerConfig.overrides);
  const transport = printerTransportFor(printerConfig, profile);
  await transport.open();
  const { service, locale } = options;

  const passthrough = new PrintPassthrough({
    ...settings,
    printer: transport,
    log: options.log,
    onReceiptTotal: async (read) => {
      if (read.signal.aborted) return undefined;
      const { sale } = await service.createSale({
        tillSaleId: `P-${read.idempotencyKey.slice(0, 40)}`,
        total: { amount: read.amount, currency: read.currency },
      }, 'passthrough');
      // The program version the sale was earned by (it may have changed since the kiosk started).
      const program = service.programAt(new Date(sale.createdAt));
      const block = buildReceiptDocument({
        locale, timeZone: program.timeZone, shop: { name: program.name }, saleId: sale.saleId, at: sale.createdAt,
        earned: sale.earned.map((line) => earnedLine(line.points, line.stamps, line.reason)),
        ...(sale.claimUrl && sale.claimExpiresAt ? { claim: { payload: sale.claimUrl, validUntil: sale.claimExpiresAt } } : {}),
      }, { loyaltyBlockOnly: true });
      return encodeReceipt(block, profile);
    },
  });
  passthrough.on('staffNotice', (notice) => options.log(`passthrough: ${notice.logMessage}`));
  const started = await passthrough.start();
  return {
    passthrough,
    address: started.address,
    stop: async () => {
      await passthrough.stop();
      await transport.close();
    },
  };
}
