import { describe, expect, it } from 'vitest';
import type { Locale } from '../../core/i18n/locales';
import { demoProgram } from '../../core/program/demo';
import { buildReceiptDocument, earnedLine, receiptMember, saleReceiptInput, type ReceiptInput } from '../../core/receipt/document';
import { layoutReceipt } from '../../core/receipt/layout';
import type { SaleView } from '../../core/till-api';

describe('earned line on a receipt', () => {
  it('keeps only the reasons of a headline, since the points print in their own column', () => {
    expect(earnedLine(36, 0, '+36 (x2 wtorek)')).toEqual({ points: 36, stamps: 0, label: 'x2 wtorek' });
    expect(earnedLine(520, 1, '+520 (x2 wtorek, ponad 100 zł)')).toEqual({ points: 520, stamps: 1, label: 'x2 wtorek, ponad 100 zł' });
    expect(earnedLine(18, 0, '+18')).toEqual({ points: 18, stamps: 0 });
  });
});

// The one receipt builder (core/receipt): a member sale, a sale with no member, an unclaimed sale.
const sale = (over: Partial<SaleView> = {}): SaleView => ({
  saleId: 'K1-S7',
  tillSaleId: 'A-1001',
  total: { amount: 4000, currency: 'PLN' },
  payment: null,
  refunded: { amount: 0, currency: 'PLN' },
  status: 'open',
  points: 40,
  stamps: 0,
  earned: [{ points: 40, stamps: 0, reason: '+40' }],
  claimUrl: null,
  claimExpiresAt: null,
  memberCode: null,
  createdAt: '2026-11-24T09:00:00.000Z',
  ...over,
});
const program = demoProgram();
const lines = (input: ReceiptInput): string =>
  layoutReceipt(buildReceiptDocument(input), 48)
    .flatMap((l) => (l.kind === 'text' ? [l.text] : []))
    .join('\n');
const qrs = (input: ReceiptInput): string[] => buildReceiptDocument(input).blocks.flatMap((b) => (b.kind === 'qr' ? [b.payload] : []));

