import { pairResponseSchema, type KioskCredentials } from '../../core/sync-protocol';

/** Sends the pairing code shown by the hub once; returns the credentials to keep in the kiosk store. */
export async function pairKiosk(hubUrl: string, code: string, kioskName: string): Promise<KioskCredentials> {
  let response: Response;
  try {
    response = await fetch(new URL('/v1/pair', hubUrl), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: code.replace(/[\s-]/g, ''), name: kioskName }),
    });
  } catch (error) {
    throw new Error(`Hub not reachable at ${hubUrl} — check HUB_URL and the network (${String(error)})`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const reason = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : `HTTP ${response.status}`;
    throw new Error(`Pairing refused by the hub: ${reason}`);
  }
  const parsed = pairResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error('Pairing answer from the hub is not understood: is HUB_URL really a loyalty hub?');
  return parsed.data;
}
