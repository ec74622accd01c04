// Shared helpers for the hub suites and bench: a hub on 127.0.0.1 port 0 in a mkdtemp dir, paired
// kiosks, claim tokens, and a phone that keeps its cookie.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type Hub } from '../../cloud/hub';
import { systemClock } from '../../core/clock';
import type { Locale } from '../../core/i18n/locales';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { hexToBytes, type KioskCredentials } from '../../core/sync-protocol';
import { createClaimToken } from '../../core/tokens';
import { pairKiosk } from '../../main/sync/pair';
import { saleClaimUrl } from '../../main/sync/claims';
import { databaseForDir, hubTestEngine } from './test-postgres';
import { smtpSink, type SmtpSink } from './smtp-sink';
import { until } from './until';

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lk-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The DATABASE_URL of the hub that keeps its data under `dir` when the suites run on PostgreSQL
 * (HUB_TEST_ENGINE=postgres: one fresh database per dir, so a restarted hub finds its data again),
 * or undefined on SQLite (the file in dir).
 */
export async function hubDatabaseUrl(dir: string): Promise<string | undefined> {
  return hubTestEngine() === 'postgres' ? databaseForDir(join(dir, 'hub')) : undefined;
}

/**
 * A hub on 127.0.0.1 port 0 keeping its data in `dir` (SQLite) or in the dir's PostgreSQL database.
 * Its clock is `extra.now`, else the system clock: then the suite's tokens (`saleToken`, made with
 * `new Date()`) and kiosks read the same time as the hub, whatever day it runs on.
 */
export async function testHub(dir: string, extra: Partial<Parameters<typeof startHub>[0]> = {}): Promise<Hub> {
  return startHub({
    dataDir: join(dir, 'hub'),
    databaseUrl: await hubDatabaseUrl(dir),
    port: 0,
    host: '127.0.0.1',
    shopName: 'Kawiarnia Anna',
    log: () => {},
    now: systemClock,
    ...extra,
  });
}

/**
 * The demo program without its "x2 Tuesday" campaign, for suites on the system clock that check the
 * points a claim earns: the hub derives them from the amount at the claim's moment, so on a Tuesday
 * in Warsaw they would double. Call before pairing kiosks (they get the program over sync).
 */
export async function steadyDemoProgram(hub: Hub): Promise<void> {
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT);
  document.rules = document.rules.filter((rule) => rule.type !== 'multiplier');
  for (const shop of await hub.store.db.selectFrom('shops').select('no').execute()) await hub.store.setProgram(shop.no, document);
}

/** The fields of the owner's settings form (`POST /owner/settings`), as the owner's browser posts them. */
export interface ShopSettingsForm {
  name: string;
  country: string;
  currency: string;
  /** The shop's own language (receipts, kiosks, messages by default). */
  locale: Locale;
  timeZone: string;
  /** The languages the shop's program texts are written in. */
  languages: readonly Locale[];
  locationName: string;
  locationAddress: string;
}

/** A Polish café with one location, on Warsaw's clock: what `saveShopSettings` posts for every field it is not given. */
export const SHOP_SETTINGS_DEFAULTS: ShopSettingsForm = {
  name: 'Kawiarnia Anna',
  country: 'PL',
  currency: 'PLN',
  locale: 'pl',
  timeZone: 'Europe/Warsaw',
  languages: ['pl'],
  locationName: 'Rynek',
  locationAddress: 'Rynek 1, Kraków',
};

/**
 * Saves the shop's settings through the owner's settings form with the owner token (as the owner's
 * scripts post it): the given fields over `SHOP_SETTINGS_DEFAULTS`. Throws with the page when the hub
 * refuses, so a test that means to see a refusal posts the form itself.
 */
