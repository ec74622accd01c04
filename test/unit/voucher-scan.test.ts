// A real hub-signed voucher as staff scan it: typed by a keyboard-wedge scanner (any layout, Caps
// Lock on or off) and read back by the wedge decoder, then routed by classifyScan, must verify as
// the whole `R…` code. (It once reached verifyVoucher as bare letters and every voucher was refused.)
import { describe, expect, it } from 'vitest';
import { bytesToSafeLetters } from '../../core/codes';
import { classifyScan } from '../../core/scan';
import { createVoucher, rewardKeyOf, verifyVoucher, voucherKeyPair } from '../../core/tokens';
import { WedgeDecoder, type WedgeKeyEvent } from '../../hardware/scanner/wedge';
import { voucherCode } from '../../main/kiosk/ui-services';

const keys = voucherKeyPair(new Uint8Array(32).fill(5));
const issued = new Date('2026-11-02T09:00:00Z');
const data = {
  shopNo: 1,
  voucherId: '00112233aabbccdd',
  memberNo: 42,
  rewardKey: rewardKeyOf('five-zl'),
  costPoints: 60,
  costStamps: 0,
  expiresAt: new Date(issued.getTime() + 30 * 86_400_000),
};
const code = createVoucher(data, keys.secretKey);
const ctx = { hubPublicKey: keys.publicKey, shopNo: 1, now: new Date(issued.getTime() + 3_600_000) };

/** The scanner presses the US key of each letter, then Enter; `capsLock` makes the OS report lower case. */
function wedgeTyped(text: string, capsLock: boolean, decodeFrom: 'code' | 'key'): string[] {
  const decoder = new WedgeDecoder({ decodeFrom });
  const events: WedgeKeyEvent[] = [...text].map((ch, i) => ({ key: capsLock ? ch.toLowerCase() : ch, code: `Key${ch}`, at: 1000 + 3 * i }));
  events.push({ key: 'Enter', code: 'Enter', at: 1000 + 3 * text.length });
  return events.map((ev) => decoder.feed(ev)).flatMap((r) => (r.scan === undefined ? [] : [r.scan]));
}

describe('a voucher scanned or typed at the counter', () => {
  it.each([
    [false, 'code'],
    [true, 'code'],
    [false, 'key'],
    [true, 'key'],
  ] as const)('wedge-typed (Caps Lock %s, read by %s) it routes as a voucher and verifies', (caps, from) => {
    const [scanned] = wedgeTyped(code, caps, from);
    const meaning = classifyScan(scanned!, { saleOpen: true });
    expect(meaning).toMatchObject({ kind: 'voucher', action: 'redeemVoucher', code });
    if (meaning.action !== 'redeemVoucher') throw new Error('not a voucher');
    expect(verifyVoucher(meaning.code, ctx)).toEqual({ ok: true, data });
    // The payload's letters without the kind and check letters are not a voucher: that was the bug.
    expect(verifyVoucher(bytesToSafeLetters(meaning.payload), ctx)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('typed on the staff screen with spaces, a line break or in lower case it is the same code', () => {
    const typed = `  ${code.slice(0, 40)} ${code.slice(40, 100)}\n${code.slice(100).toLowerCase()}\n`;
    expect(verifyVoucher(voucherCode(typed), ctx)).toEqual({ ok: true, data });
    // One letter changed: the check letter (or the signature) refuses it.
    const changed = `${code.slice(0, 10)}${code[10] === 'A' ? 'B' : 'A'}${code.slice(11)}`;
    expect(verifyVoucher(voucherCode(changed), ctx).ok).toBe(false);
  });
});
