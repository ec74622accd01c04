import type { SyncClient } from '../sync/client';
import type { KioskService } from './service';

/**
 * The one wiring between the sale service and the hub sync, both ways: what the hub decided (a
 * claim accepted or refused, the shop's program versions) joins the kiosk's store, and each outbox
 * write wakes the drain.
 */
export function linkServiceToHub(service: KioskService, sync: SyncClient): void {
  sync.on('claimAccepted', (claim) => service.applyClaimAccepted(claim));
  sync.on('claimRefused', (refused) => service.applyClaimRefused(refused));
  // What the hub derived for a sale of this kiosk's after it synced (a referral, stamps that waited): a refund here reverses it too.
  sync.on('saleEntriesDerived', (derived) => service.applySaleEntriesDerived(derived));
  // A voucher redeemed here offline: the hub says whose redemption stands, so staff are told where it went.
  sync.on('voucherSettled', (standing) => service.applyVoucherSettled(standing));
  // The shop's program versions: stored before the hub gets its ack; a bad document is refused and logged.
  sync.on('programVersions', (delivery) => {
    service.applyProgramVersions(delivery.versions);
  });
  // The shop's settings (name, language, time zone, location): kept in the store before the ack.
  sync.on('shopSettings', (delivery) => {
    service.applyShopSettings(delivery);
  });
  service.on('outboxChanged', () => sync.kick());
  // Vouchers are redeemed once in the whole shop: the hub decides whenever it can be asked.
  service.setVoucherHub(sync);
  // The hub's member directory, replicated by cursor into the kiosk store (staff find members offline).
  sync.replicateMembers({
    cursor: () => service.memberCursor(),
    apply: (changes, cursor) => {
      service.applyMemberChanges(changes, cursor);
    },
  });
}
