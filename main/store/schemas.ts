// What the store accepts. The ledger entry itself is core's `ledgerEntrySchema`, used as is.
import { z } from 'zod';
import { moneySchema, paymentKindSchema, type PaymentKind } from '../../core/money';
import { saleSources, type SaleSource } from '../../core/till-api';

const id = z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const instant = z.string().datetime({ offset: true, error: 'must be an ISO 8601 instant such as 2026-11-23T10:15:00Z' });

export const saleLineSchema = z
  .object({
    sku: z.string().max(100).optional(),
    name: z.string().max(200).optional(),
    category: z.string().max(100).optional(),
    quantity: z.number().int('quantity must be a whole number').positive('quantity must be positive'),
    /** Line total in minor units of the sale's currency. */
    amount: z.number().int('line amount must be an integer number of minor units').nonnegative(),
  })
  .strict();
export type SaleLine = z.infer<typeof saleLineSchema>;

// The one list of sale sources lives with the till API, which answers them (core/till-api.ts).
export { saleSources, type SaleSource };

/** A sale's points and stamps per card (stamps rule id → count), as it earned them when rung. */
export const saleEarnedSchema = z
  .object({
    points: z.number().int().nonnegative(),
    stampsByCard: z.record(z.string().min(1).max(64), z.number().int().positive()),
  })
  .strict();
export type SaleEarned = z.infer<typeof saleEarnedSchema>;

export const saleInputSchema = z
  .object({
    /** Chosen by the writer (the kiosk), globally unique. */
    id,
    /** How the kiosk learnt of the sale; `tillSaleId` is unique per source. */
    source: z.enum(saleSources),
    tillSaleId: id.nullable(),
    total: moneySchema.refine((m) => m.amount > 0, 'total must be more than zero'),
    lines: z.array(saleLineSchema).max(500, 'a sale may have at most 500 lines').default([]),
    memberId: id.nullable(),
    /** The claim token shown in the QR, if one was made. */
    claimToken: z.string().min(1).max(500).nullable(),
    /** What the sale earned when rung (core/earn summary: the member's, or anonymous for its QR); kept once, never recomputed. */
    earned: saleEarnedSchema.optional(),
    /** How the customer paid, when the till or staff said it (a cash sale's total is the amount paid in cash). */
    payment: paymentKindSchema.nullable().default(null),
    createdAt: instant,
  })
  .strict();
export type SaleInput = z.input<typeof saleInputSchema>;

export const saleStatuses = ['recorded', 'partly-refunded', 'refunded', 'voided'] as const;
export type SaleStatus = (typeof saleStatuses)[number];

export interface StoredSale {
  id: string;
  source: SaleSource;
  tillSaleId: string | null;
  total: z.infer<typeof moneySchema>;
  lines: SaleLine[];
  memberId: string | null;
  claimToken: string | null;
  /** Null for a sale recorded before sales kept it (store migration 8): its claim QR's figures stand in. */
  earned: SaleEarned | null;
  payment: PaymentKind | null;
  status: SaleStatus;
  /** Sum of refunds so far, in minor units of the sale's currency. */
  refunded: number;
  claimedAt: string | null;
  createdAt: string;
}

export const outboxMessageSchema = z
  .object({
    id,
    topic: z.string().min(1).max(100),
    payload: z.unknown().refine((v) => v !== undefined, 'payload is required'),
    /** Messages of one member are delivered in the order they were enqueued. */
    memberId: id.nullable().default(null),
    createdAt: instant,
  })
  .strict();
export type OutboxMessageInput = z.input<typeof outboxMessageSchema>;

export interface OutboxMessage {
  seq: number;
  id: string;
  topic: string;
  payload: unknown;
  memberId: string | null;
  createdAt: string;
  attempts: number;
}

export const locales = ['pl', 'hu', 'sk', 'cs', 'de', 'en'] as const;

export const memberInputSchema = z
  .object({
    id,
    /** The code on the member card, scanned by staff. */
    code: z.string().min(4).max(64),
    name: z.string().trim().max(200).nullable().default(null),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'phone must be in international form such as +48601234567')
      .nullable()
      .default(null),
    email: z.email({ error: 'email is not a valid address' }).max(254).nullable().default(null),
    /** When the member gave consent, and which privacy text they agreed to; no member without it. */
    consentAt: instant,
    consentText: z.string().min(1).max(100),
    locale: z.enum(locales),
    /** MM-DD or YYYY-MM-DD. */
    birthday: z
      .string()
      .regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'birthday must be MM-DD or YYYY-MM-DD')
      .nullable()
      .default(null),
    referredBy: id.nullable().default(null),
    createdAt: instant,
  })
  .strict()
  .refine((m) => m.phone !== null || m.email !== null, { error: 'a member needs a phone number or an e-mail address', path: ['phone'] });
export type MemberInput = z.input<typeof memberInputSchema>;
export type Member = z.infer<typeof memberInputSchema>;

export const refundInputSchema = z
  .object({
    id,
    saleId: id,
    kind: z.enum(['refund', 'void']),
    /** The till's own refund id, if any (idempotency of till retries is by `id`). */
    tillRefundId: id.nullable().default(null),
    /** For a void, the whole remaining amount is taken and this may be omitted. */
    amount: moneySchema
      .refine((m) => m.amount > 0, 'refund amount must be more than zero')
      .nullable()
      .default(null),
    createdAt: instant,
  })
  .strict();
export type RefundInput = z.input<typeof refundInputSchema>;

export interface StoredRefund {
  id: string;
  saleId: string;
  kind: 'refund' | 'void';
  tillRefundId: string | null;
  amount: z.infer<typeof moneySchema>;
  createdAt: string;
}

export interface Balance {
  memberId: string;
  points: number;
  stamps: number;
  /** Stamps per stamp card, keyed by the entry reason's ruleId ('' when an entry names none). */
  stampsByCard: Record<string, number>;
  /** Number of ledger entries behind this balance. */
  entries: number;
  lastEntryAt: string | null;
}
