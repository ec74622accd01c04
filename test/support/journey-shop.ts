// The journey harness: a shop as it runs, in real processes. The hub is `npm run hub`
// (cloud/start.ts: SQLite on disk in a temp dir, on a fixed loopback port so it can be stopped and
// started again where the kiosks look for it); each kiosk is `npm start -- --headless` (main/start.ts)
// with its own data dir, paired with the pairing code the hub prints (the first kiosk) or the owner
// API hands out (the next ones), its receipts printed over TCP to a VirtualPrinter on loopback (which
// decodes the ESC/POS bytes back to text) and a serial scanner on a socat pseudo-terminal pair. The
// till talks to each kiosk's till API with the token the kiosk printed; phones are `Phone`s. A kiosk can
// join later (`shop.addKiosk`, with environment of its own such as KIOSK_FISCAL_TAP), and a kiosk process
// can be stopped and started again on its data dir (paired once, as a shop's kiosk is).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import type { HealthView, MemberView } from '../../core/till-api';
import { VirtualPrinter, type VirtualReceipt } from '../../hardware/printer/virtual-printer';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { freePort } from '../integration/printer-helpers';
import { SocatPair } from '../integration/scanner-socat';
import { tempDir } from './hub-harness';
import { until } from './until';

const OWNER_TOKEN = 'journey-owner-token-0123456789abcdef0123';

/** Starting a process through tsx on a loaded two-core machine is slow; this bounds it, it does not time it. */
const START_MS = 60_000;

