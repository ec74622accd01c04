import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReceiptDocument, firstNameOf } from '../../core/receipt/document';
import type { ShopSettings } from '../../core/shop-settings';
import type { ClaimAccepted, KioskCredentials } from '../../core/sync-protocol';
import { createPrinter, VirtualPrinter, type ReceiptPrinter } from '../../hardware/printer';
import { ScanStream, startScanners, scannerConfigSchema, type RunningScanners } from '../../hardware/scanner';
import { demoProgram } from '../../core/program/demo';
import { KioskService, type SaleCreatedEvent } from '../kiosk/service';
import { KioskUiServices } from '../kiosk/ui-services';
import { openStore, type KioskStore } from '../store';
import type { PinLockoutState, PinLockoutStore } from '../ipc/dispatcher';
import { SyncClient } from '../sync/client';
import { lanHubUrl } from '../sync/lan';
import { pairKiosk } from '../sync/pair';
import { startTillApi, type TillApi } from '../till/server';
import type { KioskConfig } from './config';
import { startLocalHub, type LocalHub } from './local-hub';
import { startFiscalTap } from './fiscal-tap';
import { startTillPassthrough } from './passthrough';
import { linkServiceToHub } from '../kiosk/hub-link';
import type { Clock } from '../../core/clock';

const CREDENTIALS_SETTING = 'hub.credentials';

export interface KioskApp {
  config: KioskConfig;
  store: KioskStore;
  service: KioskService;
  tillApi: TillApi;
  sync: SyncClient;
  printer: ReceiptPrinter;
  virtualPrinter: VirtualPrinter | undefined;
  scanners: RunningScanners;
  scanStream: ScanStream;
  localHub: LocalHub | undefined;
  /** Where the till prints to when the passthrough is on (host:port or a serial path). */
  passthroughAddress: string | undefined;
  /** Where the till sends its fiscal protocol when the fiscal tap is on (host:port or a serial path). */
  fiscalTapAddress: string | undefined;
  /** The services behind the kiosk's screens (Electron IPC and the browser bridge). */
  ui: KioskUiServices;
  /** The staff PIN, and whether it is the built-in default (say so at start). */
  staffPin: { pin: string; isDefault: boolean };
  /** The PIN pad's failure count and lock-out, kept in the store (a restart does not reset them). */
  pinLockout: PinLockoutStore;
  /** The kiosk's one clock (the staff PIN lock-out is kept on it, so it outlives a restart). */
  now: Clock;
  hubUrl: string;
  hubPublicUrl: string;
  /** One line per service with its address, for `--headless`. */
  describe(): string[];
  stop(): Promise<void>;
}

