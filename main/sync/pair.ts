import { pairResponseSchema, type KioskCredentials } from '../../core/sync-protocol';
import { hubUrlList } from './client';

/**
 * Sends the pairing code shown by the hub once; returns the credentials to keep in the kiosk store.
 * `hubUrl` may list several nodes of one hub (HUB_URL with commas): the first that answers pairs.
 */
export async function pairKiosk(hubUrl: string | readonly string[], code: string, kioskName: string): Promise<KioskCredentials> {
  const urls = hubUrlList(hubUrl);
  let response: Response | undefined;
  let unreachable: unknown;
  for (const url of urls) {
    try {
      response = await fetch(new URL('/v1/pair', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: code.replace(/[\s-]/g, ''), name: kioskName }),
      });
      break;
    } catch (error) {
      unreachable = error;
    }
  }
  if (!response) {
    throw new Error(`Hub not reachable at ${urls.join(', ')} — check HUB_URL and the network (${String(unreachable)})`, { cause: unreachable });
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
