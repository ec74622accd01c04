import { z } from 'zod';
import { formatMessage } from '../i18n/catalog';
import { commonMessages } from '../i18n/common';
import { formatInstant } from '../i18n/dates';
import { localeSchema, type Locale } from '../i18n/locales';
import { receiptMessages } from '../i18n/receipt';
import { formatMoney, moneySchema, paymentKindSchema, type Money } from '../money';
import { progressToReward, rewardProgressSchema, type ProgressBalance } from '../program/progress';
import type { Program } from '../program/schema';
import { rewardName, ruleLabelIn } from '../program/texts';
import type { SaleView } from '../till-api';

/**
 * The receipt as a document: what is printed, in which language, with no printer in sight.
 * `buildReceiptDocument` turns the sale figures into translated blocks; `layoutReceipt` (layout.ts)
 * fits them to 32 or 48 columns; hardware/printer turns the lines into ESC/POS bytes.
 */
export const receiptInputSchema = z
  .object({
    locale: localeSchema,
    /** IANA time zone of the shop, for the printed dates. */
    timeZone: z.string().min(1).default('Europe/Warsaw'),
    shop: z
      .object({
        name: z.string().min(1).max(200),
        /** Address, tax id, phone: printed centred under the name, one entry per line. */
        lines: z.array(z.string().max(200)).max(6).default([]),
      })
      .strict(),
    saleId: z.string().min(1).max(64),
    /** ISO 8601 instant of the sale. */
    at: z.iso.datetime({ offset: true }),
    total: moneySchema.optional(),
    /** "cash": the total is the amount paid in cash (already cash-rounded) and is printed as such. */
    payment: paymentKindSchema.nullable().default(null),
    /** Optional sale lines (the till's fiscal receipt is separate; these are for a loyalty-only slip). */
    items: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200),
            quantity: z.number().int().positive().default(1),
            amount: moneySchema,
          })
          .strict(),
      )
      .max(200)
      .default([]),
    /** Points earned by this sale, one entry per ledger reason ("x2 Tuesday"). */
    earned: z
      .array(
        z
          .object({
            points: z.number().int(),
            stamps: z.number().int().default(0),
            label: z.string().max(100).optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * The sale's member, once known (rung with a member code, or claimed at the counter): the first name,
     * the balance after the sale and the progress to the next reward. Absent for a sale no member has
     * claimed yet: such a receipt says nothing about any balance.
     */
    member: z
      .object({
        /** Only the first name is printed: a receipt is often left on the counter. */
        firstName: z.string().min(1).max(60).nullable().default(null),
        /** Points, and stamps over all cards when the shop has a stamp card. */
        balance: z.object({ points: z.number().int(), stamps: z.number().int().optional() }).strict(),
        progress: rewardProgressSchema.nullable().default(null),
      })
      .strict()
      .optional(),
    /** For an unclaimed sale: the claim URL printed as a QR, and until when it is valid. */
    claim: z
      .object({
        payload: z.string().min(1).max(1000),
        validUntil: z.iso.datetime({ offset: true }),
      })
      .strict()
      .optional(),
    footer: z.array(z.string().max(200)).max(6).default([]),
  })
  .strict();

export type ReceiptInput = z.input<typeof receiptInputSchema>;

export type Align = 'left' | 'center' | 'right';
export type Block =
  | { kind: 'text'; text: string; align: Align; bold: boolean; double: boolean }
  | { kind: 'pair'; left: string; right: string; bold: boolean; double: boolean }
  | { kind: 'rule' }
  | { kind: 'qr'; payload: string }
  | { kind: 'feed'; lines: number }
  | { kind: 'cut' };

export interface ReceiptDocument {
  locale: Locale;
  saleId: string;
  blocks: Block[];
}

/**
 * A receipt's earned line from an earn headline: the points go in their own column, so the label
 * keeps only the reasons ("+36 (x2 wtorek)" → "x2 wtorek"), and none for the base points alone.
 */
export function earnedLine(points: number, stamps: number, headline: string): { points: number; stamps: number; label?: string } {
  const label = /^[+-]\d+\s*\((.+)\)$/.exec(headline.trim())?.[1];
  return label === undefined ? { points, stamps } : { points, stamps, label };
}

/** Money as the receipt prints it: CLDR grouping, whole forint and koruna without decimals. */
export function formatReceiptMoney(money: Money, locale: Locale): string {
  return formatMoney(money, locale, { grouping: 'locale' });
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

const text = (t: string, align: Align = 'left', bold = false, double = false): Block => ({ kind: 'text', text: t, align, bold, double });
const pair = (left: string, right: string, bold = false, double = false): Block => ({ kind: 'pair', left, right, bold, double });

/**
 * Builds the translated receipt from the sale figures. Throws a zod error naming the field on bad input.
 * `loyaltyBlockOnly`: just the loyalty part (points, balance, progress, claim QR) with no header and
 * no cut, for the print-stream passthrough to add to the till's own receipt before its cut.
 */
export function buildReceiptDocument(input: ReceiptInput, options: { reprint?: boolean; loyaltyBlockOnly?: boolean } = {}): ReceiptDocument {
  const r = receiptInputSchema.parse(input);
  const t = (key: keyof typeof receiptMessages.en, values: Record<string, string | number> = {}) => formatMessage(receiptMessages, r.locale, key, values);
  const pts = (n: number) => formatMessage(commonMessages, r.locale, 'points', { n });
  const stamps = (n: number) => formatMessage(commonMessages, r.locale, 'stamps', { n });
  const blocks: Block[] = [];

  blocks.push(text(r.shop.name, 'center', true, true));
  for (const line of r.shop.lines) blocks.push(text(line, 'center'));
  blocks.push({ kind: 'rule' });
  blocks.push(pair(t('sale', { id: r.saleId }), formatInstant(r.at, r.locale, r.timeZone, 'numericDateTime')));

  if (r.items.length > 0) {
    blocks.push({ kind: 'rule' });
    for (const item of r.items) {
      blocks.push(pair(item.quantity > 1 ? `${item.quantity} x ${item.name}` : item.name, formatReceiptMoney(item.amount, r.locale)));
    }
  }
  if (r.total) {
    blocks.push({ kind: 'rule' });
    // A cash sale's one amount line is what was paid in cash (its total, cash-rounded when rung).
    blocks.push(pair(t(r.payment === 'cash' ? 'paidCash' : 'total'), formatReceiptMoney(r.total, r.locale), true));
  }

  const loyaltyStart = blocks.length;
  blocks.push({ kind: 'rule' });
  blocks.push(text(t('loyaltyTitle'), 'center', true));
  if (r.member?.firstName) blocks.push(text(t('member', { name: r.member.firstName }), 'center'));
  const totalPoints = r.earned.reduce((sum, e) => sum + e.points, 0);
  const totalStamps = r.earned.reduce((sum, e) => sum + e.stamps, 0);
  // The reasons, one line each, only when there is more than the total to say: a single line with
  // no label would print "Earned +40" twice.
  if (r.earned.length > 1 || r.earned.some((e) => e.label !== undefined)) {
    for (const e of r.earned) {
      if (e.points !== 0) blocks.push(pair(e.label ?? t('earnedBase'), signed(e.points)));
      if (e.stamps !== 0) blocks.push(pair(e.label ?? t('stamps'), `${signed(e.stamps)} ${stamps(Math.abs(e.stamps)).replace(/^\d+\s*/, '')}`));
    }
  }
  if (r.earned.length > 0) blocks.push(pair(t('earned'), `${signed(totalPoints)}${totalStamps !== 0 ? ` / ${signed(totalStamps)}` : ''}`, true));
  if (r.member) {
    const { balance, progress } = r.member;
    blocks.push(pair(t('balance'), pts(balance.points), true));
    if (balance.stamps !== undefined) blocks.push(pair(t('stamps'), stamps(balance.stamps)));
    if (progress) {
      const name = progress.rewardName;
      if (progress.ready) blocks.push(text(t('rewardReady', { reward: name }), 'center', true));
      else blocks.push(text(t(progress.unit === 'stamps' ? 'progressStamps' : 'progressPoints', { n: progress.remaining, reward: name }), 'center'));
    }
  }

  if (r.claim) {
    blocks.push({ kind: 'feed', lines: 1 });
    blocks.push(text(t('claimHint'), 'center', true));
    blocks.push({ kind: 'qr', payload: r.claim.payload });
    blocks.push(text(t('claimValid', { date: formatInstant(r.claim.validUntil, r.locale, r.timeZone, 'numericDate') }), 'center'));
  }
  blocks.push({ kind: 'feed', lines: 1 });
  for (const line of r.footer) blocks.push(text(line, 'center'));
  blocks.push(text(t('thanks'), 'center'));
  if (options.loyaltyBlockOnly) return { locale: r.locale, saleId: r.saleId, blocks: blocks.slice(loyaltyStart) };
  blocks.push({ kind: 'feed', lines: 3 });
  blocks.push({ kind: 'cut' });
  const doc = { locale: r.locale, saleId: r.saleId, blocks };
  return options.reprint ? asReprint(doc) : doc;
}

/** The same receipt marked as a copy on top ("*** KOPIA ***"), for Reprint. */
export function asReprint(doc: ReceiptDocument): ReceiptDocument {
  const mark = formatMessage(receiptMessages, doc.locale, 'reprint');
  if (doc.blocks[0]?.kind === 'text' && doc.blocks[0].text === mark) return doc;
  return { ...doc, blocks: [text(mark, 'center', true), ...doc.blocks] };
}

/** The first word of a member's name ("Anna Nowak" → "Anna"), or null when there is none. */
export function firstNameOf(name: string | null | undefined): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first ? first.slice(0, 60) : null;
}

/** The member part of a receipt: first name, balance after the sale (stamps when the shop has a stamp card), progress. */
export type ReceiptMember = NonNullable<ReceiptInput['member']>;

/** The member part from a balance projection (points and stamps per card), progress by `progressToReward`. */
export function receiptMember(program: Pick<Program, 'rules' | 'rewards'>, name: string | null, balance: ProgressBalance, locale?: Locale): ReceiptMember {
  const hasStampCard = program.rules.some((rule) => rule.type === 'stamps');
  return {
    firstName: firstNameOf(name),
    balance: {
      points: balance.points,
      ...(hasStampCard ? { stamps: Object.values(balance.stampsByCard).reduce((sum, n) => sum + n, 0) } : {}),
    },
    progress: progressToReward(program, balance, locale),
  };
}

/**
 * The receipt input of a sale, the same for the kiosk's own slip and the print-stream passthrough's
 * loyalty block: the sale's earned lines, and either the member's first name, balance and progress
 * (a member sale) or the claim QR with its expiry (an unclaimed sale).
 */
export function saleReceiptInput(args: {
  program: Pick<Program, 'name' | 'timeZone' | 'locale' | 'rules' | 'rewards'>;
  sale: SaleView;
  member?: ReceiptMember;
  /** The shop's settings (core/shop-settings.ts `receiptHeader`, language, zone); without them the program's name, language and zone. */
  shop?: { name: string; lines: string[]; locale: Program['locale']; timeZone: string };
}): ReceiptInput {
  const { program, sale, shop } = args;
  const locale = shop?.locale ?? program.locale;
  // Program texts in the receipt's language (core/program/texts.ts): the reward of the progress line,
  // whoever computed it, and the card or campaign an earned line names (stored in the program's language).
  const reward = args.member?.progress ? program.rewards.find((r) => r.id === args.member!.progress!.rewardId) : undefined;
  const member = args.member && reward ? { ...args.member, progress: { ...args.member.progress!, rewardName: rewardName(reward, locale) } } : args.member;
  const labelIn = (line: { points: number; stamps: number; label?: string }): { points: number; stamps: number; label?: string } =>
    line.label === undefined ? line : { ...line, label: ruleLabelIn(program, line.label, locale) };
  return {
    locale,
    timeZone: shop?.timeZone ?? program.timeZone,
    shop: shop ? { name: shop.name, lines: shop.lines.slice(0, 6) } : { name: program.name },
    saleId: sale.tillSaleId,
    at: sale.createdAt,
    total: sale.total,
    payment: sale.payment,
    earned: sale.earned.map((line) => labelIn(earnedLine(line.points, line.stamps, line.reason))),
    ...(member ? { member } : {}),
    ...(sale.claimUrl && sale.claimExpiresAt ? { claim: { payload: sale.claimUrl, validUntil: sale.claimExpiresAt } } : {}),
  };
}
