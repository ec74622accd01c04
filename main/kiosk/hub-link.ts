import type { SyncClient } from '../sync/client';
import type { KioskService } from './service';

/**
 * The one wiring between the sale service and the hub sync, both ways: what the hub decided (a
 * claim accepted or refused) joins the kiosk's ledger, and each outbox write wakes the drain.
 */
export function linkServiceToHub(service: KioskService, sync: SyncClient): void {
  sync.on('claimAccepted', (claim) => service.applyClaimAccepted(claim));
  sync.on('claimRefused', (refused) => service.applyClaimRefused(refused));
  service.on('outboxChanged', () => sync.kick());
}
