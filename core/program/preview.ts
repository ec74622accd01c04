import { earnForSale, type MemberState } from '../earn';
import { formatMessage } from '../i18n/catalog';
import { commonMessages } from '../i18n/common';
import type { Locale } from '../i18n/locales';
import { programMessages } from '../i18n/program';
import { LoyaltyError } from '../ledger/errors';
import { formatMoney, MoneyError, type Money } from '../money';
import { receiptItemLines } from './categories';
import { addDays, weekdayOf, zonedInstant } from './clock';
import type { Program } from './schema';

/**
 * The editor's live preview: what example sales earn under a (draft) program, in words. Earning is
 * earnForSale's, untouched; this only picks a moment for each example and words the result.
 */

export type PreviewSale = {
  amount: Money;
  /** ISO weekday 1 Monday … 7 Sunday, in the program's time zone. */
  weekday: number;
  /** HH:MM on the shop's clock. */
  time: string;
  /** The member's tier before the sale (a tier level id), or none. */
  tierId?: string | null;
  /** Item lines as a receipt from the till prints them ("2 x Sernik 12,00"): the program's item patterns give their categories. */
  items?: readonly string[];
};

export type PreviewLine = {
  /** "Sprzedaż 18,40 zł we wtorek daje 36 punktów". */
  text: string;
  ok: boolean;
  points: number;
  stamps: number;
  /** One line per rule that added something: "x2 wtorek: 18 punktów". */
  reasons: string[];
  /** The instant the example was computed for. */
  at: string;
};

/**
 * What each example sale earns for a returning member (second visit, last seen the day before), on
 * the first day from `fromDate` (YYYY-MM-DD, the shop's calendar) that falls on its weekday.
 */
export function previewSales(program: Program, sales: readonly PreviewSale[], options: { locale: Locale; fromDate: string }): PreviewLine[] {
  const { locale } = options;
  const amountText = (amount: Money): string => formatMoney(amount, locale);
  const points = (n: number): string => formatMessage(commonMessages, locale, 'points', { n });
  const stampsText = (n: number): string => formatMessage(commonMessages, locale, 'stamps', { n });
  return sales.map((sale, index) => {
    const offset = (sale.weekday - weekdayOf(options.fromDate) + 7) % 7;
    const at = zonedInstant(addDays(options.fromDate, offset), sale.time, program.timeZone);
    const member: MemberState = {
      id: 'preview-member',
      joinedAt: new Date(at.getTime() - 30 * 86_400_000).toISOString(),
      visits: 1,
      lastVisitAt: new Date(at.getTime() - 86_400_000).toISOString(),
      firstPurchaseDone: true,
      ...(sale.tierId ? { tierId: sale.tierId } : {}),
    };
    let n = 0;
    // The passthrough's reading of the receipt (core/program/categories): which lines stamp which category card.
    const items = receiptItemLines(program, sale.items ?? []);
    const lines = items.map((item) => ({ category: item.category, quantity: item.quantity, product: item.name.slice(0, 128) }));
    try {
      const earned = earnForSale(
        program,
        member,
        { id: `preview-${index}`, total: sale.amount, ...(lines.length > 0 ? { lines } : {}) },
        at,
        () => `preview-${index}-${n++}`,
      );
      const stamps = Object.values(earned.summary.stamps).reduce((a, b) => a + b, 0);
      const base = earned.entries.find((e) => e.reason.code === 'base');
      const reasons = [
        ...(base && base.points > 0 ? [`${base.reason.label ?? formatMessage(programMessages, locale, 'preview.base')}: ${points(base.points)}`] : []),
        ...earned.summary.applied.map((a) => `${a.label}: ${a.points > 0 ? points(a.points) : stampsText(a.stamps)}`),
        ...items.map((item) => formatMessage(programMessages, locale, 'preview.item', { item: item.name, category: item.category, quantity: item.quantity })),
      ];
      return {
        text: formatMessage(programMessages, locale, 'preview.sale', {
          amount: amountText(sale.amount),
          weekday: sale.weekday,
          points: earned.summary.points,
          stamps,
        }),
        ok: true,
        points: earned.summary.points,
        stamps,
        reasons,
        at: at.toISOString(),
      };
    } catch (error) {
      if (!(error instanceof MoneyError) && !(error instanceof LoyaltyError)) throw error;
      const reason = error.code === 'currency_mismatch' ? 'currency' : error.code === 'over_ceiling' ? 'ceiling' : 'other';
      return {
        text: formatMessage(programMessages, locale, 'preview.refused', { amount: amountText(sale.amount), reason, currency: program.currency }),
        ok: false,
        points: 0,
        stamps: 0,
        reasons: [],
        at: at.toISOString(),
      };
    }
  });
}
