import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafeCode, encodeSafeCode, isLayoutSafe, LAYOUT_SAFE_ALPHABET, memberCodeFor, safeCheckLetter } from '../../core/codes';
import { formatMessage } from '../../core/i18n/catalog';
import { scanMessages } from '../../core/i18n/scan';
import { LOCALES } from '../../core/i18n/locales';
import { classifyScan, MAX_SCAN_LENGTH, scanGarbage } from '../../core/scan';

const sale = { saleOpen: true };
const voucherBytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);
const claimBytes = Uint8Array.from({ length: 24 }, (_, i) => (i * 91 + 3) & 0xff);

describe('safe codes', () => {
  it('member codes are 12 layout-safe letters and round-trip the member number', () => {
    for (const n of [0, 1, 255, 123_456_789, 2 ** 40 - 1]) {
      const code = memberCodeFor(n);
      expect(code).toHaveLength(12);
      expect(code.startsWith('M')).toBe(true);
      expect(isLayoutSafe(code)).toBe(true);
      const meaning = classifyScan(code, sale);
      expect(meaning).toMatchObject({ kind: 'member', action: 'attachMemberToSale', memberNumber: n, code });
    }
    expect(() => memberCodeFor(2 ** 40)).toThrow(RangeError);
    expect(() => memberCodeFor(-1)).toThrow(RangeError);
  });

  it('the check letter catches every single-letter misread (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 15 }), (n, position, shift) => {
        const code = memberCodeFor(n);
        const wrong = LAYOUT_SAFE_ALPHABET[(LAYOUT_SAFE_ALPHABET.indexOf(code[position]!) + shift) % 16]!;
        const misread = code.slice(0, position) + wrong + code.slice(position + 1);
        expect(decodeSafeCode(misread)).toEqual({ ok: false, reason: 'badCheck' });
      }),
    );
  });

  it('catches most swaps of neighbouring letters', () => {
    let caught = 0;
    let swaps = 0;
    for (let n = 0; n < 2000; n++) {
      const code = memberCodeFor(n * 7_919_993);
      for (let i = 1; i < 11; i++) {
        if (code[i] === code[i + 1]) continue;
        swaps++;
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
        if (!decodeSafeCode(swapped).ok) caught++;
      }
    }
    expect(caught / swaps).toBeGreaterThan(0.9);
  });

  it('a check letter is only defined over safe letters', () => {
    expect(safeCheckLetter('MAB')).toMatch(/^[A-R]$/);
    expect(safeCheckLetter('MAZ')).toBeUndefined();
  });

  it('reads lower case (Caps Lock on) the same as upper case', () => {
    const code = memberCodeFor(42);
    expect(classifyScan(code.toLowerCase(), sale)).toMatchObject({ kind: 'member', memberNumber: 42 });
  });
});

describe('classifyScan: the meaning of a scan', () => {
  it('a voucher code is to be checked and redeemed, carrying the payload to verify', () => {
    const code = encodeSafeCode('voucher', voucherBytes);
    const meaning = classifyScan(code, { saleOpen: false });
    expect(meaning.action).toBe('redeemVoucher');
    if (meaning.action !== 'redeemVoucher') return;
    expect([...meaning.payload]).toEqual([...voucherBytes]);
  });

  it('a receipt claim QR (URL, any case) and a bare claim code are claimed by staff', () => {
    expect(classifyScan('HTTP://192.168.1.20:7400/C/ABCDEFGH12345678', sale)).toMatchObject({
      kind: 'claim',
      action: 'claimSale',
      via: 'url',
      token: 'ABCDEFGH12345678',
    });
    expect(classifyScan('https://hub.example.com/c/abc-DEF_12345', sale)).toMatchObject({ kind: 'claim', via: 'url', token: 'abc-DEF_12345' });
    const bare = encodeSafeCode('claim', claimBytes);
    const meaning = classifyScan(bare, { saleOpen: false });
    expect(meaning).toMatchObject({ kind: 'claim', via: 'code', token: bare });
    if (meaning.action === 'claimSale') expect([...meaning.payload!]).toEqual([...claimBytes]);
  });

  it('a claim URL from a host that is not ours is refused when hosts are configured', () => {
    const meaning = classifyScan('HTTP://EVIL.EXAMPLE:80/C/ABCDEFGH12345678', { saleOpen: true, claimHosts: ['hub.shop.pl:7400'] });
    expect(meaning).toMatchObject({ action: 'none', reason: 'foreignUrl', message: { key: 'scanForeignUrl', values: { host: 'evil.example:80' } } });
    expect(classifyScan('HTTP://HUB.SHOP.PL:7400/C/ABCDEFGH12345678', { saleOpen: true, claimHosts: ['hub.shop.pl:7400'] }).action).toBe('claimSale');
  });

  it('a member code with no open sale changes nothing and tells staff why', () => {
    expect(classifyScan(memberCodeFor(7), { saleOpen: false })).toMatchObject({
      kind: 'member',
      action: 'none',
      reason: 'noOpenSale',
      message: { key: 'scanNoOpenSale' },
    });
  });

  it.each([
    ['a misread member code', memberCodeFor(99).slice(0, -1) + 'A', 'misread'],
    ['a voucher of the wrong length', encodeSafeCode('voucher', voucherBytes).slice(0, 21), 'misread'],
    ['an EAN-13 product barcode', '5901234123457', 'productBarcode'],
    ['some web site', 'https://example.com/menu', 'otherUrl'],
    ['a naive code with Z and digits', 'ZX12YQ', 'unrecognized'],
    ['text with a control byte', 'MAB\u0007CDEF', 'controlCharacters'],
    ['a 10 KB line', 'A'.repeat(10_240), 'tooLong'],
    ['a failed UTF-8 decode', 'M\uFFFDABC', 'invalidText'],
    ['nothing', '   ', 'empty'],
  ])('%s gets a clear refusal (%s → %s) and no action', (_what, text, reason) => {
    const meaning = classifyScan(text, sale);
    expect(meaning.action).toBe('none');
    if (meaning.action !== 'none') return;
    expect(meaning.reason).toBe(reason);
    for (const locale of LOCALES) {
      const words = formatMessage(scanMessages, locale, meaning.message.key, { host: 'x', ...meaning.message.values });
      expect(words.length).toBeGreaterThan(10);
    }
  });

  it('scanGarbage accepts ordinary text up to the limit', () => {
    expect(scanGarbage('Zażółć gęślą jaźń')).toBeUndefined();
    expect(scanGarbage('A'.repeat(MAX_SCAN_LENGTH))).toBeUndefined();
    expect(scanGarbage('A'.repeat(MAX_SCAN_LENGTH + 1))).toBe('tooLong');
  });
});
