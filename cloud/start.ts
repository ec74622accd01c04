// `npm run hub`: the hub alone. HUB_PORT (default 7400), HUB_DATA_DIR (default ./hub-data),
// HUB_HOST (default 0.0.0.0 so phones on the LAN reach it), HUB_SHOP_NAME, HUB_OWNER_TOKEN,
// DATABASE_URL (postgres://user:password@host:5432/db: the store on PostgreSQL instead of HUB_DATA_DIR/hub.sqlite).
// Several nodes (docs/deployment.md): REDIS_URL, HUB_REDIS_PREFIX (default loyalty-hub);
// per-kiosk command limit: HUB_KIOSK_BURST (default 40), HUB_KIOSK_PER_SECOND (default 20);
// behind reverse proxies that set X-Real-IP: HUB_TRUSTED_PROXIES=10.0.0.5,::1 (their addresses, comma-separated;
// X-Real-IP from any other peer is ignored). HUB_TRUST_PROXY=1 is kept and means the loopback proxies (127.0.0.1, ::1).
// HUB_OWNER_TOKEN must be at least 32 random characters (the hub refuses to start with a weak one).
// Messages (docs/changes/messages.md): SMTP_URL (smtp://user:pass@host:port; unset: no e-mail), SMTP_FROM (default
// no-reply@<host of HUB_PUBLIC_URL>), HUB_PUBLIC_URL (the address phones reach the hub at, for links in messages),
// SMSAPI_TOKEN (text messages through smsapi.pl; unset: none), SMSAPI_FROM (its registered sender name);
// or Twilio: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM; SMS_PROVIDER=smsapi|twilio picks one when both are set.
// The card in Apple / Google Wallet (docs/card.md): WALLET_APPLE_* and WALLET_GOOGLE_* (unset: no wallet buttons).
import { systemClock } from '../core/clock';
import { startHub, type Hub } from './hub';
import { walletConfigFromEnv } from './wallet';
import { watchParent } from './parent-watch';
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
const kioskLimits = {
  burst: positive('HUB_KIOSK_BURST', DEFAULT_KIOSK_LIMITS.burst),
  perSecond: positive('HUB_KIOSK_PER_SECOND', DEFAULT_KIOSK_LIMITS.perSecond),
};

// HUB_PARENT_PID is set by a kiosk that starts this hub as its local hub (main/app/local-hub.ts):
// this hub then stops when that kiosk is gone, however it died, so it never keeps HUB_PORT.
let started: Hub | undefined;
const parentPid = Number(process.env.HUB_PARENT_PID);
if (Number.isInteger(parentPid) && parentPid > 0) {
  // Nobody reads our output once the kiosk is dead; a write must not crash the clean stop.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  watchParent(parentPid, (why) => {
    console.error(`hub: stopping — ${why}`);
    // A close that hangs on a stuck connection must not keep the port either.
    setTimeout(() => process.exit(0), 5000).unref();
    void (started ? started.close() : Promise.resolve()).finally(() => process.exit(0));
  });
}

let hub: Hub;
try {
  hub = started = await startHub({
    // The hub process's one clock, passed down to everything that reads the time.
    now: systemClock,
    kioskLimits,
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    trustProxy: process.env.HUB_TRUST_PROXY === '1',
    trustedProxies: (process.env.HUB_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    smtpUrl: process.env.SMTP_URL || undefined,
    smtpFrom: process.env.SMTP_FROM || undefined,
    publicUrl: process.env.HUB_PUBLIC_URL || undefined,
    smsapiToken: process.env.SMSAPI_TOKEN || undefined,
    smsapiFrom: process.env.SMSAPI_FROM || undefined,
    smsProvider: process.env.SMS_PROVIDER || undefined,
    twilioAccountSid: process.env.TWILIO_ACCOUNT_SID || undefined,
    twilioAuthToken: process.env.TWILIO_AUTH_TOKEN || undefined,
    twilioFrom: process.env.TWILIO_FROM || undefined,
    wallet: walletConfigFromEnv(process.env),
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
