import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base32nopad } from '@scure/base';
import { decodeSafeCode, encodeSafeCode } from './codes';
import { negate, type LedgerEntry } from './ledger/entry';
import { CURRENCIES, type CurrencyCode, type Money } from './money';

/**
 * Claim tokens (kiosk → phone → hub) and reward vouchers (hub → phone → kiosk scanner).
 *
 * Claim token: a 36-byte binary record, base32 (RFC 4648, no padding) → 58 characters, so the whole
 * claim URL `HTTPS://<HOST>/C/<TOKEN>` is upper case and the QR uses alphanumeric mode. Layout:
 *   0      version (1)
 *   1..4   shop number (uint32)        5..8   kiosk number (uint32)     9..12 sale number (uint32, per kiosk)
 *   13..16 points (uint32)             17..18 stamps (uint16)
 *   19..22 amount in minor units (uint32)   23 currency index (0 = none)
 *   24..27 expiry, minutes since 1970-01-01 UTC (uint32)
 *   28..35 HMAC-SHA256(kiosk secret, "LKC1" ‖ bytes 0..27), first 8 bytes (64 bits)
 * The hub learned the kiosk secret at pairing, so it verifies with no call to the kiosk.
 *
 * Voucher: Ed25519-signed by the hub, written in the scanner's safe-code format (core/codes.ts
 * encodeSafeCode('voucher', …): `R`, two layout-safe letters per byte, one check letter) so a
 * keyboard-wedge scanner types it right under every keyboard layout and classifyScan knows it for a
 * voucher; any offline kiosk holding the hub's public key verifies it.
 */

export const CLAIM_TOKEN_VERSION = 1;
const CLAIM_BODY_BYTES = 28;
const CLAIM_MAC_BYTES = 8;
export const CLAIM_TOKEN_BYTES = CLAIM_BODY_BYTES + CLAIM_MAC_BYTES;
/** Length of the base32 text of a claim token. */
export const CLAIM_TOKEN_CHARS = Math.ceil((CLAIM_TOKEN_BYTES * 8) / 5);
const CLAIM_DOMAIN = new TextEncoder().encode('LKC1');
const CURRENCY_LIST = Object.keys(CURRENCIES) as CurrencyCode[];
const UINT32_MAX = 0xffff_ffff;

export interface ClaimTokenData {
  shopNo: number;
  kioskNo: number;
  saleNo: number;
  points: number;
  stamps: number;
  /** The sale's total, printed back to the customer; optional. */
  total?: Money;
  /** When the token stops being claimable; stored to the minute (rounded up). */
  expiresAt: Date;
}

export type ClaimRefusal = 'malformed' | 'unsupported-version' | 'unknown-kiosk' | 'bad-signature' | 'wrong-shop' | 'expired';
export type VoucherRefusal = 'malformed' | 'unsupported-version' | 'bad-signature' | 'wrong-shop' | 'expired';
export type Verified<T, R> = { ok: true; data: T } | { ok: false; reason: R };