describe('receipt of a sale (saleReceiptInput + buildReceiptDocument)', () => {
  it('a member sale prints the first name, "Earned" once, the new balance and the progress, and no QR', () => {
    const member = receiptMember(program, 'Anna Nowak', { points: 140, stampsByCard: { 'coffee-card': 7 } });
    const input = saleReceiptInput({ program: { ...program, locale: 'en' }, sale: sale({ status: 'claimed', memberCode: 'M1' }), member });
    const text = lines(input);
    expect(text).toContain('Member: Anna');
    expect(text).not.toContain('Nowak');
    expect(text.match(/Earned/g)).toHaveLength(1);
    expect(text).toMatch(/Earned +\+40/);
    expect(text).toMatch(/Balance +140 points/);
    expect(text).toMatch(/Stamps +7 stamps/);
    // 140 points: '10% off' (100 points) is ready.
    expect(text).toContain('Reward available: 10% off');
    expect(qrs(input)).toEqual([]);
  });

  it('a member short of every reward gets the nearest one, with the plural of the language', () => {
    const member = receiptMember(program, 'Zofia', { points: 59, stampsByCard: { 'coffee-card': 2 } });
    const text = lines(saleReceiptInput({ program, sale: sale({ memberCode: 'M1' }), member }));
    expect(text).toContain('Klient: Zofia');
    expect(text).toContain('Jeszcze 1 punkt do: 5 zł off');
    expect(text).toMatch(/Saldo +59 punktów/);
  });

  it('an unclaimed sale prints its claim QR and until when it is valid, and nothing about a balance or a name', () => {
    const input = saleReceiptInput({
      program: { ...program, locale: 'de' },
      sale: sale({ claimUrl: 'HTTPS://HUB.EXAMPLE/C/ABCDEFGH', claimExpiresAt: '2026-12-01T09:00:00.000Z' }),
    });
    const text = lines(input);
    expect(qrs(input)).toEqual(['HTTPS://HUB.EXAMPLE/C/ABCDEFGH']);
    expect(text).toContain('Gültig bis 01.12.2026');
    expect(text).toMatch(/Gesammelt +\+40/);
    expect(text.match(/Gesammelt/g)).toHaveLength(1);
    expect(text).not.toMatch(/Kontostand|Mitglied|Noch|Prämie/);
  });

  it('a sale with no member and no claim (claimed or expired) prints the points earned alone', () => {
    const text = lines(saleReceiptInput({ program: { ...program, locale: 'en' }, sale: sale() }));
    expect(text).toMatch(/Earned +\+40/);
    expect(text).not.toMatch(/Balance|Member|Scan/);
  });

  it('several reasons print one line each, the unlabelled one as the purchase, then the total once', () => {
    const text = lines(
      saleReceiptInput({
        program: { ...program, locale: 'en' },
        sale: sale({
          earned: [
            { points: 18, stamps: 0, reason: '+18' },
            { points: 18, stamps: 0, reason: '+18 (x2 Tuesday)' },
            { points: 0, stamps: 1, reason: '+1 (coffee card)' },
          ],
        }),
      }),
    );
    expect(text).toMatch(/Purchase +\+18/);
    expect(text).toMatch(/x2 Tuesday +\+18/);
    expect(text).toMatch(/coffee card +\+1 stamp/);
    expect(text).toMatch(/Earned +\+36 \/ \+1/);
    expect(text.match(/Earned/g)).toHaveLength(1);
  });

  it('prints the member line and the progress in all six languages', () => {
    const member = receiptMember(program, 'Ewa', { points: 10, stampsByCard: { 'coffee-card': 4 } });
    const expected: Record<Locale, [string, string]> = {
      en: ['Member: Ewa', '5 more stamps to Free coffee'],
      pl: ['Klient: Ewa', 'Jeszcze 5 pieczątek do: Free coffee'],
      hu: ['Törzsvásárló: Ewa', 'Még 5 pecsét: Free coffee'],
      sk: ['Člen: Ewa', 'Ešte 5 pečiatok do: Free coffee'],
      cs: ['Člen: Ewa', 'Ještě 5 razítek do: Free coffee'],
      de: ['Mitglied: Ewa', 'Noch 5 Stempel bis: Free coffee'],
    };
    for (const [locale, [name, progress]] of Object.entries(expected) as Array<[Locale, [string, string]]>) {
      const text = lines(saleReceiptInput({ program: { ...program, locale }, sale: sale({ memberCode: 'M1' }), member }));
      expect(text).toContain(name);
      expect(text).toContain(progress);
    }
  });

  it('a cash sale prints the amount paid in cash once, in place of the total, through the one money formatter', () => {
    const huf = { ...program, locale: 'hu' as const };
    const paid = { amount: 125500, currency: 'HUF' as const };
    const cash = lines(saleReceiptInput({ program: huf, sale: sale({ total: paid, refunded: { amount: 0, currency: 'HUF' }, payment: 'cash' }) }));
    expect(cash).toMatch(/Készpénzzel fizetve +1255\u00a0Ft/);
    expect(cash.match(/1255\u00a0Ft/g)).toHaveLength(1);
    expect(cash).not.toContain('Összesen');
    // Not said to be cash (or by card): the total, as before.
    for (const payment of [null, 'card'] as const) {
      const text = lines(saleReceiptInput({ program: huf, sale: sale({ total: paid, refunded: { amount: 0, currency: 'HUF' }, payment }) }));
      expect(text).toMatch(/Összesen +1255\u00a0Ft/);
      expect(text).not.toContain('Készpénz');
    }
    const czk = lines(saleReceiptInput({ program: { ...program, locale: 'cs' }, sale: sale({ total: { amount: 10000, currency: 'CZK' }, payment: 'cash' }) }));
    expect(czk).toMatch(/Zaplaceno hotově +100\u00a0Kč/);
  });

  it('refuses a member block with a bad balance, naming the field', () => {
    expect(() => buildReceiptDocument({ ...saleReceiptInput({ program, sale: sale() }), member: { balance: { points: 1.5 } } })).toThrow(/member/);
  });
});
