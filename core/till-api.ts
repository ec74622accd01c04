import { z } from 'zod';
import { moneySchema, paymentKindSchema } from './money';

/**
 * The till API (ARCHITECTURE.md, "Public interfaces"), declared once: these schemas validate the
 * requests, type the handlers and generate the OpenAPI document.
 */
export const tillSaleIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, {
    error: 'tillSaleId: letters, digits and . _ : / - only, up to 64 characters',
  });

/** At most this many lines and items per line: a basket larger than any shop's, small enough that no sale can mint stamps by the thousand. */
export const MAX_SALE_LINES = 500;
export const MAX_LINE_QUANTITY = 1_000;

export const saleLineSchema = z
  .object({
    name: z.string().min(1).max(120),
    quantity: z
      .number()
      .int()
      .positive()
      .max(MAX_LINE_QUANTITY, { error: `quantity: at most ${MAX_LINE_QUANTITY} items on one line` }),
    total: moneySchema,
    category: z.string().min(1).max(60).optional(),
    sku: z.string().min(1).max(60).optional(),
  })
  .strict();

export const createSaleRequestSchema = z
  .object({
    tillSaleId: tillSaleIdSchema,
    total: moneySchema,
    lines: z
      .array(saleLineSchema)
      .max(MAX_SALE_LINES, { error: `lines: at most ${MAX_SALE_LINES} lines in one sale` })
      .optional(),
    memberCode: z.string().min(1).max(64).optional(),
    /**
     * ISO 8601 instant of the sale at the till; the kiosk's clock when absent. It must lie within the
     * kiosk's allowed skew (a few minutes ahead, at most the claim window behind), checked by the kiosk.
     */
    at: z.string().datetime({ offset: true }).optional(),
    /**
     * How the customer paid: "cash" counts and prints the total rounded to the currency's cash step
     * (HUF to 5 Ft, CZK to 1 Kč; PLN, EUR unchanged); "card" or absent, the total as sent.
     */
    payment: paymentKindSchema.optional(),
  })
  .strict();
export type CreateSaleRequest = z.infer<typeof createSaleRequestSchema>;

export const earnedLineSchema = z
  .object({
    points: z.number().int(),
    stamps: z.number().int(),
    reason: z.string(),
  })
  .strict();

export const saleViewSchema = z
  .object({
    saleId: z.string(),
    tillSaleId: z.string(),
    /** What the sale counts: for a cash sale, the amount paid in cash (the till's total cash-rounded). */
    total: moneySchema,
    /** As the till or staff said it; null when nobody said. */
    payment: paymentKindSchema.nullable(),
    refunded: moneySchema,
    status: z.enum(['open', 'claimed', 'refunded', 'partially_refunded', 'voided']),
    points: z.number().int(),
    stamps: z.number().int(),
    earned: z.array(earnedLineSchema),
    claimUrl: z.string().nullable(),
    claimExpiresAt: z.string().nullable(),
    memberCode: z.string().nullable(),
    createdAt: z.string(),
  })
  .strict();
export type SaleView = z.infer<typeof saleViewSchema>;

/** How the kiosk learnt of a sale: the till API, the staff keypad, the print-stream passthrough, a receipt barcode, the dev panel. */
export const saleSources = ['api', 'keypad', 'passthrough', 'fiscalTap', 'scanner', 'dev'] as const;
export type SaleSource = (typeof saleSources)[number];

export const saleRefundLineSchema = z
  .object({
    refundId: z.string(),
    kind: z.enum(['refund', 'void']),
    amount: moneySchema,
    createdAt: z.string(),
  })
  .strict();

/**
 * A sale as `GET /v1/sales` and `GET /v1/sales/{id}` answer it, whatever path rang it. `claim`:
 * `claimed` (a member has it), `open` (its QR still pays), `expired` (nobody claimed it in time),
 * `closed` (voided or fully refunded before anyone claimed it).
 */
export const saleRecordSchema = saleViewSchema
  .extend({
    source: z.enum(saleSources),
    claim: z.enum(['open', 'claimed', 'expired', 'closed']),
    claimedAt: z.string().nullable(),
    refunds: z.array(saleRefundLineSchema),
  })
  .strict();
export type SaleRecord = z.infer<typeof saleRecordSchema>;

/** At most this many sales per page of `GET /v1/sales`. */
export const MAX_SALES_PAGE = 500;