export async function saveShopSettings(hub: { url: string; ownerToken: string }, settings: Partial<ShopSettingsForm> = {}): Promise<Response> {
  const form = { ...SHOP_SETTINGS_DEFAULTS, ...settings };
  const res = await fetch(`${hub.url}/owner/settings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([
      ['name', form.name],
      ['country', form.country],
      ['currency', form.currency],
      ['locale', form.locale],
      ['timeZone', form.timeZone],
      ...form.languages.map((language) => ['languages', language]),
      ['locationName', form.locationName],
      ['locationAddress', form.locationAddress],
    ]).toString(),
    redirect: 'manual',
  });
  if (res.status >= 400) throw new Error(`settings not saved: ${res.status} ${await res.text()}`);
  return res;
}

export async function pairedKiosk(hub: Hub, name = 'Till 1'): Promise<KioskCredentials> {
  return pairKiosk(hub.url, await hub.newPairingCode(), name);
}

export function saleToken(creds: KioskCredentials, saleNo: number, points = 18, at = new Date(), validMs = 7 * 86_400_000): string {
  return createClaimToken(
    {
      shopNo: creds.shopNo,
      kioskNo: creds.kioskNo,
      saleNo,
      points,
      stamps: 1,
      total: { amount: 1840, currency: 'PLN' },
      expiresAt: new Date(at.getTime() + validMs),
    },
    hexToBytes(creds.secret),
  );
}

export function saleUrl(hub: Hub, creds: KioskCredentials, saleNo: number, points = 18): string {
  // The hub derives what a claim earns from the amount (1 point per zł in the demo program): the amount follows the points.
  return saleClaimUrl(creds, hub.url, { saleNo, points, stamps: 1, total: { amount: points * 100 + 40, currency: 'PLN' } }, new Date()).url;
}

/** A phone without a browser: keeps its one cookie, speaks one language. */
export class Phone {
  cookie = '';
  constructor(readonly language = 'pl-PL,pl;q=0.9') {}

  async get(url: string): Promise<{ status: number; text: string }> {
    const res = await fetch(url, { headers: { 'accept-language': this.language, cookie: this.cookie }, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  }

  async post(url: string, form: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(form).toString(),
      headers: { 'accept-language': this.language, cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  join(url: string, contact: string, name = 'Anna'): ReturnType<Phone['post']> {
    return this.post(url, { mode: 'join', name, contact, consent: 'yes' });
  }
}

/**
 * A phone with a cookie jar (device id and member session, each kept as the hub sets or clears it) on
 * one network address, sent as X-Real-IP: give the hub `trustProxy: true`, and each phone stands on
 * its own network for the per-address limits. Paths are on the hub's URL. Unlike `Phone`, it keeps the
 * device cookie the claim page sets, so the per-device limits see one phone.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly hubUrl: string,
    readonly ip: string,
    readonly language = 'en',
  ) {}

  async get(pathOrUrl: string): Promise<{ status: number; text: string }> {
    const res = await fetch(this.url(pathOrUrl), { redirect: 'manual', headers: this.headers() });
    this.keep(res);
    return { status: res.status, text: await res.text() };
  }

  async post(pathOrUrl: string, form: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(this.url(pathOrUrl), {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(form).toString(),
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    });
    this.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  private url(pathOrUrl: string): string {
    return pathOrUrl.startsWith('http') ? pathOrUrl : `${this.hubUrl}${pathOrUrl}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return { 'accept-language': this.language, 'x-real-ip': this.ip, cookie, ...extra };
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(';')[0]!.split('=') as [string, string];
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A running hub that mails through an SMTP sink on loopback, with one paired kiosk. */
export interface MailHub {
  hub: Hub;
  sink: SmtpSink;
  till: KioskCredentials;
  /** A new `Browser` on this hub, on network address `ip`. */
  browser(ip: string, language?: string): Browser;
  close(): Promise<void>;
}

export interface MailHubOptions {
  /** The program of shop 1, set before the kiosk pairs (else the demo program). */
  program?: unknown;
  /** More options for `testHub`. */
  hub?: Partial<Parameters<typeof startHub>[0]>;
}

/**
 * The set-up of the suites about joins, codes and messages: a hub on the system clock (see `testHub`)
 * whose e-mail goes to an SMTP sink, its message worker polling every 100 ms, quiet hours off, one
 * paired kiosk (`till`). Start it in beforeAll, close it in afterAll. (No vitest hooks here: the
 * benches import this file outside vitest.)
 */
export async function startMailHub(prefix: string, options: MailHubOptions = {}): Promise<MailHub> {
  const tmp = tempDir(prefix);
  const sink = await smtpSink();
  let hub: Hub | undefined;
  const close = async (): Promise<void> => {
    await hub?.close();
    await sink.close();
    tmp.remove();
  };
  try {
    hub = await testHub(tmp.dir, { smtpUrl: sink.url, smtpFrom: 'kawiarnia@kawiarnia.test', messageWorker: { pollMs: 100 }, ...options.hub });
    if (options.program !== undefined) await hub.store.setProgram(1, options.program);
    const till = await pairedKiosk(hub);
    // Service messages never wait for quiet hours; the weekly cap is for offers. Set anyway, as a shop would.
    await hub.messaging.saveRules({ quiet: null, weeklyCap: 10 });
    const url = hub.url;
    return { hub, sink, till, browser: (ip, language) => new Browser(url, ip, language), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Signs in to the owner back office with the owner token over HTTP: the session cookie (`name=value`). */
export async function ownerSessionCookie(hub: Hub): Promise<string> {
  const res = await fetch(`${hub.url}/owner/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ token: hub.ownerToken }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  await res.text();
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`the owner sign-in answered ${String(res.status)} with no session cookie`);
  return cookie;
}

/**
 * Joins with an e-mail and proves it the way a customer does: the code mailed at join (to the SMTP sink
 * on loopback) typed on the card (`/m/verify`), which pays the held welcome and sends the welcome mail.
 */
export async function joinProvenByMail(hub: Hub, sink: SmtpSink, phone: Phone, url: string, address: string, name = 'Anna'): ReturnType<Phone['post']> {
  const before = sink.to(address).length;
  const answer = await phone.join(url, address, name);
  await until(() => sink.to(address).length > before, `the join code for ${address}`);
  const code = /\b(\d{6})\b/.exec(sink.to(address).at(-1)!.subject ?? '')?.[1];
  if (code === undefined) throw new Error(`no code in the mail to ${address}`);
  const verified = await phone.post(`${hub.url}/m/verify`, { code });
  if (verified.location !== '/m?verify=done#verify')
    throw new Error(`the code was not taken for ${address}: ${String(verified.status)} ${String(verified.location)}`);
  return answer;
}

/**
 * Joins on a claim page, then proves the contact as typing the code sent to it does: the welcome
 * bonus held at join (cloud/join-verification.ts) is paid. For suites about what comes after a
 * customer joined (points, vouchers, reversals); the code itself is played in test/security/hub-join.test.ts.
 */
export async function joinProven(hub: Hub, phone: Phone, url: string, contact: string, name = 'Anna', at = new Date()): ReturnType<Phone['post']> {
  const answer = await phone.join(url, contact, name);
  const saleKey = /^\/m\?claimed=(K\d+-S\d+)$/.exec(answer.location ?? '')?.[1];
  const claim = saleKey === undefined ? undefined : await hub.store.claimOf(saleKey);
  if (claim) await hub.store.payHeldWelcome(claim.memberId, at);
  return answer;
}
