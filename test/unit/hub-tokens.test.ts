import { describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { base32nopad } from '@scure/base';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  CLAIM_TOKEN_CHARS,
  claimSaleKey,
  claimUrl,
  createClaimToken,
  createVoucher,
  peekClaimToken,
  verifyClaimToken,
  rewardByKey,
  rewardKeyOf,
  verifyVoucher,
  voucherKeyPair,
  type ClaimTokenData,
} from '../../core/tokens';
import { decodeSafeCode, encodeSafeCode, isLayoutSafe } from '../../core/codes';
import { classifyScan } from '../../core/scan';

const secretA = new Uint8Array(32).fill(7);
const secretB = new Uint8Array(32).fill(9);
const now = new Date('2026-11-23T12:00:00Z');
const data: ClaimTokenData = {
  shopNo: 3,
  kioskNo: 41,
  saleNo: 100_001,
  points: 18,
  stamps: 1,
  total: { amount: 1840, currency: 'PLN' },
  expiresAt: new Date('2026-11-30T12:00:00Z'),
};
const ctx = { secretFor: (k: number) => (k === 41 ? secretA : undefined), shopNo: 3, now };

function flipField(token: string, offset: number, value: number): string {
  const bytes = base32nopad.decode(token);
  new DataView(bytes.buffer).setUint32(offset, value);
  return base32nopad.encode(bytes);
}

describe('claim tokens', () => {
  it('round-trips every field and is verified with the kiosk secret alone', () => {
    const token = createClaimToken(data, secretA);
    expect(token).toMatch(/^[A-Z2-7]+$/);
    expect(token.length).toBe(CLAIM_TOKEN_CHARS);
    const result = verifyClaimToken(token, ctx);
    expect(result).toEqual({ ok: true, data });
    expect(claimSaleKey(data)).toBe('K41-S100001');
  });

  it('accepts lower-case text (some phones lower-case the URL path) ', () => {
    const token = createClaimToken(data, secretA);
    expect(verifyClaimToken(token.toLowerCase(), ctx).ok).toBe(true);
  });

  it('refuses forged, tampered, expired, other-shop, unknown-kiosk and garbage tokens with a reason', () => {
    const token = createClaimToken(data, secretA);
    expect(verifyClaimToken(createClaimToken(data, secretB), ctx)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyClaimToken(flipField(token, 13, 1800), ctx)).toEqual({ ok: false, reason: 'bad-signature' }); // points
    expect(verifyClaimToken(flipField(token, 19, 184000), ctx)).toEqual({ ok: false, reason: 'bad-signature' }); // amount
    expect(verifyClaimToken(token, { ...ctx, now: new Date('2026-12-01T00:00:00Z') })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyClaimToken(token, { ...ctx, shopNo: 4 })).toEqual({ ok: false, reason: 'wrong-shop' });
    expect(verifyClaimToken(token, { ...ctx, secretFor: () => undefined })).toEqual({ ok: false, reason: 'unknown-kiosk' });
    expect(verifyClaimToken('HELLO', ctx)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyClaimToken(token.slice(0, -1) + '1', ctx)).toEqual({ ok: false, reason: 'malformed' });
    expect(peekClaimToken('A'.repeat(5000)).ok).toBe(false);
  });

  it('builds a claim URL that fits QR version 5 at level M for a 30-character host', async () => {
    const host = 'loyalty-hub.kawiarnia-anna.pl'.padEnd(30, 'x');
    expect(host.length).toBe(30);
    const token = createClaimToken({ ...data, shopNo: 0xffffffff, kioskNo: 0xffffffff, saleNo: 0xffffffff, points: 0xffffffff }, secretA);
    const url = claimUrl(`https://${host}`, token);
    expect(url).toBe(url.toUpperCase());
    expect(url).toMatch(/^[0-9A-Z $%*+\-./:]+$/); // QR alphanumeric set
    const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
    expect(qr.version).toBeLessThanOrEqual(5);
    expect(qr.segments.some((s) => s.mode.id === 'Byte')).toBe(false);
    // The same URL in lower case would need byte mode and a bigger symbol.
    expect(QRCode.create(url.toLowerCase(), { errorCorrectionLevel: 'M' }).version).toBeGreaterThan(5);
  });
});

