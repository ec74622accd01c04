import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../core/clock';
import type { Locale } from '../../core/i18n/locales';
import type { Program } from '../../core/program/schema';
import type { ClaimResult, PairResponse } from '../../core/sync-protocol';
import type { verifyClaimToken } from '../../core/tokens';
import type { JoinVerifications } from '../join-verification';
import type { Messaging } from '../messaging';
import type { Referrals } from '../referrals';
import type { OwnerStore } from '../owner-store';
import type { VersionRow } from '../program-pages';
import type { HubStore, Member, Shop } from '../store';
import type { StoredSettings } from '../shop-settings';
import type { ProgramMisfit, ShopSettings } from '../../core/shop-settings';
import type { Wallet } from '../wallet';
import type { FailureCounters, HubSessions, OwnerAuth } from './guards';

/**
 * Everything the hub's route modules share, built once by startHub (cloud/hub.ts) and handed to
 * every route plugin: the stores, the shop, the clock, the guards and the few hub operations that
 * also serve Socket.IO (claims, program publication, kiosk revocation).
 */
export interface HubHttpContext {
  store: HubStore;
  owner: OwnerStore;
  messaging: Messaging;
  /** New members' welcome bonuses held until their contact is proven, and the join limits per device and address. */
  joins: JoinVerifications;
  /** Members' referral codes and the contacts referred (cloud/referrals.ts). */
  referrals: Referrals;
  /** The card in Apple and Google Wallet, as the owner configured them (cloud/wallet.ts). */
  wallet: Wallet;
  /** The shop this hub serves, as it was at start (its program is read fresh from the store where it matters). */
  shop: Shop;
  now: Clock;
  log: (line: string) => void;
  failures: FailureCounters;
  sessions: HubSessions;
  /** The phone's address (through configured proxies only). */
  clientAddress: (req: FastifyRequest) => string;
  /** The member of the phone's live session (ended, erased or unknown: undefined), with the session's ref. */
  cookieMember: (req: FastifyRequest) => Promise<(Member & { sessionRef: string }) | undefined>;
  /**
   * The owner's side on this request, resolved by the owner hook (cloud/routes/app.ts): a session
   * cookie (with its CSRF token), else the owner token or an API key as bearer (wrong bearer
   * credentials count as owner sign-in failures), or undefined.
   */
  ownerAuth: (req: FastifyRequest) => Promise<OwnerAuth | undefined>;
  /** The hub's address as phones and the owner reach it (HUB_PUBLIC_URL), for set-up and invitation links. */
  publicUrl: () => string;
  /** A typed phone number or e-mail read the way the shop's country writes them; undefined when it is neither. */
  parseContact: (text: string) => { phone: string | null; email: string | null } | undefined;
  checkToken: (token: string, shopNo: number) => Promise<ReturnType<typeof verifyClaimToken>>;
  claim: (token: string, member: Member, via: 'phone' | 'staff', claimingKioskNo: number | null, locale: Locale, joined?: boolean) => Promise<ClaimResult>;
  /** Signs a voucher for the hub's key (kiosks verify it offline). */
  voucherSecretKey: Uint8Array;
  hubPublicKey: string;
  pairAnswer: (kiosk: { id: string; no: number; shopNo: number; secret: string }) => PairResponse;
  connectedKiosks: () => number;
  /** Revokes a kiosk and cuts its connections on this node. */
  revokeKiosk: (kioskId: string) => Promise<boolean>;
  /** Publishes a checked program as the next version; one in another currency than the shop's settings is refused, nothing changed. */
  publishProgram: (program: Program, effectiveFrom: string) => Promise<ProgramPublication>;
  /** Keeps the shop's copy of the program at the version in effect now. */
  applyDueProgram: () => Promise<void>;
  /** The program versions with their state and the kiosks that confirmed each (the editor's table). */
  versionRows: () => Promise<VersionRow[]>;
  /** The shop's settings now (cloud/shop-settings.ts), and whether the owner has saved any yet. */
  settings: () => Promise<StoredSettings>;
  /** Saves checked settings and sends them to the shop's kiosks; a currency change under a published program is refused. */
  saveSettings: (settings: ShopSettings, actor: string, draft?: Program) => Promise<{ ok: true } | { ok: false; reason: 'currency-locked' }>;
  /** The first-run wizard's draft program while none has been published (the program editor starts from it). */
  programDraft: () => Promise<Program | undefined>;
  /** How many program versions the owner published (0: the shop runs its start-up program). */
  publishedVersions: () => Promise<number>;
  /** Sends the settings to the shop's kiosks again (a kiosk's location changed). */
  settingsChanged: () => Promise<void>;
  /** Marks the database as down (logs once, watches for its return). */
  noteDatabaseDown: (error: unknown) => void;
  /** Chart.js's UMD build, read once when the hub starts. */
  chartJs: string;
}

/**
 * What publishing a program came to: the new version, or refused because the program does not fit
 * the shop's settings (`misfits`: another currency, a language the shop does not offer, another time
 * zone; `currencyLocked`: a published program keeps the shop's currency, so the settings cannot change
 * it either).
 */
export type ProgramPublication =
  { ok: true; version: number; effectiveFrom: string } | { ok: false; misfits: ProgramMisfit[]; settings: ShopSettings; currencyLocked: boolean };

/** The locale a request asks for (Accept-Language). */
export type LocaleOf = (req: FastifyRequest) => Locale;

/** An HTML page answer (the hub's headers hook adds the safe headers and the CSP). */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/** A 303 to another page of this hub. */
export function seeOther(reply: FastifyReply, location: string, cookie?: string): FastifyReply {
  if (cookie) reply.header('set-cookie', cookie);
  return reply.code(303).header('location', location).send();
}

/** A form field as URLSearchParams.get reads it: the first value of a repeated field, undefined when absent. */
export const field = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (Array.isArray(v) ? v[0] : v));

/**
 * A urlencoded form (@fastify/formbody) with the given fields; a body sent with no or another content
 * type comes as text and is read the same way, and no body is an empty form.
 */
export function form<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((value) => (typeof value === 'string' ? Object.fromEntries(new URLSearchParams(value)) : (value ?? {})), z.looseObject(shape));
}