/** GET /v1/sales?since=…&limit=…&cursor=… : sales in time order, `cursor` from the page before. */
export const saleListQuerySchema = z
  .object({
    since: z.iso
      .datetime({ offset: true, error: 'since: an ISO 8601 instant such as 2026-11-23T10:15:00Z' })
      .optional()
      .describe('Sales rung at or after this instant (the sale time the till sent as `at`, else when the kiosk recorded it)'),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, { error: `limit: a whole number from 1 to ${MAX_SALES_PAGE}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(1, { error: `limit: a whole number from 1 to ${MAX_SALES_PAGE}` })
          .max(MAX_SALES_PAGE, { error: `limit: a whole number from 1 to ${MAX_SALES_PAGE}` }),
      )
      .optional()
      .describe(`Sales per page, 1 to ${MAX_SALES_PAGE} (100 when absent)`),
    cursor: z.string().max(200).optional().describe('`next` of the page before: the page after it'),
  })
  .strict();
export type SaleListQuery = z.infer<typeof saleListQuerySchema>;

export const saleListSchema = z
  .object({
    sales: z.array(saleRecordSchema).max(MAX_SALES_PAGE),
    /** The cursor of the next page; null on the last page. */
    next: z.string().nullable(),
  })
  .strict();
export type SaleList = z.infer<typeof saleListSchema>;

export const refundRequestSchema = z
  .object({
    /** The refund's own id at the till, so a retried refund is not counted twice. */
    refundId: tillSaleIdSchema.optional(),
    /** Omitted: the whole remaining amount. */
    amount: moneySchema.optional(),
  })
  .strict()
  .refine((r) => r.amount === undefined || r.refundId !== undefined, {
    error: 'refundId: required for a partial refund, so that a retried refund is not counted twice',
    path: ['refundId'],
  });
export type RefundRequest = z.infer<typeof refundRequestSchema>;

export const refundViewSchema = z
  .object({
    refundId: z.string(),
    tillSaleId: z.string(),
    amount: moneySchema,
    pointsReversed: z.number().int(),
    stampsReversed: z.number().int(),
    /** Points that could not be taken back because the member had already spent them. */
    pointsNotRecovered: z.number().int(),
    sale: saleViewSchema,
  })
  .strict();
export type RefundView = z.infer<typeof refundViewSchema>;

export const memberViewSchema = z
  .object({
    code: z.string(),
    name: z.string().nullable(),
    points: z.number().int(),
    stamps: z.number().int(),
    tier: z.string().nullable(),
  })
  .strict();
export type MemberView = z.infer<typeof memberViewSchema>;

/** GET /v1/members?query=… : name (prefix), phone in any format, e-mail or member code; best first. */
export const memberSearchQuerySchema = z
  .object({
    query: z.string().trim().min(2, 'query: type at least 2 characters').max(100, 'query: at most 100 characters'),
  })
  .strict();
export const memberListSchema = z.object({ members: z.array(memberViewSchema).max(50) }).strict();

/**
 * POST /v1/members: enrol at the counter. The till asks the customer's consent before it sends this.
 * A contact the kiosk already knows (any format) answers 200 with that member; a new one 201.
 */
export const enrolMemberRequestSchema = z
  .object({
    contact: z.string().trim().min(3).max(254),
    name: z.string().trim().max(80).optional(),
    locale: z.enum(['pl', 'hu', 'sk', 'cs', 'de', 'en']).optional(),
  })
  .strict();
export type EnrolMemberRequest = z.infer<typeof enrolMemberRequestSchema>;

export const healthViewSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    services: z.record(z.string(), z.string()),
    /**
     * The shop this kiosk goes by: the hub's settings as last received (`fromHub`), else what it
     * started with; a till or a script can see that a change on the hub arrived.
     */
    shop: z.object({ name: z.string(), locale: z.string(), location: z.string().nullable(), fromHub: z.boolean() }).strict(),
  })
  .strict();
export type HealthView = z.infer<typeof healthViewSchema>;

/** A voucher as the till sees it: what it is for, what it costs, whether it can still be redeemed. */
export const voucherViewSchema = z
  .object({
    voucherId: z.string(),
    status: z.enum(['valid', 'redeemed', 'expired']),
    reward: z.object({ id: z.string(), name: z.string() }).strict(),
    /** What the voucher's points were (held when it was issued). */
    cost: z.object({ points: z.number().int(), stamps: z.number().int() }).strict(),
    /** The discount to key into the till: an amount (`discount`) or a percentage (`percentOff`); null for a product to hand over. */
    discount: moneySchema.nullable(),
    percentOff: z.number().int().nullable(),
    /** The product to hand over, for a free-product reward. */
    handOver: z.string().nullable(),
    memberCode: z.string(),
    expiresAt: z.string(),
    /** Where and when it was redeemed, as far as this kiosk knows (the hub decides at redeem). */
    redeemed: z
      .object({ redemptionId: z.string(), at: z.string(), where: z.string(), via: z.enum(['hub', 'offline']) })
      .strict()
      .nullable(),
  })
  .strict();
export type VoucherView = z.infer<typeof voucherViewSchema>;

export const redeemVoucherRequestSchema = z
  .object({
    /** The till's own id for this redemption: a retry with the same id answers the same redemption. */
    redemptionId: tillSaleIdSchema,
  })
  .strict();
export type RedeemVoucherRequest = z.infer<typeof redeemVoucherRequestSchema>;

export const voucherRedemptionViewSchema = z
  .object({
    redemptionId: z.string(),
    /** 'hub': the hub decided (once in the whole shop); 'offline': accepted here on its signature, the hub is told when it is back. */
    via: z.enum(['hub', 'offline']),
    voucher: voucherViewSchema,
  })
  .strict();
export type VoucherRedemptionView = z.infer<typeof voucherRedemptionViewSchema>;

export const errorViewSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).strict(),
  })
  .strict();

/** What the till API needs from the kiosk; main's sale service implements it. */
export interface TillPort {
  createSale(request: CreateSaleRequest): Promise<{ created: boolean; sale: SaleView }>;
  /** A sale by the till API's tillSaleId, else by the kiosk's saleId, else by the till id another path gave it. */
  findSale(id: string): SaleRecord | undefined;
  listSales(query: SaleListQuery): SaleList;
  refundSale(tillSaleId: string, request: RefundRequest): Promise<RefundView>;
  voidSale(tillSaleId: string): Promise<RefundView>;
  /** By member code, card QR or phone number. */
  getMember(code: string): MemberView | undefined;
  getVoucher(code: string): VoucherView;
  /** `created` false: the same redemptionId was seen before for this voucher (a retry). */
  redeemVoucherForTill(code: string, request: RedeemVoucherRequest): Promise<{ created: boolean; redemption: VoucherRedemptionView }>;
  searchMemberViews(query: string): MemberView[];
  enrolMember(request: EnrolMemberRequest): Promise<{ created: boolean; member: MemberView }>;
  health(): HealthView;
}