/** The owner token of the local hub `npm start` runs, kept in the kiosk's data dir. */
function localHubOwnerToken(dataDir: string): string {
  const file = join(dataDir, 'local-hub-owner-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(16).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

const STAFF_PIN_SETTING = 'kiosk.staffPin';
const PIN_LOCKOUT_SETTING = 'kiosk.staffPinLockout';

/** The PIN pad's lock-out in the kiosk's settings: written before each PIN is checked, so a crash mid-check still counts it. */
export function storedPinLockout(store: KioskStore): PinLockoutStore {
  return {
    load() {
      const saved = store.getSetting(PIN_LOCKOUT_SETTING) as Partial<PinLockoutState> | undefined;
      const failures = Number.isSafeInteger(saved?.failures) ? saved!.failures! : 0;
      const lockedUntil = Number.isSafeInteger(saved?.lockedUntil) ? saved!.lockedUntil! : 0;
      return { failures, lockedUntil };
    },
    save(state) {
      store.setSetting(PIN_LOCKOUT_SETTING, state);
    },
  };
}

/** The staff PIN: KIOSK_STAFF_PIN, else the kiosk's setting, else 1234 (printed at start so it gets changed). */
function staffPinFor(store: KioskStore): { pin: string; isDefault: boolean } {
  const pin = process.env.KIOSK_STAFF_PIN || (store.getSetting(STAFF_PIN_SETTING) as string | undefined);
  if (pin === undefined) return { pin: '1234', isDefault: true };
  if (!/^[0-9]{4,8}$/.test(pin)) throw new Error('KIOSK_STAFF_PIN: the staff PIN is 4 to 8 digits');
  return { pin, isDefault: false };
}

async function credentials(store: KioskStore, hubUrl: string, pairingCode: () => Promise<string | undefined>): Promise<KioskCredentials> {
  const saved = store.getSetting(CREDENTIALS_SETTING) as KioskCredentials | undefined;
  if (saved) return saved;
  const code = await pairingCode();
  if (!code) {
    throw new Error(`This kiosk is not paired with the hub at ${hubUrl}: start it once with HUB_PAIRING_CODE=<the code the hub shows>`);
  }
  const paired = await pairKiosk(hubUrl, code, process.env.KIOSK_NAME || 'Kiosk');
  store.setSetting(CREDENTIALS_SETTING, paired);
  return paired;
}

/**
 * The kiosk's composition root: store, rules, till API, hub sync, printer and scanners, wired
 * once. `npm start` (with or without a window) and the tests start the kiosk through here. `now` is
 * the kiosk's one clock (core/clock.ts): `systemClock` from the entry points, a test's own in tests.
 */
export async function startKioskApp(config: KioskConfig, now: Clock, log: (line: string) => void = console.log): Promise<KioskApp> {
  const store = openStore({ dir: config.dataDir, now });
  const stops: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    let localHub: LocalHub | undefined;
    let hubUrl = config.hubUrl;
    // HUB_URL may list several hub nodes (comma-separated); phones use HUB_PUBLIC_URL or the first.
    let hubPublicUrl = process.env.HUB_PUBLIC_URL || config.hubUrl?.split(',')[0]?.trim();
    if (!hubUrl) {
      const ownerToken = localHubOwnerToken(config.dataDir);
      localHub = await startLocalHub({ port: config.hubPort, dataDir: join(config.dataDir, 'local-hub'), ownerToken, log });
      stops.unshift(() => localHub?.stop());
      hubUrl = localHub.url;
      hubPublicUrl = process.env.HUB_PUBLIC_URL || lanHubUrl(localHub.port);
    }
    const hubAddress = hubUrl;
    const creds = await credentials(store, hubAddress, async () => process.env.HUB_PAIRING_CODE || (await localHub?.pairingCode()));

    // The hub's versions the store holds, from the first moment (the version in effect at each sale).
    // Only `npm start`'s own demo hub lets the kiosk count by the demo program before they arrive: a
    // kiosk paired with a shop's hub (HUB_URL) rings up nothing until it has its shop's program, rather
    // than count another shop's currency (docs/kiosk-app.md).
    const service = new KioskService({
      store,
      program: localHub ? demoProgram() : undefined,
      identity: creds,
      hubPublicUrl: hubPublicUrl ?? hubAddress,
      now,
    });
    log(
      service.programReady
        ? `program: ${service.program.name} (${service.program.currency})${service.programVersions().length > 0 ? ', as stored from the hub' : ', the demo until the hub sends its own'}`
        : "program: none yet — no sale is rung up until the hub's program arrives",
    );
    service.on('programVersionsStored', (versions) =>
      log(`program: stored version ${versions.join(', ')} from the hub; in effect now: ${service.program.name}`),
    );
    service.on('programVersionRefused', ({ version, errors }) =>
      log(
        `program: version ${String(version)} from the hub refused, the kiosk keeps its rules — ${errors
          .slice(0, 5)
          .map((e) => `${e.path}: ${e.message}`)
          .join('; ')}`,
      ),
    );

    const tillApi = await startTillApi({ port: service, token: config.apiToken, host: config.apiHost, listenPort: config.apiPort, log });
    stops.unshift(() => tillApi.close());

    const sync = new SyncClient({ hubUrl: hubAddress, credentials: creds, outbox: service.outbox(), now });
    linkServiceToHub(service, sync);
    sync.on('status', (status) => {
      service.setServiceStatus('hub', status.state);
      log(`hub: ${status.state} — ${status.detail}`);
    });
    sync.on('syncError', (message) => log(`hub sync: ${message}`));
    service.on('shopSettingsStored', (settings: ShopSettings) =>
      log(`shop settings from the hub: ${settings.name} (${settings.locale}, ${settings.timeZone})`),
    );
    service.on('claimAccepted', (claim: ClaimAccepted) => log(`claim accepted: ${claim.member.name ?? 'member'} +${claim.points} (${claim.saleKey})`));
    sync.start();
    stops.unshift(() => sync.stop());

    // Printer: the one configured in KIOSK_PRINTER (JSON), or a virtual one that draws receipts.
    let virtualPrinter: VirtualPrinter | undefined;
    let printerConfig: unknown;
    if (config.printer !== undefined) {
      printerConfig = config.printer;
    } else {
      virtualPrinter = new VirtualPrinter();
      const port = await virtualPrinter.listen(0);
      stops.push(() => virtualPrinter?.close());
      printerConfig = {
        model: 'epson-tm-t20',
        paper: 80,
        staffLocale: service.shopSettings().settings.locale,
        connection: { kind: 'tcp', host: '127.0.0.1', port },
      };
    }
    // The one owner of the printer's connection: the kiosk's slips and the till's receipts (passthrough)
    // share its queue. It connects in the background, so the kiosk starts with the printer off and
    // says so; what waits prints once the printer is back.
    const printer = createPrinter(printerConfig as Parameters<typeof createPrinter>[0], { log, journal: store.printJournal() });
    stops.unshift(() => printer.stop());
    printer.on('printerStatusChanged', (event) => {
      service.setServiceStatus('printer', event.canPrint ? 'ok' : event.state);
      log(`printer: ${event.message}${event.queued > 0 ? ` (${event.queued} waiting)` : ''} — ${event.detail}`);
    });

    // One slip per sale, printed at once (docs/changes/receipt.md): a member sale with the member's
    // first name, balance and progress; an unclaimed sale with its claim QR and nothing about a balance.
    let fiscalSlip = false;
    service.on('saleCreated', ({ sale, source }: SaleCreatedEvent) => {
      // A passthrough sale's loyalty block is already on the till's own receipt.
      if (source === 'passthrough') return;
      // A fiscal receipt cannot carry it: the slip prints only where the shop asked for one.
      if (source === 'fiscalTap' && !fiscalSlip) return;
      printer.print(buildReceiptDocument(service.saleReceipt(sale)));
    });
    // Staff attached a member at this counter: the customer is here, so their balance slip prints now,
    // with the hub's balance (all kiosks) when the hub decided, the kiosk's own when it claimed offline.
    // A phone claim prints nothing: the phone card and the counter screen show the balance, and the
    // customer may claim days later, far from the printer.
    service.on('staffClaimed', ({ saleId, claim }) => {
      const sale = service.getSaleById(saleId);
      if (!sale) return;
      const program = service.programAt(new Date(sale.createdAt));
      const fromHub = claim.deliveryId.startsWith('offline:')
        ? undefined
        : {
            firstName: firstNameOf(claim.member.name),
            balance: { points: claim.balance.points, ...(program.rules.some((r) => r.type === 'stamps') ? { stamps: claim.balance.stamps } : {}) },
            progress: claim.progress.next,
          };
      printer.print(buildReceiptDocument(service.saleReceipt(sale, fromHub)));
    });

    // Scanners: a virtual one always (the developer panel and tests feed it), real ones from KIOSK_SCANNERS.
    const scanStream = new ScanStream({ logger: { warn: log, info: () => {} } as never, now: () => now().getTime() });
    const scanners = await startScanners(scannerConfigSchema.parse({ virtual: true, ...(config.scanners ?? {}) }), scanStream);
    stops.unshift(() => scanners.stop());
    scanStream.on('scannerStatusChanged', (event) => log(`scanner: ${event.text}`));

    // The screens' services (the IPC contract); they also route every scan (main/kiosk/ui-services.ts).
    const staffPin = staffPinFor(store);
    const ui = new KioskUiServices({
      service,
      store,
      sync,
      printer,
      printerName: virtualPrinter ? 'Virtual printer' : printer.config.model,
      scanStream,
      credentials: creds,
      hubPublicUrl: hubPublicUrl ?? hubAddress,
      staffPin: staffPin.pin,
      log,
      now,
    });
    stops.unshift(() => ui.close());

    let passthrough: Awaited<ReturnType<typeof startTillPassthrough>> | undefined;
    if (config.passthrough !== undefined) {
      passthrough = await startTillPassthrough({ settings: config.passthrough, printer, service, log });
      stops.unshift(() => passthrough?.stop());
    }
    let fiscalTap: Awaited<ReturnType<typeof startFiscalTap>> | undefined;
    if (config.fiscalTap !== undefined) {
      fiscalTap = await startFiscalTap({ settings: config.fiscalTap, service, log });
      fiscalSlip = fiscalTap.slip;
      stops.unshift(() => fiscalTap?.stop());
    }

    const app: KioskApp = {
      config,
      store,
      service,
      tillApi,
      sync,
      printer,
      virtualPrinter,
      scanners,
      scanStream,
      localHub,
      ui,
      staffPin,
      pinLockout: storedPinLockout(store),
      now,
      passthroughAddress: passthrough?.address,
      fiscalTapAddress: fiscalTap?.address,
      hubUrl: hubAddress,
      hubPublicUrl: hubPublicUrl ?? hubAddress,
      describe: () => [
        `store: ${join(config.dataDir, 'kiosk.sqlite')}`,
        `till API: ${tillApi.url} (Authorization: Bearer ${config.apiToken}${config.apiTokenGenerated ? ', generated and kept in the data dir' : ''})`,
        `hub: ${hubAddress}${localHub ? ' (local hub started by npm start)' : ''}; phones claim at ${hubPublicUrl ?? hubAddress}`,
        `printer: ${virtualPrinter ? 'virtual printer (receipts drawn as pictures)' : 'configured by KIOSK_PRINTER'}`,
        `scanners: virtual${config.scanners !== undefined ? ' + configured by KIOSK_SCANNERS' : ''}`,
        ...(passthrough ? [`till passthrough: ${passthrough.address} → printer`] : []),
        ...(fiscalTap
          ? [`fiscal tap (${fiscalTap.protocol}): ${fiscalTap.address} → fiscal printer${fiscalTap.slip ? ', loyalty slip on the kiosk printer' : ''}`]
          : []),
      ],
      stop: async () => {
        for (const stop of stops) {
          try {
            await stop();
          } catch (error) {
            log(`stopping: ${String(error)}`);
          }
        }
      },
    };
    return app;
  } catch (error) {
    for (const stop of stops) {
      try {
        await stop();
      } catch {
        // Already failing; the first error is the one to report.
      }
    }
    throw error;
  }
}
