import { buildReceiptDocument } from '../../core/receipt/document';
import { passthroughConfigSchema } from '../../core/pos/passthrough-config';
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
  log: (line: string) => void;
}): Promise<{ passthrough: PrintPassthrough; address: string; stop(): Promise<void> }> {
  const settings = passthroughConfigSchema.parse(options.settings);
  const printerConfig = printerConfigSchema.parse(options.printer);
  const profile = resolveProfile(printerConfig.model, printerConfig.paper, printerConfig.overrides);
  const transport = printerTransportFor(printerConfig, profile);
  await transport.open();
  const { service } = options;

  const passthrough = new PrintPassthrough({
    ...settings,
    printer: transport,
    log: options.log,
    shopCurrency: () => service.program.currency,
    onReceiptTotal: async (read) => {
      if (read.signal.aborted) return undefined;
      const { sale } = await service.createSale(
        {
          tillSaleId: `P-${read.idempotencyKey.slice(0, 40)}`,
          total: { amount: read.amount, currency: read.currency },
        },
        'passthrough',
      );
      const block = buildReceiptDocument(service.saleReceipt(sale), { loyaltyBlockOnly: true });
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