describe('vouchers', () => {
  const hub = voucherKeyPair(new Uint8Array(32).fill(1));
  const voucher = {
    shopNo: 3,
    voucherId: '0123456789abcdef',
    memberNo: 17,
    rewardKey: 0xbeef,
    costPoints: 120,
    costStamps: 0,
    expiresAt: new Date('2026-12-23T12:00:00Z'),
  };

  it('is signed by the hub and verified offline with its public key alone, in layout-safe letters', () => {
    const code = createVoucher(voucher, hub.secretKey);
    expect(isLayoutSafe(code)).toBe(true);
    expect(verifyVoucher(code, { hubPublicKey: hub.publicKey, shopNo: 3, now })).toEqual({ ok: true, data: voucher });
  });

  it('is written in the scanner format: classifyScan calls it a voucher to redeem, lower case (Caps Lock) too', () => {
    const code = createVoucher(voucher, hub.secretKey);
    expect(code).toMatch(/^R[A-HJ-NP-R]{191}$/);
    expect(classifyScan(code, { saleOpen: false })).toMatchObject({ kind: 'voucher', action: 'redeemVoucher', code });
    expect(classifyScan(`${code}\n`.toLowerCase(), { saleOpen: true })).toMatchObject({ kind: 'voucher', action: 'redeemVoucher' });
    expect(verifyVoucher(code.toLowerCase(), { hubPublicKey: hub.publicKey, now })).toMatchObject({ ok: true, data: { costPoints: 120 } });
  });

  it('names its reward by a key of the reward id (first two bytes of SHA-256), found wherever the reward moved', () => {
    expect(rewardKeyOf('ten-off')).toBe(0x28f4);
    expect(rewardKeyOf('five-zl')).not.toBe(rewardKeyOf('ten-off'));
    const rewards = [{ id: 'free-coffee' }, { id: 'ten-off' }, { id: 'five-zl' }];
    expect(rewardByKey(rewards, rewardKeyOf('five-zl'))).toBe(rewards[2]);
    expect(
      rewardByKey(
        rewards.filter((r) => r.id !== 'ten-off'),
        rewardKeyOf('five-zl'),
      ),
    ).toEqual({ id: 'five-zl' });
    expect(
      rewardByKey(
        rewards.filter((r) => r.id !== 'ten-off'),
        rewardKeyOf('ten-off'),
      ),
    ).toBeUndefined();
    expect(() => createVoucher({ ...voucher, rewardKey: 0x10000 }, hub.secretKey)).toThrow(RangeError);
  });

  it('refuses a changed, foreign-signed, expired or other-shop voucher', () => {
    const code = createVoucher(voucher, hub.secretKey);
    // Body of a voucher for 1 point with the signature of the 120-point one, re-written with a valid check letter.
    const cheap = decodeSafeCode(createVoucher({ ...voucher, costPoints: 1 }, hub.secretKey));
    const real = decodeSafeCode(code);
    if (!cheap.ok || !real.ok) throw new Error('vouchers must decode');
    const changed = encodeSafeCode('voucher', Uint8Array.from([...cheap.payload.subarray(0, 31), ...real.payload.subarray(31)]));
    expect(verifyVoucher(changed, { hubPublicKey: hub.publicKey, now })).toEqual({ ok: false, reason: 'bad-signature' });
    // One letter misread by the scanner: the check letter catches it before any signature maths.
    const misread = code.slice(0, 40) + (code[40] === 'A' ? 'B' : 'A') + code.slice(41);
    expect(verifyVoucher(misread, { hubPublicKey: hub.publicKey, now })).toEqual({ ok: false, reason: 'malformed' });
    // A member code is not a voucher.
    expect(verifyVoucher(encodeSafeCode('member', new Uint8Array(5)), { hubPublicKey: hub.publicKey, now })).toEqual({ ok: false, reason: 'malformed' });
    const other = ed25519.getPublicKey(new Uint8Array(32).fill(2));
    expect(verifyVoucher(code, { hubPublicKey: other, now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyVoucher(code, { hubPublicKey: hub.publicKey, now: new Date('2027-01-01T00:00:00Z') })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyVoucher(code, { hubPublicKey: hub.publicKey, shopNo: 4, now })).toEqual({ ok: false, reason: 'wrong-shop' });
    expect(verifyVoucher('ZZZ', { hubPublicKey: hub.publicKey, now })).toEqual({ ok: false, reason: 'malformed' });
  });
});