export interface JsonAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** `npm run hub` in a child process; `stop()` and `start()` again keep its port and its data. */
export class HubProcess {
  child: Child | undefined;
  readonly url: string;
  readonly ownerToken = OWNER_TOKEN;
  /** The pairing code the hub printed at its first start (a shop types it on its first kiosk). */
  printedPairingCode: string | undefined;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    /** More environment for the hub (e.g. SMTP_URL for a loopback SMTP server, the WALLET_* variables), kept across restarts. */
    readonly env: Record<string, string> = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawnTsx('cloud/start.ts', [], {
      ...process.env,
      HUB_DATA_DIR: this.dataDir,
      HUB_PORT: String(this.port),
      HUB_HOST: '127.0.0.1',
      HUB_PUBLIC_URL: this.url,
      HUB_OWNER_TOKEN: OWNER_TOKEN,
      HUB_SHOP_NAME: 'Kawiarnia Anna',
      // A journey is one shop on one hub: no DATABASE_URL, no REDIS_URL from the environment.
      DATABASE_URL: '',
      REDIS_URL: '',
      ...this.env,
    });
    this.child = child;
    await child.waitFor((lines) => lines.some((l) => l.startsWith('pairing code: ')), START_MS);
    this.printedPairingCode ??= /^pairing code: (\S+)/.exec(child.lines.find((l) => l.startsWith('pairing code: '))!)![1];
  }

  /** Stops the hub process (SIGTERM, its clean stop) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    child.proc.kill('SIGTERM');
    await child.exited;
  }

  /** The owner API with the owner token, as the owner's scripts use it (pairs for a field sent more than once). */
  async owner(
    method: 'GET' | 'POST',
    path: string,
    form?: Record<string, string> | [string, string][],
  ): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${OWNER_TOKEN}`,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** Another pairing code from the owner API, for the shop's next kiosk. */
  async newPairingCode(): Promise<string> {
    const res = await this.owner('GET', '/owner/pairing-code');
    if (res.status !== 200) throw new Error(`pairing code: HTTP ${res.status} ${res.text}`);
    return (JSON.parse(res.text) as { code: string }).code;
  }
}

/**
 * `npm start -- --headless` in a child process, paired with the hub, with a decoding printer and a
 * serial scanner; with `screen`, `npm start` without `--headless`, which (no Electron binary here)
 * serves the kiosk's screen over the local bridge and prints its address with the launch secret.
 */
export class KioskProcess {
  child!: Child;
  apiUrl = '';
  /** With `screen`: the kiosk page's address as printed at start (the bridge's launch secret in its fragment). */
  uiUrl = '';
  /** The till API token the kiosk generated and printed at start (KIOSK_API_TOKEN unset, as in a shop). */
  token = '';
  readonly printer = new VirtualPrinter();
  readonly scanner: SocatPair;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    scannerDir: string,
    /** More environment for this kiosk (e.g. KIOSK_FISCAL_TAP), kept across restarts. */
    readonly env: Record<string, string> = {},
    readonly options: { screen?: boolean } = {},
  ) {
    this.scanner = new SocatPair(scannerDir);
  }

  /** Starts the kiosk process; `pairingCode` only the first time (its data dir keeps the credentials). */
  async start(hub: HubProcess, pairingCode?: string): Promise<void> {
    const printerPort = await this.printer.listen(0);
    mkdirSync(this.scanner.dir, { recursive: true });
    await this.scanner.up();
    this.child = spawnTsx('main/start.ts', this.options.screen ? [] : ['--headless'], {
      ...process.env,
      KIOSK_DATA_DIR: this.dataDir,
      KIOSK_API_PORT: '0',
      KIOSK_API_TOKEN: '',
      KIOSK_NAME: this.name,
      HUB_URL: hub.url,
      HUB_PAIRING_CODE: pairingCode ?? '',
      KIOSK_PRINTER: JSON.stringify({ model: 'epson-tm-t20', paper: 80, connection: { kind: 'tcp', host: '127.0.0.1', port: printerPort } }),
      KIOSK_SCANNERS: JSON.stringify({ hid: 'off', wedge: { enabled: false }, serial: [{ path: this.scanner.b, terminator: 'CR', deviceId: 'counter' }] }),
      KIOSK_UI_PORT: '0',
      ...this.env,
    });
    await this.child.waitFor((lines) => lines.includes('kiosk ready'), START_MS);
    const line = this.child.lines.find((l) => l.startsWith('till API: ')) ?? '';
    const match = /^till API: (http:\/\/127\.0\.0\.1:\d+) \(Authorization: Bearer (\S+?)[,)]/.exec(line);
    if (!match) throw new Error(`${this.name}: no till API line in ${JSON.stringify(this.child.lines)}`);
    this.apiUrl = match[1]!;
    this.token = match[2]!;
    if (this.options.screen) {
      const ui = this.child.lines.find((l) => l.startsWith('kiosk UI: '));
      if (!ui) throw new Error(`${this.name}: no kiosk UI line in ${JSON.stringify(this.child.lines)}`);
      this.uiUrl = ui.slice('kiosk UI: '.length);
    }
  }

  async till(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonAnswer> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** A till sale; fails the test unless the kiosk took it. */
  async sale(tillSaleId: string, amount: number, extra: Record<string, unknown> = {}): Promise<{ saleId: string; points: number; claimUrl: string }> {
    const res = await this.till('POST', '/v1/sales', { tillSaleId, total: { amount, currency: 'PLN' }, ...extra });
    if (res.status !== 201) throw new Error(`${this.name}: sale ${tillSaleId} answered ${res.status} ${JSON.stringify(res.json)}`);
    return res.json as { saleId: string; points: number; claimUrl: string };
  }

  async search(query: string): Promise<MemberView[]> {
    const res = await this.till('GET', `/v1/members?query=${encodeURIComponent(query)}`);
    if (res.status !== 200) throw new Error(`${this.name}: search ${query} answered ${res.status} ${JSON.stringify(res.json)}`);
    return (res.json as { members: MemberView[] }).members;
  }

  /** What the kiosk reports about the hub on its health route ('online' when connected). */
  async hubState(): Promise<string | undefined> {
    return (await this.health()).services.hub;
  }

  /**
   * Online with the hub and holding its shop's program: a paired kiosk rings up nothing before the
   * program arrives, which is a moment after it connects.
   */
  async ready(): Promise<boolean> {
    const { services } = await this.health();
    return services.hub === 'online' && services.program === 'ok';
  }

  /** The kiosk's health route: its services and the shop it goes by. */
  async health(): Promise<HealthView> {
    return (await this.till('GET', '/v1/health')).json as unknown as HealthView;
  }

  /** Staff scan `code` with the counter's serial scanner (the code, then CR, as such scanners send it). */
  scan(code: string): void {
    this.scanner.send(`${code}\r`);
  }

  /** What the kiosk told staff about scans since line `from` of its output ("scan: …" lines, in English). */
  scanNotices(from = 0): string[] {
    return this.child.lines
      .slice(from)
      .filter((l) => l.startsWith('scan: '))
      .map((l) => l.slice('scan: '.length));
  }

  /** The decoded receipt whose sale line names `tillSaleId` (the printer link may deliver one twice: the first counts). */
  receiptOf(tillSaleId: string): VirtualReceipt | undefined {
    return this.printer.receipts.find((r) => r.lines.some((l) => l.includes(` ${tillSaleId} `) || l.endsWith(` ${tillSaleId}`)));
  }

  async stop(): Promise<void> {
    if (this.child && this.child.proc.exitCode === null && this.child.proc.signalCode === null) {
      this.child.proc.kill('SIGTERM');
      await this.child.exited;
    }
    await this.printer.close();
    await this.scanner.down();
  }
}

export interface JourneyShop {
  hub: HubProcess;
  kiosks: KioskProcess[];
  /**
   * Starts one more kiosk (paired like the others, online with the hub when this resolves);
   * `env(dir)` gives it environment of its own, `dir` being a temp folder for its devices.
   */
  addKiosk(name: string, env?: (dir: string) => Record<string, string> | Promise<Record<string, string>>): Promise<KioskProcess>;
  /** Stops every process this shop started (by its own pid) and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * One hub and `names.length` kiosks, all online. The first kiosk pairs with the code the hub printed
 * at start, the others with codes from the owner API; `hubEnv` is more environment for the hub. Stop it in afterAll.
 */
export async function startJourneyShop(
  prefix: string,
  names: string[] = ['Till A', 'Till B'],
  options: {
    /** More environment for the hub (e.g. WALLET_*). */
    hubEnv?: Record<string, string>;
    /** The kiosks serve their screen over the local bridge (`npm start` without `--headless`). */
    screen?: boolean;
    /** More environment for each kiosk (e.g. KIOSK_STAFF_PIN). */
    kioskEnv?: Record<string, string>;
  } = {},
): Promise<JourneyShop> {
  const temp = tempDir(prefix);
  const hub = new HubProcess(join(temp.dir, 'hub'), await freePort(), options.hubEnv);
  const kiosks = names.map(
    (name, i) =>
      new KioskProcess(name, join(temp.dir, `kiosk-${i + 1}`), join(temp.dir, `scanner-${i + 1}`), options.kioskEnv, { screen: options.screen ?? false }),
  );
  const shop: JourneyShop = {
    hub,
    kiosks,
    addKiosk: async (name, env) => {
      const n = kiosks.length + 1;
      const devices = join(temp.dir, `devices-${n}`);
      mkdirSync(devices, { recursive: true });
      const kiosk = new KioskProcess(name, join(temp.dir, `kiosk-${n}`), join(temp.dir, `scanner-${n}`), env ? await env(devices) : {});
      // Pushed first, so that shop.stop() stops it even if it fails to start.
      kiosks.push(kiosk);
      await kiosk.start(hub, n === 1 ? hub.printedPairingCode! : await hub.newPairingCode());
      await until(async () => await kiosk.ready(), `kiosk ${name} online with the hub, with its program`, START_MS);
      return kiosk;
    },
    stop: async () => {
      for (const kiosk of kiosks) {
        try {
          await kiosk.stop();
        } catch {
          // Keep stopping the others.
        }
      }
      await hub.stop();
      temp.remove();
    },
  };
  try {
    await hub.start();
    // Kiosks start one after the other: each pairs once, and the machine has two cores.
    for (const [i, kiosk] of kiosks.entries()) {
      await kiosk.start(hub, i === 0 ? hub.printedPairingCode! : await hub.newPairingCode());
    }
    await until(async () => (await Promise.all(kiosks.map((k) => k.ready()))).every(Boolean), 'every kiosk online with the hub, with its program', START_MS);
  } catch (error) {
    await shop.stop();
    throw error;
  }
  return shop;
}

/**
 * The owner of `journey` publishes a program in the shop's currency, language and zone (one point per
 * `unit` minor units, nothing else that depends on the day), and waits until kiosk `kioskName` runs it.
 * The shop's settings must count in that currency already (`saveShopSettings`): the hub refuses another.
 */
export async function publishShopProgram(
  journey: Pick<JourneyShop, 'hub'>,
  kioskName: string,
  shopIs: { currency: 'HUF' | 'CZK'; locale: 'hu' | 'cs'; timeZone: string },
  unit: number,
): Promise<number> {
  const { currency } = shopIs;
  const program = {
    ...structuredClone(DEMO_PROGRAM_DOCUMENT),
    name: `Shop ${currency}`,
    ...shopIs,
    rules: [{ type: 'points', id: 'points', unit, bands: [{ points: 1 }], rounding: 'floor' }],
    tiers: undefined,
    rewards: [{ kind: 'percentOff', id: 'ten-off', name: '10% off', percent: 10, cost: { points: 100 } }],
  };
  const put = await fetch(`${journey.hub.url}/owner/program`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${journey.hub.ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(program),
  });
  if (put.status !== 200) throw new Error(`program not published: ${put.status} ${await put.text()}`);
  const { version } = (await put.json()) as { version: number };
  const confirmed = async (): Promise<boolean> => {
    const res = await fetch(`${journey.hub.url}/owner/program/versions`, { headers: { authorization: `Bearer ${journey.hub.ownerToken}` } });
    return ((await res.json()) as { version: number; kiosks: string[] }[]).some((v) => v.version === version && v.kiosks.includes(kioskName));
  };
  await until(confirmed, `kiosk ${kioskName} to confirm the ${currency} program`);
  return version;
}
