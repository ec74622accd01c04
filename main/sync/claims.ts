import type { Money } from '../../core/money';
import { hexToBytes, type KioskCredentials } from '../../core/sync-protocol';
import { claimUrl, createClaimToken } from '../../core/tokens';

/**
 * The claim QR for a sale, made on the kiosk with no network. `saleNo` is the kiosk's own sale
 * counter (uint32, never reused); `hubPublicUrl` is the address phones reach the hub at.
 */
export function saleClaimUrl(
  creds: Pick<KioskCredentials, 'shopNo' | 'kioskNo' | 'secret'>,
  hubPublicUrl: string,
  sale: { saleNo: number; points: number; stamps: number; total?: Money },
  now: Date,
  validDays = 7,
): { token: string; url: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + validDays * 86_400_000);
  const token = createClaimToken(
    {
      shopNo: creds.shopNo,
      kioskNo: creds.kioskNo,
      saleNo: sale.saleNo,
      points: sale.points,
      stamps: sale.stamps,
      ...(sale.total ? { total: sale.total } : {}),
      expiresAt,
    },
    hexToBytes(creds.secret),
  );
  return { token, url: claimUrl(hubPublicUrl, token), expiresAt };
}
