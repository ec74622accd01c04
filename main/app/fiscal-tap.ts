import { fiscalTapConfigSchema } from '../../core/pos/fiscal-tap-config';
import type { KioskService } from '../kiosk/service';
import { FiscalTap } from '../pos/fiscal-tap';

/**
 * The fiscal tap wired to the sale service: each fiscal transaction's total becomes a sale (source
 * `fiscalTap`, its till id from the tap's per-transaction key, so a resent closing command counts
 * once). The counter screen shows its claim QR like any sale; the kiosk's own printer prints the
 * loyalty slip only when the settings say `slip: true` (kiosk-app.ts decides on saleCreated).
 */
export async function startFiscalTap(options: {
  settings: unknown;
  service: KioskService;
  log: (line: string) => void;
}): Promise<{ tap: FiscalTap; address: string; protocol: string; slip: boolean; stop(): Promise<void> }> {
  const settings = fiscalTapConfigSchema.parse(options.settings);
  const { service, log } = options;
  const tap = new FiscalTap({
    ...settings,
    log,
    onTotal: async (read) => {
      await service.createSale({ tillSaleId: `F-${read.idempotencyKey.slice(0, 40)}`, total: read.total }, 'fiscalTap');
    },
  });
  tap.on('notRead', ({ message }) => log(message));
  tap.on('sideError', ({ message }) => log(`fiscal tap: ${message}`));
  const started = await tap.start();
  return { tap, address: started.address, protocol: settings.protocol, slip: settings.slip, stop: () => tap.stop() };
}