/** English log lines for each refusal; people see the translated texts in core/i18n/claim.ts. */
export const REFUSAL_LOG: Record<ClaimRefusal | VoucherRefusal, string> = {
  malformed: 'not a token of this system (bad characters or length)',
  'unsupported-version': 'token version not supported by this hub or kiosk',
  'unknown-kiosk': 'token made by a kiosk the hub does not know (or revoked)',
  'bad-signature': 'signature does not match: forged or changed (points, amount or sale altered)',
  'wrong-shop': 'token belongs to another shop',
  expired: 'token expired',
};

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer 0..${max}, got ${value}`);
}

const minutesOf = (at: Date): number => Math.ceil(at.getTime() / 60_000);

function claimMac(secret: Uint8Array, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(CLAIM_DOMAIN.length + body.length);
  message.set(CLAIM_DOMAIN);
  message.set(body, CLAIM_DOMAIN.length);
  return hmac(sha256, secret, message).subarray(0, CLAIM_MAC_BYTES);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Made by the kiosk at the sale, with no network. `secret` is the kiosk's pairing secret. */
export function createClaimToken(data: ClaimTokenData, secret: Uint8Array): string {
  checkUint('shopNo', data.shopNo, UINT32_MAX);
  checkUint('kioskNo', data.kioskNo, UINT32_MAX);
  checkUint('saleNo', data.saleNo, UINT32_MAX);
  checkUint('points', data.points, UINT32_MAX);
  checkUint('stamps', data.stamps, 0xffff);
  if (data.total) checkUint('total.amount', data.total.amount, UINT32_MAX);
  const bytes = new Uint8Array(CLAIM_TOKEN_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, CLAIM_TOKEN_VERSION);
  view.setUint32(1, data.shopNo);
  view.setUint32(5, data.kioskNo);
  view.setUint32(9, data.saleNo);
  view.setUint32(13, data.points);
  view.setUint16(17, data.stamps);
  view.setUint32(19, data.total?.amount ?? 0);
  view.setUint8(23, data.total ? CURRENCY_LIST.indexOf(data.total.currency) + 1 : 0);
  view.setUint32(24, minutesOf(data.expiresAt));
  bytes.set(claimMac(secret, bytes.subarray(0, CLAIM_BODY_BYTES)), CLAIM_BODY_BYTES);
  return base32nopad.encode(bytes);
}

/** Reads the fields without checking the signature (to find which kiosk's secret to check with). */
export function peekClaimToken(token: string): Verified<ClaimTokenData, 'malformed' | 'unsupported-version'> {
  let bytes: Uint8Array;
  try {
    bytes = base32nopad.decode(token.trim().toUpperCase());
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (bytes.length !== CLAIM_TOKEN_BYTES) return { ok: false, reason: 'malformed' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== CLAIM_TOKEN_VERSION) return { ok: false, reason: 'unsupported-version' };
  const currencyIndex = view.getUint8(23);
  const currency = currencyIndex === 0 ? undefined : CURRENCY_LIST[currencyIndex - 1];
  if (currencyIndex !== 0 && currency === undefined) return { ok: false, reason: 'malformed' };
  const data: ClaimTokenData = {
    shopNo: view.getUint32(1),
    kioskNo: view.getUint32(5),
    saleNo: view.getUint32(9),
    points: view.getUint32(13),
    stamps: view.getUint16(17),
    expiresAt: new Date(view.getUint32(24) * 60_000),
  };
  if (currency) data.total = { amount: view.getUint32(19), currency };
  return { ok: true, data };
}

export interface ClaimVerifyContext {
  /** The secret of kiosk `kioskNo`, or undefined if the kiosk is unknown or revoked. */
  secretFor: (kioskNo: number) => Uint8Array | undefined;
  /** The shop the claim is made in; a token of another shop is refused. */
  shopNo?: number;
  now: Date;
}

/** Verifies a claim token: signature, shop, expiry. Single use is the hub store's job (sale key UNIQUE). */
export function verifyClaimToken(token: string, ctx: ClaimVerifyContext): Verified<ClaimTokenData, ClaimRefusal> {
  const peeked = peekClaimToken(token);
  if (!peeked.ok) return peeked;
  const secret = ctx.secretFor(peeked.data.kioskNo);
  if (!secret) return { ok: false, reason: 'unknown-kiosk' };
  const bytes = base32nopad.decode(token.trim().toUpperCase());
  if (!equalBytes(claimMac(secret, bytes.subarray(0, CLAIM_BODY_BYTES)), bytes.subarray(CLAIM_BODY_BYTES))) {
    return { ok: false, reason: 'bad-signature' };
  }
  if (ctx.shopNo !== undefined && peeked.data.shopNo !== ctx.shopNo) return { ok: false, reason: 'wrong-shop' };
  if (ctx.now.getTime() >= peeked.data.expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return peeked;
}

/** The sale a claim token stands for, unique across kiosks: the hub's single-use key. */
export function claimSaleKey(data: Pick<ClaimTokenData, 'kioskNo' | 'saleNo'>): string {
  return `K${data.kioskNo}-S${data.saleNo}`;
}

/** The claim URL for a QR: upper case so the QR stays in alphanumeric mode. `hubBase` like "https://hub.example.com". */
export function claimUrl(hubBase: string, token: string): string {
  return `${hubBase.replace(/\/+$/, '')}/C/${token}`.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Vouchers

export const VOUCHER_VERSION = 1;
const VOUCHER_BODY_BYTES = 31;
const VOUCHER_DOMAIN = new TextEncoder().encode('LKV1');

export interface VoucherData {
  shopNo: number;
  /** 8 random bytes chosen by the hub, as 16 hex characters: the redemption's ledger id is derived from it. */
  voucherId: string;
  /** Hub member number (uint32). */
  memberNo: number;
  /** The reward's key (uint16, `rewardKeyOf(reward.id)`): stays the same when other rewards are removed or moved. */
  rewardKey: number;
  /** Points the redemption debits. */
  costPoints: number;
  /** Stamps the redemption debits. */
  costStamps: number;
  expiresAt: Date;
}

function voucherMessage(body: Uint8Array): Uint8Array {
  const message = new Uint8Array(VOUCHER_DOMAIN.length + body.length);
  message.set(VOUCHER_DOMAIN);
  message.set(body, VOUCHER_DOMAIN.length);
  return message;
}

const hexToBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
const bytesToHex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The hub's voucher key pair from a 32-byte seed (the hub keeps the seed in its store). */
export function voucherKeyPair(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return { secretKey: seed, publicKey: ed25519.getPublicKey(seed) };
}

/** Signed by the hub; returns the safe code (`R` + 190 letters + check letter = 192 letters). */
export function createVoucher(data: VoucherData, hubSecretKey: Uint8Array): string {
  checkUint('shopNo', data.shopNo, UINT32_MAX);
  checkUint('memberNo', data.memberNo, UINT32_MAX);
  checkUint('rewardKey', data.rewardKey, 0xffff);
  checkUint('costPoints', data.costPoints, UINT32_MAX);
  checkUint('costStamps', data.costStamps, 0xffff);
  if (!/^[0-9a-f]{16}$/.test(data.voucherId)) throw new RangeError('voucherId must be 16 lower-case hex characters');
  const body = new Uint8Array(VOUCHER_BODY_BYTES);
  const view = new DataView(body.buffer);
  view.setUint8(0, VOUCHER_VERSION);
  view.setUint32(1, data.shopNo);
  body.set(hexToBytes(data.voucherId), 5);
  view.setUint32(13, data.memberNo);
  view.setUint16(17, data.rewardKey);
  view.setUint32(19, data.costPoints);
  view.setUint16(23, data.costStamps);
  view.setUint32(25, minutesOf(data.expiresAt));
  // bytes 29..30 reserved (zero)
  const signature = ed25519.sign(voucherMessage(body), hubSecretKey);
  const all = new Uint8Array(body.length + signature.length);
  all.set(body);
  all.set(signature, body.length);
  return encodeSafeCode('voucher', all);
}

export interface VoucherVerifyContext {
  hubPublicKey: Uint8Array;
  shopNo?: number;
  now: Date;
}

/** Verifies a scanned voucher offline. Single use is the kiosk's (and hub's) ledger: redeem entry id from voucherId. */
export function verifyVoucher(code: string, ctx: VoucherVerifyContext): Verified<VoucherData, VoucherRefusal> {
  const decoded = decodeSafeCode(code.trim());
  if (!decoded.ok || decoded.kind !== 'voucher' || decoded.payload.length !== VOUCHER_BODY_BYTES + 64) return { ok: false, reason: 'malformed' };
  const bytes = decoded.payload;
  const body = bytes.subarray(0, VOUCHER_BODY_BYTES);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (view.getUint8(0) !== VOUCHER_VERSION) return { ok: false, reason: 'unsupported-version' };
  let valid = false;
  try {
    valid = ed25519.verify(bytes.subarray(VOUCHER_BODY_BYTES), voucherMessage(body), ctx.hubPublicKey);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  const data: VoucherData = {
    shopNo: view.getUint32(1),
    voucherId: bytesToHex(body.subarray(5, 13)),
    memberNo: view.getUint32(13),
    rewardKey: view.getUint16(17),
    costPoints: view.getUint32(19),
    costStamps: view.getUint16(23),
    expiresAt: new Date(view.getUint32(25) * 60_000),
  };
  if (ctx.shopNo !== undefined && data.shopNo !== ctx.shopNo) return { ok: false, reason: 'wrong-shop' };
  if (ctx.now.getTime() >= data.expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, data };
}

/**
 * The 16-bit key a voucher names its reward by: the first two bytes of SHA-256 of the reward's id.
 * A reward keeps its key while others are added, removed or reordered; the editor's checks refuse a
 * program in which two reward ids share a key (core/program/checks.ts).
 */
export function rewardKeyOf(rewardId: string): number {
  const digest = sha256(new TextEncoder().encode(rewardId));
  return (digest[0]! << 8) | digest[1]!;
}

/** The reward a voucher's key names in `rewards`, or undefined when the shop no longer offers it. */
export function rewardByKey<R extends { id: string }>(rewards: readonly R[], rewardKey: number): R | undefined {
  return rewards.find((reward) => rewardKeyOf(reward.id) === rewardKey);
}

/**
 * The ledger id of a voucher's redemption debit as kiosks wrote it before vouchers held their points
 * at issue. Kept so that such entries still read as a voucher's; new redemptions debit nothing.
 */
export function voucherRedemptionEntryId(voucherId: string): string {
  return `voucher:${voucherId}`;
}

/** Days a reward voucher stays valid. */
export const VOUCHER_VALID_DAYS = 30;

/**
 * When a voucher was issued, read back from its expiry: the hub issues at a whole minute and the
 * voucher expires exactly VOUCHER_VALID_DAYS later, so the hub and every kiosk derive the same instant.
 */
export function voucherIssuedAt(expiresAt: Date): Date {
  return new Date(expiresAt.getTime() - VOUCHER_VALID_DAYS * 86_400_000);
}

/** The issue minute (floor of `now`) and the expiry of a voucher issued at `now`. */
export function voucherValidity(now: Date): { issuedAt: Date; expiresAt: Date } {
  const issuedAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  return { issuedAt, expiresAt: new Date(issuedAt.getTime() + VOUCHER_VALID_DAYS * 86_400_000) };
}

export const voucherHoldEntryId = (voucherId: string): string => `voucher-hold:${voucherId}`;
export const voucherReleaseEntryId = (voucherId: string): string => `voucher-release:${voucherId}`;

/**
 * The entry that holds a voucher's cost when it is issued: a `redeem` debit of its points and stamps,
 * written by the hub with the voucher row. Kiosks derive the very same entry from the voucher itself
 * (same id, amounts and time), so a redemption debits nothing more and both ledgers hold one row.
 * `ruleId` is the reward's stamp card (stamps are counted per card) or else the reward's id.
 */
export function voucherHoldEntry(
  voucher: Pick<VoucherData, 'voucherId' | 'costPoints' | 'costStamps' | 'expiresAt'>,
  memberId: string,
  reward: { ruleId: string; label: string },
): LedgerEntry {
  return {
    id: voucherHoldEntryId(voucher.voucherId),
    memberId,
    kind: 'redeem',
    points: negate(voucher.costPoints),
    stamps: negate(voucher.costStamps),
    saleId: null,
    reverses: null,
    reason: { code: 'redeem', ruleId: reward.ruleId, label: reward.label },
    at: voucherIssuedAt(voucher.expiresAt).toISOString(),
  };
}

/** Gives a held voucher's points back (it expired or was cancelled unredeemed): the reversal of its hold. */
export function voucherReleaseEntry(hold: LedgerEntry, at: Date, why: 'expired' | 'cancelled'): LedgerEntry {
  return {
    id: voucherReleaseEntryId(hold.id.slice('voucher-hold:'.length)),
    memberId: hold.memberId,
    kind: 'reversal',
    points: negate(hold.points),
    stamps: negate(hold.stamps),
    saleId: null,
    reverses: hold.id,
    reason: {
      code: `voucher-${why}`,
      ...(hold.reason.ruleId ? { ruleId: hold.reason.ruleId } : {}),
      ...(hold.reason.label ? { label: hold.reason.label } : {}),
    },
    at: at.toISOString(),
  };
}
