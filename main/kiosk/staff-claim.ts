import type { ClaimAccepted, ClaimRefusalCode, ClaimResult } from '../../core/sync-protocol';
import type { KioskService, OfflineClaim } from './service';

export type StaffClaimOutcome =
  { via: 'hub'; accepted: ClaimAccepted } | { via: 'offline'; claim: OfflineClaim } | { via: 'refused'; reason: ClaimRefusalCode; message: string };

/**
 * Staff claim a sale for a member (a receipt's claim QR scanned, or a member card scanned while an
 * unclaimed sale is open). The hub decides when it answers; when it cannot (offline, or no answer in
 * time — it may even have accepted), the kiosk claims offline and the hub settles it later: a claim
 * that was first on the hub wins and the kiosk's is taken back (claimRefused), so nothing is paid twice.
 */
export async function staffClaim(
  deps: { sync: { claimSale(token: string, memberId: string): Promise<ClaimResult> }; service: Pick<KioskService, 'applyClaimAccepted' | 'claimSaleOffline'> },
  input: { saleId: string; token: string; memberId: string },
): Promise<StaffClaimOutcome> {
  let result: ClaimResult;
  try {
    result = await deps.sync.claimSale(input.token, input.memberId);
  } catch {
    return { via: 'offline', claim: deps.service.claimSaleOffline({ saleId: input.saleId, memberId: input.memberId }) };
  }
  if (!result.ok) return { via: 'refused', reason: result.reason, message: result.message };
  // The hub does not deliver a staff claim back to the kiosk that made it: its entries join the ledger here.
  deps.service.applyClaimAccepted(result.accepted);
  return { via: 'hub', accepted: result.accepted };
}
