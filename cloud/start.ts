// `npm run hub`: the hub alone. HUB_PORT (default 7400), HUB_DATA_DIR (default ./hub-data),
// HUB_HOST (default 0.0.0.0 so phones on the LAN reach it), HUB_SHOP_NAME, HUB_OWNER_TOKEN,
// DATABASE_URL (postgres://user:password@host:5432/db: the store on PostgreSQL instead of HUB_DATA_DIR/hub.sqlite).
// Several nodes (docs/deployment.md): REDIS_URL, HUB_REDIS_PREFIX (default loyalty-hub);
// per-kiosk command limit: HUB_KIOSK_BURST (default 40), HUB_KIOSK_PER_SECOND (default 20);
// behind a reverse proxy that sets X-Real-IP: HUB_TRUST_PROXY=1.
// Messages (docs/changes/messages.md): SMTP_URL (smtp://user:pass@host:port; unset: no e-mail), SMTP_FROM (default
// no-reply@<host of HUB_PUBLIC_URL>), HUB_PUBLIC_URL (the address phones reach the hub at, for links in messages),
// SMSAPI_TOKEN (text messages through smsapi.pl; unset: none), SMSAPI_FROM (its registered sender name).
import { startHub, type Hub } from './hub';
import { DEFAULT_KIOSK_LIMITS } from './throttle';

const port = Number(process.env.HUB_PORT ?? 7400);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`HUB_PORT must be a port number 0–65535, got ${JSON.stringify(process.env.HUB_PORT)}`);
  process.exit(2);
}
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) {
    console.error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}
const kioskLimits = { burst: positive('HUB_KIOSK_BURST', DEFAULT_KIOSK_LIMITS.burst), perSecond: positive('HUB_KIOSK_PER_SECOND', DEFAULT_KIOSK_LIMITS.perSecond) };

let hub: Hub;
try {
  hub = await startHub({
    kioskLimits,
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    trustProxy: process.env.HUB_TRUST_PROXY === '1',
    smtpUrl: process.env.SMTP_URL || undefined,
    smtpFrom: process.env.SMTP_FROM || undefined,
    publicUrl: process.env.HUB_PUBLIC_URL || undefined,
    smsapiToken: process.env.SMSAPI_TOKEN || undefined,
    smsapiFrom: process.env.SMSAPI_FROM || undefined,
    ...(process.env.HUB_REDIS_PREFIX ? { redisPrefix: process.env.HUB_REDIS_PREFIX } : {}),
    dataDir: process.env.HUB_DATA_DIR ?? 'hub-data',
    databaseUrl: process.env.DATABASE_URL || undefined,
    port,
    host: process.env.HUB_HOST ?? '0.0.0.0',
    ...(process.env.HUB_SHOP_NAME ? { shopName: process.env.HUB_SHOP_NAME } : {}),
    ...(process.env.HUB_OWNER_TOKEN ? { ownerToken: process.env.HUB_OWNER_TOKEN } : {}),
  });
} catch (error) {
  console.error(`hub not started: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
console.log(`hub listening on http://127.0.0.1:${hub.port} (port ${hub.port}), store: ${hub.store.engine} ${hub.store.where}`);
console.log(`pairing code: ${await hub.newPairingCode()} (type it on the kiosk; valid 24 h, once)`);
console.log(`owner token: ${hub.ownerToken} (GET /owner/pairing-code with "Authorization: Bearer <token>" for another code)`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void hub.close().then(() => process.exit(0));
  });
}
